-- +goose Up
INSERT INTO rbac_version (id, version) VALUES (1, 1);
-- +goose Down
DELETE FROM rbac_version WHERE id = 1;

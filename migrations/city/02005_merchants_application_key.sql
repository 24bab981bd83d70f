-- +goose Up
-- approved_from is the application a merchant was approved from (NULL for
-- merchants made otherwise), unique so approving twice cannot make two.
ALTER TABLE merchants ADD COLUMN approved_from BIGINT NULL;
-- +goose Down
ALTER TABLE merchants DROP COLUMN approved_from;

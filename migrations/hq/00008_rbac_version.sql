-- +goose Up
CREATE TABLE rbac_version (
  id INT NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL
) ENGINE=InnoDB;
-- +goose Down
DROP TABLE rbac_version;

-- +goose Up
CREATE TABLE login_failures (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  key_hash VARBINARY(32) NOT NULL,
  at DATETIME(6) NOT NULL,
  KEY ix_login_failures (key_hash, at)
) ENGINE=InnoDB;
-- +goose Down
DROP TABLE login_failures;

-- +goose Up
CREATE TABLE idempotency_keys (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  idem_key VARCHAR(128) NOT NULL,
  route VARCHAR(128) NOT NULL,
  request_hash VARBINARY(32) NOT NULL,
  status INT NOT NULL DEFAULT 0,
  response MEDIUMBLOB NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_idempotency (account_id, idem_key),
  KEY ix_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE idempotency_keys;

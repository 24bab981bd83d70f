-- +goose Up
CREATE TABLE refresh_tokens (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  family_id VARCHAR(32) NOT NULL,
  token_hash VARBINARY(32) NOT NULL,
  scope VARCHAR(40) NOT NULL DEFAULT '',
  role VARCHAR(32) NOT NULL DEFAULT '',
  merchant_id BIGINT NOT NULL DEFAULT 0,
  staff_id BIGINT NOT NULL DEFAULT 0,
  used_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  expires_at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_refresh_hash (token_hash),
  KEY ix_refresh_family (family_id),
  KEY ix_refresh_account (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE refresh_tokens;

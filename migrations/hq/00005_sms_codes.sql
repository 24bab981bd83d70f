-- +goose Up
CREATE TABLE sms_codes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone_hash VARBINARY(32) NOT NULL,
  purpose VARCHAR(16) NOT NULL,
  code_hash VARBINARY(32) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  KEY ix_sms_codes_phone (phone_hash, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE sms_codes;

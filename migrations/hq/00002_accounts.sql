-- +goose Up
CREATE TABLE accounts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone_hash VARBINARY(32) NULL,
  phone_enc VARBINARY(255) NULL,
  phone_masked VARCHAR(32) NOT NULL DEFAULT '',
  email_hash VARBINARY(32) NULL,
  email_enc VARBINARY(512) NULL,
  email_masked VARCHAR(128) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  display_name VARCHAR(64) NOT NULL DEFAULT '',
  avatar_url VARCHAR(512) NOT NULL DEFAULT '',
  locale VARCHAR(8) NOT NULL DEFAULT 'zh',
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  token_epoch BIGINT NOT NULL DEFAULT 0,
  referrer_id BIGINT NULL,
  referral_code VARCHAR(16) NULL,
  notify_sms TINYINT(1) NOT NULL DEFAULT 1,
  notify_push TINYINT(1) NOT NULL DEFAULT 1,
  push_token VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_accounts_phone (phone_hash),
  UNIQUE KEY uk_accounts_email (email_hash),
  UNIQUE KEY uk_accounts_referral (referral_code),
  KEY ix_accounts_referrer (referrer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE accounts;

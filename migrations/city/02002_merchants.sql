-- +goose Up
CREATE TABLE merchants (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_id BIGINT NOT NULL,
  application_id BIGINT NOT NULL DEFAULT 0,
  approved_from BIGINT NULL,
  name VARCHAR(128) NOT NULL,
  logo_url VARCHAR(512) NOT NULL DEFAULT '',
  intro TEXT NOT NULL,
  licence_no VARCHAR(64) NOT NULL,
  contact_name VARCHAR(64) NOT NULL,
  contact_phone_enc VARBINARY(255) NOT NULL,
  contact_phone_masked VARCHAR(32) NOT NULL,
  categories TEXT NOT NULL,
  area TEXT NOT NULL,
  opening_hours TEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  commission_bps BIGINT NULL,
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  rating_avg INT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_merchants_owner (owner_id),
  KEY ix_merchants_status (status, id),
  UNIQUE KEY uk_merchants_approved_from (approved_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE merchants;

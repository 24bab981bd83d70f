-- +goose Up
CREATE TABLE customer_addresses (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  label VARCHAR(32) NOT NULL DEFAULT '',
  contact_name VARCHAR(64) NOT NULL,
  phone_enc VARBINARY(255) NOT NULL,
  phone_masked VARCHAR(32) NOT NULL,
  address_enc VARBINARY(1024) NOT NULL,
  address_masked VARCHAR(255) NOT NULL,
  district VARCHAR(64) NOT NULL DEFAULT '',
  lat DOUBLE NOT NULL,
  lng DOUBLE NOT NULL,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  key_id INT NOT NULL DEFAULT 1,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  deleted_at DATETIME(6) NULL,
  KEY ix_addresses_account (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE customer_addresses;

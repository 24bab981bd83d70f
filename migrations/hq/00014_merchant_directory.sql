-- +goose Up
CREATE TABLE merchant_directory (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  city VARCHAR(16) NOT NULL,
  merchant_id BIGINT NOT NULL,
  name VARCHAR(128) NOT NULL,
  status VARCHAR(16) NOT NULL,
  owner_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_merchant_directory (city, merchant_id),
  KEY ix_merchant_directory_owner (owner_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE merchant_directory;

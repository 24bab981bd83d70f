-- +goose Up
CREATE TABLE cities (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(16) NOT NULL,
  name VARCHAR(64) NOT NULL,
  name_en VARCHAR(64) NOT NULL DEFAULT '',
  zone VARCHAR(64) NOT NULL,
  currency CHAR(3) NOT NULL DEFAULT 'CNY',
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  bookings_paused TINYINT(1) NOT NULL DEFAULT 0,
  placement VARCHAR(64) NOT NULL,
  schema_name VARCHAR(64) NOT NULL,
  commission_bps BIGINT NOT NULL DEFAULT 1000,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_cities_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE cities;

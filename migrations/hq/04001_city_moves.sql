-- +goose Up
CREATE TABLE city_moves (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  city VARCHAR(16) NOT NULL,
  from_placement VARCHAR(64) NOT NULL,
  to_placement VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  step VARCHAR(32) NOT NULL DEFAULT '',
  detail TEXT NULL,
  started_by BIGINT NOT NULL DEFAULT 0,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  running_city VARCHAR(16) NULL,
  KEY ix_city_moves_city (city, id),
  UNIQUE KEY uk_city_moves_running (running_city)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE city_moves;

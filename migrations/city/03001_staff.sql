-- +goose Up
CREATE TABLE staff (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  display_name VARCHAR(64) NOT NULL,
  photo_url VARCHAR(512) NOT NULL DEFAULT '',
  bio TEXT NOT NULL,
  years_experience INT NOT NULL DEFAULT 0,
  skills TEXT NOT NULL,
  skill_mask BIGINT UNSIGNED NOT NULL DEFAULT 0,
  area TEXT NULL,
  work_start_min INT NOT NULL DEFAULT 480,
  work_end_min INT NOT NULL DEFAULT 1200,
  work_days INT NOT NULL DEFAULT 127,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  on_duty TINYINT(1) NOT NULL DEFAULT 0,
  lat DOUBLE NOT NULL DEFAULT 0,
  lng DOUBLE NOT NULL DEFAULT 0,
  located_at DATETIME(6) NULL,
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  rating_avg INT NOT NULL DEFAULT 0,
  completed_jobs BIGINT NOT NULL DEFAULT 0,
  offers_received BIGINT NOT NULL DEFAULT 0,
  offers_accepted BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_staff_account_merchant (account_id, merchant_id),
  KEY ix_staff_merchant (merchant_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE staff;

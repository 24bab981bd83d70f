-- +goose Up
CREATE TABLE service_items (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id BIGINT NOT NULL,
  category_id BIGINT NOT NULL,
  category_code VARCHAR(32) NOT NULL,
  title VARCHAR(128) NOT NULL,
  description TEXT NOT NULL,
  photos TEXT NOT NULL,
  price_model VARCHAR(16) NOT NULL,
  price_fen BIGINT NOT NULL DEFAULT 0,
  price_max_fen BIGINT NOT NULL DEFAULT 0,
  deposit_fen BIGINT NOT NULL DEFAULT 0,
  unit VARCHAR(16) NOT NULL DEFAULT '次',
  duration_min INT NOT NULL,
  skills TEXT NOT NULL,
  skill_mask BIGINT UNSIGNED NOT NULL DEFAULT 0,
  area TEXT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'off',
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  rating_avg INT NOT NULL DEFAULT 0,
  sales_count BIGINT NOT NULL DEFAULT 0,
  search_text TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_items_merchant (merchant_id, status),
  KEY ix_items_category (category_code, status, id),
  KEY ix_items_status_sales (status, sales_count, id),
  KEY ix_items_status_rating (status, rating_avg, id),
  KEY ix_items_status_price (status, price_fen, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE service_items;

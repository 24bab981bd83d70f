-- +goose Up
CREATE TABLE reviews (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  merchant_id BIGINT NOT NULL,
  service_item_id BIGINT NOT NULL,
  staff_id BIGINT NOT NULL DEFAULT 0,
  overall TINYINT NOT NULL,
  punctuality TINYINT NOT NULL,
  skill TINYINT NOT NULL,
  attitude TINYINT NOT NULL,
  content VARCHAR(2000) NOT NULL DEFAULT '',
  photos TEXT NOT NULL,
  anonymous TINYINT(1) NOT NULL DEFAULT 0,
  reply VARCHAR(1000) NOT NULL DEFAULT '',
  replied_at DATETIME(6) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'visible',
  report_count INT NOT NULL DEFAULT 0,
  hidden_reason VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_reviews_order (order_id),
  KEY ix_reviews_item (service_item_id, status, id),
  KEY ix_reviews_staff (staff_id, status, id),
  KEY ix_reviews_merchant (merchant_id, status, id),
  KEY ix_reviews_reported (report_count, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE reviews;

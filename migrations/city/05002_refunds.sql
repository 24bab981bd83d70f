-- +goose Up
CREATE TABLE refunds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  refund_no VARCHAR(40) NOT NULL,
  payment_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  reason VARCHAR(255) NOT NULL DEFAULT '',
  source VARCHAR(24) NOT NULL,
  status VARCHAR(16) NOT NULL,
  provider_refund_id VARCHAR(64) NOT NULL DEFAULT '',
  attempts INT NOT NULL DEFAULT 0,
  failures INT NOT NULL DEFAULT 0,
  last_error VARCHAR(255) NOT NULL DEFAULT '',
  next_check_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  completed_at DATETIME(6) NULL,
  UNIQUE KEY uk_refunds_no (refund_no),
  KEY ix_refunds_payment (payment_id),
  KEY ix_refunds_status (status, id),
  KEY ix_refunds_completed (status, completed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE refunds;

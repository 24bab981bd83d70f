-- +goose Up
CREATE TABLE payments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payment_no VARCHAR(40) NOT NULL,
  order_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  method VARCHAR(16) NOT NULL,
  amount_fen BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  provider_txn_id VARCHAR(64) NOT NULL DEFAULT '',
  refunded_fen BIGINT NOT NULL DEFAULT 0,
  pay_url VARCHAR(1024) NOT NULL DEFAULT '',
  qr_code VARCHAR(512) NOT NULL DEFAULT '',
  paid_at DATETIME(6) NULL,
  expires_at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_payments_no (payment_no),
  KEY ix_payments_order (order_id),
  KEY ix_payments_paid_at (status, paid_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE payments;

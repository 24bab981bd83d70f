-- +goose Up
-- The sandbox payment gateway's refunds; out_refund_no makes a repeated
-- request refund once.
CREATE TABLE sandbox_refunds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  out_refund_no VARCHAR(64) NOT NULL,
  refund_id VARCHAR(64) NOT NULL,
  out_trade_no VARCHAR(64) NOT NULL,
  amount_fen BIGINT NOT NULL,
  reason VARCHAR(255) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  completed_at DATETIME(6) NULL,
  UNIQUE KEY uk_sandbox_refunds_no (out_refund_no),
  KEY ix_sandbox_refunds_trade (out_trade_no),
  KEY ix_sandbox_refunds_completed (completed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE sandbox_refunds;

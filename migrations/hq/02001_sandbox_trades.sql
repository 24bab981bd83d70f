-- +goose Up
-- The sandbox payment gateway's trades (development and demos only): what a
-- provider would know of each payment. out_trade_no carries the city code,
-- so it is unique across cities.
CREATE TABLE sandbox_trades (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  out_trade_no VARCHAR(64) NOT NULL,
  trade_no VARCHAR(64) NOT NULL,
  city VARCHAR(16) NOT NULL DEFAULT '',
  subject VARCHAR(255) NOT NULL DEFAULT '',
  amount_fen BIGINT NOT NULL,
  notify_url VARCHAR(512) NOT NULL,
  return_url VARCHAR(512) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL,
  expires_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  paid_at DATETIME(6) NULL,
  UNIQUE KEY uk_sandbox_trades_no (out_trade_no),
  KEY ix_sandbox_trades_paid (status, paid_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE sandbox_trades;

-- +goose Up
CREATE TABLE payment_notices (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  method VARCHAR(16) NOT NULL,
  event_key VARCHAR(128) NOT NULL,
  payment_no VARCHAR(40) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount_fen BIGINT NOT NULL,
  outcome VARCHAR(32) NOT NULL,
  received_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_payment_notices (method, event_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE payment_notices;

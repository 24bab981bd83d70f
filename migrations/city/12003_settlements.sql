-- +goose Up
CREATE TABLE settlements (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  payee_type VARCHAR(16) NOT NULL,
  payee_id BIGINT NOT NULL,
  gross_fen BIGINT NOT NULL,
  net_fen BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_settlements (period_start, payee_type, payee_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE settlements;

-- +goose Up
CREATE TABLE payouts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payee_type VARCHAR(16) NOT NULL,
  payee_id BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  bank_account_masked VARCHAR(64) NOT NULL DEFAULT '',
  requested_by BIGINT NOT NULL,
  decided_by BIGINT NOT NULL DEFAULT 0,
  note VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  decided_at DATETIME(6) NULL,
  KEY ix_payouts_payee (payee_type, payee_id, id),
  KEY ix_payouts_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE payouts;

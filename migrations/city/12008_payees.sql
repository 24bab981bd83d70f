-- +goose Up
-- One row per payee (merchant or staff member) that ever asked for a
-- payout: payout requests lock it, so two requests of one payee take turns
-- and can never together exceed the available balance.
CREATE TABLE payees (
  payee_type VARCHAR(16) NOT NULL,
  payee_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (payee_type, payee_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE payees;

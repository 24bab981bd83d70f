-- +goose Up
CREATE TABLE ledger_entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  txn_id VARCHAR(64) NOT NULL,
  txn_kind VARCHAR(32) NOT NULL,
  order_id BIGINT NOT NULL DEFAULT 0,
  account VARCHAR(48) NOT NULL,
  owner_id BIGINT NOT NULL DEFAULT 0,
  amount_fen BIGINT NOT NULL,
  memo VARCHAR(255) NOT NULL DEFAULT '',
  at DATETIME(6) NOT NULL,
  KEY ix_ledger_txn (txn_id),
  KEY ix_ledger_order (order_id),
  KEY ix_ledger_account (account, owner_id, id),
  KEY ix_ledger_at (at),
  KEY ix_ledger_account_at (account, owner_id, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE ledger_entries;

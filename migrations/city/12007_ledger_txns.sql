-- +goose Up
-- One row per ledger transaction, claimed before its lines are written in
-- the same database transaction: the primary key on txn_id ("pay:<no>",
-- "complete:<order_no>" ...) makes an event that is delivered twice post
-- once. Append-only like ledger_entries.
CREATE TABLE ledger_txns (
  txn_id VARCHAR(64) NOT NULL PRIMARY KEY,
  txn_kind VARCHAR(32) NOT NULL,
  order_id BIGINT NOT NULL DEFAULT 0,
  line_count INT NOT NULL,
  at DATETIME(6) NOT NULL,
  KEY ix_ledger_txns_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE ledger_txns;

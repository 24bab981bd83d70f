-- +goose Up
-- Every dispatch decision with its explanation (JSON: each candidate
-- considered, the rule that excluded them or their score, the choice).
-- mode: smart | manual; outcome: offered | escalated | assigned.
CREATE TABLE dispatch_decisions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  round INT NOT NULL,
  mode VARCHAR(16) NOT NULL,
  chosen_staff_id BIGINT NOT NULL DEFAULT 0,
  outcome VARCHAR(24) NOT NULL,
  reason VARCHAR(32) NOT NULL DEFAULT '',
  considered INT NOT NULL DEFAULT 0,
  qualified INT NOT NULL DEFAULT 0,
  explanation MEDIUMTEXT NOT NULL,
  took_us BIGINT NOT NULL DEFAULT 0,
  actor_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  KEY ix_dispatch_decisions_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE dispatch_decisions;

-- +goose Up
-- Refund follow-up: attempts counts every step (a task for another step is
-- a repeat and does nothing), failures the provider calls that failed;
-- next_check_at is when the next step is due (NULL once final).
ALTER TABLE refunds
  ADD COLUMN failures INT NOT NULL DEFAULT 0 AFTER attempts,
  ADD COLUMN next_check_at DATETIME(6) NULL AFTER last_error;
-- +goose Down
ALTER TABLE refunds DROP COLUMN failures, DROP COLUMN next_check_at;

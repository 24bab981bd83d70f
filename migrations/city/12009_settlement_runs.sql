-- +goose Up
-- One row per settled period of the city (dates in the city's time zone,
-- both ends included). Periods follow one another without gaps: the next
-- starts the day after the last one's period_end, so changing the period
-- length from daily to weekly never settles a day twice. The primary key
-- is the claim that makes a run idempotent.
CREATE TABLE settlement_runs (
  period_start DATE NOT NULL PRIMARY KEY,
  period_end DATE NOT NULL,
  period_kind VARCHAR(8) NOT NULL,
  payees INT NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE settlement_runs;

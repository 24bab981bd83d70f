-- +goose Up
-- One offer of one order to one staff member per smart-dispatch round.
-- status: offered (open until deadline) | accepted | declined | expired (the
-- deadline passed) | failed (accepted, but the time was taken meanwhile) |
-- withdrawn (the order was assigned another way or left dispatch).
CREATE TABLE dispatch_offers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  round INT NOT NULL,
  staff_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  score DOUBLE NOT NULL DEFAULT 0,
  distance_m INT NOT NULL DEFAULT 0,
  decision_id BIGINT NOT NULL DEFAULT 0,
  offered_at DATETIME(6) NOT NULL,
  deadline DATETIME(6) NOT NULL,
  responded_at DATETIME(6) NULL,
  decline_reason VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uk_dispatch_offers_round (order_id, round),
  KEY ix_dispatch_offers_staff (staff_id, status),
  KEY ix_dispatch_offers_offered (offered_at),
  KEY ix_dispatch_offers_responded (responded_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE dispatch_offers;

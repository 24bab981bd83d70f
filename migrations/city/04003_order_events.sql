-- +goose Up
CREATE TABLE order_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  event VARCHAR(32) NOT NULL,
  from_status VARCHAR(24) NOT NULL,
  to_status VARCHAR(24) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  actor_role VARCHAR(32) NOT NULL DEFAULT '',
  reason VARCHAR(500) NOT NULL DEFAULT '',
  at DATETIME(6) NOT NULL,
  KEY ix_order_events_order (order_id, id),
  KEY ix_order_events_event_at (event, at, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE order_events;

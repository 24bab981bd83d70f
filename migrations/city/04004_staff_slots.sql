-- +goose Up
CREATE TABLE staff_slots (
  staff_id BIGINT NOT NULL,
  slot_start DATETIME NOT NULL,
  order_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (staff_id, slot_start),
  KEY ix_staff_slots_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE staff_slots;

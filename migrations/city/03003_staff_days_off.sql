-- +goose Up
CREATE TABLE staff_days_off (
  staff_id BIGINT NOT NULL,
  day DATE NOT NULL,
  PRIMARY KEY (staff_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE staff_days_off;

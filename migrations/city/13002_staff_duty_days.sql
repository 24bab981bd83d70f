-- +goose Up
-- Who was seen on duty on a city-local day: every statistics rollup of the
-- city's today adds the staff on duty at that moment (sampled, as duty has
-- no history of its own); active_staff counts them.
CREATE TABLE staff_duty_days (
  day DATE NOT NULL,
  staff_id BIGINT NOT NULL,
  seen_at DATETIME(6) NOT NULL,
  PRIMARY KEY (day, staff_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE staff_duty_days;

-- +goose Up
CREATE TABLE figures (
  day DATE NOT NULL,
  merchant_id BIGINT NOT NULL DEFAULT 0,
  measure VARCHAR(48) NOT NULL,
  value BIGINT NOT NULL,
  computed_at DATETIME(6) NOT NULL,
  PRIMARY KEY (day, merchant_id, measure)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE figures;

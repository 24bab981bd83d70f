-- +goose Up
CREATE TABLE dispatch_policies (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id BIGINT NOT NULL DEFAULT 0,
  policy TEXT NOT NULL,
  updated_by BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_dispatch_policies_merchant (merchant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE dispatch_policies;

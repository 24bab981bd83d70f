-- +goose Up
CREATE TABLE coupons (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  issuer VARCHAR(16) NOT NULL,
  merchant_id BIGINT NOT NULL DEFAULT 0,
  title VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount_fen BIGINT NOT NULL DEFAULT 0,
  percent_bps BIGINT NOT NULL DEFAULT 0,
  cap_fen BIGINT NOT NULL DEFAULT 0,
  min_spend_fen BIGINT NOT NULL DEFAULT 0,
  category_codes TEXT NOT NULL,
  category_scope TEXT NOT NULL,
  item_ids TEXT NOT NULL,
  valid_from DATETIME(6) NOT NULL,
  valid_to DATETIME(6) NOT NULL,
  total_limit BIGINT NOT NULL DEFAULT 0,
  per_customer_limit INT NOT NULL DEFAULT 1,
  issued_count BIGINT NOT NULL DEFAULT 0,
  used_count BIGINT NOT NULL DEFAULT 0,
  audience VARCHAR(16) NOT NULL DEFAULT 'all',
  claimable TINYINT(1) NOT NULL DEFAULT 1,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_coupons_issuer (issuer, merchant_id, status),
  KEY ix_coupons_claimable (status, claimable, valid_to)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE coupons;

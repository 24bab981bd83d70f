-- +goose Up
CREATE TABLE customer_coupons (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  coupon_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  source VARCHAR(16) NOT NULL DEFAULT 'claim',
  order_id BIGINT NOT NULL DEFAULT 0,
  claimed_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  expires_at DATETIME(6) NOT NULL,
  KEY ix_customer_coupons_account (account_id, status, expires_at),
  KEY ix_customer_coupons_coupon (coupon_id, account_id),
  KEY ix_customer_coupons_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE customer_coupons;

-- +goose Up
CREATE TABLE referral_rewards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invitee_id BIGINT NOT NULL,
  referrer_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  coupon_id BIGINT NOT NULL DEFAULT 0,
  invitee_coupon_id BIGINT NOT NULL DEFAULT 0,
  referrer_coupon_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_referral_rewards_invitee (invitee_id),
  KEY ix_referral_rewards_referrer (referrer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE referral_rewards;

-- +goose Up
CREATE TABLE aftersales (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  merchant_id BIGINT NOT NULL,
  staff_id BIGINT NOT NULL DEFAULT 0,
  reason VARCHAR(64) NOT NULL,
  detail VARCHAR(1000) NOT NULL DEFAULT '',
  photos TEXT NOT NULL,
  requested_fen BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(24) NOT NULL,
  merchant_reply VARCHAR(1000) NOT NULL DEFAULT '',
  merchant_offer_fen BIGINT NOT NULL DEFAULT 0,
  replied_at DATETIME(6) NULL,
  decision VARCHAR(24) NOT NULL DEFAULT '',
  refund_fen BIGINT NOT NULL DEFAULT 0,
  bearer VARCHAR(16) NOT NULL DEFAULT '',
  decision_note VARCHAR(1000) NOT NULL DEFAULT '',
  decided_by BIGINT NOT NULL DEFAULT 0,
  decided_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_aftersales_order (order_id),
  KEY ix_aftersales_status (status, id),
  KEY ix_aftersales_merchant (merchant_id, status),
  KEY ix_aftersales_customer (customer_id, id),
  KEY ix_aftersales_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE aftersales;

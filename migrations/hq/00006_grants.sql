-- +goose Up
CREATE TABLE grants (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  domain VARCHAR(40) NOT NULL,
  role VARCHAR(32) NOT NULL,
  merchant_id BIGINT NOT NULL DEFAULT 0,
  staff_id BIGINT NOT NULL DEFAULT 0,
  granted_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_grants (account_id, domain, role, merchant_id),
  KEY ix_grants_domain (domain, role)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE grants;

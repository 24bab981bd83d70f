-- +goose Up
CREATE TABLE certifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  staff_id BIGINT NOT NULL,
  merchant_id BIGINT NOT NULL,
  name VARCHAR(128) NOT NULL,
  skill_code VARCHAR(32) NOT NULL DEFAULT '',
  issuer VARCHAR(128) NOT NULL,
  document_url VARCHAR(512) NOT NULL,
  expires_on DATE NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  verified_by BIGINT NOT NULL DEFAULT 0,
  verified_at DATETIME(6) NULL,
  note VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  KEY ix_certs_staff (staff_id),
  KEY ix_certs_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE certifications;

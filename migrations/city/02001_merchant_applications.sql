-- +goose Up
CREATE TABLE merchant_applications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  applicant_id BIGINT NOT NULL,
  name VARCHAR(128) NOT NULL,
  licence_no VARCHAR(64) NOT NULL,
  licence_url VARCHAR(512) NOT NULL,
  contact_name VARCHAR(64) NOT NULL,
  contact_phone_enc VARBINARY(255) NOT NULL,
  contact_phone_masked VARCHAR(32) NOT NULL,
  categories TEXT NOT NULL,
  area TEXT NOT NULL,
  intro TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  review_note VARCHAR(512) NOT NULL DEFAULT '',
  reviewer_id BIGINT NOT NULL DEFAULT 0,
  reviewed_at DATETIME(6) NULL,
  merchant_id BIGINT NOT NULL DEFAULT 0,
  open_applicant BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_applications_status (status, id),
  KEY ix_applications_applicant (applicant_id),
  UNIQUE KEY uk_applications_open (open_applicant)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE merchant_applications;

-- +goose Up
CREATE TABLE pages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_type VARCHAR(16) NOT NULL,
  owner_id BIGINT NOT NULL DEFAULT 0,
  page_key VARCHAR(64) NOT NULL,
  template VARCHAR(32) NOT NULL DEFAULT '',
  draft MEDIUMTEXT NOT NULL,
  draft_version BIGINT NOT NULL DEFAULT 0,
  published MEDIUMTEXT NULL,
  published_version BIGINT NOT NULL DEFAULT 0,
  published_at DATETIME(6) NULL,
  updated_by BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_pages (owner_type, owner_id, page_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE pages;

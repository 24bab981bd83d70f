-- +goose Up
CREATE TABLE pages_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  page_id BIGINT NOT NULL,
  version BIGINT NOT NULL,
  template VARCHAR(32) NOT NULL DEFAULT '',
  document MEDIUMTEXT NOT NULL,
  published_by BIGINT NOT NULL DEFAULT 0,
  published_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_pages_history (page_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE pages_history;

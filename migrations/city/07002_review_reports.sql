-- +goose Up
CREATE TABLE review_reports (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  reporter_id BIGINT NOT NULL,
  reporter_role VARCHAR(32) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_review_reports (review_id, reporter_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE review_reports;

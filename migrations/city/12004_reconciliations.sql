-- +goose Up
CREATE TABLE reconciliations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  day DATE NOT NULL,
  method VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  ours_count INT NOT NULL DEFAULT 0,
  theirs_count INT NOT NULL DEFAULT 0,
  differences MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_reconciliations (day, method)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE reconciliations;

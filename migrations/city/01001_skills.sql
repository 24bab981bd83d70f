-- +goose Up
CREATE TABLE skills (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  name VARCHAR(64) NOT NULL,
  name_en VARCHAR(64) NOT NULL DEFAULT '',
  category_code VARCHAR(32) NOT NULL DEFAULT '',
  bit INT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_skills_code (code),
  UNIQUE KEY uk_skills_bit (bit)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE skills;

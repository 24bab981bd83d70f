-- +goose Up
CREATE TABLE sandbox_messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  recipient_hash VARBINARY(32) NOT NULL,
  template VARCHAR(64) NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY ix_sandbox_recipient (recipient_hash, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE sandbox_messages;

-- +goose Up
CREATE TABLE outbox_messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  task_type VARCHAR(64) NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  queue VARCHAR(32) NOT NULL DEFAULT 'default',
  process_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  sent_at DATETIME(6) NULL,
  attempts INT NOT NULL DEFAULT 0,
  last_error VARCHAR(255) NOT NULL DEFAULT '',
  KEY ix_outbox_messages_pending (sent_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE outbox_messages;

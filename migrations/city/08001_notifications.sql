-- +goose Up
CREATE TABLE notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  event VARCHAR(48) NOT NULL,
  dedupe_key VARCHAR(96) NOT NULL,
  title VARCHAR(128) NOT NULL,
  body VARCHAR(1000) NOT NULL,
  data TEXT NOT NULL,
  read_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_notifications_dedupe (dedupe_key),
  KEY ix_notifications_account (account_id, id),
  KEY ix_notifications_unread (account_id, read_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE notifications;

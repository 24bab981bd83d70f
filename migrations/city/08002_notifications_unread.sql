-- +goose Up
-- The unread count of one person's inbox.
CREATE INDEX ix_notifications_unread ON notifications (account_id, read_at);
-- +goose Down
DROP INDEX ix_notifications_unread ON notifications;

-- +goose Up
CREATE TABLE audit_log (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(6) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  actor_role VARCHAR(32) NOT NULL DEFAULT '',
  scope VARCHAR(40) NOT NULL DEFAULT '',
  city VARCHAR(16) NOT NULL DEFAULT '',
  action VARCHAR(64) NOT NULL,
  target_type VARCHAR(32) NOT NULL DEFAULT '',
  target_id VARCHAR(64) NOT NULL DEFAULT '',
  outcome VARCHAR(16) NOT NULL DEFAULT 'ok',
  ip VARCHAR(64) NOT NULL DEFAULT '',
  request_id VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NULL,
  KEY ix_audit_city_at (city, at),
  KEY ix_audit_action_at (action, at),
  KEY ix_audit_actor (actor_id, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- +goose Down
DROP TABLE audit_log;

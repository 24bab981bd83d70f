-- +goose Up
-- Snapshots shown on public lists (never the account id), and what moderation
-- needs: counted says whether the stars are in the item, staff and merchant
-- ratings (a review hidden as fraudulent is not; one hidden for its text is).
ALTER TABLE reviews
  ADD COLUMN order_no VARCHAR(32) NOT NULL DEFAULT '' AFTER order_id,
  ADD COLUMN reviewer_name VARCHAR(64) NOT NULL DEFAULT '' AFTER anonymous,
  ADD COLUMN item_title VARCHAR(128) NOT NULL DEFAULT '' AFTER reviewer_name,
  ADD COLUMN counted TINYINT(1) NOT NULL DEFAULT 1 AFTER status,
  ADD COLUMN hidden_note VARCHAR(500) NOT NULL DEFAULT '' AFTER hidden_reason,
  ADD COLUMN hidden_by BIGINT NOT NULL DEFAULT 0 AFTER hidden_note,
  ADD COLUMN hidden_at DATETIME(6) NULL AFTER hidden_by;
-- +goose Down
ALTER TABLE reviews DROP COLUMN order_no, DROP COLUMN reviewer_name, DROP COLUMN item_title, DROP COLUMN counted,
  DROP COLUMN hidden_note, DROP COLUMN hidden_by, DROP COLUMN hidden_at;

-- +goose Up
-- The merchant's own list shows every status, newest first.
CREATE INDEX ix_reviews_merchant_all ON reviews (merchant_id, id);
-- +goose Down
DROP INDEX ix_reviews_merchant_all ON reviews;

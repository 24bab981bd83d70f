-- +goose Up
CREATE UNIQUE INDEX uk_merchants_approved_from ON merchants (approved_from);
-- +goose Down
DROP INDEX uk_merchants_approved_from ON merchants;

-- +goose Up
ALTER TABLE orders ADD COLUMN price_max_fen BIGINT NOT NULL DEFAULT 0 AFTER price_fen;
-- +goose Down
ALTER TABLE orders DROP COLUMN price_max_fen;

-- +goose Up
CREATE INDEX ix_aftersales_customer ON aftersales (customer_id, id);
-- +goose Down
DROP INDEX ix_aftersales_customer ON aftersales;

-- +goose Up
-- What the payer needs to pay (a page URL or a QR code text), kept so a
-- second pay request for the same amount hands back the same payment.
ALTER TABLE payments
  ADD COLUMN pay_url VARCHAR(1024) NOT NULL DEFAULT '' AFTER refunded_fen,
  ADD COLUMN qr_code VARCHAR(512) NOT NULL DEFAULT '' AFTER pay_url;
-- +goose Down
ALTER TABLE payments DROP COLUMN pay_url, DROP COLUMN qr_code;

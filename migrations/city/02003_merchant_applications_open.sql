-- +goose Up
-- open_applicant holds the applicant's account id while an application is
-- open (pending or more_info) and NULL otherwise, so the unique key below
-- allows one open application per person per city.
ALTER TABLE merchant_applications ADD COLUMN open_applicant BIGINT NULL;
-- +goose Down
ALTER TABLE merchant_applications DROP COLUMN open_applicant;

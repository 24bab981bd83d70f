-- +goose Up
CREATE UNIQUE INDEX uk_applications_open ON merchant_applications (open_applicant);
-- +goose Down
DROP INDEX uk_applications_open ON merchant_applications;

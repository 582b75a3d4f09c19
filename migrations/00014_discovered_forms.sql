-- +goose Up
-- The hosted application form as the browser last read it (form
-- discovery: domain.DiscoveredForm as JSON — its questions, their shape's
-- hash, the page it was read on and when); null when it was never read.
-- Preparing a task reads it again once it is older than
-- appliers.browser.form_max_age.
ALTER TABLE job_postings ADD COLUMN discovered_form jsonb;

-- +goose Down
ALTER TABLE job_postings DROP COLUMN discovered_form;

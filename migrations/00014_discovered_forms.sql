-- +goose Up
-- The hosted application form as the browser last read it (form
-- discovery: domain.DiscoveredForm as JSON — its questions, their shape's
-- hash, the page it was read on and when); null when it was never read.
-- Preparing a task reads it again once it is older than
-- appliers.browser.form_max_age.
ALTER TABLE job_postings ADD COLUMN discovered_form jsonb;
-- A hosted form is one page for every applicant: a read of a posting
-- serves every user's job of that posting (JobPostingFormByKey).
CREATE INDEX job_postings_form_key_idx ON job_postings (canonical_key) WHERE discovered_form IS NOT NULL;

-- +goose Down
DROP INDEX job_postings_form_key_idx;
ALTER TABLE job_postings DROP COLUMN discovered_form;

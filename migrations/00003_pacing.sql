-- +goose Up
-- Daily submission counts per user (pacing): only rows that reached submitting.
CREATE INDEX application_tasks_user_submitting_idx ON application_tasks (user_id, submitting_at)
    WHERE submitting_at IS NOT NULL;

-- +goose Down
DROP INDEX application_tasks_user_submitting_idx;

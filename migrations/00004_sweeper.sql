-- +goose Up
-- The sweeper's orphan check reads only tasks waiting for a job (queued or
-- approved), oldest change first: its cost follows the backlog, not the
-- table of settled tasks.
CREATE INDEX application_tasks_waiting_idx ON application_tasks (updated_at)
    WHERE state IN ('queued', 'approved');
-- Leases are looked up by token (batched heartbeats).
CREATE INDEX application_tasks_lease_token_idx ON application_tasks (lease_token)
    WHERE lease_token IS NOT NULL;
-- Runs still active, for the completion check.
CREATE INDEX application_runs_active_idx ON application_runs (id) WHERE status = 'active';

-- +goose Down
DROP INDEX application_runs_active_idx;
DROP INDEX application_tasks_lease_token_idx;
DROP INDEX application_tasks_waiting_idx;

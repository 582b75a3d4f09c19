-- +goose NO TRANSACTION
-- +goose Up
-- A sync closes the postings its board stopped listing and cancels their
-- unsent tasks (TaskListOpenForJobsForUpdate: job_id = ANY(…)); without an
-- index led by job_id that lookup read every task of every user. Built
-- concurrently, so a deploy never blocks task writes while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS application_tasks_job_idx ON application_tasks (job_id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS application_tasks_job_idx;

-- +goose Up
-- Rate-limit counters live in Postgres so limits hold across API replicas:
-- one row per (key, fixed window).
CREATE TABLE rate_limits (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL DEFAULT 1,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);

-- Task lists outside claim order: most recently changed first, per user.
CREATE INDEX application_tasks_user_updated_idx ON application_tasks (user_id, state, updated_at DESC, id DESC);
-- Job lists: newest first, per user.
CREATE INDEX job_postings_user_created_idx ON job_postings (user_id, created_at DESC, id DESC);

-- +goose Down
DROP INDEX job_postings_user_created_idx;
DROP INDEX application_tasks_user_updated_idx;
DROP TABLE rate_limits;

-- The columns of River's job table that the store reads (sweeper queries).
-- This file only types those queries for sqlc: the real table is created and
-- migrated by River (rivermigrate, run by applyq-migrate).
CREATE TYPE river_job_state AS ENUM (
    'available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled'
);

CREATE TABLE river_job (
    id           bigint PRIMARY KEY,
    state        river_job_state NOT NULL,
    attempted_at timestamptz,
    kind         text NOT NULL,
    args         jsonb NOT NULL,
    scheduled_at timestamptz NOT NULL
);

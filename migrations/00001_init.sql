-- +goose Up
-- The Phase-1 schema of design.md. River's own tables are created by
-- rivermigrate from the same migrate command; they are not in this file.

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TYPE task_state AS ENUM (
    'queued', 'in_progress', 'awaiting_approval', 'approved',
    'submitting', 'submitted', 'paused', 'failed', 'cancelled'
);

CREATE TYPE run_status AS ENUM ('active', 'paused', 'completed', 'cancelled');

CREATE TYPE approval_status AS ENUM ('pending', 'approved', 'rejected', 'expired');

CREATE TABLE users (
    id                     uuid PRIMARY KEY,
    email                  citext NOT NULL UNIQUE,
    profile                jsonb NOT NULL DEFAULT '{}',
    daily_submission_limit integer NOT NULL DEFAULT 50 CHECK (daily_submission_limit BETWEEN 0 AND 10000),
    role                   text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Only SHA-256 hashes of tokens are stored.
CREATE TABLE magic_link_tokens (
    token_hash  bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    email       citext NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    consumed_at timestamptz
);
CREATE INDEX magic_link_tokens_expires_at_idx ON magic_link_tokens (expires_at);

CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE application_runs (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (name <> ''),
    status                run_status NOT NULL DEFAULT 'active',
    requires_approval     boolean NOT NULL DEFAULT false,
    cover_letter_template text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, user_id)
);
CREATE INDEX application_runs_user_id_idx ON application_runs (user_id, created_at DESC);

CREATE TABLE job_postings (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source        text NOT NULL DEFAULT '',
    external_id   text NOT NULL DEFAULT '',
    url           text NOT NULL DEFAULT '',
    canonical_key text NOT NULL,
    company       text NOT NULL DEFAULT '',
    title         text NOT NULL DEFAULT '',
    location      text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    raw           jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, canonical_key),
    UNIQUE (id, user_id)
);

CREATE TABLE application_tasks (
    id                   uuid PRIMARY KEY,
    user_id              uuid NOT NULL,
    run_id               uuid NOT NULL,
    job_id               uuid NOT NULL,
    state                task_state NOT NULL DEFAULT 'queued',
    priority             smallint NOT NULL DEFAULT 50 CHECK (priority IN (50, 100)),
    queued_at            timestamptz NOT NULL DEFAULT now(),
    attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error           text NOT NULL DEFAULT '',
    state_reason         text NOT NULL DEFAULT '',
    packet               jsonb,
    river_job_id         bigint,
    -- Lease: the worker holding an in_progress or submitting task heartbeats it;
    -- lease_token fences a stale worker out after the sweeper took the task back.
    lease_owner          text,
    lease_token          uuid,
    heartbeat_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    awaiting_approval_at timestamptz,
    approved_at          timestamptz,
    submitting_at        timestamptz,
    submitted_at         timestamptz,
    paused_at            timestamptz,
    failed_at            timestamptz,
    cancelled_at         timestamptz,
    UNIQUE (run_id, job_id),
    -- A task belongs to the user who owns both its run and its job.
    FOREIGN KEY (run_id, user_id) REFERENCES application_runs (id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (job_id, user_id) REFERENCES job_postings (id, user_id) ON DELETE CASCADE
);

-- The queue view and claim order: boosted first, then oldest queued_at.
CREATE INDEX application_tasks_queue_idx ON application_tasks (run_id, state, priority DESC, queued_at ASC);
-- Per-user state views across runs (the dashboard and the API's task list).
CREATE INDEX application_tasks_user_state_idx ON application_tasks (user_id, state, priority DESC, queued_at ASC, id);
-- Invariant 1, enforced by the database: a job (owned by exactly one user) has
-- at most one task in submitting or submitted, across every run.
CREATE UNIQUE INDEX application_tasks_one_submission_idx ON application_tasks (job_id)
    WHERE state IN ('submitting', 'submitted');
-- Leases the sweeper inspects: only live tasks are in this index.
CREATE INDEX application_tasks_lease_idx ON application_tasks (state, heartbeat_at)
    WHERE state IN ('in_progress', 'submitting');

CREATE TABLE approval_requests (
    id          uuid PRIMARY KEY,
    task_id     uuid NOT NULL REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    status      approval_status NOT NULL DEFAULT 'pending',
    packet      jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    decided_at  timestamptz,
    decided_by  text
);
-- One open request per task.
CREATE UNIQUE INDEX approval_requests_one_pending_idx ON approval_requests (task_id) WHERE status = 'pending';
CREATE INDEX approval_requests_pending_expiry_idx ON approval_requests (expires_at) WHERE status = 'pending';
CREATE INDEX approval_requests_user_idx ON approval_requests (user_id, status, created_at DESC);

CREATE TABLE task_transitions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id    uuid NOT NULL REFERENCES application_tasks (id) ON DELETE CASCADE,
    from_state task_state,
    to_state   task_state NOT NULL,
    actor      text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_transitions_task_idx ON task_transitions (task_id, id);

-- +goose Down
DROP TABLE task_transitions;
DROP TABLE approval_requests;
DROP TABLE application_tasks;
DROP TABLE job_postings;
DROP TABLE application_runs;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE magic_link_tokens;
DROP TABLE users;
DROP TYPE approval_status;
DROP TYPE run_status;
DROP TYPE task_state;

-- +goose Up
-- Job sources: a user follows a company's public job board; River jobs sync
-- it into job_postings. A posting remembers where it came from, what
-- applying needs (apply URL, question schema) and when its board stopped
-- listing it (closed_at).
CREATE TYPE source_status AS ENUM ('active', 'paused', 'broken');

CREATE TABLE sources (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform           text NOT NULL CHECK (platform IN ('greenhouse', 'lever', 'ashby', 'smartrecruiters', 'recruitee', 'workable', 'personio')),
    board              text NOT NULL CHECK (board <> ''),
    name               text NOT NULL DEFAULT '',
    -- {"title_keywords": [...], "locations": [...], "remote_only": bool, "departments": [...]}
    filters            jsonb NOT NULL DEFAULT '{}',
    -- New matches are added to this run (the user's, checked by the service).
    target_run_id      uuid REFERENCES application_runs (id) ON DELETE SET NULL,
    status             source_status NOT NULL DEFAULT 'active',
    status_reason      text NOT NULL DEFAULT '',
    sync_every_seconds integer NOT NULL CHECK (sync_every_seconds >= 60),
    next_sync_at       timestamptz NOT NULL DEFAULT now(),
    last_synced_at     timestamptz,
    last_error         text NOT NULL DEFAULT '',
    etag               text NOT NULL DEFAULT '',
    last_modified      text NOT NULL DEFAULT '',
    postings_open      integer NOT NULL DEFAULT 0,
    -- A sync was asked for while one ran (River keeps one job per source):
    -- the running one runs again when it ends.
    sync_again         boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One source per board per user; board names are case-insensitive (a path
-- board keeps the case it was pasted with).
CREATE UNIQUE INDEX sources_user_board_key ON sources (user_id, platform, lower(board));
-- The scheduler reads only the sources that are due.
CREATE INDEX sources_due_idx ON sources (next_sync_at) WHERE status = 'active';
CREATE INDEX sources_user_idx ON sources (user_id, created_at DESC, id DESC);

ALTER TABLE job_postings
    ADD COLUMN source_id           uuid REFERENCES sources (id) ON DELETE SET NULL,
    ADD COLUMN platform            text NOT NULL DEFAULT '',
    ADD COLUMN platform_posting_id text NOT NULL DEFAULT '',
    ADD COLUMN department          text NOT NULL DEFAULT '',
    ADD COLUMN remote              boolean NOT NULL DEFAULT false,
    ADD COLUMN apply_url           text NOT NULL DEFAULT '',
    ADD COLUMN compensation        text NOT NULL DEFAULT '',
    ADD COLUMN employment_type     text NOT NULL DEFAULT '',
    -- The application form's fields, when the board publishes them (null:
    -- it does not; the applier reads the form).
    ADD COLUMN questions           jsonb,
    ADD COLUMN board_updated_at    timestamptz,
    ADD COLUMN closed_at           timestamptz,
    ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now();
-- A source's open postings (the ones a sync may close).
CREATE INDEX job_postings_open_source_idx ON job_postings (source_id) WHERE source_id IS NOT NULL AND closed_at IS NULL;

-- +goose Down
DROP INDEX job_postings_open_source_idx;
ALTER TABLE job_postings
    DROP COLUMN updated_at,
    DROP COLUMN closed_at,
    DROP COLUMN board_updated_at,
    DROP COLUMN questions,
    DROP COLUMN employment_type,
    DROP COLUMN compensation,
    DROP COLUMN apply_url,
    DROP COLUMN remote,
    DROP COLUMN department,
    DROP COLUMN platform_posting_id,
    DROP COLUMN platform,
    DROP COLUMN source_id;
DROP TABLE sources;
DROP TYPE source_status;

-- +goose Up
-- Notices: what applyq has to tell a user (approvals or questions waiting,
-- a task that needs them, a run completed), collected and mailed as one
-- digest per user by a River job (internal/notifications).
--
-- task_id, run_id and approval_id carry no foreign keys on purpose: a
-- notice is written inside the transaction that moves a task or a run, and
-- a foreign key would take a KEY SHARE lock on the run (or approval) there,
-- outside the one lock order (run → tasks → approval); a deleted run or
-- task simply drops out of the digest (it checks they still exist).
CREATE TABLE notices (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('approval_waiting', 'questions_waiting', 'needs_you', 'run_completed')),
    task_id     uuid,
    run_id      uuid,
    approval_id uuid,
    subject     text NOT NULL CHECK (subject <> ''),
    detail      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- When a digest took it: mailed, or skipped (the user's preferences
    -- turn its kind off, or what it is about is gone).
    sent_at     timestamptz,
    skipped     boolean NOT NULL DEFAULT false
);
-- A user's unsent notices in id order (the digest), and every unsent
-- notice (the sweeper's repair): only unsent rows are in it.
CREATE INDEX notices_unsent_idx ON notices (user_id, id) WHERE sent_at IS NULL;

-- Which kinds of notice a user wants mailed. No row: all of them.
CREATE TABLE notification_prefs (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    approval_waiting  boolean NOT NULL DEFAULT true,
    questions_waiting boolean NOT NULL DEFAULT true,
    needs_you         boolean NOT NULL DEFAULT true,
    run_completed     boolean NOT NULL DEFAULT true,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE notification_prefs;
DROP TABLE notices;

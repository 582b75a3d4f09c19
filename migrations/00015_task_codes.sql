-- +goose Up
-- The security code a hosted form asks for after the submit click (the
-- platform mails it to the applicant): one row per task, the request of
-- the page a worker holds open, and the code the user gives until the
-- worker takes it (then the column is NULL again). A new ask by the same
-- task (the form refused the last code) replaces the row's request.
--
-- Lock order: the task's row first, then this one (like approval
-- requests). user_id carries no foreign key on purpose: the task's key
-- already ties the row to its user (and cascades), and a second key would
-- take a KEY SHARE lock on the users row outside that order.
CREATE TABLE task_codes (
    task_id    uuid PRIMARY KEY REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    platform   text NOT NULL DEFAULT '',
    -- Where the platform mailed the code (the applicant's address as the
    -- form was given it).
    address    text NOT NULL DEFAULT '',
    -- 1 for the first ask, one more after each code the form refused;
    -- refused is the form's message about the last one.
    attempt    int NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    refused    text NOT NULL DEFAULT '',
    asked_at   timestamptz NOT NULL DEFAULT now(),
    -- When the page stops waiting (the worker's code window).
    expires_at timestamptz NOT NULL,
    -- The code the user gave for this ask, until the worker takes it.
    code       text,
    -- How many codes the user gave for this ask (bounded).
    gives      int NOT NULL DEFAULT 0,
    given_at   timestamptz,
    taken_at   timestamptz,
    -- The page no longer waits: a code given later is refused.
    closed_at  timestamptz,
    CHECK (code IS NULL OR closed_at IS NULL)
);
-- The user's open requests (inbox, needs-you lists).
CREATE INDEX task_codes_user_open_idx ON task_codes (user_id, expires_at) WHERE closed_at IS NULL;

ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check
    CHECK (kind IN ('code_waiting', 'approval_waiting', 'questions_waiting', 'needs_you', 'run_completed'));

-- +goose Down
DELETE FROM notices WHERE kind = 'code_waiting';
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check
    CHECK (kind IN ('approval_waiting', 'questions_waiting', 'needs_you', 'run_completed'));
DROP TABLE task_codes;

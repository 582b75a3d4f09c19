-- +goose Up
-- Hand-offs (issue 24): a worker holds a filled page whose form posed a
-- challenge, and its person passes the challenge in it from the dashboard.
-- The API and the worker may run on different machines with only Postgres
-- between them, so the page's frames and the person's input travel here.
--
-- One row per task handed over: who holds the page (owner, the worker),
-- until when (expires_at, the hand-off window), and the one viewer who may
-- act on it (viewer, an opaque id of the viewing page, and its lease).
-- Ending a hand-off keeps this row (when and why it ended) and deletes its
-- frames and input. user_id carries no foreign key: the task's key ties the
-- row to its user (as task_codes).
CREATE TABLE handoffs (
    task_id      uuid PRIMARY KEY REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL,
    owner        text NOT NULL CHECK (owner <> ''),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    end_reason   text NOT NULL DEFAULT '',
    viewer       text,
    viewer_until timestamptz,
    CHECK (expires_at > opened_at),
    CHECK ((viewer IS NULL) = (viewer_until IS NULL))
);
-- The sweeper's scan of open hand-offs past their window.
CREATE INDEX handoffs_open_idx ON handoffs (expires_at) WHERE ended_at IS NULL;

-- The held page's latest frame, written in place (one row per hand-off,
-- seq counts the frames): unlogged, since a frame is worth nothing after a
-- crash and the page it shows is gone with its worker anyway.
CREATE UNLOGGED TABLE handoff_frames (
    task_id uuid PRIMARY KEY REFERENCES handoffs (task_id) ON DELETE CASCADE,
    seq     bigint NOT NULL CHECK (seq >= 1),
    width   int NOT NULL CHECK (width BETWEEN 1 AND 4096),
    height  int NOT NULL CHECK (height BETWEEN 1 AND 4096),
    mime    text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    data    bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 524288),
    at      timestamptz NOT NULL DEFAULT now()
);

-- The person's input for the held page, in order, until the worker has
-- replayed it (and at the latest until the hand-off ends). Unlogged too:
-- input lost in a crash belongs to a page that is gone.
CREATE UNLOGGED TABLE handoff_inputs (
    id      bigserial PRIMARY KEY,
    task_id uuid NOT NULL REFERENCES handoffs (task_id) ON DELETE CASCADE,
    kind    text NOT NULL CHECK (kind IN ('mouse', 'wheel', 'key', 'text')),
    payload jsonb NOT NULL CHECK (octet_length(payload::text) <= 1024),
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_inputs_task_idx ON handoff_inputs (task_id, id);

-- +goose Down
DROP TABLE handoff_inputs;
DROP TABLE handoff_frames;
DROP TABLE handoffs;

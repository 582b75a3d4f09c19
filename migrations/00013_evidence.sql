-- +goose Up
-- What an applier saw while applying (screenshots of the filled form, of
-- the confirmation, of what stopped it): the bytes in the blob store, this
-- row names them. Kept with the task.
CREATE TABLE task_evidence (
    id           uuid PRIMARY KEY,
    task_id      uuid NOT NULL REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('filled_form', 'confirmation', 'needs_user', 'after_submit')),
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    blob_key     text NOT NULL UNIQUE,
    applier      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_evidence_task_idx ON task_evidence (task_id, created_at);

-- +goose Down
DROP TABLE task_evidence;

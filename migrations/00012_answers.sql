-- +goose Up
-- The answer library: each user's own answers to application questions,
-- filed under the question's normalised wording (domain.QuestionKey).
CREATE TABLE answers (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key <> ''),
    label      text NOT NULL,
    category   text NOT NULL CHECK (category IN ('general', 'demographic', 'work_authorization', 'compensation',
                                                 'notice_period', 'salary_history', 'consent')),
    value      text NOT NULL DEFAULT '',
    choices    text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, key)
);

-- The required questions a task paused as needs_answer waits for (replaced
-- each time it pauses so; read only while it is paused so).
CREATE TABLE task_waiting_questions (
    task_id    uuid NOT NULL REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text NOT NULL,
    label      text NOT NULL,
    kind       text NOT NULL,
    category   text NOT NULL,
    options    jsonb NOT NULL DEFAULT '[]',
    why        text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, key)
);
CREATE INDEX task_waiting_questions_user_key_idx ON task_waiting_questions (user_id, key);

-- A run's own approval window (null: approval.ttl), and the documents its
-- applications carry (null: the user's default of the kind).
ALTER TABLE application_runs
    ADD COLUMN approval_ttl_seconds integer CHECK (approval_ttl_seconds BETWEEN 60 AND 604800),
    ADD COLUMN resume_document_id uuid REFERENCES documents (id),
    ADD COLUMN cover_letter_document_id uuid REFERENCES documents (id);

-- What the user changed when approving (null: approved as prepared); the
-- request's packet is then the edited one, the one sent.
ALTER TABLE approval_requests ADD COLUMN edits jsonb;

-- +goose Down
ALTER TABLE approval_requests DROP COLUMN edits;
ALTER TABLE application_runs
    DROP COLUMN cover_letter_document_id,
    DROP COLUMN resume_document_id,
    DROP COLUMN approval_ttl_seconds;
DROP TABLE task_waiting_questions;
DROP TABLE answers;

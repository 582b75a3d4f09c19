-- +goose Up
-- Answers the user gave for one application only ("why do you want to work
-- here?"): filled into that task's form and nowhere else. They never enter
-- the answer library (answers), and go with their task.
CREATE TABLE task_answers (
    task_id    uuid NOT NULL REFERENCES application_tasks (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key <> ''),
    label      text NOT NULL,
    category   text NOT NULL CHECK (category IN ('general', 'demographic', 'work_authorization', 'compensation',
                                                 'notice_period', 'salary_history', 'consent')),
    value      text NOT NULL DEFAULT '',
    choices    text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, key)
);
CREATE INDEX task_answers_user_idx ON task_answers (user_id);

-- +goose Down
DROP TABLE task_answers;

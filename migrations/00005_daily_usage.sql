-- +goose Up
-- Pacing: submissions per user per UTC day, incremented in the transaction
-- that moves a task to submitting, guarded by the user's limit. One small
-- row per user and day, locked only for the length of that commit.
CREATE TABLE daily_usage (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day     date NOT NULL,
    used    integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE daily_usage;

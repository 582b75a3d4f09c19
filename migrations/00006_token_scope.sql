-- +goose Up
-- API tokens get a scope (read: safe methods only; full: everything a
-- session may do except create tokens) and an optional expiry. Tokens made
-- before this migration keep what they could do: full, never expiring.
ALTER TABLE api_tokens
    ADD COLUMN scope      text NOT NULL DEFAULT 'full' CHECK (scope IN ('read', 'full')),
    ADD COLUMN expires_at timestamptz;

-- +goose Down
ALTER TABLE api_tokens
    DROP COLUMN expires_at,
    DROP COLUMN scope;

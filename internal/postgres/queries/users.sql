-- name: UserGetOrCreateByEmail :one
-- The user with this email (case-insensitive), created on first use.
WITH ins AS (
    INSERT INTO users (id, email) VALUES (@id, @email) ON CONFLICT (email) DO NOTHING
    RETURNING *
)
SELECT * FROM ins
UNION ALL
SELECT * FROM users
WHERE email = @email AND NOT EXISTS (SELECT 1 FROM ins);

-- name: UserGetByID :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByIDForUpdate :one
SELECT * FROM users WHERE id = @id FOR UPDATE;

-- name: UserUpdateProfile :one
UPDATE users SET profile = @profile, daily_submission_limit = @daily_submission_limit, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UserSetRole :one
UPDATE users SET role = @role, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UserAuthenticate :one
-- The user behind a session or API token hash, in one statement (it runs on
-- every request). A session must be within its absolute expiry and its idle
-- timeout; an API token must be neither revoked nor expired. Using one
-- slides its last_seen_at / last_used_at, written at most once a minute.
-- A hash that is a session never touches a token. token_id is NULL and
-- scope 'full' for a session.
WITH live_session AS (
    SELECT s.user_id FROM sessions s
    WHERE s.id_hash = @hash AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(secs => @idle_seconds::float8)
),
session_touch AS (
    UPDATE sessions SET last_seen_at = now()
    WHERE id_hash = @hash AND expires_at > now()
      AND last_seen_at > now() - make_interval(secs => @idle_seconds::float8)
      AND last_seen_at < now() - interval '1 minute'
),
live_token AS (
    SELECT t.id, t.user_id, t.scope FROM api_tokens t
    WHERE t.token_hash = @hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
      AND NOT EXISTS (SELECT 1 FROM live_session)
),
token_touch AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE id = (SELECT id FROM live_token)
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
),
credential AS (
    SELECT live_session.user_id, NULL::uuid AS token_id, 'full'::text AS scope FROM live_session
    UNION ALL
    SELECT live_token.user_id, live_token.id, live_token.scope FROM live_token
    LIMIT 1
)
SELECT sqlc.embed(users), credential.token_id, credential.scope
FROM credential JOIN users ON users.id = credential.user_id;

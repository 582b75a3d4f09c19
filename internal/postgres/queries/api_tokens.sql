-- Tokens are read without their hash: it never leaves the database.

-- name: APITokenInsert :one
INSERT INTO api_tokens (id, user_id, name, token_hash, scope, expires_at)
VALUES (@id, @user_id, @name, @token_hash, @scope, @expires_at)
RETURNING id, name, scope, created_at, expires_at, last_used_at, revoked_at;

-- name: APITokenListByUser :many
SELECT id, name, scope, created_at, expires_at, last_used_at, revoked_at
FROM api_tokens
WHERE user_id = @user_id
ORDER BY created_at DESC, id DESC;

-- name: APITokenRevoke :execrows
-- Revoking twice keeps the first time.
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
WHERE id = @id AND user_id = @user_id;

-- name: SessionInsert :one
INSERT INTO sessions (id_hash, user_id, expires_at)
VALUES (@id_hash, @user_id, now() + make_interval(secs => @absolute_seconds::float8))
RETURNING expires_at;

-- name: SessionDelete :exec
DELETE FROM sessions WHERE id_hash = @id_hash;

-- name: SessionDeleteExpired :execrows
-- Deletes up to max sessions past their absolute expiry.
DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE expires_at < now()
    LIMIT @max::int FOR UPDATE SKIP LOCKED
);

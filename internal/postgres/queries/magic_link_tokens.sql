-- name: MagicLinkTokenInsert :exec
INSERT INTO magic_link_tokens (token_hash, email, expires_at)
VALUES (@token_hash, @email, now() + make_interval(secs => @ttl_seconds::float8));

-- name: MagicLinkTokenConsume :one
-- Marks a usable (unused, unexpired) token used and returns its address.
UPDATE magic_link_tokens SET consumed_at = now()
WHERE token_hash = @token_hash AND consumed_at IS NULL AND expires_at > now()
RETURNING email;

-- name: MagicLinkTokenDeleteSpent :execrows
-- Deletes up to max tokens that were used or expired.
DELETE FROM magic_link_tokens WHERE token_hash IN (
    SELECT token_hash FROM magic_link_tokens
    WHERE expires_at < now() OR consumed_at IS NOT NULL
    LIMIT @max::int FOR UPDATE SKIP LOCKED
);

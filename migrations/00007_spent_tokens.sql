-- +goose Up
-- An approval link token is a credential: once its request is decided or
-- expired, and a grace period has passed (someone may click the mailed link
-- again and should see what happened), the sweeper forgets its hash and the
-- link answers like any unknown one. The column becomes nullable for that.
ALTER TABLE approval_requests ALTER COLUMN token_hash DROP NOT NULL;
-- Requests whose token is still known, by the time it stops mattering: the
-- sweeper reads only these, so its cost follows the live links, not the
-- table of settled requests.
CREATE INDEX approval_requests_known_token_idx ON approval_requests ((coalesce(decided_at, expires_at)))
    WHERE token_hash IS NOT NULL;

-- +goose Down
DROP INDEX approval_requests_known_token_idx;
-- Forgotten tokens get a random hash that no link can match.
UPDATE approval_requests SET token_hash = sha256(convert_to(gen_random_uuid()::text, 'UTF8'))
    WHERE token_hash IS NULL;
ALTER TABLE approval_requests ALTER COLUMN token_hash SET NOT NULL;

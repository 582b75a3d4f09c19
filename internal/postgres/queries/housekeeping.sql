-- The sweeper's housekeeping of approval links (approvals.sql is the
-- service's); its deletes of spent sign-in tokens, sessions and rate-limit
-- windows sit in those tables' files.

-- name: ApprovalForgetTokens :execrows
-- Clears the token hash of up to max requests decided or expired before
-- cutoff (a pending one past its expiry counts as expired).
UPDATE approval_requests SET token_hash = NULL WHERE id IN (
    SELECT r.id FROM approval_requests r
    WHERE r.token_hash IS NOT NULL AND coalesce(r.decided_at, r.expires_at) < @cutoff::timestamptz
    LIMIT @max::int FOR UPDATE SKIP LOCKED
);

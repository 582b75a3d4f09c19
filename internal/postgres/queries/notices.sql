-- Notices and the digests that mail them. Only a digest locks notices (a
-- user's unsent ones, in id order, skipping any another digest holds);
-- adding one locks nothing but its user's key (the foreign key).

-- name: NoticeInsert :one
INSERT INTO notices (id, user_id, kind, task_id, run_id, approval_id, subject, detail)
VALUES (@id, @user_id, @kind, @task_id, @run_id, @approval_id, @subject, @detail)
RETURNING *;

-- name: NoticeLockUnsent :many
-- A user's unsent notices, oldest first, at most @max, locked (FOR UPDATE
-- SKIP LOCKED) for the digest that mails them. refs_exist: the task and run
-- the notice names still exist and are the user's, and for a security code
-- waiting, the page still waits for the user (open, no code given yet).
SELECT sqlc.embed(n),
    ((n.task_id IS NULL OR EXISTS (SELECT 1 FROM application_tasks t WHERE t.id = n.task_id AND t.user_id = n.user_id))
     AND (n.run_id IS NULL OR EXISTS (SELECT 1 FROM application_runs r WHERE r.id = n.run_id AND r.user_id = n.user_id))
     AND (n.kind <> 'code_waiting' OR EXISTS (SELECT 1 FROM task_codes c WHERE c.task_id = n.task_id AND c.user_id = n.user_id
          AND c.closed_at IS NULL AND c.given_at IS NULL AND c.expires_at > statement_timestamp())))::boolean AS refs_exist
FROM notices n
WHERE n.user_id = @user_id AND n.sent_at IS NULL
ORDER BY n.id
LIMIT @max::int
FOR UPDATE OF n SKIP LOCKED;

-- name: NoticeMarkSent :execrows
-- Marks notices taken by a digest: mailed, or skipped (the ids in
-- @skipped_ids) when they were not in the mail.
UPDATE notices SET sent_at = now(), skipped = coalesce(id = ANY(@skipped_ids::uuid[]), false)
WHERE id = ANY(@ids::uuid[]) AND sent_at IS NULL;

-- name: NoticeUnsentExists :one
SELECT EXISTS (SELECT 1 FROM notices WHERE user_id = @user_id AND sent_at IS NULL)::boolean;

-- name: NoticeUnsentOfKindsExists :one
-- Whether the user has an unsent notice of one of @kinds (those mailed at
-- once).
SELECT EXISTS (SELECT 1 FROM notices WHERE user_id = @user_id AND sent_at IS NULL AND kind = ANY(@kinds::text[]))::boolean;

-- name: NoticeUsersWithoutDigest :many
-- Users with a notice unsent since before @created_before and no digest job
-- that will run (one waiting, retrying or running): their job was lost
-- (discarded, cancelled or deleted outside applyq). At most @max users.
SELECT DISTINCT n.user_id FROM notices n
WHERE n.sent_at IS NULL AND n.created_at < @created_before
  AND NOT EXISTS (SELECT 1 FROM river_job j
                  WHERE j.kind = 'notice_digest' AND j.args @> jsonb_build_object('user_id', n.user_id)
                    AND j.state IN ('available', 'scheduled', 'retryable', 'pending', 'running'))
ORDER BY n.user_id
LIMIT @max::int;

-- Approval links in a digest. The raw token of an approval link exists
-- only when minted, so a digest mints a new one for each pending approval
-- it lists and stores its hash here, in the digest's transaction: the link
-- mailed before it stops working (the request itself is unchanged).

-- name: ApprovalPendingAmong :many
-- Which of these requests are pending and not past expires_at (database
-- clock), in id order.
SELECT id, expires_at FROM approval_requests
WHERE id = ANY(@ids::uuid[]) AND status = 'pending' AND expires_at > statement_timestamp()
ORDER BY id;

-- name: ApprovalRotateTokens :many
-- Gives each of these requests that is still pending the token hash at the
-- same position of @token_hashes. Requests another transaction holds (a
-- decision, a cancel, the sweeper's expiry: their status is changing) are
-- skipped, never waited for, and so are ones no longer pending.
WITH pending AS (
    SELECT a.id FROM approval_requests a
    WHERE a.id = ANY(@ids::uuid[]) AND a.status = 'pending' AND a.expires_at > statement_timestamp()
    ORDER BY a.id
    FOR UPDATE SKIP LOCKED
)
UPDATE approval_requests a
SET token_hash = (@token_hashes::bytea[])[array_position(@ids::uuid[], a.id)]
FROM pending
WHERE a.id = pending.id
RETURNING a.id, a.expires_at;

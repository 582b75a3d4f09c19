-- Approval requests. Their task is always locked first: a decision, a
-- cancel and the sweeper take the task row, then its request.

-- name: ApprovalInsert :one
INSERT INTO approval_requests (id, task_id, user_id, token_hash, packet, expires_at)
VALUES (@id, @task_id, @user_id, @token_hash, @packet, now() + make_interval(secs => @ttl_seconds::float8))
RETURNING *;

-- Reads say whether a pending request is past its expiry on the database's
-- clock (past_due): it reads as expired before the sweeper marks it.

-- name: ApprovalGetByToken :one
SELECT sqlc.embed(a), (a.status = 'pending' AND a.expires_at <= statement_timestamp())::boolean AS past_due
FROM approval_requests a WHERE a.token_hash = @token_hash;

-- name: ApprovalGetByUser :one
SELECT sqlc.embed(a), (a.status = 'pending' AND a.expires_at <= statement_timestamp())::boolean AS past_due
FROM approval_requests a WHERE a.id = @id AND a.user_id = @user_id;

-- name: ApprovalGetByTokenForUpdate :one
SELECT sqlc.embed(a), (a.status = 'pending' AND a.expires_at <= statement_timestamp())::boolean AS past_due
FROM approval_requests a WHERE a.token_hash = @token_hash FOR UPDATE;

-- name: ApprovalGetByUserForUpdate :one
SELECT sqlc.embed(a), (a.status = 'pending' AND a.expires_at <= statement_timestamp())::boolean AS past_due
FROM approval_requests a WHERE a.id = @id AND a.user_id = @user_id FOR UPDATE;

-- name: ApprovalGetLatestForTask :one
SELECT sqlc.embed(a), (a.status = 'pending' AND a.expires_at <= statement_timestamp())::boolean AS past_due
FROM approval_requests a WHERE a.task_id = @task_id ORDER BY a.created_at DESC LIMIT 1;

-- name: ApprovalDecide :one
-- Records a decision on a pending request that has not expired by the
-- database's clock at this statement; no row when it has.
-- An approval with edits replaces the packet with the edited one.
UPDATE approval_requests SET status = @status, decided_at = statement_timestamp(), decided_by = @decided_by,
    packet = coalesce(sqlc.narg(packet)::jsonb, packet), edits = sqlc.narg(edits)::jsonb
WHERE id = @id AND status = 'pending' AND expires_at > statement_timestamp()
RETURNING *;

-- name: ApprovalCloseForTask :many
-- Closes the task's pending request (its task was cancelled).
UPDATE approval_requests SET status = 'rejected', decided_at = statement_timestamp(), decided_by = @decided_by
WHERE task_id = @task_id AND status = 'pending'
RETURNING task_id;

-- name: ApprovalExpireForTasks :many
-- Marks the pending requests of these (locked) tasks expired when they are
-- past expires_at on the database's clock.
UPDATE approval_requests SET status = 'expired', decided_at = statement_timestamp(), decided_by = @decided_by
WHERE task_id = ANY(@task_ids::uuid[]) AND status = 'pending' AND expires_at <= statement_timestamp()
RETURNING task_id;

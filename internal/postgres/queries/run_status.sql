-- A run's status and settings: the changes the application service makes.
-- (Run reads and creation are in runs.sql.)

-- name: RunGetForUpdate :one
SELECT * FROM application_runs WHERE id = @id AND user_id = @user_id FOR UPDATE;

-- name: RunGetStatusForShare :one
-- Holds the run's status for the rest of the transaction: a concurrent
-- status change waits for it, or it sees the change.
SELECT status FROM application_runs WHERE id = @id FOR SHARE;

-- name: RunGetStatusByUserForShare :one
SELECT status FROM application_runs WHERE id = @id AND user_id = @user_id FOR SHARE;

-- name: RunUpdate :one
UPDATE application_runs SET
    name = coalesce(sqlc.narg(name)::text, name),
    requires_approval = coalesce(sqlc.narg(requires_approval)::boolean, requires_approval),
    cover_letter_template = coalesce(sqlc.narg(cover_letter_template)::text, cover_letter_template),
    status = coalesce(sqlc.narg(status)::run_status, status),
    approval_ttl_seconds = CASE WHEN @set_approval_ttl::boolean THEN sqlc.narg(approval_ttl_seconds)::int ELSE approval_ttl_seconds END,
    resume_document_id = CASE WHEN @set_resume::boolean THEN sqlc.narg(resume_document_id)::uuid ELSE resume_document_id END,
    cover_letter_document_id = CASE WHEN @set_cover_letter::boolean THEN sqlc.narg(cover_letter_document_id)::uuid ELSE cover_letter_document_id END,
    updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: RunSetStatus :one
UPDATE application_runs SET status = @status, updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: RunGetStatusForShareSkipLocked :many
-- The run's status, held for the rest of the transaction, unless someone is
-- changing the run right now (then no row, without waiting).
SELECT status FROM application_runs WHERE id = @id FOR SHARE SKIP LOCKED;

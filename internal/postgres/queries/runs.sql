-- Run reads, creation and deletion (status changes are the service's).

-- name: RunInsert :one
INSERT INTO application_runs (id, user_id, name, requires_approval, cover_letter_template, approval_ttl_seconds,
    resume_document_id, cover_letter_document_id)
VALUES (@id, @user_id, @name, @requires_approval, @cover_letter_template, sqlc.narg(approval_ttl_seconds),
    sqlc.narg(resume_document_id), sqlc.narg(cover_letter_document_id))
RETURNING *;

-- name: RunGetByID :one
SELECT * FROM application_runs WHERE id = @id AND user_id = @user_id;

-- name: RunGetByIDForUpdate :one
SELECT * FROM application_runs WHERE id = @id AND user_id = @user_id FOR UPDATE;

-- name: RunDelete :exec
DELETE FROM application_runs WHERE id = @id;

-- name: RunTaskCountsByState :many
-- The number of tasks of each run in each state (states without tasks are
-- absent).
SELECT run_id, state, count(*)::int AS count
FROM application_tasks
WHERE run_id = ANY(@run_ids::uuid[])
GROUP BY run_id, state;

-- name: RunSentTaskCount :one
-- The run's tasks in submitting or submitted: applications that went out,
-- or may have.
SELECT count(*)::int FROM application_tasks
WHERE run_id = @run_id AND state IN ('submitting', 'submitted');

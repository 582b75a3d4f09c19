-- Sources: the job boards users follow.

-- name: SourceInsert :one
INSERT INTO sources (id, user_id, platform, board, name, filters, target_run_id, sync_every_seconds)
VALUES (@id, @user_id, @platform, @board, @name, @filters, sqlc.narg(target_run_id), @sync_every_seconds)
RETURNING *;

-- name: SourceGetByUser :one
SELECT * FROM sources WHERE id = @id AND user_id = @user_id;

-- name: SourceGetForUpdate :one
SELECT * FROM sources WHERE id = @id FOR UPDATE;

-- name: SourceGetByUserForUpdate :one
SELECT * FROM sources WHERE id = @id AND user_id = @user_id FOR UPDATE;

-- name: SourceListByUser :many
SELECT * FROM sources WHERE user_id = @user_id ORDER BY created_at DESC, id DESC;

-- name: SourceUpdate :one
-- Applies the non-null settings; clear_target_run drops the target run.
UPDATE sources SET
    name = coalesce(sqlc.narg(name)::text, name),
    filters = coalesce(sqlc.narg(filters)::jsonb, filters),
    target_run_id = CASE WHEN @clear_target_run::boolean THEN NULL ELSE coalesce(sqlc.narg(target_run_id)::uuid, target_run_id) END,
    sync_every_seconds = coalesce(sqlc.narg(sync_every_seconds)::int, sync_every_seconds),
    status = coalesce(sqlc.narg(status)::source_status, status),
    status_reason = CASE WHEN sqlc.narg(status)::source_status IS NULL THEN status_reason ELSE '' END,
    next_sync_at = CASE WHEN sqlc.narg(status)::source_status = 'active' AND status <> 'active' THEN now() ELSE next_sync_at END,
    updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: SourceDelete :execrows
DELETE FROM sources WHERE id = @id AND user_id = @user_id;

-- name: SourceClaimDue :many
-- Up to @max active sources due for a sync (rows another scheduler holds
-- are skipped); each gets its next time, jittered ±10%, at once.
WITH due AS (
    SELECT d.id AS due_id FROM sources d
    WHERE d.status = 'active' AND d.next_sync_at <= now()
    ORDER BY d.id
    LIMIT @max::int
    FOR UPDATE SKIP LOCKED
)
UPDATE sources s SET next_sync_at = now() + make_interval(secs => s.sync_every_seconds * (0.9 + random() * 0.2))
FROM due WHERE s.id = due.due_id
RETURNING s.id;

-- name: SourceStartSync :one
-- A sync starts: what was asked for until now, it will read.
UPDATE sources SET sync_again = false WHERE id = @id RETURNING *;

-- name: SourceSyncAgain :exec
-- Asks the running sync of a source to run again when it ends.
UPDATE sources SET sync_again = true WHERE id = @id;

-- name: SourceSynced :one
-- Records a sync that read the board; the next is one interval (jittered
-- ±10%) away.
UPDATE sources SET
    etag = @etag, last_modified = @last_modified, last_synced_at = now(), last_error = '', sync_again = false,
    next_sync_at = now() + make_interval(secs => sync_every_seconds * (0.9 + random() * 0.2)),
    postings_open = (SELECT count(*) FROM job_postings j WHERE j.source_id = sources.id AND j.closed_at IS NULL),
    updated_at = now()
WHERE sources.id = @id
RETURNING *;

-- name: SourceSyncFailed :one
-- Records a sync that failed (River retries it meanwhile; the scheduler
-- tries again an interval later); broken stops the source until its user
-- fixes it. Returns whether a sync was asked for meanwhile.
UPDATE sources s SET
    last_error = @last_error,
    next_sync_at = now() + make_interval(secs => s.sync_every_seconds * (0.9 + random() * 0.2)),
    status = CASE WHEN @broken::boolean THEN 'broken'::source_status ELSE s.status END,
    status_reason = CASE WHEN @broken::boolean THEN @last_error ELSE s.status_reason END,
    sync_again = false,
    updated_at = now()
FROM (SELECT o.id, o.sync_again FROM sources o WHERE o.id = @id FOR UPDATE) old
WHERE s.id = old.id
RETURNING old.sync_again;

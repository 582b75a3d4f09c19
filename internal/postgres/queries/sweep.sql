-- The sweeper's selections. Each locks its task rows in id order and skips
-- rows another sweeper (or a worker) holds.

-- name: SweepStuckTasks :many
-- Tasks whose worker stopped heartbeating before @before. (LIMIT counts
-- only the rows this sweeper could lock: a full batch means there may be
-- more.)
SELECT * FROM application_tasks
WHERE state IN ('in_progress', 'submitting') AND heartbeat_at < @before
ORDER BY id
LIMIT @max::int
FOR UPDATE SKIP LOCKED;

-- name: SweepCloseCodes :many
-- Closes the security-code requests of these (locked, recovered) tasks,
-- rows in task id order, clearing any code not taken, and says of each
-- whether the page was still waiting at the code step of the current
-- submission: asked in it and no code ever taken since.
WITH held AS (
    SELECT c.task_id FROM task_codes c
    WHERE c.task_id = ANY(@task_ids::uuid[])
    ORDER BY c.task_id
    FOR UPDATE OF c
)
UPDATE task_codes c SET closed_at = coalesce(c.closed_at, now()), code = NULL
FROM held, application_tasks t
WHERE c.task_id = held.task_id AND t.id = c.task_id
RETURNING c.task_id, c.platform, c.address, c.attempt,
    (c.taken_at IS NULL AND t.submitting_at IS NOT NULL AND c.asked_at >= t.submitting_at)::boolean AS never_taken;

-- name: SweepExpiredApprovalTasks :many
-- Tasks whose pending approval request is past expires_at (database clock).
SELECT t.id FROM application_tasks t
JOIN approval_requests a ON a.task_id = t.id
WHERE a.status = 'pending' AND a.expires_at <= statement_timestamp()
ORDER BY t.id
LIMIT @max::int
FOR UPDATE OF t SKIP LOCKED;

-- name: SweepOrphanTasks :many
-- Tasks waiting for a job (queued or approved), unchanged since before
-- @not_before, with no River job that will run: River discarded, cancelled
-- or deleted it outside applyq, or it is "running" on a worker that died
-- before claiming (River would rescue it only after JobTimeout + 1h; a
-- second job is harmless: the guarded claim lets one win). A paused run's
-- queued tasks wait without a job on purpose (parked).
SELECT t.* FROM application_tasks t
WHERE t.state IN ('queued', 'approved') AND t.updated_at < @not_before
  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = t.river_job_id
                  AND (j.state IN ('available', 'scheduled', 'retryable', 'pending')
                       OR (j.state = 'running' AND j.attempted_at >= @not_before)))
  AND (t.state = 'approved' OR NOT EXISTS (SELECT 1 FROM application_runs r WHERE r.id = t.run_id AND r.status = 'paused'))
ORDER BY t.id
LIMIT @max::int
FOR UPDATE OF t SKIP LOCKED;

-- name: SweepJobsOfSettledTasks :many
-- River jobs still waiting to run for tasks already submitted or cancelled.
SELECT j.id FROM river_job j
JOIN application_tasks t ON t.id = (j.args->>'task_id')::uuid
WHERE j.kind = 'apply_task' AND j.state IN ('available', 'scheduled', 'retryable')
  AND t.state IN ('submitted', 'cancelled')
ORDER BY j.id
LIMIT @max::int
FOR UPDATE OF j SKIP LOCKED;

-- name: SweepRunsToComplete :many
-- Active runs whose every task is submitted or cancelled. A correlated
-- LIMIT 1 per active run: an index probe, never a join over settled tasks.
SELECT r.id FROM application_runs r
WHERE r.status = 'active'
  AND (SELECT true FROM application_tasks t WHERE t.run_id = r.id AND t.state IN ('submitted', 'cancelled')
       ORDER BY t.run_id, t.state LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM application_tasks t WHERE t.run_id = r.id
                  AND t.state IN ('queued', 'in_progress', 'awaiting_approval', 'approved', 'submitting', 'paused', 'failed'))
ORDER BY r.id
LIMIT @max::int
FOR UPDATE OF r SKIP LOCKED;

-- name: RunCompleteMany :many
UPDATE application_runs SET status = 'completed', updated_at = now() WHERE id = ANY(@ids::uuid[])
RETURNING *;

-- Application tasks: one per (run, job). Every statement that locks several
-- task rows takes them in id order (the one global lock order), so two
-- transactions can never wait on each other's tasks.

-- name: TaskInsertMany :many
-- Rows go in job id order: two transactions adding overlapping jobs to one
-- run meet on the (run_id, job_id) key in the same order, never in a cycle.
INSERT INTO application_tasks (id, user_id, run_id, job_id)
SELECT a.id, @user_id, @run_id, b.job_id
FROM unnest(@ids::uuid[]) WITH ORDINALITY AS a(id, ord)
JOIN unnest(@job_ids::uuid[]) WITH ORDINALITY AS b(job_id, ord) ON b.ord = a.ord
ORDER BY b.job_id
ON CONFLICT (run_id, job_id) DO NOTHING
RETURNING *;

-- name: TaskGetByUser :one
SELECT * FROM application_tasks WHERE id = @id AND user_id = @user_id;

-- name: TaskGetForUpdate :one
SELECT * FROM application_tasks WHERE id = @id FOR UPDATE;

-- name: TaskGetByUserForUpdate :one
SELECT * FROM application_tasks WHERE id = @id AND user_id = @user_id FOR UPDATE;

-- name: TaskGetState :one
SELECT state FROM application_tasks WHERE id = @id;

-- name: TaskGetStates :many
SELECT id, state FROM application_tasks WHERE id = ANY(@ids::uuid[]);

-- name: TaskGetPacket :one
SELECT packet, approved_at FROM application_tasks WHERE id = @id;

-- name: TaskApplicationForUpdate :one
-- Everything preparing a task needs, in one round trip: the task (locked),
-- its run, job and user, and the user's submissions in the pacing window.
SELECT sqlc.embed(t), sqlc.embed(r), sqlc.embed(j), sqlc.embed(u), coalesce(d.used, 0)::int AS used_today
FROM application_tasks t
JOIN application_runs r ON r.id = t.run_id
JOIN job_postings j ON j.id = t.job_id
JOIN users u ON u.id = t.user_id
LEFT JOIN daily_usage d ON d.user_id = t.user_id AND d.day = @day::date
WHERE t.id = @id
FOR UPDATE OF t;

-- name: TaskTransition :one
-- The guarded move of one task (the state machine is checked by the
-- caller): the state must still be from_state (and the lease the fence,
-- when given), the phase timestamp of the new state is set, the lease is
-- taken on entering in_progress, kept (or replaced) through submitting and
-- dropped otherwise, and the timeline row is written, in one statement.
WITH moved AS (
    UPDATE application_tasks SET
        state = @to_state::task_state,
        state_reason = @reason::text,
        updated_at = now(),
        queued_at = CASE WHEN @to_state::task_state = 'queued' THEN now() ELSE queued_at END,
        started_at = CASE WHEN @to_state::task_state = 'in_progress' THEN now() ELSE started_at END,
        awaiting_approval_at = CASE WHEN @to_state::task_state = 'awaiting_approval' THEN now() ELSE awaiting_approval_at END,
        approved_at = CASE WHEN @to_state::task_state = 'approved' THEN now() ELSE approved_at END,
        submitting_at = CASE WHEN @to_state::task_state = 'submitting' THEN now() ELSE submitting_at END,
        submitted_at = CASE WHEN @to_state::task_state = 'submitted' THEN now() ELSE submitted_at END,
        paused_at = CASE WHEN @to_state::task_state = 'paused' THEN now() ELSE paused_at END,
        failed_at = CASE WHEN @to_state::task_state = 'failed' THEN now() ELSE failed_at END,
        cancelled_at = CASE WHEN @to_state::task_state = 'cancelled' THEN now() ELSE cancelled_at END,
        attempts = attempts + CASE WHEN @to_state::task_state = 'in_progress' THEN 1 ELSE 0 END,
        lease_token = CASE WHEN @to_state::task_state IN ('in_progress', 'submitting') THEN coalesce(sqlc.narg(lease_token)::uuid, lease_token) END,
        lease_owner = CASE WHEN @to_state::task_state IN ('in_progress', 'submitting') THEN coalesce(sqlc.narg(lease_owner)::text, lease_owner) END,
        heartbeat_at = CASE WHEN @to_state::task_state IN ('in_progress', 'submitting') THEN now() END,
        priority = coalesce(sqlc.narg(priority)::smallint, priority),
        -- A submitted task has no error to show (the timeline keeps the story).
        last_error = CASE WHEN @to_state::task_state = 'submitted' THEN '' ELSE coalesce(sqlc.narg(last_error)::text, last_error) END,
        packet = coalesce(sqlc.narg(packet)::jsonb, packet)
    WHERE application_tasks.id = @id AND application_tasks.state = @from_state::task_state
      AND (sqlc.narg(fence)::uuid IS NULL OR application_tasks.lease_token = sqlc.narg(fence)::uuid)
    RETURNING *
), timeline AS (
    INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason)
    SELECT moved.id, @from_state::task_state, @to_state::task_state, @actor::text, @reason::text FROM moved
)
SELECT * FROM moved;

-- name: TaskInsertCreations :exec
INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason)
SELECT id, NULL, 'queued', @actor, @reason FROM unnest(@ids::uuid[]) AS t(id);

-- name: TaskSetRiverJobs :exec
UPDATE application_tasks t SET river_job_id = b.job_id
FROM unnest(@ids::uuid[]) WITH ORDINALITY AS a(id, ord)
JOIN unnest(@river_job_ids::bigint[]) WITH ORDINALITY AS b(job_id, ord) ON b.ord = a.ord
WHERE t.id = a.id;

-- name: TaskHold :exec
-- Says on a waiting task why it waits (daily limit), without moving it.
UPDATE application_tasks SET state_reason = @reason, last_error = @last_error, updated_at = now()
WHERE id = @id AND state IN ('queued', 'approved');

-- name: TaskWaitForCode :one
-- Says on a task in submitting that its page waits for the security code
-- (state_reason needs_code, and the sentence telling the user), without
-- moving it.
UPDATE application_tasks SET state_reason = 'needs_code', last_error = @last_error, updated_at = now()
WHERE id = @id AND state = 'submitting'
RETURNING *;

-- name: TaskCodeWaitOver :execrows
-- The page no longer waits for its user (the worker took the code, or it
-- stopped waiting): clears needs_code and its sentence, if still there.
UPDATE application_tasks SET state_reason = '', last_error = '', updated_at = now()
WHERE id = @id AND state = 'submitting' AND state_reason = 'needs_code';

-- name: TaskListApplied :many
-- The user's tasks already submitting or submitted for these jobs.
SELECT job_id, id FROM application_tasks
WHERE job_id = ANY(@job_ids::uuid[]) AND state IN ('submitting', 'submitted');

-- name: TaskListInRun :many
SELECT job_id, id FROM application_tasks WHERE run_id = @run_id AND job_id = ANY(@job_ids::uuid[]);

-- name: TaskListForUpdateByFilter :many
-- A bulk action's tasks, locked in id order.
SELECT * FROM application_tasks
WHERE user_id = @user_id AND state = ANY((@states::text[])::task_state[])
  AND (sqlc.narg(run_id)::uuid IS NULL OR run_id = sqlc.narg(run_id)::uuid)
ORDER BY id
LIMIT @max::int
FOR UPDATE;

-- name: TaskListCancellableInRunForUpdate :many
SELECT * FROM application_tasks
WHERE run_id = @run_id AND state NOT IN ('submitted', 'cancelled', 'submitting')
ORDER BY id
FOR UPDATE;

-- name: TaskListParkedForUpdate :many
-- Queued tasks of a run with no River job that will still run: the ones
-- workers parked while the run was paused.
SELECT t.* FROM application_tasks t
WHERE t.run_id = @run_id AND t.state = 'queued'
  AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = t.river_job_id
                  AND j.state IN ('available', 'scheduled', 'retryable', 'pending', 'running'))
ORDER BY t.id
FOR UPDATE OF t;

-- name: TaskHeartbeat :execrows
-- Refreshes the leases a worker process holds, rows taken in id order.
UPDATE application_tasks SET heartbeat_at = now()
WHERE id IN (SELECT id FROM application_tasks
             WHERE lease_token = ANY(@tokens::uuid[]) AND state IN ('in_progress', 'submitting')
             ORDER BY id FOR UPDATE);

-- name: TaskTimeline :many
SELECT * FROM task_transitions WHERE task_id = @task_id ORDER BY id;

-- name: TaskCountByStateForUser :many
SELECT state, count(*)::int AS n FROM application_tasks
WHERE user_id = @user_id AND (sqlc.narg(run_id)::uuid IS NULL OR run_id = sqlc.narg(run_id)::uuid)
GROUP BY state;

-- name: TaskCountByState :many
SELECT state, count(*)::int AS n FROM application_tasks GROUP BY state;

-- name: TaskNextInRun :one
SELECT * FROM application_tasks
WHERE run_id = @run_id AND state = 'queued'
ORDER BY priority DESC, queued_at ASC, id ASC
LIMIT 1;

-- name: TaskCards :many
SELECT t.id, j.company, j.title, j.url, r.name AS run_name
FROM application_tasks t
JOIN job_postings j ON j.id = t.job_id
JOIN application_runs r ON r.id = t.run_id
WHERE t.id = ANY(@ids::uuid[]);

-- name: TaskDetailGet :one
SELECT sqlc.embed(t), sqlc.embed(r), sqlc.embed(j),
    EXISTS (SELECT 1 FROM application_tasks x WHERE x.job_id = j.id AND x.state IN ('submitting', 'submitted'))::boolean AS job_applied
FROM application_tasks t
JOIN application_runs r ON r.id = t.run_id
JOIN job_postings j ON j.id = t.job_id
WHERE t.id = @id AND t.user_id = @user_id;

-- name: TaskApplicationsForUpdate :many
-- A batch of claims in one round trip: each task (locked, in id order; a
-- task someone else holds is skipped, not waited for), its run, job and
-- user, the user's submissions on day, and whether another task of the
-- same job is already submitting or submitted.
SELECT sqlc.embed(t), sqlc.embed(r), sqlc.embed(j), sqlc.embed(u), coalesce(d.used, 0)::int AS used_today,
    EXISTS (SELECT 1 FROM application_tasks x WHERE x.job_id = t.job_id AND x.id <> t.id
            AND x.state IN ('submitting', 'submitted'))::boolean AS applied_elsewhere
FROM application_tasks t
JOIN application_runs r ON r.id = t.run_id
JOIN job_postings j ON j.id = t.job_id
JOIN users u ON u.id = t.user_id
LEFT JOIN daily_usage d ON d.user_id = t.user_id AND d.day = @day::date
WHERE t.id = ANY(@ids::uuid[])
ORDER BY t.id
FOR UPDATE OF t SKIP LOCKED;

-- name: TaskSubmitMany :many
-- queued → submitting for tasks this transaction holds, in one statement:
-- the claim (attempt counted, lease taken, started_at) and the submitting
-- write (the packet) at once, with both timeline rows.
WITH input AS (
    SELECT a.id, b.packet, c.lease_token
    FROM unnest(@ids::uuid[]) WITH ORDINALITY AS a(id, ord)
    JOIN unnest(@packets::jsonb[]) WITH ORDINALITY AS b(packet, ord) ON b.ord = a.ord
    JOIN unnest(@lease_tokens::uuid[]) WITH ORDINALITY AS c(lease_token, ord) ON c.ord = a.ord
), moved AS (
    UPDATE application_tasks t SET
        state = 'submitting', state_reason = '', updated_at = now(),
        started_at = now(), submitting_at = now(), attempts = t.attempts + 1,
        lease_token = i.lease_token, lease_owner = @lease_owner::text, heartbeat_at = now(), packet = i.packet
    FROM input i
    WHERE t.id = i.id AND t.state = 'queued'
    RETURNING t.*
), timeline AS (
    INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason)
    SELECT m.id, s.from_state::task_state, s.to_state::task_state, @actor::text, ''
    FROM moved m
    CROSS JOIN (VALUES (1, 'queued', 'in_progress'), (2, 'in_progress', 'submitting')) AS s(step, from_state, to_state)
    ORDER BY m.id, s.step
)
SELECT * FROM moved;

-- name: TaskSettleSubmittedMany :many
-- submitting → submitted for tasks still held under their lease (the
-- fence), rows locked in id order, with their timeline rows. A task taken
-- back meanwhile is not in the result.
WITH input AS (
    SELECT a.id, b.fence
    FROM unnest(@ids::uuid[]) WITH ORDINALITY AS a(id, ord)
    JOIN unnest(@fences::uuid[]) WITH ORDINALITY AS b(fence, ord) ON b.ord = a.ord
), held AS (
    SELECT t.id FROM application_tasks t JOIN input i ON i.id = t.id
    WHERE t.state = 'submitting' AND t.lease_token = i.fence
    ORDER BY t.id
    FOR UPDATE OF t
), moved AS (
    UPDATE application_tasks t SET
        state = 'submitted', state_reason = '', last_error = '', updated_at = now(), submitted_at = now(),
        lease_token = NULL, lease_owner = NULL, heartbeat_at = NULL
    FROM held h
    WHERE t.id = h.id
    RETURNING t.*
), timeline AS (
    INSERT INTO task_transitions (task_id, from_state, to_state, actor, reason)
    SELECT m.id, 'submitting', 'submitted', @actor::text, '' FROM moved m ORDER BY m.id
)
SELECT * FROM moved;

-- name: TaskListOpenForJobsForUpdate :many
-- The tasks of these jobs that have not been sent (nor may have been: a
-- task paused as submission_outcome_unknown stays for its user to check),
-- locked in id order.
SELECT * FROM application_tasks
WHERE job_id = ANY(@job_ids::uuid[])
  AND (state IN ('queued', 'in_progress', 'awaiting_approval', 'approved', 'failed')
       OR (state = 'paused' AND state_reason <> 'submission_outcome_unknown'))
ORDER BY id
FOR UPDATE;

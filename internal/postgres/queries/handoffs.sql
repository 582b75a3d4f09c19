-- Hand-offs (handoffs, handoff_frames, handoff_inputs): a held page's
-- frames and its person's input, through Postgres. "Live" means not ended
-- and before expires_at on the database's clock. Every change notifies
-- channel applyq_handoff with "frame:<task>:<seq>" or "input:<task>:<id>".

-- name: HandoffOpen :one
-- Opens the task's hand-off, replacing one that ended; no row when the
-- task has a hand-off not ended yet, or is not the user's.
INSERT INTO handoffs (task_id, user_id, owner, opened_at, expires_at)
SELECT t.id, t.user_id, @owner, now(), now() + make_interval(secs => @window_seconds::float8)
FROM application_tasks t WHERE t.id = @task_id AND t.user_id = @user_id
ON CONFLICT (task_id) DO UPDATE SET
    user_id = EXCLUDED.user_id, owner = EXCLUDED.owner, opened_at = EXCLUDED.opened_at,
    expires_at = EXCLUDED.expires_at, ended_at = NULL, end_reason = '', viewer = NULL, viewer_until = NULL
WHERE handoffs.ended_at IS NOT NULL
RETURNING task_id, user_id, owner, opened_at, expires_at, ended_at, end_reason, viewer, viewer_until;

-- name: HandoffGet :one
-- The user's hand-off of the task, with whether it is live.
SELECT task_id, user_id, owner, opened_at, expires_at, ended_at, end_reason, viewer, viewer_until,
    (ended_at IS NULL AND expires_at > statement_timestamp())::boolean AS live,
    (viewer IS NOT NULL AND viewer_until > statement_timestamp())::boolean AS viewed
FROM handoffs
WHERE task_id = @task_id AND user_id = @user_id;

-- name: HandoffFramePut :one
-- Writes the live hand-off's latest frame in place and notifies; no row
-- when the hand-off is not live.
WITH h AS (
    SELECT hh.task_id FROM handoffs hh
    WHERE hh.task_id = @task_id AND hh.ended_at IS NULL AND hh.expires_at > statement_timestamp()
    -- An End under way finishes first; then the hand-off reads as ended
    -- and no frame outlives it.
    FOR SHARE
), up AS (
    INSERT INTO handoff_frames (task_id, seq, width, height, mime, data, at)
    SELECT h.task_id, 1, @width, @height, @mime, @data, now() FROM h
    ON CONFLICT (task_id) DO UPDATE SET
        seq = handoff_frames.seq + 1, width = EXCLUDED.width, height = EXCLUDED.height,
        mime = EXCLUDED.mime, data = EXCLUDED.data, at = EXCLUDED.at
    RETURNING task_id, seq
)
SELECT up.seq FROM up, LATERAL (SELECT pg_notify('applyq_handoff', 'frame:' || up.task_id::text || ':' || up.seq::text)) n;

-- name: HandoffFrameGet :one
-- The user's live hand-off's latest frame when it is newer than after.
SELECT f.seq, f.width, f.height, f.mime, f.data, f.at
FROM handoff_frames f
JOIN handoffs h ON h.task_id = f.task_id
WHERE f.task_id = @task_id AND h.user_id = @user_id AND f.seq > @after
  AND h.ended_at IS NULL AND h.expires_at > statement_timestamp();

-- name: HandoffClaimViewer :one
-- Makes viewer the live hand-off's one viewer until its lease ends: a new
-- viewer only when nobody's lease is running; the same viewer renews. No
-- row otherwise.
UPDATE handoffs SET viewer = @viewer::text, viewer_until = statement_timestamp() + make_interval(secs => @lease_seconds::float8)
WHERE task_id = @task_id AND user_id = @user_id AND ended_at IS NULL AND expires_at > statement_timestamp()
  AND (viewer IS NULL OR viewer = @viewer::text OR viewer_until <= statement_timestamp())
RETURNING viewer_until;

-- name: HandoffLockForInput :one
-- Locks the live hand-off of the user for its current viewer (the first
-- statement of a push: the count that follows then sees every input of
-- the pushes before it).
SELECT task_id FROM handoffs
WHERE task_id = @task_id AND user_id = @user_id AND ended_at IS NULL AND expires_at > statement_timestamp()
  AND viewer = @viewer::text AND viewer_until > statement_timestamp()
FOR UPDATE;

-- name: HandoffInputPush :one
-- Queues one input from the live hand-off's current viewer and notifies,
-- unless the hand-off took max_per_second inputs in the last second; no
-- row when refused.
WITH h AS (
    SELECT hh.task_id FROM handoffs hh
    WHERE hh.task_id = @task_id AND hh.user_id = @user_id AND hh.ended_at IS NULL AND hh.expires_at > statement_timestamp()
      AND hh.viewer = @viewer::text AND hh.viewer_until > statement_timestamp()
    FOR UPDATE
), recent AS (
    SELECT count(*) AS n FROM handoff_inputs hi
    WHERE hi.task_id = @task_id AND hi.at > statement_timestamp() - interval '1 second'
), ins AS (
    INSERT INTO handoff_inputs (task_id, kind, payload, at)
    SELECT h.task_id, @kind, @payload, statement_timestamp() FROM h, recent WHERE recent.n < @max_per_second::bigint
    RETURNING id, task_id
)
SELECT ins.id FROM ins, LATERAL (SELECT pg_notify('applyq_handoff', 'input:' || ins.task_id::text || ':' || ins.id::text)) n;

-- name: HandoffInputs :many
-- The hand-off's input after id after, in order (the worker replays it).
SELECT id, kind, payload, at FROM handoff_inputs
WHERE task_id = @task_id AND id > @after
ORDER BY id
LIMIT 200;

-- name: HandoffEnd :execrows
-- Ends the hand-off (the first reason stays) and lets its viewer go.
UPDATE handoffs SET ended_at = coalesce(ended_at, now()),
    end_reason = CASE WHEN ended_at IS NULL THEN @reason::text ELSE end_reason END,
    viewer = NULL, viewer_until = NULL
WHERE task_id = @task_id;

-- name: HandoffFramesDelete :exec
DELETE FROM handoff_frames WHERE task_id = @task_id;

-- name: HandoffInputsDelete :exec
DELETE FROM handoff_inputs WHERE task_id = @task_id;

-- name: HandoffsExpired :many
-- Hand-offs not ended whose window passed (the sweeper ends them).
SELECT task_id, user_id, owner, opened_at, expires_at, ended_at, end_reason, viewer, viewer_until
FROM handoffs
WHERE ended_at IS NULL AND expires_at <= statement_timestamp()
ORDER BY expires_at
LIMIT @max::int;

-- name: HandoffFrameSize :one
-- The size of the user's hand-off's latest frame (what input is checked
-- against).
SELECT f.width, f.height FROM handoff_frames f
JOIN handoffs h ON h.task_id = f.task_id
WHERE f.task_id = @task_id AND h.user_id = @user_id;

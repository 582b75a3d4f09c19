-- Security codes (task_codes): one row per task, the page's request and
-- the code its user gave until the worker takes it. The task's row is
-- always locked first, then this one. "Current" means asked during the
-- task's latest submission (a row left from an earlier submission of a
-- resumed task is not).

-- name: CodeAsk :one
-- Records a page's ask: a new request replaces the previous one of the
-- task, clearing any code given for it.
INSERT INTO task_codes (task_id, user_id, platform, address, attempt, refused, asked_at, expires_at)
VALUES (@task_id, @user_id, @platform, @address, @attempt, @refused, now(), @expires_at)
ON CONFLICT (task_id) DO UPDATE SET
    user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, address = EXCLUDED.address,
    attempt = EXCLUDED.attempt, refused = EXCLUDED.refused, asked_at = EXCLUDED.asked_at,
    expires_at = EXCLUDED.expires_at, code = NULL, gives = 0, given_at = NULL, taken_at = NULL, closed_at = NULL
RETURNING task_id, user_id, platform, address, attempt, refused, asked_at, expires_at,
    (code IS NOT NULL)::boolean AS has_code, gives, given_at, taken_at, closed_at;

-- name: CodeGetForUpdate :one
-- The task's request, locked, with whether it is current (asked during
-- the task's latest submission) and past its expiry on the database's
-- clock. Never the code.
SELECT c.task_id, c.user_id, c.platform, c.address, c.attempt, c.refused, c.asked_at, c.expires_at,
    (c.code IS NOT NULL)::boolean AS has_code, c.gives, c.given_at, c.taken_at, c.closed_at,
    (t.submitting_at IS NOT NULL AND c.asked_at >= t.submitting_at)::boolean AS current,
    (c.expires_at <= statement_timestamp())::boolean AS past_due
FROM task_codes c
JOIN application_tasks t ON t.id = c.task_id
WHERE c.task_id = @task_id
FOR UPDATE OF c;

-- name: CodeGive :exec
-- Stores the code the user gave, replacing one not yet taken.
UPDATE task_codes SET code = @code::text, given_at = now(), gives = gives + 1
WHERE task_id = @task_id;

-- name: CodeTake :one
-- Takes the code given for the task, if any: returns it and clears it in
-- the same statement (taken_at set).
UPDATE task_codes c SET code = NULL, taken_at = now()
FROM (SELECT x.task_id, x.code FROM task_codes x WHERE x.task_id = @task_id AND x.code IS NOT NULL FOR UPDATE) old
WHERE c.task_id = old.task_id
RETURNING old.code::text AS code;

-- name: CodeClose :execrows
-- The page no longer waits: any code not taken is cleared, and later ones
-- are refused.
UPDATE task_codes SET closed_at = coalesce(closed_at, now()), code = NULL
WHERE task_id = @task_id;

-- name: CodeOpenForTasks :many
-- The current, open requests (not closed, not past expires_at) among
-- these tasks of the user. Never the code.
SELECT c.task_id, c.user_id, c.platform, c.address, c.attempt, c.refused, c.asked_at, c.expires_at,
    (c.code IS NOT NULL)::boolean AS has_code, c.gives, c.given_at, c.taken_at, c.closed_at
FROM task_codes c
JOIN application_tasks t ON t.id = c.task_id
WHERE c.task_id = ANY(@task_ids::uuid[]) AND c.user_id = @user_id AND t.user_id = @user_id
  AND t.state = 'submitting' AND c.asked_at >= t.submitting_at
  AND c.closed_at IS NULL AND c.expires_at > statement_timestamp()
ORDER BY c.expires_at, c.task_id;

-- name: CodeOpenForUser :many
-- The user's current, open requests, the soonest to expire first (at most
-- @max). Never the code.
SELECT c.task_id, c.user_id, c.platform, c.address, c.attempt, c.refused, c.asked_at, c.expires_at,
    (c.code IS NOT NULL)::boolean AS has_code, c.gives, c.given_at, c.taken_at, c.closed_at
FROM task_codes c
JOIN application_tasks t ON t.id = c.task_id
WHERE c.user_id = @user_id AND t.user_id = @user_id
  AND t.state = 'submitting' AND c.asked_at >= t.submitting_at
  AND c.closed_at IS NULL AND c.expires_at > statement_timestamp()
ORDER BY c.expires_at, c.task_id
LIMIT @max::int;

-- Pacing: submissions per user per UTC day.

-- name: DailyUsageConsume :one
-- Counts one submission for the user on day, unless the user's limit is
-- reached (then no row). The usage row stays locked until the transaction
-- ends: one user's submissions are counted one at a time.
WITH lim AS (SELECT daily_submission_limit AS n FROM users WHERE id = @user_id)
INSERT INTO daily_usage AS d (user_id, day, used)
SELECT @user_id, @day::date, 1 FROM lim WHERE lim.n > 0
ON CONFLICT (user_id, day) DO UPDATE SET used = d.used + 1 WHERE d.used < (SELECT n FROM lim)
RETURNING used;

-- name: DailyUsageGet :one
SELECT u.daily_submission_limit, coalesce(d.used, 0)::int AS used
FROM users u LEFT JOIN daily_usage d ON d.user_id = u.id AND d.day = @day::date
WHERE u.id = @user_id;

-- name: DailyUsageEnsure :exec
-- Makes sure each user has a counter row for day (in user id order).
INSERT INTO daily_usage (user_id, day, used)
SELECT u.id, @day::date, 0 FROM unnest(@user_ids::uuid[]) AS u(id) ORDER BY u.id
ON CONFLICT (user_id, day) DO NOTHING;

-- name: DailyUsageConsumeMany :many
-- Counts up to wants[i] submissions for user_ids[i] on day, as many as each
-- user's limit allows, and returns how many each got. The counter rows are
-- locked in user id order, so two batches never wait on each other in a
-- cycle. (DailyUsageEnsure first: a missing row counts nothing.)
WITH want AS (
    SELECT a.user_id, b.n
    FROM unnest(@user_ids::uuid[]) WITH ORDINALITY AS a(user_id, ord)
    JOIN unnest(@wants::int[]) WITH ORDINALITY AS b(n, ord) ON b.ord = a.ord
), held AS (
    SELECT d.user_id, d.used, u.daily_submission_limit AS lim
    FROM daily_usage d JOIN users u ON u.id = d.user_id
    WHERE d.day = @day::date AND d.user_id IN (SELECT user_id FROM want)
    ORDER BY d.user_id
    FOR UPDATE OF d
), counted AS (
    UPDATE daily_usage d SET used = d.used + least(w.n, greatest(h.lim - h.used, 0))
    FROM held h JOIN want w ON w.user_id = h.user_id
    WHERE d.user_id = h.user_id AND d.day = @day::date
    RETURNING d.user_id, least(w.n, greatest(h.lim - h.used, 0))::int AS granted
)
SELECT user_id, granted FROM counted;

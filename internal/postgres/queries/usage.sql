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

-- name: RateLimitHit :many
-- Counts one hit against each key in its current fixed window (windows are
-- aligned on 2000-01-01). Rows are taken in key order, so two requests never
-- wait on each other; the keys must be distinct. now is the database's
-- clock, for the time left in each window.
INSERT INTO rate_limits (key, window_start)
SELECT l.key, date_bin(make_interval(secs => l.window_seconds), now(), timestamptz '2000-01-01')
FROM (SELECT unnest(@keys::text[]) AS key, unnest(@window_seconds::float8[]) AS window_seconds) AS l
ORDER BY l.key
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
RETURNING key, window_start, count, now()::timestamptz AS now;

-- name: RateLimitDeleteOld :execrows
-- Deletes up to max counters whose window started over a day ago: every
-- window is shorter than that.
DELETE FROM rate_limits WHERE ctid IN (
    SELECT ctid FROM rate_limits WHERE window_start < now() - interval '1 day'
    LIMIT @max::int
);

-- name: RateLimitFill :exec
-- Spends what is left of each key's current window (a platform answered
-- "too many"): every limited caller then waits for the window to end. Rows
-- in key order, as RateLimitHit takes them.
INSERT INTO rate_limits (key, window_start, count)
SELECT l.key, date_bin(make_interval(secs => l.window_seconds), now(), timestamptz '2000-01-01'), l.fill
FROM (SELECT unnest(@keys::text[]) AS key, unnest(@window_seconds::float8[]) AS window_seconds, unnest(@fills::int[]) AS fill) AS l
ORDER BY l.key
ON CONFLICT (key, window_start) DO UPDATE SET count = greatest(rate_limits.count, EXCLUDED.count);

-- The answer library and the questions tasks wait for.

-- name: AnswerListByUser :many
SELECT * FROM answers WHERE user_id = @user_id ORDER BY key;

-- name: AnswerGetByKey :one
SELECT * FROM answers WHERE user_id = @user_id AND key = @key;

-- name: AnswerGet :one
SELECT * FROM answers WHERE user_id = @user_id AND id = @id;

-- name: AnswerCount :one
SELECT count(*)::int FROM answers WHERE user_id = @user_id;

-- name: AnswerUpsert :one
-- Files the user's answer under key (replacing the one there).
INSERT INTO answers (id, user_id, key, label, category, value, choices)
VALUES (@id, @user_id, @key, @label, @category, @value, @choices::text[])
ON CONFLICT (user_id, key) DO UPDATE SET
    label = EXCLUDED.label, category = EXCLUDED.category, value = EXCLUDED.value, choices = EXCLUDED.choices, updated_at = now()
RETURNING *;

-- name: AnswerDelete :execrows
DELETE FROM answers WHERE user_id = @user_id AND id = @id;

-- name: WaitingQuestionsReplace :exec
-- Replaces the questions a task waits for.
WITH gone AS (
    DELETE FROM task_waiting_questions WHERE task_id = @task_id
)
INSERT INTO task_waiting_questions (task_id, user_id, key, label, kind, category, options, why)
SELECT @task_id, @user_id, k.key, l.label, d.kind, c.category, o.options, y.why
FROM unnest(@keys::text[]) WITH ORDINALITY AS k(key, n)
JOIN unnest(@labels::text[]) WITH ORDINALITY AS l(label, n) ON l.n = k.n
JOIN unnest(@kinds::text[]) WITH ORDINALITY AS d(kind, n) ON d.n = k.n
JOIN unnest(@categories::text[]) WITH ORDINALITY AS c(category, n) ON c.n = k.n
JOIN unnest(@options::jsonb[]) WITH ORDINALITY AS o(options, n) ON o.n = k.n
JOIN unnest(@whys::text[]) WITH ORDINALITY AS y(why, n) ON y.n = k.n;

-- name: WaitingQuestionsForUser :many
-- The questions the user's tasks paused as needs_answer wait for, one row
-- a question (its wording, kind and options as the newest task asks it),
-- with how many tasks wait and in how many runs.
SELECT w.key,
    (array_agg(w.label ORDER BY w.created_at DESC))[1]::text AS label,
    (array_agg(w.kind ORDER BY w.created_at DESC))[1]::text AS kind,
    (array_agg(w.category ORDER BY w.created_at DESC))[1]::text AS category,
    (array_agg(w.options ORDER BY w.created_at DESC))[1]::jsonb AS options,
    (array_agg(w.why ORDER BY w.created_at DESC))[1]::text AS why,
    count(DISTINCT w.task_id)::int AS tasks,
    count(DISTINCT t.run_id)::int AS runs,
    min(w.created_at)::timestamptz AS since
FROM task_waiting_questions w
JOIN application_tasks t ON t.id = w.task_id AND t.state = 'paused' AND t.state_reason = 'needs_answer'
WHERE w.user_id = @user_id
GROUP BY w.key
ORDER BY count(DISTINCT w.task_id) DESC, w.key;

-- name: TasksWaitingOnKeyForUpdate :many
-- The user's tasks paused as needs_answer that wait for key, locked in id
-- order, each with every key it waits for.
SELECT sqlc.embed(t), (SELECT array_agg(o.key ORDER BY o.key) FROM task_waiting_questions o WHERE o.task_id = t.id)::text[] AS keys
FROM application_tasks t
WHERE t.user_id = @user_id AND t.state = 'paused' AND t.state_reason = 'needs_answer'
  AND EXISTS (SELECT 1 FROM task_waiting_questions w WHERE w.task_id = t.id AND w.key = @key)
ORDER BY t.id
FOR UPDATE OF t;

-- name: AnswerKeysAmong :many
-- Which of keys the user's library answers.
SELECT key FROM answers WHERE user_id = @user_id AND key = ANY(@keys::text[]);

-- name: WaitingQuestionsDeleteKey :exec
-- The user answered key: the tasks still waiting for other answers no
-- longer wait for it (preparing them again asks it again if the answer
-- does not fit their form).
DELETE FROM task_waiting_questions WHERE user_id = @user_id AND key = @key;

-- name: AnswerUpdate :one
-- Changes the value of one of the user's answers (its question stays).
UPDATE answers SET value = @value, choices = @choices::text[], updated_at = now()
WHERE user_id = @user_id AND id = @id
RETURNING *;

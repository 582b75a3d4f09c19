-- Answers for one application only: never in the library.

-- name: TaskAnswerUpsert :one
-- Files the user's answer to key for one task (replacing the one there).
INSERT INTO task_answers (task_id, user_id, key, label, category, value, choices)
VALUES (@task_id, @user_id, @key, @label, @category, @value, @choices::text[])
ON CONFLICT (task_id, key) DO UPDATE SET
    label = EXCLUDED.label, category = EXCLUDED.category, value = EXCLUDED.value, choices = EXCLUDED.choices, updated_at = now()
RETURNING *;

-- name: TaskAnswerListByTask :many
SELECT * FROM task_answers WHERE task_id = @task_id ORDER BY key;

-- name: WaitingQuestionDeleteForTask :exec
-- The user answered key for this task only: the task no longer waits for it.
DELETE FROM task_waiting_questions WHERE task_id = @task_id AND key = @key;

-- name: WaitingQuestionForTask :one
-- The question a task of the user paused as needs_answer waits for under key.
SELECT w.* FROM task_waiting_questions w
JOIN application_tasks t ON t.id = w.task_id AND t.state = 'paused' AND t.state_reason = 'needs_answer'
WHERE w.user_id = @user_id AND w.task_id = @task_id AND w.key = @key;

-- name: WaitingQuestionKeysForTask :many
SELECT key FROM task_waiting_questions WHERE task_id = @task_id ORDER BY key;

-- name: WaitingQuestionAskers :many
-- Who asks the questions the user's tasks paused as needs_answer wait for:
-- one row a (question, task), with the task's job, oldest first.
SELECT w.key, t.id AS task_id, t.run_id, j.id AS job_id, j.company, j.title, j.url
FROM task_waiting_questions w
JOIN application_tasks t ON t.id = w.task_id AND t.state = 'paused' AND t.state_reason = 'needs_answer'
JOIN job_postings j ON j.id = t.job_id
WHERE w.user_id = @user_id
ORDER BY w.key, w.created_at, t.id;

-- name: WaitingQuestionsClearTask :exec
-- Forgets every question a task waits for (before WaitingQuestionsReplace:
-- its own DELETE runs on the statement's snapshot, so a key the task
-- waited for already would collide with itself).
DELETE FROM task_waiting_questions WHERE task_id = @task_id;

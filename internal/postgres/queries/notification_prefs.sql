-- name: NotificationPrefsGet :one
-- A user's preferences; a user without a row gets every kind.
SELECT coalesce(p.approval_waiting, true)::boolean AS approval_waiting,
       coalesce(p.questions_waiting, true)::boolean AS questions_waiting,
       coalesce(p.needs_you, true)::boolean AS needs_you,
       coalesce(p.run_completed, true)::boolean AS run_completed
FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id
WHERE u.id = @user_id;

-- name: NotificationPrefsUpdate :one
-- Changes the preferences given and keeps the others (NULL), in one
-- statement; a user without a row starts from every kind on.
INSERT INTO notification_prefs (user_id, approval_waiting, questions_waiting, needs_you, run_completed)
VALUES (@user_id, coalesce(sqlc.narg('approval_waiting')::boolean, true), coalesce(sqlc.narg('questions_waiting')::boolean, true),
        coalesce(sqlc.narg('needs_you')::boolean, true), coalesce(sqlc.narg('run_completed')::boolean, true))
ON CONFLICT (user_id) DO UPDATE SET
    approval_waiting = coalesce(sqlc.narg('approval_waiting')::boolean, notification_prefs.approval_waiting),
    questions_waiting = coalesce(sqlc.narg('questions_waiting')::boolean, notification_prefs.questions_waiting),
    needs_you = coalesce(sqlc.narg('needs_you')::boolean, notification_prefs.needs_you),
    run_completed = coalesce(sqlc.narg('run_completed')::boolean, notification_prefs.run_completed),
    updated_at = now()
RETURNING approval_waiting, questions_waiting, needs_you, run_completed;

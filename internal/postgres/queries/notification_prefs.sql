-- name: NotificationPrefsGet :one
-- A user's preferences; a user without a row gets every kind.
SELECT coalesce(p.approval_waiting, true)::boolean AS approval_waiting,
       coalesce(p.questions_waiting, true)::boolean AS questions_waiting,
       coalesce(p.needs_you, true)::boolean AS needs_you,
       coalesce(p.run_completed, true)::boolean AS run_completed
FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id
WHERE u.id = @user_id;

-- name: NotificationPrefsUpsert :one
INSERT INTO notification_prefs (user_id, approval_waiting, questions_waiting, needs_you, run_completed)
VALUES (@user_id, @approval_waiting, @questions_waiting, @needs_you, @run_completed)
ON CONFLICT (user_id) DO UPDATE SET approval_waiting = EXCLUDED.approval_waiting,
    questions_waiting = EXCLUDED.questions_waiting, needs_you = EXCLUDED.needs_you,
    run_completed = EXCLUDED.run_completed, updated_at = now()
RETURNING approval_waiting, questions_waiting, needs_you, run_completed;

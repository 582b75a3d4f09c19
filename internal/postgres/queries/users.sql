-- name: UserGetOrCreateByEmail :one
WITH ins AS (
    INSERT INTO users (id, email) VALUES (@id, @email) ON CONFLICT (email) DO NOTHING
    RETURNING id, email, profile, daily_submission_limit, role, created_at
)
SELECT id, email, profile, daily_submission_limit, role, created_at FROM ins
UNION ALL
SELECT id, email, profile, daily_submission_limit, role, created_at FROM users
WHERE email = @email AND NOT EXISTS (SELECT 1 FROM ins);

-- name: UserGetByID :one
SELECT * FROM users WHERE id = @id;

-- name: UserUpdateProfile :one
UPDATE users SET profile = @profile, daily_submission_limit = @daily_submission_limit, updated_at = now()
WHERE id = @id
RETURNING *;

-- applied is has_been_applied_to: the user has a task for the job in
-- submitting or submitted, in any run.

-- name: JobPostingInsertOrGet :one
-- Inserts a posting unless the user has one with the same canonical key,
-- and returns the stored one either way; inserted says which.
WITH ins AS (
    INSERT INTO job_postings (id, user_id, source, external_id, url, canonical_key, company, title, location, description, raw)
    VALUES (@id, @user_id, @source, @external_id, @url, @canonical_key, @company, @title, @location, @description, @raw)
    ON CONFLICT (user_id, canonical_key) DO NOTHING
    RETURNING *
)
SELECT ins.*, false AS applied, true AS inserted FROM ins
UNION ALL
SELECT j.*,
    EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = j.id AND t.state IN ('submitting', 'submitted')) AS applied,
    false AS inserted
FROM job_postings j
WHERE j.user_id = @user_id AND j.canonical_key = @canonical_key AND NOT EXISTS (SELECT 1 FROM ins);

-- name: JobPostingGetByID :one
SELECT sqlc.embed(j),
    EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = j.id AND t.state IN ('submitting', 'submitted')) AS applied
FROM job_postings j
WHERE j.id = @id AND j.user_id = @user_id;

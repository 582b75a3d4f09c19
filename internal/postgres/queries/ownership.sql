-- Tenancy checks the service makes before it writes.

-- name: JobPostingOwnedIDs :many
-- Which of these job postings are the user's.
SELECT id FROM job_postings WHERE user_id = @user_id AND id = ANY(@ids::uuid[]);

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

-- name: JobPostingUpsertFromBoard :one
-- Stores a posting a board lists for the user's source: new, or the same
-- job known before (its canonical key: pasted earlier, or an earlier sync),
-- refreshed and open again. inserted says which.
INSERT INTO job_postings (id, user_id, source, external_id, url, canonical_key, company, title, location, description, raw,
    source_id, platform, platform_posting_id, department, remote, apply_url, compensation, employment_type, questions, board_updated_at)
VALUES (@id, @user_id, @source, @external_id, @url, @canonical_key, @company, @title, @location, @description, '{}',
    @source_id, @platform, @external_id, @department, @remote, @apply_url, @compensation, @employment_type, sqlc.narg(questions), sqlc.narg(board_updated_at))
ON CONFLICT (user_id, canonical_key) DO UPDATE SET
    source_id = coalesce(job_postings.source_id, EXCLUDED.source_id),
    platform = EXCLUDED.platform, platform_posting_id = EXCLUDED.platform_posting_id,
    title = EXCLUDED.title, location = EXCLUDED.location, description = EXCLUDED.description,
    company = CASE WHEN job_postings.company = '' THEN EXCLUDED.company ELSE job_postings.company END,
    url = CASE WHEN job_postings.url = '' THEN EXCLUDED.url ELSE job_postings.url END,
    department = EXCLUDED.department, remote = EXCLUDED.remote, apply_url = EXCLUDED.apply_url,
    compensation = EXCLUDED.compensation, employment_type = EXCLUDED.employment_type,
    questions = EXCLUDED.questions, board_updated_at = EXCLUDED.board_updated_at,
    closed_at = NULL, updated_at = now()
RETURNING id, (xmax = 0)::boolean AS inserted;

-- name: JobPostingCloseMissing :many
-- Closes the source's open postings its board no longer lists.
UPDATE job_postings SET closed_at = now(), updated_at = now()
WHERE source_id = @source_id AND closed_at IS NULL AND NOT (platform_posting_id = ANY(@listed::text[]))
RETURNING id;

-- name: JobPostingFormByKey :one
-- The newest read of a posting's hosted form, from any user's job of that
-- posting: the form is one public page for every applicant (its fields,
-- never an answer).
SELECT discovered_form FROM job_postings
WHERE canonical_key = @canonical_key AND discovered_form IS NOT NULL
ORDER BY (discovered_form ->> 'read_at')::timestamptz DESC
LIMIT 1;

-- name: JobPostingSetDiscoveredForm :execrows
-- Stores the hosted form the browser read for one of the user's postings.
UPDATE job_postings SET discovered_form = @discovered_form, updated_at = now()
WHERE id = @id AND user_id = @user_id;

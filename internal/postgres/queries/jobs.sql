-- applied is has_been_applied_to: the user has a task for the job in
-- submitting or submitted, in any run.

-- name: JobPostingInsertOrGet :one
-- Inserts a posting unless the user has one with the same canonical key,
-- and returns the stored one either way; inserted says which.
WITH ins AS (
    INSERT INTO job_postings (id, user_id, source, external_id, url, canonical_key, company, company_origin, title, location, description, raw,
        tracked_only, details_status)
    VALUES (@id, @user_id, @source, @external_id, @url, @canonical_key, @company, @company_origin, @title, @location, @description, @raw,
        @tracked_only, @details_status)
    ON CONFLICT (user_id, canonical_key) DO NOTHING
    RETURNING *
)
SELECT ins.*, false AS applied, true AS inserted, 'new'::text AS stage FROM ins
UNION ALL
SELECT j.*,
    EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = j.id AND t.state IN ('submitting', 'submitted')) AS applied,
    false AS inserted, job_posting_stage(j.id, j.person_stage)::text AS stage
FROM job_postings j
WHERE j.user_id = @user_id AND j.canonical_key = @canonical_key AND NOT EXISTS (SELECT 1 FROM ins);

-- name: JobPostingGetByID :one
SELECT sqlc.embed(j),
    EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = j.id AND t.state IN ('submitting', 'submitted')) AS applied,
    job_posting_stage(j.id, j.person_stage)::text AS stage
FROM job_postings j
WHERE j.id = @id AND j.user_id = @user_id;

-- name: JobPostingUpsertFromBoard :one
-- Stores a posting a board lists for the user's source: new, or the same
-- job known before (its canonical key: pasted earlier, or an earlier sync),
-- refreshed and open again. inserted says which.
-- A company the person gave stays; any other follows the board (its
-- employer's name, or the source's display name).
INSERT INTO job_postings (id, user_id, source, external_id, url, canonical_key, company, company_origin, title, location, description, raw,
    source_id, platform, platform_posting_id, department, remote, apply_url, compensation, employment_type, questions, board_updated_at)
VALUES (@id, @user_id, @source, @external_id, @url, @canonical_key, @company, @company_origin, @title, @location, @description, '{}',
    @source_id, @platform, @external_id, @department, @remote, @apply_url, @compensation, @employment_type, sqlc.narg(questions), sqlc.narg(board_updated_at))
ON CONFLICT (user_id, canonical_key) DO UPDATE SET
    source_id = coalesce(job_postings.source_id, EXCLUDED.source_id),
    platform = EXCLUDED.platform, platform_posting_id = EXCLUDED.platform_posting_id,
    title = EXCLUDED.title, location = EXCLUDED.location, description = EXCLUDED.description,
    company = CASE WHEN job_postings.company_origin = 'given' AND job_postings.company <> '' THEN job_postings.company ELSE EXCLUDED.company END,
    company_origin = CASE WHEN job_postings.company_origin = 'given' AND job_postings.company <> '' THEN 'given' ELSE EXCLUDED.company_origin END,
    details_status = '',
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

-- name: JobPostingRenameSourceCompany :execrows
-- A source was renamed: its postings named after it follow (a name the
-- board or the person gave stays).
UPDATE job_postings SET company = @company, updated_at = now()
WHERE source_id = @source_id AND company_origin = 'source' AND company <> @company;

-- name: JobPostingSetPersonStage :one
-- Sets (or, null, clears) the stage the person gave one of their jobs.
UPDATE job_postings SET person_stage = sqlc.narg(person_stage)::text,
    person_stage_at = CASE WHEN sqlc.narg(person_stage)::text IS NULL THEN NULL ELSE now() END, updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING id;

-- name: JobPostingForDetails :one
-- A pasted board link whose details are being read, locked.
SELECT * FROM job_postings WHERE id = @id FOR UPDATE;

-- name: JobPostingFillDetails :exec
-- Fills a pasted board link's details from its board: what the person
-- left empty (title, company), and what only the board knows (location,
-- pay, department, description…). A company the person gave stays.
UPDATE job_postings SET
    title = CASE WHEN title = '' THEN @title ELSE title END,
    company = CASE WHEN company_origin = 'given' AND company <> '' THEN company ELSE @company END,
    company_origin = CASE WHEN company_origin = 'given' AND company <> '' THEN 'given' ELSE @company_origin END,
    location = CASE WHEN location = '' THEN @location ELSE location END,
    description = CASE WHEN description = '' THEN @description ELSE description END,
    department = @department, remote = @remote, compensation = @compensation, employment_type = @employment_type,
    apply_url = CASE WHEN apply_url = '' THEN @apply_url ELSE apply_url END,
    board_updated_at = sqlc.narg(board_updated_at),
    details_status = '', updated_at = now()
WHERE id = @id;

-- name: JobPostingDetailsFailed :exec
-- The board could not tell a pasted link's details.
UPDATE job_postings SET details_status = 'failed', updated_at = now()
WHERE id = @id AND details_status = 'fetching';

-- name: JobPostingTrackedOnlyIDs :many
-- Which of these job postings of the user can only be tracked.
SELECT id FROM job_postings WHERE user_id = @user_id AND id = ANY(@ids::uuid[]) AND tracked_only ORDER BY id;

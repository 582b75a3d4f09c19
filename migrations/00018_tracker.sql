-- +goose Up
-- Companies by name, and the job list as a tracker (issue #23, items 3–4).
ALTER TABLE job_postings
    -- Where company comes from: 'given' (typed by the person or the API
    -- caller), 'board' (the board names its employer), 'source' (the display
    -- name of the source that synced it: renaming the source renames it),
    -- 'link' (a pasted board link whose board names no employer).
    ADD COLUMN company_origin text NOT NULL DEFAULT 'given'
        CHECK (company_origin IN ('given', 'board', 'source', 'link')),
    -- The stage the person set by hand; null: derived from the job's tasks.
    ADD COLUMN person_stage text
        CHECK (person_stage IN ('interviewing', 'offer', 'rejected', 'withdrawn')),
    ADD COLUMN person_stage_at timestamptz,
    -- A link no applier can apply to (LinkedIn, a careers page): kept to
    -- track, never added to a run (application_tasks_not_tracked_only).
    ADD COLUMN tracked_only boolean NOT NULL DEFAULT false,
    -- A pasted board link's details: 'fetching' until the board is read,
    -- 'failed' when it could not be; '' otherwise.
    ADD COLUMN details_status text NOT NULL DEFAULT ''
        CHECK (details_status IN ('', 'fetching', 'failed'));

-- A source without a name gets its board's, readable ("acme-corp" → "Acme Corp").
UPDATE sources SET name = initcap(replace(replace(board, '-', ' '), '_', ' ')) WHERE name = '';
-- Synced postings named by their board's slug (or their source's name) take
-- the source's name, and follow it from now on.
UPDATE job_postings j SET company = s.name, company_origin = 'source'
FROM sources s
WHERE j.source_id = s.id AND (j.company = s.board OR j.company = s.name OR j.company = '');

-- Tracked-only jobs never get a task: the service refuses them with a clear
-- error; this is the database's guard behind it.
-- +goose StatementBegin
CREATE FUNCTION application_tasks_not_tracked_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM job_postings WHERE id = NEW.job_id AND tracked_only) THEN
        RAISE EXCEPTION 'job % is tracked only: applyq cannot apply to it', NEW.job_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'application_tasks_not_tracked_only';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER application_tasks_not_tracked_only BEFORE INSERT ON application_tasks
    FOR EACH ROW EXECUTE FUNCTION application_tasks_not_tracked_only();

-- A job's stage: the person's own when set, else derived from its tasks
-- (cancelled ones aside): applied (submitting, submitted) before waiting on
-- the person (awaiting approval, paused, failed) before in a run (queued,
-- in progress, approved); no task: new.
-- +goose StatementBegin
CREATE FUNCTION job_posting_stage(job uuid, person_stage text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(person_stage, (
        SELECT CASE
            WHEN bool_or(t.state IN ('submitting', 'submitted')) THEN 'applied'
            WHEN bool_or(t.state IN ('awaiting_approval', 'paused', 'failed')) THEN 'waiting'
            WHEN bool_or(t.state IN ('queued', 'in_progress', 'approved')) THEN 'in_run'
            ELSE 'new' END
        FROM application_tasks t WHERE t.job_id = job))
$$;
-- +goose StatementEnd
-- A stage's place in the pipeline (sort=stage).
-- +goose StatementBegin
CREATE FUNCTION job_stage_rank(stage text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_position(ARRAY['new', 'in_run', 'waiting', 'applied', 'interviewing', 'offer', 'rejected', 'withdrawn'], stage), 0)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION job_stage_rank(text);
DROP FUNCTION job_posting_stage(uuid, text);
DROP TRIGGER application_tasks_not_tracked_only ON application_tasks;
DROP FUNCTION application_tasks_not_tracked_only();
ALTER TABLE job_postings
    DROP COLUMN details_status,
    DROP COLUMN tracked_only,
    DROP COLUMN person_stage_at,
    DROP COLUMN person_stage,
    DROP COLUMN company_origin;

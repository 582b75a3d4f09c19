package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

const taskColumns = `id, user_id, run_id, job_id, state, priority, queued_at, attempts, last_error,
	state_reason, coalesce(river_job_id, 0), created_at, updated_at`

func scanTask(row pgx.Row) (*domain.Task, error) {
	var t domain.Task
	err := row.Scan(&t.ID, &t.UserID, &t.RunID, &t.JobID, &t.State, &t.Priority, &t.QueuedAt, &t.Attempts,
		&t.LastError, &t.StateReason, &t.RiverJobID, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// MaxJobsPerAdd bounds one add-jobs request (one transaction).
const MaxJobsPerAdd = 1000

// AddJobsToRun creates one queued task per job and its River job, all in one
// transaction: either every task and job exists afterwards or none does. Jobs
// the run already has, jobs the user already applied to (a task submitting or
// submitted in any run) and repeats within the request are reported as
// duplicates and not queued. Unknown runs or jobs, or another user's, are
// ENOTFOUND; a cancelled run is ECONFLICT.
func (db *DB) AddJobsToRun(ctx context.Context, userID, runID domain.ID, jobIDs []domain.ID, actor string) (*domain.AddJobsResult, error) {
	var res *domain.AddJobsResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = db.AddJobsToRunTx(ctx, tx, userID, runID, jobIDs, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// AddJobsToRunTx is AddJobsToRun inside the caller's transaction.
func (db *DB) AddJobsToRunTx(ctx context.Context, tx pgx.Tx, userID, runID domain.ID, jobIDs []domain.ID, actor string) (*domain.AddJobsResult, error) {
	if len(jobIDs) == 0 {
		return nil, domain.ValidationError(map[string]string{"job_ids": "must list at least one job id"})
	}
	if len(jobIDs) > MaxJobsPerAdd {
		return nil, domain.ValidationError(map[string]string{"job_ids": fmt.Sprintf("must list at most %d job ids per request", MaxJobsPerAdd)})
	}
	var status domain.RunStatus
	err := tx.QueryRow(ctx, `SELECT status FROM application_runs WHERE id = $1 AND user_id = $2 FOR SHARE`, runID, userID).Scan(&status)
	if err != nil {
		return nil, notFound(err, "run")
	}
	if status == domain.RunCancelled {
		return nil, domain.Errorf(domain.ECONFLICT, "run %s is cancelled: create a new run to add jobs", runID)
	}

	res := &domain.AddJobsResult{Queued: []domain.AddedTask{}, Duplicates: []domain.DuplicateJob{}}
	seen := make(map[domain.ID]bool, len(jobIDs))
	unique := make([]domain.ID, 0, len(jobIDs))
	for _, id := range jobIDs {
		if seen[id] {
			res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: id, Reason: domain.DuplicateRepeatedInList})
			continue
		}
		seen[id] = true
		unique = append(unique, id)
	}

	// Every job must be the user's own.
	var owned []domain.ID
	rows, _ := tx.Query(ctx, `SELECT id FROM job_postings WHERE user_id = $1 AND id = ANY($2)`, userID, unique)
	owned, err = pgx.CollectRows(rows, pgx.RowTo[domain.ID])
	if err != nil {
		return nil, err
	}
	if len(owned) != len(unique) {
		ownedSet := make(map[domain.ID]bool, len(owned))
		for _, id := range owned {
			ownedSet[id] = true
		}
		var missing []string
		for _, id := range unique {
			if !ownedSet[id] {
				missing = append(missing, id.String())
			}
		}
		return nil, domain.Errorf(domain.ENOTFOUND, "%d job(s) not found", len(missing)).WithDetails(map[string]any{"job_ids": missing})
	}

	// Jobs already applied to, in any run of the user.
	type existing struct {
		JobID  domain.ID
		TaskID domain.ID
	}
	rows, _ = tx.Query(ctx, `SELECT job_id, id FROM application_tasks
		WHERE job_id = ANY($1) AND state IN ('submitting', 'submitted')`, unique)
	applied, err := pgx.CollectRows(rows, pgx.RowToStructByPos[existing])
	if err != nil {
		return nil, err
	}
	skip := make(map[domain.ID]bool, len(applied))
	for _, a := range applied {
		taskID := a.TaskID
		skip[a.JobID] = true
		res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: a.JobID, Reason: domain.DuplicateApplied, TaskID: &taskID})
	}

	taskIDs := make([]domain.ID, 0, len(unique))
	toInsert := make([]domain.ID, 0, len(unique))
	for _, id := range unique {
		if !skip[id] {
			toInsert = append(toInsert, id)
			taskIDs = append(taskIDs, domain.NewID())
		}
	}
	type inserted struct {
		ID       domain.ID
		JobID    domain.ID
		Priority int
	}
	rows, _ = tx.Query(ctx, `INSERT INTO application_tasks (id, user_id, run_id, job_id)
		SELECT t.id, $1, $2, t.job_id FROM unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS t(id, job_id, ord)
		ORDER BY t.ord
		ON CONFLICT (run_id, job_id) DO NOTHING
		RETURNING id, job_id, priority`, userID, runID, taskIDs, toInsert)
	created, err := pgx.CollectRows(rows, pgx.RowToStructByPos[inserted])
	if err != nil {
		return nil, fmt.Errorf("inserting tasks: %w", err)
	}
	createdJobs := make(map[domain.ID]bool, len(created))
	for _, c := range created {
		createdJobs[c.JobID] = true
	}
	var inRun []domain.ID
	for _, id := range toInsert {
		if !createdJobs[id] {
			inRun = append(inRun, id)
		}
	}
	if len(inRun) > 0 {
		rows, _ = tx.Query(ctx, `SELECT job_id, id FROM application_tasks WHERE run_id = $1 AND job_id = ANY($2)`, runID, inRun)
		dups, err := pgx.CollectRows(rows, pgx.RowToStructByPos[existing])
		if err != nil {
			return nil, err
		}
		for _, d := range dups {
			taskID := d.TaskID
			res.Duplicates = append(res.Duplicates, domain.DuplicateJob{JobID: d.JobID, Reason: domain.DuplicateInRun, TaskID: &taskID})
		}
	}
	if len(created) == 0 {
		return res, nil
	}

	jobs := make([]TaskJob, len(created))
	ids := make([]domain.ID, len(created))
	for i, c := range created {
		jobs[i] = TaskJob{TaskID: c.ID, Priority: c.Priority}
		ids[i] = c.ID
		res.Queued = append(res.Queued, domain.AddedTask{TaskID: c.ID, JobID: c.JobID})
	}
	if _, err := db.enqueueTx(ctx, tx, jobs); err != nil {
		return nil, err
	}
	if err := db.insertCreationTransitions(ctx, tx, userID, ids, actor, "added_to_run"); err != nil {
		return nil, err
	}
	if status == domain.RunCompleted {
		if _, err := tx.Exec(ctx, `UPDATE application_runs SET status = 'active', updated_at = now() WHERE id = $1`, runID); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// enqueueTx inserts the River jobs for tasks and records their ids on the rows.
func (db *DB) enqueueTx(ctx context.Context, tx pgx.Tx, jobs []TaskJob) ([]int64, error) {
	if db.inserter == nil {
		return nil, errors.New("postgres: this store was built without a job inserter")
	}
	riverIDs, err := db.inserter.InsertTaskJobsTx(ctx, tx, jobs)
	if err != nil {
		return nil, fmt.Errorf("enqueueing River jobs: %w", err)
	}
	ids := make([]domain.ID, len(jobs))
	for i, j := range jobs {
		ids[i] = j.TaskID
	}
	_, err = tx.Exec(ctx, `UPDATE application_tasks t SET river_job_id = u.job_id
		FROM unnest($1::uuid[], $2::bigint[]) AS u(id, job_id) WHERE t.id = u.id`, ids, riverIDs)
	return riverIDs, err
}

// EnqueueTx inserts a River job for one task already in the transaction, for
// transitions back to queued (or on to approved) that need a new job.
// It records the new job id on t.
func (db *DB) EnqueueTx(ctx context.Context, tx pgx.Tx, t *domain.Task) error {
	ids, err := db.enqueueTx(ctx, tx, []TaskJob{{TaskID: t.ID, Priority: t.Priority}})
	if err != nil {
		return err
	}
	t.RiverJobID = ids[0]
	return nil
}

// LockTaskTx reads a task and locks its row for the rest of tx.
func (db *DB) LockTaskTx(ctx context.Context, tx pgx.Tx, taskID domain.ID) (*domain.Task, error) {
	t, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskColumns+` FROM application_tasks WHERE id = $1 FOR UPDATE`, taskID))
	return t, notFound(err, "task")
}

// lockUserTaskTx is LockTaskTx scoped to the task's owner.
func (db *DB) lockUserTaskTx(ctx context.Context, tx pgx.Tx, userID, taskID domain.ID) (*domain.Task, error) {
	t, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskColumns+` FROM application_tasks WHERE id = $1 AND user_id = $2 FOR UPDATE`, taskID, userID))
	return t, notFound(err, "task")
}

// GetTask returns one of the user's tasks.
func (db *DB) GetTask(ctx context.Context, userID, taskID domain.ID) (*domain.Task, error) {
	t, err := scanTask(db.Pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM application_tasks WHERE id = $1 AND user_id = $2`, taskID, userID))
	return t, notFound(err, "task")
}

// TaskTransitions returns a task's timeline, oldest first.
func (db *DB) TaskTransitions(ctx context.Context, taskID domain.ID) ([]domain.Transition, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT task_id, coalesce(from_state::text, ''), to_state, actor, reason, created_at
		FROM task_transitions WHERE task_id = $1 ORDER BY id`, taskID)
	return pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Transition])
}

// ResumeTask moves one of the user's paused or failed tasks back to queued,
// boosted (priority 100) with a fresh queued_at and a new River job.
func (db *DB) ResumeTask(ctx context.Context, userID, taskID domain.ID, actor string) (*domain.Task, error) {
	var out *domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := db.lockUserTaskTx(ctx, tx, userID, taskID)
		if err != nil {
			return err
		}
		out, err = db.resumeLockedTx(ctx, tx, t, actor)
		return err
	})
	return out, err
}

func (db *DB) resumeLockedTx(ctx context.Context, tx pgx.Tx, t *domain.Task, actor string) (*domain.Task, error) {
	t, err := db.TransitionTx(ctx, tx, TransitionParams{
		TaskID: t.ID, From: t.State, To: domain.StateQueued,
		Actor: actor, Reason: domain.ReasonResumed, Priority: domain.PriorityBoosted,
	})
	if err != nil {
		return nil, err
	}
	if err := db.EnqueueTx(ctx, tx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// CancelTask cancels one of the user's tasks. A task in submitting cannot be
// cancelled (the submission may be on its way): that is a transition error.
func (db *DB) CancelTask(ctx context.Context, userID, taskID domain.ID, actor string) (*domain.Task, error) {
	var out *domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := db.lockUserTaskTx(ctx, tx, userID, taskID)
		if err != nil {
			return err
		}
		out, err = db.TransitionTx(ctx, tx, TransitionParams{
			TaskID: t.ID, From: t.State, To: domain.StateCancelled, Actor: actor, Reason: domain.ReasonCancelledByUser,
		})
		return err
	})
	return out, err
}

// Application is everything a worker needs to prepare one application.
type Application struct {
	Task *domain.Task
	Run  *domain.Run
	Job  *domain.JobPosting
	User *domain.User
}

// ApplicationTx loads a task with its run, job and user inside tx.
func (db *DB) ApplicationTx(ctx context.Context, tx pgx.Tx, task *domain.Task) (*Application, error) {
	run, err := scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM application_runs WHERE id = $1`, task.RunID))
	if err != nil {
		return nil, notFound(err, "run")
	}
	job, err := scanJob(tx.QueryRow(ctx, `SELECT `+jobColumns+` FROM job_postings WHERE id = $1`, task.JobID))
	if err != nil {
		return nil, notFound(err, "job")
	}
	user, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, task.UserID))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return &Application{Task: task, Run: run, Job: job, User: user}, nil
}

// IsOneSubmissionViolation reports whether err is the database refusing a
// second submission of the same job (invariant 1).
func IsOneSubmissionViolation(err error) bool {
	return isUniqueViolation(err, "application_tasks_one_submission_idx")
}

package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

// ListTasks returns the user's tasks matching f. The queued view alone is in
// claim order (boosted first, then oldest queued_at); other views show the
// most recently changed first.
func (db *DB) ListTasks(ctx context.Context, userID domain.ID, f domain.TaskFilter) ([]*domain.Task, string, error) {
	keys := tasksChanged
	if f.ClaimOrder() {
		keys = tasksClaim
	}
	q, err := newListQuery(keys, f.Cursor, f.Limit)
	if err != nil {
		return nil, "", err
	}
	q.Where("user_id = " + q.Arg(userID))
	switch len(f.States) {
	case 0:
	case 1:
		// Equality (not ANY) lets the index deliver rows in the page's order.
		q.Where("state = " + q.Arg(string(f.States[0])) + "::task_state")
	default:
		q.Where("state = ANY(" + q.Arg(stateNames(f.States)) + "::task_state[])")
	}
	if f.RunID != nil {
		q.Where("run_id = " + q.Arg(*f.RunID))
	}
	sql, args := q.SQL(`SELECT ` + taskColumns + ` FROM application_tasks`)
	rows, _ := db.Pool.Query(ctx, sql, args...)
	tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Task, error) { return scanTask(r) })
	if err != nil {
		return nil, "", err
	}
	tasks, next := nextPage(q, tasks, func(t *domain.Task) domain.Cursor {
		if keys == tasksClaim {
			return domain.Cursor{Priority: t.Priority, Time: t.QueuedAt, ID: t.ID}
		}
		return domain.Cursor{Time: t.UpdatedAt, ID: t.ID}
	})
	return tasks, next, nil
}

// NextTask returns the task a worker would claim next in the user's run, or
// ENOTFOUND when nothing is queued. (The development dequeue view.)
func (db *DB) NextTask(ctx context.Context, userID, runID domain.ID) (*domain.Task, error) {
	if _, err := db.GetRun(ctx, userID, runID); err != nil {
		return nil, err
	}
	t, err := scanTask(db.Pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM application_tasks
		WHERE run_id = $1 AND state = 'queued' ORDER BY priority DESC, queued_at ASC, id ASC LIMIT 1`, runID))
	return t, notFound(err, "queued task")
}

// GetTaskDetail returns one of the user's tasks with its job, run, timeline
// and packet.
func (db *DB) GetTaskDetail(ctx context.Context, userID, taskID domain.ID) (*domain.TaskDetail, error) {
	var d domain.TaskDetail
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		d.Task, err = scanTask(tx.QueryRow(ctx, `SELECT `+taskColumns+` FROM application_tasks WHERE id = $1 AND user_id = $2`, taskID, userID))
		if err != nil {
			return notFound(err, "task")
		}
		if err := tx.QueryRow(ctx, `SELECT packet FROM application_tasks WHERE id = $1`, taskID).Scan(&d.Packet); err != nil {
			return err
		}
		if d.Job, err = scanJob(tx.QueryRow(ctx, `SELECT `+jobColumns+` FROM job_postings WHERE id = $1`, d.Task.JobID)); err != nil {
			return err
		}
		if d.Run, err = scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM application_runs WHERE id = $1`, d.Task.RunID)); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT task_id, coalesce(from_state::text, ''), to_state, actor, reason, created_at
			FROM task_transitions WHERE task_id = $1 ORDER BY id`, taskID)
		d.Transitions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Transition])
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(d.Packet) == 0 || string(d.Packet) == "null" {
		d.Packet = nil
	}
	return &d, nil
}

// MaxBulk bounds the tasks one bulk action changes.
const MaxBulk = 10000

// BulkResume resumes every paused or failed task of the user matching f (its
// states narrowed to paused and failed), boosted, each with a new River job,
// in one transaction. It returns how many changed.
func (db *DB) BulkResume(ctx context.Context, userID domain.ID, f domain.TaskFilter, actor string) (int, error) {
	return db.bulk(ctx, userID, f, []domain.State{domain.StatePaused, domain.StateFailed}, func(tx pgx.Tx, t *domain.Task) error {
		_, err := db.resumeLockedTx(ctx, tx, t, actor)
		return err
	})
}

// BulkCancel cancels every cancellable task of the user matching f.
func (db *DB) BulkCancel(ctx context.Context, userID domain.ID, f domain.TaskFilter, actor string) (int, error) {
	cancellable := []domain.State{domain.StateQueued, domain.StateInProgress, domain.StateAwaitingApproval,
		domain.StateApproved, domain.StatePaused, domain.StateFailed}
	return db.bulk(ctx, userID, f, cancellable, func(tx pgx.Tx, t *domain.Task) error {
		_, err := db.TransitionTx(ctx, tx, TransitionParams{TaskID: t.ID, From: t.State, To: domain.StateCancelled, Actor: actor, Reason: domain.ReasonCancelledByUser})
		return err
	})
}

func (db *DB) bulk(ctx context.Context, userID domain.ID, f domain.TaskFilter, allowed []domain.State, fn func(pgx.Tx, *domain.Task) error) (int, error) {
	states := allowed
	if len(f.States) > 0 {
		states = intersect(f.States, allowed)
		if len(states) == 0 {
			return 0, nil
		}
	}
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		args := []any{userID, stateNames(states), MaxBulk + 1}
		where := "user_id = $1 AND state = ANY($2::task_state[])"
		if f.RunID != nil {
			args = append(args, *f.RunID)
			where += " AND run_id = $4"
		}
		rows, _ := tx.Query(ctx, `SELECT `+taskColumns+` FROM application_tasks WHERE `+where+` ORDER BY id LIMIT $3 FOR UPDATE`, args...)
		tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Task, error) { return scanTask(r) })
		if err != nil {
			return err
		}
		if len(tasks) > MaxBulk {
			return domain.Errorf(domain.EINVALID, "the filter matches more than %d tasks: narrow it with run_id or states", MaxBulk)
		}
		for _, t := range tasks {
			if err := fn(tx, t); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func intersect(a, b []domain.State) []domain.State {
	var out []domain.State
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

// stateNames converts states for a text[] parameter (pgx cannot encode a
// slice of a named string type into an enum array).
func stateNames(states []domain.State) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// UserStateCounts returns the user's number of tasks in each state (every
// state present, zero when none), optionally within one run.
func (db *DB) UserStateCounts(ctx context.Context, userID domain.ID, runID *domain.ID) (map[domain.State]int, error) {
	out := make(map[domain.State]int, len(domain.AllStates))
	for _, s := range domain.AllStates {
		out[s] = 0
	}
	q := `SELECT state, count(*) FROM application_tasks WHERE user_id = $1 GROUP BY state`
	args := []any{userID}
	if runID != nil {
		q = `SELECT state, count(*) FROM application_tasks WHERE user_id = $1 AND run_id = $2 GROUP BY state`
		args = append(args, *runID)
	}
	rows, _ := db.Pool.Query(ctx, q, args...)
	var st domain.State
	var n int
	_, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error {
		out[st] = n
		return nil
	})
	return out, err
}

// TaskCard is a task with what its card shows.
type TaskCard struct {
	Task    *domain.Task
	Company string
	Title   string
	URL     string
	RunName string
}

// TaskCards returns the cards for tasks, in the same order.
func (db *DB) TaskCards(ctx context.Context, tasks []*domain.Task) ([]TaskCard, error) {
	ids := make([]domain.ID, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	type row struct {
		ID                       domain.ID
		Company, Title, URL, Run string
	}
	rows, _ := db.Pool.Query(ctx, `SELECT t.id, j.company, j.title, j.url, r.name FROM application_tasks t
		JOIN job_postings j ON j.id = t.job_id JOIN application_runs r ON r.id = t.run_id WHERE t.id = ANY($1)`, ids)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, err
	}
	byID := make(map[domain.ID]row, len(list))
	for _, r := range list {
		byID[r.ID] = r
	}
	out := make([]TaskCard, len(tasks))
	for i, t := range tasks {
		r := byID[t.ID]
		out[i] = TaskCard{Task: t, Company: r.Company, Title: r.Title, URL: r.URL, RunName: r.Run}
	}
	return out, nil
}

// TaskStateCounts returns the number of tasks in each state across all
// users (the applyq_tasks gauge).
func (db *DB) TaskStateCounts(ctx context.Context) (map[domain.State]int, error) {
	out := make(map[domain.State]int, len(domain.AllStates))
	rows, _ := db.Pool.Query(ctx, `SELECT state, count(*) FROM application_tasks GROUP BY state`)
	var st domain.State
	var n int
	_, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error {
		out[st] = n
		return nil
	})
	return out, err
}

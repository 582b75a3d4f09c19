package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// ListTasks returns the user's tasks matching f. The queued view alone is in
// claim order (boosted first, then oldest queued_at); other views show the
// most recently changed first.
func (s *Store) ListTasks(ctx context.Context, userID domain.ID, f domain.TaskFilter) ([]*domain.Task, string, error) {
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
	sql, args := q.SQL(`SELECT * FROM application_tasks`)
	rows, _ := s.db.Query(ctx, sql, args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[dbsqlc.ApplicationTask])
	if err != nil {
		return nil, "", err
	}
	tasks, next := nextPage(q, tasksFromRows(list), func(t *domain.Task) domain.Cursor {
		if keys == tasksClaim {
			return domain.Cursor{Priority: t.Priority, Time: t.QueuedAt, ID: t.ID}
		}
		return domain.Cursor{Time: t.UpdatedAt, ID: t.ID}
	})
	return tasks, next, nil
}

// stateNames converts states for a text[] parameter.
func stateNames(states []domain.State) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// TaskNext returns the task a worker would claim next in the run, or
// ENOTFOUND when nothing is queued (the development dequeue view; the caller
// checks the run is the user's).
func (s *Store) TaskNext(ctx context.Context, runID domain.ID) (*domain.Task, error) {
	r, err := s.q.TaskNextInRun(ctx, runID)
	if err != nil {
		return nil, notFound(err, "queued task")
	}
	return taskFromRow(r), nil
}

// TaskTimeline returns a task's transitions, oldest first.
func (s *Store) TaskTimeline(ctx context.Context, taskID domain.ID) ([]domain.Transition, error) {
	rows, err := s.q.TaskTimeline(ctx, taskID)
	out := make([]domain.Transition, len(rows))
	for i, r := range rows {
		out[i] = domain.Transition{TaskID: r.TaskID, To: r.ToState, Actor: r.Actor, Reason: domain.Reason(r.Reason), CreatedAt: r.CreatedAt}
		if r.FromState != nil {
			out[i].From = *r.FromState
		}
	}
	return out, err
}

// GetTaskDetail returns one of the user's tasks with its job, run, timeline
// and packet.
func (s *Store) GetTaskDetail(ctx context.Context, userID, taskID domain.ID) (*domain.TaskDetail, error) {
	r, err := s.q.TaskDetailGet(ctx, dbsqlc.TaskDetailGetParams{ID: taskID, UserID: userID})
	if err != nil {
		return nil, notFound(err, "task")
	}
	d := &domain.TaskDetail{Task: taskFromRow(&r.ApplicationTask), Run: runFromRow(&r.ApplicationRun)}
	if d.Job, err = jobFromRow(&r.JobPosting); err != nil {
		return nil, err
	}
	d.Job.HasBeenAppliedTo = r.JobApplied
	if d.Transitions, err = s.TaskTimeline(ctx, taskID); err != nil {
		return nil, err
	}
	if p := r.ApplicationTask.Packet; len(p) > 0 && string(p) != "null" {
		d.Packet = p
	}
	return d, nil
}

// UserStateCounts returns the user's number of tasks in each state (every
// state present, zero when none), optionally within one run.
func (s *Store) UserStateCounts(ctx context.Context, userID domain.ID, runID *domain.ID) (map[domain.State]int, error) {
	rows, err := s.q.TaskCountByStateForUser(ctx, dbsqlc.TaskCountByStateForUserParams{UserID: userID, RunID: runID})
	out := make(map[domain.State]int, len(domain.AllStates))
	for _, st := range domain.AllStates {
		out[st] = 0
	}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, err
}

// TaskStateCounts returns the number of tasks in each state across all
// users (the applyq_tasks gauge).
func (s *Store) TaskStateCounts(ctx context.Context) (map[domain.State]int, error) {
	rows, err := s.q.TaskCountByState(ctx)
	out := make(map[domain.State]int, len(rows))
	for _, r := range rows {
		out[r.State] = r.N
	}
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
func (s *Store) TaskCards(ctx context.Context, tasks []*domain.Task) ([]TaskCard, error) {
	ids := make([]domain.ID, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	rows, err := s.q.TaskCards(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[domain.ID]*dbsqlc.TaskCardsRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]TaskCard, len(tasks))
	for i, t := range tasks {
		out[i] = TaskCard{Task: t}
		if r := byID[t.ID]; r != nil {
			out[i].Company, out[i].Title, out[i].URL, out[i].RunName = r.Company, r.Title, r.Url, r.RunName
		}
	}
	return out, nil
}

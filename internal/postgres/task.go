package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// TaskInsertMany inserts one queued task per (id, job id) of the user's run,
// skipping jobs the run already has, and returns the tasks created.
func (s *Store) TaskInsertMany(ctx context.Context, userID, runID domain.ID, ids, jobIDs []domain.ID) ([]*domain.Task, error) {
	rows, err := s.q.TaskInsertMany(ctx, dbsqlc.TaskInsertManyParams{UserID: userID, RunID: runID, Ids: ids, JobIds: jobIDs})
	if isCheckViolation(err, "application_tasks_not_tracked_only") {
		return nil, domain.Errorf(domain.ECONFLICT, "a job is tracked only: applyq cannot apply to it, apply on the site")
	}
	if err != nil {
		return nil, err
	}
	return tasksFromRows(rows), nil
}

// TaskInsertCreations records the creation (→ queued) of tasks.
func (s *Store) TaskInsertCreations(ctx context.Context, ids []domain.ID, actor string, reason domain.Reason) error {
	return s.q.TaskInsertCreations(ctx, dbsqlc.TaskInsertCreationsParams{Ids: ids, Actor: actor, Reason: string(reason)})
}

// TaskSetRiverJobs records the River job now responsible for each task.
func (s *Store) TaskSetRiverJobs(ctx context.Context, ids []domain.ID, riverJobIDs []int64) error {
	return s.q.TaskSetRiverJobs(ctx, dbsqlc.TaskSetRiverJobsParams{Ids: ids, RiverJobIds: riverJobIDs})
}

// TaskGet returns one of the user's tasks (ENOTFOUND for anyone else's).
func (s *Store) TaskGet(ctx context.Context, userID, id domain.ID) (*domain.Task, error) {
	r, err := s.q.TaskGetByUser(ctx, dbsqlc.TaskGetByUserParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "task")
	}
	return taskFromRow(r), nil
}

// TaskGetForUpdate reads a task and locks it for the rest of the
// transaction; with a non-zero userID, only the user's own.
func (s *Store) TaskGetForUpdate(ctx context.Context, userID, id domain.ID) (*domain.Task, error) {
	var r *dbsqlc.ApplicationTask
	var err error
	if userID.IsZero() {
		r, err = s.q.TaskGetForUpdate(ctx, id)
	} else {
		r, err = s.q.TaskGetByUserForUpdate(ctx, dbsqlc.TaskGetByUserForUpdateParams{ID: id, UserID: userID})
	}
	if err != nil {
		return nil, notFound(err, "task")
	}
	return taskFromRow(r), nil
}

// TaskState returns a task's state.
func (s *Store) TaskState(ctx context.Context, id domain.ID) (domain.State, error) {
	st, err := s.q.TaskGetState(ctx, id)
	return st, notFound(err, "task")
}

// TaskStates returns the current state of each existing task in ids.
func (s *Store) TaskStates(ctx context.Context, ids []domain.ID) (map[domain.ID]domain.State, error) {
	rows, err := s.q.TaskGetStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[domain.ID]domain.State, len(rows))
	for _, r := range rows {
		out[r.ID] = r.State
	}
	return out, nil
}

// TaskPacket returns the packet stored on a task (the one approved) and when
// the task was approved (zero if never).
func (s *Store) TaskPacket(ctx context.Context, id domain.ID) ([]byte, time.Time, error) {
	r, err := s.q.TaskGetPacket(ctx, id)
	if err != nil {
		return nil, time.Time{}, notFound(err, "task")
	}
	var at time.Time
	if r.ApprovedAt != nil {
		at = *r.ApprovedAt
	}
	return r.Packet, at, nil
}

// Application is everything preparing one task needs.
type Application struct {
	Task *domain.Task
	Run  *domain.Run
	Job  *domain.JobPosting
	User *domain.User
	// UsedToday is the user's submissions in the pacing window asked for.
	UsedToday int
}

// TaskApplicationForUpdate locks a task and loads it with its run, job, user
// and the user's submissions on day, in one round trip.
func (s *Store) TaskApplicationForUpdate(ctx context.Context, id domain.ID, day time.Time) (*Application, error) {
	r, err := s.q.TaskApplicationForUpdate(ctx, dbsqlc.TaskApplicationForUpdateParams{ID: id, Day: day})
	if err != nil {
		return nil, notFound(err, "task")
	}
	job, err := jobFromRow(&r.JobPosting)
	if err != nil {
		return nil, err
	}
	user, err := userFromRow(&r.User)
	if err != nil {
		return nil, err
	}
	return &Application{Task: taskFromRow(&r.ApplicationTask), Run: runFromRow(&r.ApplicationRun), Job: job, User: user, UsedToday: r.UsedToday}, nil
}

// Move is one guarded move of one task. The state machine is the caller's
// business: the store writes what it is told, guarded by From (and Fence).
type Move struct {
	TaskID domain.ID
	From   domain.State
	To     domain.State
	Actor  string
	Reason domain.Reason

	// Fence, when set, makes the write also require this lease token, so a
	// worker whose task was taken back changes nothing.
	Fence domain.ID
	// LeaseToken and LeaseOwner are taken on entering in_progress, and may
	// replace the lease on entering submitting.
	LeaseToken domain.ID
	LeaseOwner string
	// Priority, when non-zero, replaces the task's priority.
	Priority int
	// LastError, when non-nil, replaces the task's last error.
	LastError *string
	// Packet, when non-nil, stores the application packet (JSON).
	Packet []byte
}

// ErrNotMoved is returned by TaskMove when the guard matched no row: the
// task is not in From (or not under Fence), or does not exist.
var ErrNotMoved = errors.New("postgres: task not in the expected state")

// TaskMove writes one move — state, reason, phase timestamp, lease,
// timeline row — in one statement, or returns ErrNotMoved.
func (s *Store) TaskMove(ctx context.Context, m Move) (*domain.Task, error) {
	p := dbsqlc.TaskTransitionParams{ID: m.TaskID, FromState: m.From, ToState: m.To, Actor: m.Actor, Reason: string(m.Reason),
		LastError: m.LastError, Packet: m.Packet}
	if !m.Fence.IsZero() {
		p.Fence = &m.Fence
	}
	if !m.LeaseToken.IsZero() {
		p.LeaseToken, p.LeaseOwner = &m.LeaseToken, &m.LeaseOwner
	}
	if m.Priority != 0 {
		p.Priority = &m.Priority
	}
	r, err := s.q.TaskTransition(ctx, p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotMoved
	}
	if err != nil {
		return nil, err
	}
	return taskFromRow((*dbsqlc.ApplicationTask)(r)), nil
}

// TaskHold records on a waiting (queued or approved) task why it waits.
func (s *Store) TaskHold(ctx context.Context, id domain.ID, reason domain.Reason, message string) error {
	return s.q.TaskHold(ctx, dbsqlc.TaskHoldParams{ID: id, Reason: string(reason), LastError: message})
}

// JobTask pairs a job with the task that has it.
type JobTask struct {
	JobID  domain.ID
	TaskID domain.ID
}

// TaskListApplied returns the tasks in submitting or submitted for jobs.
func (s *Store) TaskListApplied(ctx context.Context, jobIDs []domain.ID) ([]JobTask, error) {
	rows, err := s.q.TaskListApplied(ctx, jobIDs)
	out := make([]JobTask, len(rows))
	for i, r := range rows {
		out[i] = JobTask{JobID: r.JobID, TaskID: r.ID}
	}
	return out, err
}

// TaskListInRun returns the run's tasks for jobs.
func (s *Store) TaskListInRun(ctx context.Context, runID domain.ID, jobIDs []domain.ID) ([]JobTask, error) {
	rows, err := s.q.TaskListInRun(ctx, dbsqlc.TaskListInRunParams{RunID: runID, JobIds: jobIDs})
	out := make([]JobTask, len(rows))
	for i, r := range rows {
		out[i] = JobTask{JobID: r.JobID, TaskID: r.ID}
	}
	return out, err
}

// TaskListForUpdate locks, in id order, up to max of the user's tasks in
// states (and runID, when not nil).
func (s *Store) TaskListForUpdate(ctx context.Context, userID domain.ID, states []domain.State, runID *domain.ID, max int) ([]*domain.Task, error) {
	rows, err := s.q.TaskListForUpdateByFilter(ctx, dbsqlc.TaskListForUpdateByFilterParams{UserID: userID, States: stateNames(states), RunID: runID, Max: max})
	return tasksFromRows(rows), err
}

// TaskListCancellableInRun locks, in id order, the run's tasks that are
// neither settled nor submitting.
func (s *Store) TaskListCancellableInRun(ctx context.Context, runID domain.ID) ([]*domain.Task, error) {
	rows, err := s.q.TaskListCancellableInRunForUpdate(ctx, runID)
	return tasksFromRows(rows), err
}

// TaskListParked locks, in id order, the run's queued tasks that have no
// River job that will run.
func (s *Store) TaskListParked(ctx context.Context, runID domain.ID) ([]*domain.Task, error) {
	rows, err := s.q.TaskListParkedForUpdate(ctx, runID)
	return tasksFromRows(rows), err
}

// TaskHeartbeat refreshes the leases with these tokens and returns how many
// it touched.
func (s *Store) TaskHeartbeat(ctx context.Context, tokens []domain.ID) (int, error) {
	if len(tokens) == 0 {
		return 0, nil
	}
	n, err := s.q.TaskHeartbeat(ctx, tokens)
	return int(n), err
}

// ApplicationClaim is one task of a batch of claims, as TaskApplicationsLock
// read it.
type ApplicationClaim struct {
	Application
	// AppliedElsewhere: another task of the same job is submitting or
	// submitted (invariant 1 would refuse this one).
	AppliedElsewhere bool
}

// TaskApplicationsLock locks, in id order, the tasks of ids that nobody
// else holds (the others are left out: never waited for) and loads each
// with its run, job, user and the user's submissions on day.
func (s *Store) TaskApplicationsLock(ctx context.Context, ids []domain.ID, day time.Time) ([]*ApplicationClaim, error) {
	rows, err := s.q.TaskApplicationsForUpdate(ctx, dbsqlc.TaskApplicationsForUpdateParams{Ids: ids, Day: day})
	if err != nil {
		return nil, err
	}
	out := make([]*ApplicationClaim, len(rows))
	for i, r := range rows {
		job, err := jobFromRow(&r.JobPosting)
		if err != nil {
			return nil, err
		}
		user, err := userFromRow(&r.User)
		if err != nil {
			return nil, err
		}
		out[i] = &ApplicationClaim{Application: Application{Task: taskFromRow(&r.ApplicationTask), Run: runFromRow(&r.ApplicationRun),
			Job: job, User: user, UsedToday: r.UsedToday}, AppliedElsewhere: r.AppliedElsewhere}
	}
	return out, nil
}

// Submit is one task to move queued → submitting in a batch.
type Submit struct {
	TaskID     domain.ID
	Packet     []byte
	LeaseToken domain.ID
}

// TaskSubmitMany moves held queued tasks to submitting in one statement —
// claimed (attempt counted, lease taken) and submitting with the packet —
// writing both timeline rows, and returns the tasks it moved.
func (s *Store) TaskSubmitMany(ctx context.Context, subs []Submit, leaseOwner, actor string) ([]*domain.Task, error) {
	p := dbsqlc.TaskSubmitManyParams{Ids: make([]domain.ID, len(subs)), Packets: make([][]byte, len(subs)),
		LeaseTokens: make([]domain.ID, len(subs)), LeaseOwner: leaseOwner, Actor: actor}
	for i, sub := range subs {
		p.Ids[i], p.Packets[i], p.LeaseTokens[i] = sub.TaskID, sub.Packet, sub.LeaseToken
	}
	rows, err := s.q.TaskSubmitMany(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Task, len(rows))
	for i, r := range rows {
		out[i] = taskFromRow((*dbsqlc.ApplicationTask)(r))
	}
	return out, nil
}

// TaskSettleSubmittedMany moves tasks still in submitting under their lease
// (fences[i] for ids[i]) to submitted, writing their timeline rows, and
// returns the tasks it moved (one taken back meanwhile is left out).
func (s *Store) TaskSettleSubmittedMany(ctx context.Context, ids, fences []domain.ID, actor string) ([]*domain.Task, error) {
	rows, err := s.q.TaskSettleSubmittedMany(ctx, dbsqlc.TaskSettleSubmittedManyParams{Ids: ids, Fences: fences, Actor: actor})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Task, len(rows))
	for i, r := range rows {
		out[i] = taskFromRow((*dbsqlc.ApplicationTask)(r))
	}
	return out, nil
}

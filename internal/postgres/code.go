package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// Security codes (task_codes). The code itself leaves the database only
// through CodeTake, which clears it in the same statement; every other
// read says whether one is there (domain.CodeWait.HasCode), never what it
// is. Lock the task's row before calling the methods that lock this one.

// CodeAsk records a page's request for the task's security code, replacing
// the task's previous one (a code given for it is cleared).
func (s *Store) CodeAsk(ctx context.Context, req domain.CodeRequest) (*domain.CodeWait, error) {
	r, err := s.q.CodeAsk(ctx, dbsqlc.CodeAskParams{TaskID: req.TaskID, UserID: req.UserID, Platform: string(req.Platform),
		Address: req.Address, Attempt: req.Attempt, Refused: req.Refused, ExpiresAt: req.Until})
	if err != nil {
		return nil, err
	}
	return codeWaitFromRow(r), nil
}

// CodeState is a task's code request as a give or a take judges it.
type CodeState struct {
	*domain.CodeWait
	// Current: asked during the task's latest submission (since it last
	// entered submitting).
	Current bool
	// PastDue: past ExpiresAt on the database's clock.
	PastDue bool
	// Gives counts the codes given for this ask.
	Gives int
}

// CodeGetForUpdate locks the task's code request and returns it, or nil
// when the task never had one.
func (s *Store) CodeGetForUpdate(ctx context.Context, taskID domain.ID) (*CodeState, error) {
	r, err := s.q.CodeGetForUpdate(ctx, taskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	row := dbsqlc.CodeAskRow{TaskID: r.TaskID, UserID: r.UserID, Platform: r.Platform, Address: r.Address, Attempt: r.Attempt,
		Refused: r.Refused, AskedAt: r.AskedAt, ExpiresAt: r.ExpiresAt, HasCode: r.HasCode, Gives: r.Gives, GivenAt: r.GivenAt,
		TakenAt: r.TakenAt, ClosedAt: r.ClosedAt}
	return &CodeState{CodeWait: codeWaitFromRow(&row), Current: r.Current, PastDue: r.PastDue, Gives: r.Gives}, nil
}

// CodeGive stores the code the user gave for the task's request (locked
// by the caller), replacing one not yet taken.
func (s *Store) CodeGive(ctx context.Context, taskID domain.ID, code string) error {
	return s.q.CodeGive(ctx, dbsqlc.CodeGiveParams{TaskID: taskID, Code: code})
}

// CodeTake returns the code given for the task and clears it (taken_at
// set) in one statement; ok is false when none is there.
func (s *Store) CodeTake(ctx context.Context, taskID domain.ID) (code string, ok bool, err error) {
	code, err = s.q.CodeTake(ctx, taskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return code, true, nil
}

// CodeClose closes the task's request (a code not taken is cleared, later
// ones are refused) and reports whether it had one.
func (s *Store) CodeClose(ctx context.Context, taskID domain.ID) (bool, error) {
	n, err := s.q.CodeClose(ctx, taskID)
	return n > 0, err
}

// CodeOpenForTasks returns the current, open requests (not closed, not
// expired) among these tasks of the user, by task.
func (s *Store) CodeOpenForTasks(ctx context.Context, userID domain.ID, taskIDs []domain.ID) (map[domain.ID]*domain.CodeWait, error) {
	out := map[domain.ID]*domain.CodeWait{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.CodeOpenForTasks(ctx, dbsqlc.CodeOpenForTasksParams{TaskIds: taskIDs, UserID: userID})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.TaskID] = codeWaitFromRow((*dbsqlc.CodeAskRow)(r))
	}
	return out, nil
}

// CodeOpenForUser returns up to max of the user's current, open requests,
// the soonest to expire first.
func (s *Store) CodeOpenForUser(ctx context.Context, userID domain.ID, max int) ([]*domain.CodeWait, error) {
	rows, err := s.q.CodeOpenForUser(ctx, dbsqlc.CodeOpenForUserParams{UserID: userID, Max: max})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.CodeWait, len(rows))
	for i, r := range rows {
		out[i] = codeWaitFromRow((*dbsqlc.CodeAskRow)(r))
	}
	return out, nil
}

// TaskWaitForCode says on a task in submitting that its page waits for the
// security code (state_reason needs_code, with message), and returns the
// task; ENOTFOUND when it is not in submitting.
func (s *Store) TaskWaitForCode(ctx context.Context, taskID domain.ID, message string) (*domain.Task, error) {
	r, err := s.q.TaskWaitForCode(ctx, dbsqlc.TaskWaitForCodeParams{ID: taskID, LastError: message})
	if err != nil {
		return nil, notFound(err, "task in submitting")
	}
	return taskFromRow(r), nil
}

// TaskCodeWaitOver clears needs_code (and its message) from a task in
// submitting that still says it, and reports whether it did.
func (s *Store) TaskCodeWaitOver(ctx context.Context, taskID domain.ID) (bool, error) {
	n, err := s.q.TaskCodeWaitOver(ctx, taskID)
	return n > 0, err
}

// ClosedCode is a code request the sweeper closed.
type ClosedCode struct {
	TaskID   domain.ID
	Platform domain.Platform
	Address  string
	Attempt  int
	// NeverTaken: asked during the task's current submission, and no code
	// taken since: the page was still waiting at the code step.
	NeverTaken bool
}

// SweepCloseCodes closes the code requests of these tasks (locked by the
// caller), in task id order, and returns them.
func (s *Store) SweepCloseCodes(ctx context.Context, taskIDs []domain.ID) ([]ClosedCode, error) {
	if len(taskIDs) == 0 {
		return nil, nil
	}
	rows, err := s.q.SweepCloseCodes(ctx, taskIDs)
	if err != nil {
		return nil, err
	}
	out := make([]ClosedCode, len(rows))
	for i, r := range rows {
		out[i] = ClosedCode{TaskID: r.TaskID, Platform: domain.Platform(r.Platform), Address: r.Address, Attempt: r.Attempt, NeverTaken: r.NeverTaken}
	}
	return out, nil
}

func codeWaitFromRow(r *dbsqlc.CodeAskRow) *domain.CodeWait {
	return &domain.CodeWait{TaskID: r.TaskID, UserID: r.UserID, Platform: domain.Platform(r.Platform), Address: r.Address,
		Attempt: r.Attempt, Refused: r.Refused, AskedAt: r.AskedAt, ExpiresAt: r.ExpiresAt, GivenAt: r.GivenAt, HasCode: r.HasCode,
		TakenAt: r.TakenAt, ClosedAt: r.ClosedAt}
}

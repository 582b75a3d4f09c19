package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// ApprovalInsert creates a pending approval request for a task, holding the
// packet the user approves and the hash of its link token, expiring ttl
// from now on the database's clock.
func (s *Store) ApprovalInsert(ctx context.Context, task *domain.Task, tokenHash, packet []byte, ttl time.Duration) (*domain.Approval, error) {
	r, err := s.q.ApprovalInsert(ctx, dbsqlc.ApprovalInsertParams{ID: domain.NewID(), TaskID: task.ID, UserID: task.UserID,
		TokenHash: tokenHash, Packet: packet, TtlSeconds: ttl.Seconds()})
	if err != nil {
		return nil, err
	}
	return approvalFromRow(r, false), nil
}

// ApprovalKey finds an approval request: by its link token (no sign-in
// needed: the token is the credential), or by id for its signed-in owner.
type ApprovalKey struct {
	TokenHash []byte
	ID        domain.ID
	UserID    domain.ID
}

// ApprovalGet returns one approval request; a pending one past its expiry
// reads as expired.
func (s *Store) ApprovalGet(ctx context.Context, key ApprovalKey) (*domain.Approval, error) {
	return s.approvalGet(ctx, key, false)
}

// ApprovalGetForUpdate is ApprovalGet, locking the request.
func (s *Store) ApprovalGetForUpdate(ctx context.Context, key ApprovalKey) (*domain.Approval, error) {
	return s.approvalGet(ctx, key, true)
}

func (s *Store) approvalGet(ctx context.Context, key ApprovalKey, lock bool) (*domain.Approval, error) {
	var (
		row     dbsqlc.ApprovalRequest
		pastDue bool
		err     error
	)
	switch {
	case key.TokenHash != nil && lock:
		var r *dbsqlc.ApprovalGetByTokenForUpdateRow
		if r, err = s.q.ApprovalGetByTokenForUpdate(ctx, key.TokenHash); err == nil {
			row, pastDue = r.ApprovalRequest, r.PastDue
		}
	case key.TokenHash != nil:
		var r *dbsqlc.ApprovalGetByTokenRow
		if r, err = s.q.ApprovalGetByToken(ctx, key.TokenHash); err == nil {
			row, pastDue = r.ApprovalRequest, r.PastDue
		}
	case lock:
		var r *dbsqlc.ApprovalGetByUserForUpdateRow
		if r, err = s.q.ApprovalGetByUserForUpdate(ctx, dbsqlc.ApprovalGetByUserForUpdateParams{ID: key.ID, UserID: key.UserID}); err == nil {
			row, pastDue = r.ApprovalRequest, r.PastDue
		}
	default:
		var r *dbsqlc.ApprovalGetByUserRow
		if r, err = s.q.ApprovalGetByUser(ctx, dbsqlc.ApprovalGetByUserParams{ID: key.ID, UserID: key.UserID}); err == nil {
			row, pastDue = r.ApprovalRequest, r.PastDue
		}
	}
	if err != nil {
		return nil, notFound(err, "approval request")
	}
	return approvalFromRow(&row, pastDue), nil
}

// ApprovalLatestForTask returns the task's latest approval request, or nil.
func (s *Store) ApprovalLatestForTask(ctx context.Context, taskID domain.ID) (*domain.Approval, error) {
	r, err := s.q.ApprovalGetLatestForTask(ctx, taskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return approvalFromRow(&r.ApprovalRequest, r.PastDue), nil
}

// ApprovalDecide records a decision on a pending request unless it is past
// its expiry on the database's clock at this statement: then it returns
// (nil, nil) and changes nothing.
func (s *Store) ApprovalDecide(ctx context.Context, id domain.ID, status domain.ApprovalStatus, decidedBy string) (*domain.Approval, error) {
	return s.ApprovalDecideEdited(ctx, id, status, decidedBy, nil, nil)
}

// ApprovalDecideEdited is ApprovalDecide for an approval with edits: the
// request then holds the edited packet and what changed.
func (s *Store) ApprovalDecideEdited(ctx context.Context, id domain.ID, status domain.ApprovalStatus, decidedBy string, packet []byte, edits []domain.Edit) (*domain.Approval, error) {
	p := dbsqlc.ApprovalDecideParams{ID: id, Status: status, DecidedBy: &decidedBy, Packet: packet}
	if len(edits) > 0 {
		b, err := json.Marshal(edits)
		if err != nil {
			return nil, err
		}
		p.Edits = b
	}
	r, err := s.q.ApprovalDecide(ctx, p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return approvalFromRow(r, false), nil
}

// ApprovalCloseForTask rejects the task's pending request, if any, and
// reports whether there was one.
func (s *Store) ApprovalCloseForTask(ctx context.Context, taskID domain.ID, decidedBy string) (bool, error) {
	ids, err := s.q.ApprovalCloseForTask(ctx, dbsqlc.ApprovalCloseForTaskParams{TaskID: taskID, DecidedBy: &decidedBy})
	return len(ids) > 0, err
}

// ApprovalExpireForTasks marks expired the pending requests of these tasks
// that are past expires_at on the database's clock, and returns their tasks.
func (s *Store) ApprovalExpireForTasks(ctx context.Context, taskIDs []domain.ID, decidedBy string) ([]domain.ID, error) {
	return s.q.ApprovalExpireForTasks(ctx, dbsqlc.ApprovalExpireForTasksParams{TaskIds: taskIDs, DecidedBy: &decidedBy})
}

// ListApprovals returns the user's approval requests with status, newest
// first (the inbox across all runs).
func (s *Store) ListApprovals(ctx context.Context, userID domain.ID, status domain.ApprovalStatus, cursor string, limit int) ([]*domain.Approval, string, error) {
	q, err := newListQuery(approvalsNewest, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	q.Where("user_id = " + q.Arg(userID))
	q.Where("status = " + q.Arg(status))
	sql, args := q.SQL(`SELECT *, (status = 'pending' AND expires_at <= statement_timestamp()) AS past_due FROM approval_requests`)
	rows, _ := s.db.Query(ctx, sql, args...)
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Approval, error) {
		var a dbsqlc.ApprovalRequest
		var pastDue bool
		err := r.Scan(&a.ID, &a.TaskID, &a.UserID, &a.TokenHash, &a.Status, &a.Packet, &a.CreatedAt, &a.ExpiresAt, &a.DecidedAt, &a.DecidedBy, &a.Edits, &pastDue)
		return approvalFromRow(&a, pastDue), err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := nextPage(q, list, func(a *domain.Approval) domain.Cursor { return domain.Cursor{Time: a.CreatedAt, ID: a.ID} })
	return list, next, nil
}

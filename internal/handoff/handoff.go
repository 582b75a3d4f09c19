// Package handoff carries a held page between the worker that holds it and
// the person who passes its challenge (issue 24): the page's frames one
// way, the person's input the other, through Postgres only, so the API and
// the worker may run on different machines. It decides who may see and act
// (only the task's person, one viewing page at a time), bounds what
// travels (frame size, input kinds, rate) and ends hand-offs; the worker's
// browser side and the dashboard's live view use it.
package handoff

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// ViewerLease is how long a viewing page keeps its claim without renewing.
const ViewerLease = 15 * time.Second

// Service is the hand-off transport.
type Service struct {
	store *postgres.Store
	tx    *postgres.Transactor
}

// New returns the service on pool.
func New(pool *pgxpool.Pool, log *zap.Logger) *Service {
	return &Service{store: postgres.NewStore(pool), tx: postgres.NewTransactor(pool, log)}
}

// Open starts the task's hand-off, held by owner (the worker) for window.
// A task has one hand-off at a time.
func (s *Service) Open(ctx context.Context, taskID, userID domain.ID, owner string, window time.Duration) (*domain.Handoff, error) {
	if window <= 0 {
		return nil, domain.Errorf(domain.EINVALID, "a hand-off window must be positive, not %s", window)
	}
	h, ok, err := s.store.HandoffOpen(ctx, taskID, userID, owner, window)
	if err != nil || ok {
		return h, err
	}
	cur, err := s.store.HandoffGet(ctx, taskID, userID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "task not found")
	}
	return nil, domain.Errorf(domain.ECONFLICT, "this task's page is already handed over")
}

// PutFrame stores the held page's latest frame (in place) and tells the
// viewers; its sequence number comes back.
func (s *Service) PutFrame(ctx context.Context, taskID domain.ID, f domain.HandoffFrame) (int64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	seq, ok, err := s.store.HandoffFramePut(ctx, taskID, f)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, domain.Errorf(domain.EGONE, "the hand-off ended: the page is no longer shown")
	}
	return seq, nil
}

// Frame returns the user's live hand-off's frame when newer than after,
// or nil. Another user's task reads as an unknown one.
func (s *Service) Frame(ctx context.Context, taskID, userID domain.ID, after int64) (*domain.HandoffFrame, error) {
	// A viewer polls this: one query when there is a frame to show, a
	// second only to say why there is none.
	f, err := s.store.HandoffFrameGet(ctx, taskID, userID, after)
	if err != nil || f != nil {
		return f, err
	}
	if _, err := s.live(ctx, taskID, userID); err != nil {
		return nil, err
	}
	return nil, nil
}

// live returns the user's hand-off of the task when it is live.
func (s *Service) live(ctx context.Context, taskID, userID domain.ID) (*domain.Handoff, error) {
	h, err := s.store.HandoffGet(ctx, taskID, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case h == nil:
		return nil, domain.Errorf(domain.ENOTFOUND, "no page of this task is handed over to you")
	case !h.Live:
		return nil, domain.Errorf(domain.EGONE, "the hand-off ended: the page is no longer held")
	}
	return h, nil
}

// ClaimViewer makes viewer (an opaque id of the viewing page) the
// hand-off's one viewer for ViewerLease, or renews its claim. While
// another page's claim runs, a new one is refused.
func (s *Service) ClaimViewer(ctx context.Context, taskID, userID domain.ID, viewer string) (time.Time, error) {
	if viewer == "" || len(viewer) > 64 {
		return time.Time{}, domain.Errorf(domain.EINVALID, "a viewer id is 1 to 64 characters")
	}
	until, ok, err := s.store.HandoffClaimViewer(ctx, taskID, userID, viewer, ViewerLease)
	if err != nil || ok {
		return until, err
	}
	if _, err := s.live(ctx, taskID, userID); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, domain.Errorf(domain.ECONFLICT, "this page is open in another window: close it there, or wait %s", ViewerLease)
}

// PushInput queues one input of the viewer for the held page, checked
// against the latest frame (only what that page could take) and bounded
// in rate.
func (s *Service) PushInput(ctx context.Context, taskID, userID domain.ID, viewer string, in domain.HandoffInput) (int64, error) {
	// The push is the hot path (many a second): the frame's size and the
	// push itself; why a push was refused is read only when it was.
	w, ht, ok, err := s.store.HandoffFrameSize(ctx, taskID, userID)
	if err != nil {
		return 0, err
	}
	if !ok {
		if _, err := s.live(ctx, taskID, userID); err != nil {
			return 0, err
		}
		return 0, domain.Errorf(domain.ECONFLICT, "the page is not shown yet: wait for its first picture")
	}
	if err := in.Validate(w, ht); err != nil {
		return 0, err
	}
	// Two statements in one transaction: the lock first, so the rate count
	// of the push sees every input committed before it.
	var id int64
	ok = false
	err = s.tx.InTx(ctx, func(st *postgres.Store) error {
		if locked, err := st.HandoffLockForInput(ctx, taskID, userID, viewer); err != nil || !locked {
			return err
		}
		id, ok, err = st.HandoffInputPush(ctx, taskID, userID, viewer, in, domain.MaxHandoffInputsPerSecond)
		return err
	})
	if err != nil || ok {
		return id, err
	}
	h, err := s.live(ctx, taskID, userID)
	if err != nil {
		return 0, err
	}
	if h.Viewer == viewer {
		return 0, domain.RateLimited(fmt.Sprintf("at most %d inputs a second reach the page", domain.MaxHandoffInputsPerSecond), "", time.Second)
	}
	return 0, domain.Errorf(domain.ECONFLICT, "this window is not the one viewing the page: reopen it")
}

// Inputs returns the hand-off's input after id after, in order (the worker
// replays it).
func (s *Service) Inputs(ctx context.Context, taskID domain.ID, after int64) ([]domain.HandoffInput, error) {
	return s.store.HandoffInputs(ctx, taskID, after)
}

// End ends the task's hand-off for reason and deletes what travelled; it
// is idempotent (the first reason stays).
func (s *Service) End(ctx context.Context, taskID domain.ID, reason string) error {
	return s.tx.InTx(ctx, func(st *postgres.Store) error {
		_, err := st.HandoffEnd(ctx, taskID, reason)
		return err
	})
}

// Expired returns up to max hand-offs not ended whose window passed.
func (s *Service) Expired(ctx context.Context, max int) ([]*domain.Handoff, error) {
	return s.store.HandoffsExpired(ctx, max)
}

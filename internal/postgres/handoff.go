package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// Hand-offs (handoffs, handoff_frames, handoff_inputs): the transport of a
// held page's frames and its person's input. The methods answer what the
// rows say (nil or false when a guard refused); internal/handoff decides
// what a refusal means.

func handoffFromRow(r *dbsqlc.Handoff) *domain.Handoff {
	h := &domain.Handoff{TaskID: r.TaskID, UserID: r.UserID, Owner: r.Owner, OpenedAt: r.OpenedAt, ExpiresAt: r.ExpiresAt,
		EndedAt: r.EndedAt, EndReason: r.EndReason, ViewerUntil: r.ViewerUntil}
	if r.Viewer != nil {
		h.Viewer = *r.Viewer
	}
	return h
}

func noRow[T any](v T, err error) (T, bool, error) {
	var zero T
	if errors.Is(err, pgx.ErrNoRows) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// HandoffOpen opens the task's hand-off for window; ok is false when the
// task has one not ended yet.
func (s *Store) HandoffOpen(ctx context.Context, taskID, userID domain.ID, owner string, window time.Duration) (*domain.Handoff, bool, error) {
	r, ok, err := noRow(s.q.HandoffOpen(ctx, dbsqlc.HandoffOpenParams{TaskID: taskID, UserID: userID, Owner: owner, WindowSeconds: window.Seconds()}))
	if !ok || err != nil {
		return nil, ok, err
	}
	h := handoffFromRow(r)
	h.Live = true
	return h, true, nil
}

// HandoffGet returns the user's hand-off of the task, or nil.
func (s *Store) HandoffGet(ctx context.Context, taskID, userID domain.ID) (*domain.Handoff, error) {
	r, ok, err := noRow(s.q.HandoffGet(ctx, dbsqlc.HandoffGetParams{TaskID: taskID, UserID: userID}))
	if !ok || err != nil {
		return nil, err
	}
	h := handoffFromRow(&dbsqlc.Handoff{TaskID: r.TaskID, UserID: r.UserID, Owner: r.Owner, OpenedAt: r.OpenedAt, ExpiresAt: r.ExpiresAt,
		EndedAt: r.EndedAt, EndReason: r.EndReason, Viewer: r.Viewer, ViewerUntil: r.ViewerUntil})
	h.Live = r.Live
	if !r.Viewed {
		h.Viewer, h.ViewerUntil = "", nil
	}
	return h, nil
}

// HandoffFramePut writes the live hand-off's frame in place and notifies;
// ok is false when the hand-off is not live.
func (s *Store) HandoffFramePut(ctx context.Context, taskID domain.ID, f domain.HandoffFrame) (seq int64, ok bool, err error) {
	return noRow(s.q.HandoffFramePut(ctx, dbsqlc.HandoffFramePutParams{TaskID: taskID, Width: f.Width, Height: f.Height, Mime: f.MIME, Data: f.Data}))
}

// HandoffFrameGet returns the user's live hand-off's frame when newer than
// after, or nil.
func (s *Store) HandoffFrameGet(ctx context.Context, taskID, userID domain.ID, after int64) (*domain.HandoffFrame, error) {
	r, ok, err := noRow(s.q.HandoffFrameGet(ctx, dbsqlc.HandoffFrameGetParams{TaskID: taskID, UserID: userID, After: after}))
	if !ok || err != nil {
		return nil, err
	}
	return &domain.HandoffFrame{Seq: r.Seq, Width: r.Width, Height: r.Height, MIME: r.Mime, Data: r.Data, At: r.At}, nil
}

// HandoffFrameSize returns the size of the user's hand-off's latest frame;
// ok is false before the first (or for another user).
func (s *Store) HandoffFrameSize(ctx context.Context, taskID, userID domain.ID) (width, height int, ok bool, err error) {
	r, ok, err := noRow(s.q.HandoffFrameSize(ctx, dbsqlc.HandoffFrameSizeParams{TaskID: taskID, UserID: userID}))
	if !ok || err != nil {
		return 0, 0, ok, err
	}
	return r.Width, r.Height, true, nil
}

// HandoffClaimViewer makes viewer the live hand-off's one viewer for
// lease; ok is false when it is not live, not the user's, or another
// viewer's lease runs.
func (s *Store) HandoffClaimViewer(ctx context.Context, taskID, userID domain.ID, viewer string, lease time.Duration) (until time.Time, ok bool, err error) {
	r, ok, err := noRow(s.q.HandoffClaimViewer(ctx, dbsqlc.HandoffClaimViewerParams{TaskID: taskID, UserID: userID, Viewer: viewer, LeaseSeconds: lease.Seconds()}))
	if !ok || err != nil || r == nil {
		return time.Time{}, false, err
	}
	return *r, true, nil
}

// HandoffInputPush queues one input of the live hand-off's current viewer
// and notifies; ok is false when refused (not live, not its viewer, or
// maxPerSecond inputs in the last second).
func (s *Store) HandoffInputPush(ctx context.Context, taskID, userID domain.ID, viewer string, in domain.HandoffInput, maxPerSecond int) (int64, bool, error) {
	payload, err := in.Payload()
	if err != nil {
		return 0, false, err
	}
	return noRow(s.q.HandoffInputPush(ctx, dbsqlc.HandoffInputPushParams{TaskID: taskID, UserID: userID, Viewer: viewer,
		Kind: string(in.Kind), Payload: payload, MaxPerSecond: int64(maxPerSecond)}))
}

// HandoffLockForInput locks the user's live hand-off of the task for
// viewer, its current viewer; ok is false when it is none of those. Call
// it first in the transaction of a push, so that the push's rate count
// sees the inputs of the pushes before it.
func (s *Store) HandoffLockForInput(ctx context.Context, taskID, userID domain.ID, viewer string) (bool, error) {
	_, ok, err := noRow(s.q.HandoffLockForInput(ctx, dbsqlc.HandoffLockForInputParams{TaskID: taskID, UserID: userID, Viewer: viewer}))
	return ok, err
}

// HandoffInputs returns the hand-off's input after id after, in order (at
// most 200).
func (s *Store) HandoffInputs(ctx context.Context, taskID domain.ID, after int64) ([]domain.HandoffInput, error) {
	rows, err := s.q.HandoffInputs(ctx, dbsqlc.HandoffInputsParams{TaskID: taskID, After: after})
	if err != nil {
		return nil, err
	}
	out := make([]domain.HandoffInput, 0, len(rows))
	for _, r := range rows {
		in, err := domain.ParseHandoffInput(r.ID, r.Kind, r.Payload, r.At)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// HandoffEnd ends the hand-off (the first reason stays) and deletes its
// frame and input; ended is false when the task had none. Run it in a
// transaction.
func (s *Store) HandoffEnd(ctx context.Context, taskID domain.ID, reason string) (ended bool, err error) {
	n, err := s.q.HandoffEnd(ctx, dbsqlc.HandoffEndParams{TaskID: taskID, Reason: reason})
	if err != nil {
		return false, err
	}
	if err := s.q.HandoffFramesDelete(ctx, taskID); err != nil {
		return false, err
	}
	if err := s.q.HandoffInputsDelete(ctx, taskID); err != nil {
		return false, err
	}
	return n > 0, nil
}

// HandoffsExpired returns up to max hand-offs not ended whose window
// passed.
func (s *Store) HandoffsExpired(ctx context.Context, max int) ([]*domain.Handoff, error) {
	rows, err := s.q.HandoffsExpired(ctx, max)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Handoff, len(rows))
	for i, r := range rows {
		out[i] = handoffFromRow(r)
	}
	return out, nil
}

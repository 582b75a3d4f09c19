package tasks

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// What the service's own tests reach inside it.

// MoveOnce runs one move — the service's one transition function — in a
// transaction of its own.
func (s *Service) MoveOnce(ctx context.Context, m postgres.Move) (*domain.Task, error) {
	var got *domain.Task
	err := s.inTx(ctx, func(t *txn) error {
		var err error
		got, err = s.move(ctx, t, m)
		return err
	})
	return got, err
}

// InTx runs fn in a service transaction (with its retry), handing it the
// transaction and a way to add jobs to a run inside it.
func (s *Service) InTx(ctx context.Context, fn func(tx pgx.Tx, add func(userID, runID domain.ID, jobIDs []domain.ID) (*domain.AddJobsResult, error)) error) error {
	return s.inTx(ctx, func(t *txn) error {
		return fn(t.Tx, func(userID, runID domain.ID, jobIDs []domain.ID) (*domain.AddJobsResult, error) {
			return s.addJobs(ctx, t, userID, runID, jobIDs, "test")
		})
	})
}

// ClaimBatches returns how many batched claim transactions ran.
func (s *Service) ClaimBatches() int {
	s.claims.mu.Lock()
	defer s.claims.mu.Unlock()
	return s.claims.batches
}

// QueuedClaims returns how many claims wait for the running batch.
func (s *Service) QueuedClaims() int {
	s.claims.mu.Lock()
	defer s.claims.mu.Unlock()
	return len(s.claims.queue)
}

// ClaimAlone is Claim without the batch: the one-task path.
func (s *Service) ClaimAlone(ctx context.Context, job Job, lease Lease) (Next, error) {
	return s.claimOne(ctx, job, lease)
}

package postgres

import (
	"context"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// The sweeper's selections: each locks its rows in id order and skips rows
// someone else holds, so several sweepers never handle one row twice.

// SweepStuckTasks locks up to max tasks in in_progress or submitting whose
// heartbeat is older than before.
func (s *Store) SweepStuckTasks(ctx context.Context, before time.Time, max int) ([]*domain.Task, error) {
	rows, err := s.q.SweepStuckTasks(ctx, dbsqlc.SweepStuckTasksParams{Before: &before, Max: max})
	return tasksFromRows(rows), err
}

// SweepExpiredApprovalTasks locks up to max tasks whose pending approval is
// past its expiry on the database's clock, and returns their ids.
func (s *Store) SweepExpiredApprovalTasks(ctx context.Context, max int) ([]domain.ID, error) {
	return s.q.SweepExpiredApprovalTasks(ctx, max)
}

// SweepOrphanTasks locks up to max tasks waiting for a job (queued or
// approved, unchanged since before notBefore) that have no River job that
// will run. A paused run's parked tasks are not orphans.
func (s *Store) SweepOrphanTasks(ctx context.Context, notBefore time.Time, max int) ([]*domain.Task, error) {
	rows, err := s.q.SweepOrphanTasks(ctx, dbsqlc.SweepOrphanTasksParams{NotBefore: notBefore, Max: max})
	return tasksFromRows(rows), err
}

// SweepJobsOfSettledTasks locks up to max River jobs still waiting to run
// for tasks already submitted or cancelled, and returns their ids.
func (s *Store) SweepJobsOfSettledTasks(ctx context.Context, max int) ([]int64, error) {
	return s.q.SweepJobsOfSettledTasks(ctx, max)
}

// SweepRunsToComplete locks up to max active runs whose every task is
// submitted or cancelled, and returns their ids.
func (s *Store) SweepRunsToComplete(ctx context.Context, max int) ([]domain.ID, error) {
	return s.q.SweepRunsToComplete(ctx, max)
}

// Package queue is applyq's River adapter: the River clients of each
// process and the workers, which are thin edges of the application service
// (internal/tasks): a worker's Work parses its job, calls one service method
// per step and returns what River should do next.
package queue

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/applyq/applyq/internal/tasks"
)

// Inserter is an insert-only River client (never started): the application
// services insert (and complete) jobs through it in their transactions.
type Inserter struct {
	client *river.Client[pgx.Tx]
}

// NewInserter returns an Inserter for pool.
func NewInserter(pool *pgxpool.Pool) (*Inserter, error) {
	// River rate-limits its insert notifications per queue to one per
	// FetchCooldown; a short one here lets an idle worker hear about every
	// insert at once instead of at its next poll.
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{MaxAttempts: tasks.JobMaxAttempts, FetchCooldown: time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Inserter{client: client}, nil
}

// Client returns the insert-only River client (the service inserts through
// it; River UI reads through it).
func (i *Inserter) Client() *river.Client[pgx.Tx] { return i.client }

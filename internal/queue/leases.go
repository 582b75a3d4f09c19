package queue

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/tasks"
)

// Leases tracks the leases this worker process holds (tasks in in_progress
// or submitting) and heartbeats them all in one statement per interval, so
// the sweeper can tell a slow worker from a dead one.
type Leases struct {
	Owner string // this process's name in lease_owner

	mu   sync.Mutex
	held map[domain.ID]struct{}
}

// Take returns a new lease of this process and starts heartbeating it.
func (l *Leases) Take() tasks.Lease {
	lease := tasks.Lease{Token: domain.NewID(), Owner: l.Owner}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[domain.ID]struct{}{}
	}
	l.held[lease.Token] = struct{}{}
	return lease
}

// Release stops heartbeating a lease.
func (l *Leases) Release(lease tasks.Lease) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, lease.Token)
}

// Held returns the lease tokens held now.
func (l *Leases) Held() []domain.ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]domain.ID, 0, len(l.held))
	for t := range l.held {
		out = append(out, t)
	}
	return out
}

// Run heartbeats every interval until ctx ends.
func (l *Leases) Run(ctx context.Context, svc *tasks.Service, interval time.Duration, log *zap.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := svc.Heartbeat(ctx, l.Held()); err != nil && ctx.Err() == nil {
				log.Warn("heartbeat failed; retrying next interval", zap.Error(err))
			}
		}
	}
}

package queue

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// Leases tracks the tasks this worker process holds (in_progress or
// submitting) and heartbeats them all in one statement per interval, so the
// sweeper can tell a slow worker from a dead one.
type Leases struct {
	mu   sync.Mutex
	held map[domain.ID]struct{}
}

// Hold starts heartbeating a lease.
func (l *Leases) Hold(token domain.ID) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[domain.ID]struct{}{}
	}
	l.held[token] = struct{}{}
}

// Release stops heartbeating a lease.
func (l *Leases) Release(token domain.ID) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, token)
}

// Held returns the leases held now.
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
func (l *Leases) Run(ctx context.Context, db *postgres.DB, interval time.Duration, log *zap.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := db.Heartbeat(ctx, l.Held()); err != nil && ctx.Err() == nil {
				log.Warn("heartbeat failed; retrying next interval", zap.Error(err))
			}
		}
	}
}

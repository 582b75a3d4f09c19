// Package applier holds the implementations of domain.Applier: the dry-run
// applier here, the signed webhook applier with the approvals work, and
// browser-driven ones in Phase 2.
package applier

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
)

// DryRun records what it would send and sends nothing. It is the default
// applier in development and the one the tests count submissions with.
type DryRun struct {
	log *zap.Logger

	mu   sync.Mutex
	sent []domain.Packet
	// ApplyFunc, when set, replaces the recording (tests inject failures).
	ApplyFunc func(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error)
}

// NewDryRun returns a dry-run applier that logs each packet.
func NewDryRun(log *zap.Logger) *DryRun {
	if log == nil {
		log = zap.NewNop()
	}
	return &DryRun{log: log}
}

// Name implements domain.Applier.
func (d *DryRun) Name() string { return "dry_run" }

// IdempotentRetries implements domain.Applier: a dry run sends nothing, but it
// reports false so that it exercises the same at-most-once path as a real one.
func (d *DryRun) IdempotentRetries() bool { return false }

// Apply implements domain.Applier.
func (d *DryRun) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	if d.ApplyFunc != nil {
		return d.ApplyFunc(ctx, p)
	}
	d.mu.Lock()
	d.sent = append(d.sent, *p)
	d.mu.Unlock()
	d.log.Info("dry-run submission", zap.Stringer("task_id", p.TaskID), zap.Stringer("run_id", p.RunID),
		zap.String("company", p.Company), zap.String("title", p.Title))
	return domain.ApplyResult{Reference: "dry-run:" + p.TaskID.String()}, nil
}

// Sent returns a copy of every packet recorded so far.
func (d *DryRun) Sent() []domain.Packet {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]domain.Packet(nil), d.sent...)
}

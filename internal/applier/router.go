package applier

import (
	"context"
	"fmt"

	"github.com/applyq/applyq/internal/domain"
)

// Router submits each packet through its platform's applier — Recruitee's
// API, the browser for Greenhouse, Lever and Ashby forms — and everything
// else through Default (the webhook, or the dry run). The applier is
// chosen when the packet is prepared (Packet.Applier, from NameFor), so
// the user sees it before approving; a worker that lacks the applier a
// packet names never sends it another way.
type Router struct {
	Default    domain.Applier
	ByPlatform map[domain.Platform]domain.Applier
}

// NameFor names the applier that submits a posting of platform p.
func (r *Router) NameFor(p domain.Platform) string {
	if a := r.ByPlatform[p]; a != nil {
		return a.Name()
	}
	return r.Default.Name()
}

// For is the applier that submits p: the one its packet names.
func (r *Router) For(p *domain.Packet) domain.Applier {
	if p.Applier == "" {
		if a := r.ByPlatform[p.Platform]; a != nil {
			return a
		}
		return r.Default
	}
	if a := r.ByPlatform[p.Platform]; a != nil && a.Name() == p.Applier {
		return a
	}
	if r.Default.Name() == p.Applier {
		return r.Default
	}
	for _, a := range r.ByPlatform {
		if a.Name() == p.Applier {
			return a
		}
	}
	return missing(p.Applier)
}

// Name implements domain.Applier.
func (r *Router) Name() string { return "router" }

// IdempotentRetries implements domain.Applier: the worker asks For's.
func (r *Router) IdempotentRetries() bool { return false }

// Apply implements domain.Applier.
func (r *Router) Apply(ctx context.Context, p *domain.Packet) (domain.ApplyResult, error) {
	return r.For(p).Apply(ctx, p)
}

// missing is the applier of a packet that names one this worker does not
// have: it sends nothing (the task is tried again, by a worker that has it).
type missing string

func (m missing) Name() string            { return string(m) }
func (m missing) IdempotentRetries() bool { return false }
func (m missing) Apply(context.Context, *domain.Packet) (domain.ApplyResult, error) {
	return domain.ApplyResult{}, fmt.Errorf("this worker has no %q applier, which the application was prepared for: %w", string(m), domain.ErrNotSent)
}

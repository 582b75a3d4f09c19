package queue

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/tasks"
)

// Approvals waits, in one worker process, for the decisions on the
// approvals this process requested, without holding a database connection
// or a queue slot: a pending approval is one map entry.
//
// A decision wakes it through LISTEN/NOTIFY (Notify), a reconnect makes it
// re-read every task it waits for (Resync), and a slow poll is the safety
// net. Whatever happens to this process, the River job that the approve
// transaction enqueued continues the task anyway.
type Approvals struct {
	Tasks        *tasks.Service
	Worker       *ApplyWorker
	PollInterval time.Duration
	// Concurrency bounds continuations running at once.
	Concurrency int
	Log         *zap.Logger

	once    sync.Once
	mu      sync.Mutex
	pending map[domain.ID]struct{}
	woken   map[domain.ID]struct{} // notified, not yet re-read
	resync  bool                   // a reconnect asked to re-read everything
	wake    chan struct{}          // signals Run that woken or resync changed
	sem     chan struct{}
	// work is the context of continuations: Stop cancels it when the grace
	// period ends; stopping (under mu) refuses new ones.
	work       context.Context
	cancelWork context.CancelFunc
	stopping   bool
	wg         sync.WaitGroup
}

func (a *Approvals) init() {
	a.once.Do(func() {
		a.pending = map[domain.ID]struct{}{}
		a.woken = map[domain.ID]struct{}{}
		a.wake = make(chan struct{}, 1)
		a.sem = make(chan struct{}, max(1, a.Concurrency))
		a.work, a.cancelWork = context.WithCancel(context.Background())
	})
}

// Wait registers a task awaiting approval in this process.
func (a *Approvals) Wait(taskID domain.ID) {
	a.init()
	a.mu.Lock()
	a.pending[taskID] = struct{}{}
	a.mu.Unlock()
}

// Waiting returns how many approvals this process waits for.
func (a *Approvals) Waiting() int {
	a.init()
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}

// Notify implements notify.Subscriber: the payload is a task id. It runs on
// the listener's goroutine, so it only notes the id; Run re-reads it.
func (a *Approvals) Notify(payload string) {
	a.init()
	id, err := domain.ParseID(payload)
	if err != nil {
		return
	}
	a.mu.Lock()
	_, mine := a.pending[id]
	if mine {
		a.woken[id] = struct{}{}
	}
	a.mu.Unlock()
	if mine {
		a.signal()
	}
}

// Resync implements notify.Subscriber: after a reconnect, Run re-reads every
// awaited task (notifications sent while disconnected are lost).
func (a *Approvals) Resync() {
	a.init()
	a.mu.Lock()
	a.resync = true
	a.mu.Unlock()
	a.signal()
}

func (a *Approvals) signal() {
	select {
	case a.wake <- struct{}{}:
	default: // a wake-up is already pending; it will see this one's ids
	}
}

func (a *Approvals) snapshot() []domain.ID {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]domain.ID, 0, len(a.pending))
	for id := range a.pending {
		ids = append(ids, id)
	}
	return ids
}

// takeWoken returns the notified ids (all awaited ids after a resync) and
// clears them.
func (a *Approvals) takeWoken() (ids []domain.ID, via string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.resync {
		a.resync = false
		clear(a.woken)
		ids = make([]domain.ID, 0, len(a.pending))
		for id := range a.pending {
			ids = append(ids, id)
		}
		return ids, "resync"
	}
	ids = make([]domain.ID, 0, len(a.woken))
	for id := range a.woken {
		ids = append(ids, id)
	}
	clear(a.woken)
	return ids, "notification"
}

// Run re-reads notified tasks as wake-ups arrive, and every awaited task
// every PollInterval, until ctx ends. It returns at once then: nothing ever
// waits for a person (continuations in flight are Stop's business).
func (a *Approvals) Run(ctx context.Context) {
	a.init()
	t := time.NewTicker(a.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
			a.check(a.takeWoken())
		case <-t.C:
			a.check(a.snapshot(), "poll")
		}
	}
}

// Stop starts no more continuations and waits for those in flight until ctx
// ends; then it cancels them (an applier call that ends that way is recorded
// as its outcome class says) and waits for their records. Pending approvals
// are not waited for: their River continuation jobs carry them.
func (a *Approvals) Stop(ctx context.Context) error {
	a.init()
	a.mu.Lock()
	a.stopping = true
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	a.cancelWork()
	<-done // bounded: outcomes are recorded within recordTimeout
	return errors.New("approval continuations cancelled at the end of the grace period")
}

// check re-reads the tasks and continues the approved ones in goroutines
// bounded by Concurrency; tasks no longer awaiting approval are forgotten.
func (a *Approvals) check(ids []domain.ID, via string) {
	if len(ids) == 0 {
		return
	}
	states, err := a.Tasks.Store().TaskStates(a.work, ids)
	if err != nil {
		a.Log.Warn("re-reading awaited approvals failed; the next poll retries", zap.Error(err))
		return
	}
	for _, id := range ids {
		st, ok := states[id]
		if ok && (st == domain.StateAwaitingApproval) {
			continue
		}
		a.mu.Lock()
		_, mine := a.pending[id]
		delete(a.pending, id)
		start := mine && st == domain.StateApproved && !a.stopping
		if start {
			a.wg.Add(1)
		}
		a.mu.Unlock()
		if !start {
			continue
		}
		go func() {
			defer a.wg.Done()
			select {
			case a.sem <- struct{}{}:
			case <-a.work.Done():
				return // the River continuation job takes over
			}
			defer func() { <-a.sem }()
			jobCtx, cancel := context.WithTimeout(a.work, a.Worker.JobTimeout)
			defer cancel()
			if err := a.Worker.Continue(jobCtx, id, via); err != nil {
				a.Log.Warn("continuing an approved task failed; its River job will", zap.Stringer("task_id", id), zap.Error(err))
			}
		}()
	}
}

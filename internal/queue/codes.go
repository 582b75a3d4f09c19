package queue

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/tasks"
)

// DefaultCodePollInterval is how often a page waiting for its security
// code re-reads its request without a wake-up: the safety net under
// LISTEN/NOTIFY.
const DefaultCodePollInterval = 2 * time.Second

// Codes carries security codes from users to the pages this worker process
// holds open (domain.Codes, for the browser applier). A page's wait is one
// goroutine (the applier's own) and one map entry: the code the user gives
// reaches it through Postgres, a NOTIFY on applyq_codes waking it (Notify,
// subscribed on the process's listener), a reconnect waking every waiter
// (Resync, notifications sent while disconnected are lost), and a slow
// poll as the safety net. A wake-up is a hint: the waiter re-reads with
// tasks.Service.TakeCode, which takes the code at most once.
//
// The code is returned to the applier and nowhere else: never logged,
// never part of an error.
type Codes struct {
	tasks *tasks.Service
	log   *zap.Logger
	// PollInterval is the safety-net poll (DefaultCodePollInterval when
	// zero); set it before the first Await.
	PollInterval time.Duration

	mu      sync.Mutex
	waiting map[domain.ID]chan struct{}
}

var _ domain.Codes = (*Codes)(nil)

// NewCodes returns the relay on svc. Subscribe it to domain.NotifyCodes on
// the process's listener (ProcessOptions.Codes does).
func NewCodes(svc *tasks.Service, log *zap.Logger) *Codes {
	if log == nil {
		log = zap.NewNop()
	}
	return &Codes{tasks: svc, log: log, waiting: map[domain.ID]chan struct{}{}}
}

// Await implements domain.Codes: it records the ask (tasks.Service.AskCode:
// the task says needs_code and its user is told at once), then waits for
// the code the user gives and returns it (taken: cleared in the database).
// At req.Until it returns domain.ErrCodeWindowPassed, and when ctx ends
// ctx's error; either way the request is closed first, so a code given
// later is refused.
func (c *Codes) Await(ctx context.Context, req domain.CodeRequest) (string, error) {
	wake, done := c.register(req.TaskID)
	defer done()
	if err := c.tasks.AskCode(ctx, req); err != nil {
		if ctx.Err() != nil {
			c.tasks.CloseCodeAfter(ctx, req.TaskID)
			return "", ctx.Err()
		}
		return "", err
	}
	window := time.NewTimer(time.Until(req.Until))
	defer window.Stop()
	every := c.PollInterval
	if every <= 0 {
		every = DefaultCodePollInterval
	}
	poll := time.NewTicker(every)
	defer poll.Stop()
	for {
		code, ok, err := c.tasks.TakeCode(ctx, req.TaskID)
		switch {
		case ok:
			return code, nil
		case err != nil && ctx.Err() == nil:
			c.log.Warn("reading a security code request failed; retrying", zap.Stringer("task_id", req.TaskID), zap.Error(err))
		}
		select {
		case <-ctx.Done():
			c.tasks.CloseCodeAfter(ctx, req.TaskID)
			return "", ctx.Err()
		case <-window.C:
			// A code given in the last moment is still taken; then the
			// page stops waiting.
			if code, ok, err := c.tasks.TakeCode(ctx, req.TaskID); err == nil && ok {
				return code, nil
			}
			c.tasks.CloseCodeAfter(ctx, req.TaskID)
			return "", domain.ErrCodeWindowPassed
		case <-wake:
		case <-poll.C:
		}
	}
}

// Close implements domain.Codes: the page no longer waits for the task's
// code (typed, or given up), so a code given later is refused.
func (c *Codes) Close(ctx context.Context, taskID domain.ID) error {
	return c.tasks.CloseCode(ctx, taskID)
}

// Waiting returns how many pages of this process wait for a code.
func (c *Codes) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}

// register notes that this process waits for the task's code and returns
// the channel its wake-ups arrive on, and the function that forgets it.
func (c *Codes) register(taskID domain.ID) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.waiting[taskID] = ch
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		if c.waiting[taskID] == ch {
			delete(c.waiting, taskID)
		}
		c.mu.Unlock()
	}
}

// Notify implements notify.Subscriber: the payload is a task id whose
// user gave a code. It runs on the listener's goroutine, so it only wakes
// the waiter, which re-reads.
func (c *Codes) Notify(payload string) {
	id, err := domain.ParseID(payload)
	if err != nil {
		return
	}
	c.mu.Lock()
	ch := c.waiting[id]
	c.mu.Unlock()
	if ch != nil {
		wake(ch)
	}
}

// Resync implements notify.Subscriber: after a reconnect every waiter
// re-reads (a code given while disconnected sent a notification nobody
// heard).
func (c *Codes) Resync() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.waiting {
		wake(ch)
	}
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // a wake-up is already pending
	}
}

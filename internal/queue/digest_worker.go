package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/applyq/applyq/internal/notifications"
)

// digestTimeout bounds one digest: its transaction and the mail.
const digestTimeout = 2 * time.Minute

// DigestWorker mails a user's notices as one digest (the mail queue).
type DigestWorker struct {
	river.WorkerDefaults[notifications.DigestArgs]

	Notifications *notifications.Service
}

// Work implements river.Worker.
func (w *DigestWorker) Work(ctx context.Context, job *river.Job[notifications.DigestArgs]) error {
	return w.Notifications.RunDigest(ctx, job)
}

// Timeout implements river.Worker.
func (w *DigestWorker) Timeout(*river.Job[notifications.DigestArgs]) time.Duration {
	return digestTimeout
}

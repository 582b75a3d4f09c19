package queue

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/domain"
)

// MagicLinkWorker mails a sign-in link: the accounts service makes the token
// (storing only its hash), this worker mails it. A failed send retries with
// a new token; an unused one simply expires.
type MagicLinkWorker struct {
	river.WorkerDefaults[accounts.MagicLinkArgs]

	Accounts      *accounts.Service
	Mailer        domain.Mailer
	PublicBaseURL string // links are built from configuration, never a request's Host
	TTL           time.Duration
}

// magicLinkTimeout bounds one sign-in mail: its token and the send. The
// client's JobTimeout is worker.job_timeout, sized for an application
// whose page may wait minutes for a security code, not for a mail.
const magicLinkTimeout = 2 * time.Minute

// Timeout implements river.Worker.
func (w *MagicLinkWorker) Timeout(*river.Job[accounts.MagicLinkArgs]) time.Duration {
	return magicLinkTimeout
}

// Work implements river.Worker.
func (w *MagicLinkWorker) Work(ctx context.Context, job *river.Job[accounts.MagicLinkArgs]) error {
	raw, err := w.Accounts.IssueMagicLink(ctx, job.Args.Email, w.TTL)
	if err != nil {
		return err
	}
	msg := domain.Message{
		To:      job.Args.Email,
		Subject: "Your applyq sign-in link",
		Body: fmt.Sprintf("Open this link to sign in to applyq (it works once and expires in %s):\n\n%s\n\n"+
			"If you did not ask for it, ignore this email.\n", w.TTL, MagicLink(w.PublicBaseURL, raw)),
	}
	if err := w.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("sending sign-in link: %w", err)
	}
	return nil
}

// MagicLink builds the sign-in URL: the dashboard's confirm page, which POSTs
// the token (a GET, such as a mail scanner's prefetch, signs nobody in).
func MagicLink(base, token string) string {
	return base + "/auth/confirm?token=" + url.QueryEscape(token)
}

package queue

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// QueueMail is the River queue for outgoing email, apart from the
// applications queue so a mail backlog never delays submissions.
const QueueMail = "mail"

// MagicLinkArgs asks for a sign-in link to be mailed to Email. It carries no
// secret: the worker makes the token, stores only its hash, and mails it.
type MagicLinkArgs struct {
	Email string `json:"email"`
}

// Kind implements river.JobArgs.
func (MagicLinkArgs) Kind() string { return "magic_link_email" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (MagicLinkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: 5}
}

// MagicLinkWorker creates a sign-in token and mails its link. A failed send
// retries with a new token; an unused one simply expires.
type MagicLinkWorker struct {
	river.WorkerDefaults[MagicLinkArgs]

	DB            *postgres.DB
	Mailer        domain.Mailer
	PublicBaseURL string // links are built from configuration, never a request's Host
	TTL           time.Duration
	Log           *zap.Logger
}

// Work implements river.Worker.
func (w *MagicLinkWorker) Work(ctx context.Context, job *river.Job[MagicLinkArgs]) error {
	raw, hash := domain.NewToken(domain.PrefixMagicLink)
	err := w.DB.InTx(ctx, func(tx pgx.Tx) error {
		return w.DB.CreateMagicLinkToken(ctx, tx, job.Args.Email, hash, w.TTL)
	})
	if err != nil {
		return err
	}
	link := MagicLink(w.PublicBaseURL, raw)
	msg := domain.Message{
		To:      job.Args.Email,
		Subject: "Your applyq sign-in link",
		Body: fmt.Sprintf("Open this link to sign in to applyq (it works once and expires in %s):\n\n%s\n\n"+
			"If you did not ask for it, ignore this email.\n", w.TTL, link),
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

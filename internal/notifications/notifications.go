// Package notifications is the application service of the mail applyq
// sends on its own: approvals or questions waiting, a task that needs the
// user, a run completed. Nothing is mailed one by one. The service that
// changes a task or a run writes a notice in its own transaction (Add),
// which also enqueues the user's digest job, scheduled a delay (the digest
// window) from then and unique per user: 200 notices in a minute are one
// job and one mail. The job (SendDigest, through RunDigest) takes the
// user's unsent notices, mails them as one plain-text digest grouped by
// kind, and marks them sent, in one transaction.
//
// Sending and committing: the mail is sent inside the digest's transaction,
// after the notices are marked sent and before the commit. A mailer error
// rolls everything back (the notices stay unsent, the approval links minted
// for the mail are never stored) and River retries the job; a crash, or a
// failed commit, after the mail went out does the same, so the user may get
// a digest twice but never misses one, and the links that work are those of
// the last mail. The transaction never waits for a lock (notices and
// approvals are taken with SKIP LOCKED), so holding it across the send
// blocks nobody but a decision on one of the listed approvals, for the
// time the mailer takes.
//
// Lock order: a digest job's row comes after every other row a
// transaction locks. Add inserts (or, when one is pending, touches) the
// user's digest job row, which River's unique insert holds until the
// caller commits, so call Add last in a transaction.
package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/accounts"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// DigestArgs is the River job that mails a user's unsent notices as one
// digest. One is waiting, retrying or running per user at most.
type DigestArgs struct {
	UserID domain.ID `json:"user_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "notice_digest" }

// digestMaxAttempts is River's retry budget for one digest (its retry
// policy waits at most a minute between attempts). A digest River gave up
// on is enqueued again by the sweeper (RepairDigests), since its notices
// are still unsent.
const digestMaxAttempts = 10

// InsertOpts implements river.JobArgsWithInsertOpts: the mail queue, and
// unique per user while waiting, retrying or running (River requires
// running), so notices added meanwhile join the pending digest.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: accounts.QueueMail, MaxAttempts: digestMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// DigestJob is the River job of a digest.
type DigestJob = *river.Job[DigestArgs]

// Add writes a notice in the caller's transaction tx and enqueues its
// user's digest, scheduled delay from now, through rc (an insert-only
// client is enough). A digest already pending for the user takes the
// notice instead (River's unique insert skips the new job); one running
// now sees it when it finishes (RunDigest) and mails it after delay. A
// notice of a kind mailed at once (domain.NoticeKind.Immediate: a security
// code waiting) makes its user's digest due now instead, a pending one
// included. The notice is EINVALID when it does not validate
// (domain.Notice.Validate). Call it after every other lock the
// transaction takes: see the package doc. After an error, roll tx back.
func Add(ctx context.Context, tx pgx.Tx, rc *river.Client[pgx.Tx], n domain.Notice, delay time.Duration) error {
	return AddMany(ctx, tx, rc, []domain.Notice{n}, delay)
}

// AddMany is Add for several notices (of any users) in one transaction:
// one digest job insert per user, in user id order.
func AddMany(ctx context.Context, tx pgx.Tx, rc *river.Client[pgx.Tx], notices []domain.Notice, delay time.Duration) error {
	for i := range notices {
		if err := notices[i].Validate(); err != nil {
			return err
		}
	}
	st := postgres.NewStore(tx)
	var users []domain.ID
	now := map[domain.ID]bool{}
	for _, n := range notices {
		if _, err := st.NoticeAdd(ctx, n); err != nil {
			return err
		}
		users = append(users, n.UserID)
		if n.Kind.Immediate() {
			now[n.UserID] = true
		}
	}
	return enqueueDigests(ctx, tx, rc, users, delay, now)
}

// enqueueDigests inserts one digest job per user, scheduled delay from
// now (at once for the users in now), users in id order (the job rows a
// unique insert may hold). A user in now whose digest is already
// scheduled, or waiting to retry, has it made due at once (a running one
// looks again within a second: RunDigest).
func enqueueDigests(ctx context.Context, tx pgx.Tx, rc *river.Client[pgx.Tx], users []domain.ID, delay time.Duration, now map[domain.ID]bool) error {
	slices.SortFunc(users, func(a, b domain.ID) int { return slices.Compare(a[:], b[:]) })
	users = slices.Compact(users)
	if len(users) == 0 {
		return nil
	}
	later := &river.InsertOpts{}
	if delay > 0 {
		later.ScheduledAt = time.Now().Add(delay)
	}
	params := make([]river.InsertManyParams, len(users))
	for i, u := range users {
		opts := later
		if now[u] {
			opts = &river.InsertOpts{}
		}
		params[i] = river.InsertManyParams{Args: DigestArgs{UserID: u}, InsertOpts: opts}
	}
	res, err := rc.InsertManyTx(ctx, tx, params)
	if err != nil || len(now) == 0 {
		return err
	}
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate || r.Job == nil ||
			(r.Job.State != rivertype.JobStateScheduled && r.Job.State != rivertype.JobStateRetryable) {
			continue
		}
		var args DigestArgs
		if err := json.Unmarshal(r.Job.EncodedArgs, &args); err != nil || !now[args.UserID] {
			continue
		}
		if _, err := rc.JobRetryTx(ctx, tx, r.Job.ID); err != nil {
			return err
		}
	}
	return nil
}

// Options configure a Service.
type Options struct {
	Pool *pgxpool.Pool
	// River enqueues the digests RepairDigests gives back to users; an
	// insert-only client is enough.
	River *river.Client[pgx.Tx]
	// Mailer sends digests (nil in processes that send none).
	Mailer domain.Mailer
	// PublicBaseURL is where the digest's links point; links are built
	// from configuration, never from a request's Host.
	PublicBaseURL string
	// DigestDelay is the digest window: how long after a notice its
	// digest is sent, collecting what comes meanwhile.
	DigestDelay time.Duration
	Log         *zap.Logger
}

// Service mails digests and repairs lost ones.
type Service struct {
	tx    *postgres.Transactor
	store *postgres.Store
	o     Options
}

// New returns the service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	tx := postgres.NewTransactor(o.Pool, o.Log)
	return &Service{tx: tx, store: tx.Store(), o: o}
}

// DigestDelay is the digest window the service was configured with, for
// the services that Add notices.
func (s *Service) DigestDelay() time.Duration { return s.o.DigestDelay }

// RepairDigests enqueues a digest, due now, for up to max users with a
// notice unsent since before notBefore minus the digest window and no
// digest job waiting, retrying or running: their job was lost (discarded
// after its attempts, cancelled or deleted outside applyq). It returns
// those users. The sweeper's safety net; several sweepers may run it at
// once (the unique insert keeps one job per user).
func (s *Service) RepairDigests(ctx context.Context, notBefore time.Time, max int) ([]domain.ID, error) {
	users, err := s.store.NoticeUsersWithoutDigest(ctx, notBefore.Add(-s.o.DigestDelay), max)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	if s.o.River == nil {
		return nil, errors.New("notifications: RepairDigests needs Options.River")
	}
	err = s.tx.InTx(ctx, func(st *postgres.Store) error {
		return enqueueDigests(ctx, st.Tx(), s.o.River, slices.Clone(users), 0, nil)
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

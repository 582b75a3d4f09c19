package pgtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// ApprovalOpts shape MustApproval.
type ApprovalOpts struct {
	TTL         time.Duration // default 20 minutes
	CoverLetter string        // default "Dear hiring team"
}

// MustApproval does what a worker does when a run needs approval, without a
// worker: a new task of user in a new approval-requiring run goes to
// awaiting_approval with an approval request holding a packet of user's
// profile. It returns the request and its link token.
func MustApproval(tb testing.TB, db *postgres.DB, user *domain.User, opts ApprovalOpts) (*domain.Approval, string) {
	tb.Helper()
	ctx := context.Background()
	if opts.TTL == 0 {
		opts.TTL = 20 * time.Minute
	}
	if opts.CoverLetter == "" {
		opts.CoverLetter = "Dear hiring team"
	}
	run := MustRun(tb, db, user, RunOpts{RequiresApproval: true})
	res := MustAdd(tb, db, user, run, MustJobs(tb, db, user, 1))
	fence := MustForceState(tb, db, res.Queued[0].TaskID, domain.StateInProgress)
	task, err := db.GetTask(ctx, user.ID, res.Queued[0].TaskID)
	if err != nil {
		tb.Fatalf("MustApproval: %v", err)
	}
	packet, err := json.Marshal(domain.Packet{TaskID: task.ID, RunID: task.RunID, JobID: task.JobID, Company: "Company 0", Title: "Engineer",
		Applicant: user.Profile, Email: user.Email, CoverLetter: opts.CoverLetter, PreparedAt: time.Now().UTC()})
	if err != nil {
		tb.Fatalf("MustApproval: %v", err)
	}
	token, hash := domain.NewToken(domain.PrefixApproval)
	var a *domain.Approval
	if err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err = db.RequestApprovalTx(ctx, tx, task, packet, hash, opts.TTL, fence)
		return err
	}); err != nil {
		tb.Fatalf("MustApproval: %v", err)
	}
	return a, token
}

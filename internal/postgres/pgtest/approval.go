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
	// EditFunc, when set, changes the packet before it is stored (a form,
	// the applier, a realistic posting).
	EditFunc func(*domain.Packet)
}

// MustApproval puts a new task of user, in a new approval-requiring run, in
// awaiting_approval with a pending approval request holding a packet of
// user's profile — what a worker's Prepare does, written through the store
// without a worker or River. It returns the request and its link token.
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
	task := MustTask(tb, db, user, run, MustJobs(tb, db, user, 1)[0])
	fence := MustForceState(tb, db, task.ID, domain.StateInProgress)
	p := domain.Packet{TaskID: task.ID, RunID: task.RunID, JobID: task.JobID, Company: "Company 0", Title: "Engineer",
		Applicant: user.Profile, Email: user.Email, CoverLetter: opts.CoverLetter, PreparedAt: time.Now().UTC()}
	if opts.EditFunc != nil {
		opts.EditFunc(&p)
	}
	packet, err := json.Marshal(p)
	if err != nil {
		tb.Fatalf("MustApproval: %v", err)
	}
	token, hash := domain.NewToken(domain.PrefixApproval)
	var a *domain.Approval
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		st := db.WithTx(tx)
		if _, err := st.TaskMove(ctx, postgres.Move{TaskID: task.ID, From: domain.StateInProgress, To: domain.StateAwaitingApproval,
			Actor: domain.ActorWorker, Fence: fence, Packet: packet}); err != nil {
			return err
		}
		a, err = st.ApprovalInsert(ctx, task, hash, packet, opts.TTL)
		return err
	})
	if err != nil {
		tb.Fatalf("MustApproval: %v", err)
	}
	return a, token
}

// MustTask inserts a queued task of user for job in run, without a River job
// (for tests of what happens to tasks, not to their jobs).
func MustTask(tb testing.TB, db *postgres.DB, user *domain.User, run *domain.Run, jobID domain.ID) *domain.Task {
	tb.Helper()
	created, err := db.TaskInsertMany(context.Background(), user.ID, run.ID, []domain.ID{domain.NewID()}, []domain.ID{jobID})
	if err != nil || len(created) != 1 {
		tb.Fatalf("MustTask: %v (%d created)", err, len(created))
	}
	return created[0]
}

package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// UserOpts shape MustUser.
type UserOpts struct {
	Email string // default: a unique address
	Name  string // profile name; default "Test Applicant"
}

// MustUser creates a user with a usable profile.
func MustUser(tb testing.TB, db *postgres.DB, opts UserOpts) *domain.User {
	tb.Helper()
	ctx := context.Background()
	if opts.Email == "" {
		opts.Email = "user-" + domain.NewID().String() + "@example.test"
	}
	if opts.Name == "" {
		opts.Name = "Test Applicant"
	}
	u, err := db.UserByEmail(ctx, opts.Email)
	if err != nil {
		tb.Fatalf("MustUser: %v", err)
	}
	u, err = db.UpdateProfile(ctx, u.ID, domain.Profile{Name: opts.Name, Phone: "+1 555 0100", ResumeURL: "https://example.test/cv.pdf"}, 1000)
	if err != nil {
		tb.Fatalf("MustUser: %v", err)
	}
	return u
}

// RunOpts shape MustRun.
type RunOpts struct {
	Name             string
	RequiresApproval bool
	Template         string
}

// MustRun creates a run for user.
func MustRun(tb testing.TB, db *postgres.DB, user *domain.User, opts RunOpts) *domain.Run {
	tb.Helper()
	if opts.Name == "" {
		opts.Name = "run " + domain.NewID().String()[24:]
	}
	r, err := db.RunCreate(context.Background(), user.ID, domain.RunCreate{Name: opts.Name, RequiresApproval: opts.RequiresApproval, CoverLetterTemplate: opts.Template})
	if err != nil {
		tb.Fatalf("MustRun: %v", err)
	}
	return r
}

// MustJobs ingests n distinct postings for user and returns their ids.
func MustJobs(tb testing.TB, db *postgres.DB, user *domain.User, n int) []domain.ID {
	tb.Helper()
	ids := make([]domain.ID, 0, n)
	for start := 0; start < n; start += domain.MaxJobsPerAdd {
		end := min(start+domain.MaxJobsPerAdd, n)
		inputs := make([]domain.JobInput, 0, end-start)
		for i := start; i < end; i++ {
			inputs = append(inputs, domain.JobInput{
				URL:     fmt.Sprintf("https://jobs.example.test/%s/%d", domain.NewID(), i),
				Company: fmt.Sprintf("Company %d", i), Title: "Engineer",
			})
		}
		for i, in := range inputs {
			key, err := in.Normalize()
			if err != nil {
				tb.Fatalf("MustJobs: job %d: %v", i, err)
			}
			job, _, err := db.JobPostingInsertOrGet(context.Background(), postgres.JobPostingInsert{UserID: user.ID, CanonicalKey: key,
				Source: in.Source, ExternalID: in.ExternalID, URL: in.URL, Company: in.Company, Title: in.Title,
				Location: in.Location, Description: in.Description, Raw: []byte(`{}`)})
			if err != nil {
				tb.Fatalf("MustJobs: job %d: %v", i, err)
			}
			ids = append(ids, job.ID)
		}
	}
	return ids
}

// MustForceState puts a task straight into state, bypassing the state machine,
// to set up a test. It returns the task's lease token (set for in_progress and
// submitting, as a worker would hold it); submitting also sets submitting_at,
// as entering it does.
func MustForceState(tb testing.TB, db *postgres.DB, taskID domain.ID, state domain.State) domain.ID {
	tb.Helper()
	token := domain.NewID()
	_, err := db.Pool.Exec(context.Background(), `UPDATE application_tasks SET state = $2::task_state,
		lease_token = CASE WHEN $2::task_state IN ('in_progress', 'submitting') THEN $3::uuid END,
		heartbeat_at = CASE WHEN $2::task_state IN ('in_progress', 'submitting') THEN now() END,
		submitting_at = CASE WHEN $2::task_state = 'submitting' THEN now() ELSE submitting_at END
		WHERE id = $1`, taskID, state, token)
	if err != nil {
		tb.Fatalf("MustForceState: %v", err)
	}
	return token
}

// MustTaskState reads a task's state.
func MustTaskState(tb testing.TB, db *postgres.DB, taskID domain.ID) domain.State {
	tb.Helper()
	var s domain.State
	if err := db.Pool.QueryRow(context.Background(), `SELECT state FROM application_tasks WHERE id = $1`, taskID).Scan(&s); err != nil {
		tb.Fatalf("MustTaskState: %v", err)
	}
	return s
}

// MustCount runs a count query.
func MustCount(tb testing.TB, db *postgres.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("MustCount %q: %v", query, err)
	}
	return n
}

// MustSession opens a session for email's user (made on first use) through
// the store, without a sign-in link, and returns its bearer token; admin
// gives the user the admin role.
func MustSession(tb testing.TB, db *postgres.DB, email string, admin ...bool) string {
	tb.Helper()
	ctx := context.Background()
	user, err := db.UserByEmail(ctx, email)
	if err != nil {
		tb.Fatalf("MustSession: %v", err)
	}
	if len(admin) > 0 && admin[0] {
		if _, err := db.UserSetRole(ctx, user.ID, domain.RoleAdmin); err != nil {
			tb.Fatalf("MustSession: %v", err)
		}
	}
	sess, sessHash := domain.NewToken(domain.PrefixSession)
	if _, err := db.SessionCreate(ctx, sessHash, user.ID, time.Hour); err != nil {
		tb.Fatalf("MustSession: %v", err)
	}
	return sess
}

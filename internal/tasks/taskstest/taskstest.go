// Package taskstest gives tests the application service on a test database
// (internal/postgres/pgtest), and the fixtures that go through it.
package taskstest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/tasks"
)

// MustRiver returns an insert-only River client on db's pool.
func MustRiver(tb testing.TB, db *postgres.DB) *river.Client[pgx.Tx] {
	tb.Helper()
	c, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{MaxAttempts: tasks.JobMaxAttempts, FetchCooldown: time.Millisecond})
	if err != nil {
		tb.Fatalf("taskstest: River client: %v", err)
	}
	return c
}

// MustService returns the application service on db's pool (o's Pool and
// River, when unset, are db's pool and an insert-only client on it).
func MustService(tb testing.TB, db *postgres.DB, o tasks.Options) *tasks.Service {
	tb.Helper()
	if o.Pool == nil {
		o.Pool = db.Pool
	}
	if o.River == nil {
		o.River = MustRiver(tb, db)
	}
	return tasks.New(o)
}

// defaults holds one service per store for MustAdd.
var defaults sync.Map // *postgres.DB → *tasks.Service

// MustAdd adds jobs to a run through the service (tasks and their River
// jobs, as the API does) and returns the result.
func MustAdd(tb testing.TB, db *postgres.DB, user *domain.User, run *domain.Run, jobIDs []domain.ID) *domain.AddJobsResult {
	tb.Helper()
	svc, ok := defaults.Load(db)
	if !ok {
		svc, _ = defaults.LoadOrStore(db, MustService(tb, db, tasks.Options{}))
		tb.Cleanup(func() { defaults.Delete(db) })
	}
	res, err := svc.(*tasks.Service).AddJobs(context.Background(), user.ID, run.ID, jobIDs, domain.UserActor(user.ID))
	if err != nil {
		tb.Fatalf("MustAdd: %v", err)
	}
	return res
}

// Form is a posting's application form as a board publishes it: the
// applicant's first name (from the profile), a visa choice and a free-text
// question (from the answer library).
func Form() []domain.Question {
	return []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "q_visa", Label: "Will you require visa sponsorship?", Kind: domain.QuestionSingleSelect, Required: true,
			Options: []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}},
		{Field: "q_why", Label: "Why Acme?", Kind: domain.QuestionTextarea, Required: true},
	}
}

// MustForm gives job postings a published form.
func MustForm(tb testing.TB, db *postgres.DB, qs []domain.Question, jobIDs ...domain.ID) {
	tb.Helper()
	body, err := json.Marshal(qs)
	if err != nil {
		tb.Fatalf("MustForm: %v", err)
	}
	for _, id := range jobIDs {
		if _, err := db.Pool.Exec(context.Background(), `UPDATE job_postings SET questions = $2 WHERE id = $1`, id, body); err != nil {
			tb.Fatalf("MustForm: %v", err)
		}
	}
}

// MustDiscoveredForm stores on job postings the hosted form as the
// browser read it just now (form discovery), as a worker with a form
// reader does when it prepares their tasks.
func MustDiscoveredForm(tb testing.TB, db *postgres.DB, userID domain.ID, qs []domain.Question, jobIDs ...domain.ID) {
	tb.Helper()
	for _, id := range jobIDs {
		form := &domain.DiscoveredForm{Questions: qs, Hash: domain.FormHash(qs), URL: "https://jobs.lever.co/acme/" + id.String() + "/apply", ReadAt: time.Now()}
		if err := db.JobPostingSetForm(context.Background(), userID, id, form); err != nil {
			tb.Fatalf("MustDiscoveredForm: %v", err)
		}
	}
}

// MustWork claims and prepares one of user's tasks as a worker does, and
// returns what comes next (a submission, or nothing when it waits).
func MustWork(tb testing.TB, db *postgres.DB, svc *tasks.Service, userID, taskID domain.ID) tasks.Next {
	tb.Helper()
	ctx := context.Background()
	task, err := db.TaskGet(ctx, userID, taskID)
	if err != nil {
		tb.Fatalf("MustWork: %v", err)
	}
	job := &river.Job[tasks.ApplyArgs]{JobRow: &rivertype.JobRow{ID: task.RiverJobID, State: rivertype.JobStateRunning}, Args: tasks.ApplyArgs{TaskID: taskID}}
	next, err := svc.Claim(ctx, job, tasks.Lease{Token: domain.NewID(), Owner: "test"})
	if err == nil && next.Prepare != nil {
		next, err = svc.Prepare(ctx, next.Prepare)
	}
	if err != nil {
		tb.Fatalf("MustWork: %v", err)
	}
	return next
}

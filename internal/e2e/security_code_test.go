package e2e_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/applier/browser"
	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/notify"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/queue"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// oneDocument serves one document's bytes to the browser.
type oneDocument struct {
	id   domain.ID
	data []byte
}

func (d oneDocument) OpenForApplication(_ context.Context, _, id domain.ID) (io.ReadCloser, *domain.Document, error) {
	if id != d.id {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "no such document")
	}
	return io.NopCloser(bytes.NewReader(d.data)), &domain.Document{ID: id}, nil
}

// TestSecurityCode_BrowserTypesTheCodeTheUserGives: the real browser
// applier submits to a Greenhouse form (a replica) that answers with the
// email-code step; the page waits (queue.Codes over a real LISTEN), the
// task says needs_code, the user gives the code the replica mailed; the
// application is accepted once, with it, and the code is gone from the
// database. (A refused code, asked for again, is in
// TestBrowserLive_GreenhouseCodeThroughTheAPI.)
func TestSecurityCode_BrowserTypesTheCodeTheUserGives(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	gh := replica.New(domain.PlatformGreenhouse, replica.Job{Board: "acme", ID: "77", Title: "Backend Engineer"},
		replica.Variant{Live: true, SecurityCode: true})
	t.Cleanup(gh.Close)

	dbURL := pgtest.MustDatabaseURL(t)
	db := postgres.New(pgtest.MustPoolFor(t, dbURL))
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	svc := taskstest.MustService(t, db, tasks.Options{Log: log})
	user := pgtest.MustUser(t, db, pgtest.UserOpts{Email: "ada-" + domain.NewID().String()[24:] + "@example.com"})
	run := pgtest.MustRun(t, db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, db, user, run, pgtest.MustJobs(t, db, user, 1))
	taskID := res.Queued[0].TaskID
	pgtest.MustForceState(t, db, taskID, domain.StateSubmitting)

	codes := queue.NewCodes(svc, log)
	listener := notify.New(dbURL, log)
	listener.Subscribe(domain.NotifyCodes, codes)
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		_ = listener.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-listening })
	waitFor(t, 10*time.Second, "the listener", listener.Connected)

	resume := domain.FormFile{DocumentID: domain.NewID(), Kind: "resume", Name: "Résumé", Filename: "ada.pdf", ContentType: "application/pdf"}
	a := browser.New(browser.Options{ChromiumPath: chromium, MaxBrowsers: 1, Deadline: 2 * time.Minute,
		Files:    oneDocument{id: resume.DocumentID, data: documentstest.PDF("Ada Lovelace")},
		BaseURLs: map[domain.Platform]string{domain.PlatformGreenhouse: gh.URL()}, Codes: codes, CodeWindow: time.Minute,
		Log: zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))})
	t.Cleanup(a.Close)
	text := func(name, value string) domain.FormField {
		return domain.FormField{Field: name, Label: name, Kind: domain.QuestionText, Required: true, Value: value}
	}
	file := resume
	form := &domain.Form{Fields: []domain.FormField{text("first_name", "Ada"), text("last_name", "Lovelace"), text("email", user.Email),
		text("phone", "+44 20 7946 0000"), {Field: "resume", Label: "resume", Kind: domain.QuestionFile, Required: true, File: &file}}}
	packet := &domain.Packet{TaskID: taskID, UserID: user.ID, Applier: "browser", Platform: domain.PlatformGreenhouse, Board: "acme",
		PlatformPostingID: "77", Company: "Acme", Title: "Backend Engineer", Email: user.Email,
		Applicant: domain.Profile{Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace", Phone: "+44 20 7946 0000"},
		Documents: []domain.FormFile{resume}, Form: form}

	type applied struct {
		res domain.ApplyResult
		err error
	}
	done := make(chan applied, 1)
	go func() {
		res, err := a.Apply(context.Background(), packet)
		done <- applied{res, err}
	}()

	attempt := func() int {
		var n int
		if err := db.Pool.QueryRow(context.Background(), `SELECT attempt FROM task_codes WHERE task_id = $1 AND closed_at IS NULL`, taskID).Scan(&n); err != nil {
			return 0
		}
		return n
	}
	waitFor(t, 90*time.Second, "the page to ask for the code", func() bool { return attempt() == 1 })
	task, err := db.TaskGet(context.Background(), user.ID, taskID)
	require.NoError(t, err)
	require.Equal(t, domain.ReasonNeedsCode, task.StateReason)
	require.Contains(t, task.LastError, "Greenhouse mailed a security code to a…@example.com")
	mailed := gh.MailedCodes()
	require.Len(t, mailed, 1)
	code := mailed[0].Code

	require.NoError(t, svc.GiveCode(context.Background(), user.ID, taskID, code))
	var got applied
	select {
	case got = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the application did not finish")
	}
	require.NoError(t, got.err)
	require.Len(t, gh.Accepted(), 1, "accepted once, with the code")
	subs := gh.Submissions()
	require.Equal(t, []string{code}, subs[len(subs)-1].Fields["security_code"])
	require.Zero(t, pgtest.MustCount(t, db, `SELECT count(*) FROM task_codes WHERE code IS NOT NULL`), "no code left in the database")
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM task_codes WHERE task_id = $1 AND taken_at IS NOT NULL AND closed_at IS NOT NULL`, taskID))
	require.Zero(t, codes.Waiting())
}

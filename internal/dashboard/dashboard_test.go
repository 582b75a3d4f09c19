package dashboard_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/health"
	"github.com/applyq/applyq/internal/httpapi"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
	"github.com/applyq/applyq/internal/web"
)

type bundle struct {
	base string // http://127.0.0.1:port
	db   *postgres.DB
	hub  *dashboard.Hub
	cfg  *config.Config

	stop    context.CancelFunc // starts the server's graceful shutdown
	stopped chan error         // Run's result
}

type setupOpts struct {
	RequestTimeout time.Duration // http.request_timeout; default the configured one
	PublicIPLimit  int           // auth.public_ip_limit; default the configured one
	KeepAlive      time.Duration // the event stream's keep-alive interval; default the dashboard's
	Log            *zap.Logger   // default: the test's, warnings and up
	// Ops registers operator routes, as cmd/api does River UI's.
	Ops func(e *echo.Echo, requireAdmin echo.MiddlewareFunc)
}

// setup serves the API and the dashboard with the production http.Server
// (its timeouts included) on a loopback port, against a fresh database.
func setup(t *testing.T, opts setupOpts) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	cfg, err := config.Load("api", config.Flags("api"), nil)
	require.NoError(t, err)
	if opts.RequestTimeout != 0 {
		cfg.HTTP.RequestTimeout = opts.RequestTimeout
	}
	if opts.PublicIPLimit != 0 {
		cfg.Auth.PublicIPLimit = opts.PublicIPLimit
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.HTTP.PublicBaseURL = "http://" + ln.Addr().String()
	log := opts.Log
	if log == nil {
		log = zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	}
	hub := dashboard.NewHub()
	svcs, err := app.NewServices(db.Pool, cfg, log, nil, app.Deps{})
	require.NoError(t, err)
	pageOpts := app.DashboardOptions(cfg, svcs)
	pageOpts.Log, pageOpts.Hub, pageOpts.EventsKeepAlive = log, hub, opts.KeepAlive
	pages, err := dashboard.New(pageOpts)
	require.NoError(t, err)
	apiOpts := app.APIOptions(cfg, svcs)
	apiOpts.Log, apiOpts.Health, apiOpts.Pages, apiOpts.Ops = log, health.New(health.Schema(db.Pool)), pages, opts.Ops
	srv, err := httpapi.New(apiOpts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	b := &bundle{base: cfg.HTTP.PublicBaseURL, db: db, hub: hub, cfg: cfg, stop: cancel, stopped: done}
	t.Cleanup(func() {
		cancel()
		if err, ok := <-done; ok {
			require.NoError(t, err)
		}
	})
	return b
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get GETs path with the session cookie (none when empty), without
// following redirects.
func (b *bundle) get(t *testing.T, path, session string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(t, err)
	if session != "" {
		req.Header.Set("Cookie", web.SessionCookie+"="+session)
	}
	return do(t, req)
}

// post posts a form from the applyq site, as a browser does.
func (b *bundle) post(t *testing.T, path string, form url.Values, session string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if session != "" {
		req.Header.Set("Cookie", web.SessionCookie+"="+session)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := noRedirects.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// user returns a new user and a session for them.
func (b *bundle) user(t *testing.T) (*domain.User, string) {
	t.Helper()
	u := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	return u, pgtest.MustSession(t, b.db, u.Email)
}

// TestStatic_FilesOnlyNoListing: /static/ serves its files; a directory
// answers 404, never a listing.
func TestStatic_FilesOnlyNoListing(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	res, body := b.get(t, "/static/app.css", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/css")
	require.NotEmpty(t, body)
	for _, path := range []string{"/static/", "/static/.", "/static/nope.css", "/static/../dashboard.go", "/static//"} {
		res, body := b.get(t, path, "")
		require.Equal(t, http.StatusNotFound, res.StatusCode, "%s: %s", path, body)
		require.NotContains(t, body, "app.css", "%s lists nothing", path)
	}
}

// TestTaskAction_BackStaysOnThisSite: the back parameter of a task action
// only redirects to a path on this site; anything a browser could read as
// another host falls back to the task's page.
func TestTaskAction_BackStaysOnThisSite(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	bad := []string{`/\evil.example/`, `/\/evil.example`, "//evil.example/", "///evil.example", "https://evil.example/", "javascript:alert(1)",
		"evil.example", "/%2F%2Fevil.example", "/\t/evil.example", "/runs\r\nLocation: https://evil.example", "\\\\evil.example", " /runs"}
	good := map[string]string{
		"/queue/queued?run_id=" + run.ID.String():  "/queue/queued?run_id=" + run.ID.String() + "&msg=task_cancelled",
		"/queue/paused?msg=run_created&cursor=abc": "/queue/paused?cursor=abc&msg=task_cancelled",
		"/runs": "/runs?msg=task_cancelled",
	}
	res := taskstest.MustAdd(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, len(bad)+len(good)))
	i := 0
	for _, back := range bad {
		task := res.Queued[i].TaskID
		i++
		r, body := b.post(t, "/tasks/"+task.String()+"/cancel", url.Values{"back": {back}}, session)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, body)
		require.Equal(t, "/tasks/"+task.String()+"?msg=task_cancelled", r.Header.Get("Location"), "back=%q", back)
	}
	for back, want := range good {
		task := res.Queued[i].TaskID
		i++
		r, body := b.post(t, "/tasks/"+task.String()+"/cancel", url.Values{"back": {back}}, session)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, body)
		require.Equal(t, want, r.Header.Get("Location"), "back=%q", back)
	}
}

// TestFlash_OnlyKnownMessageCodes: ?msg= shows one of the dashboard's own
// messages, never text from the link.
func TestFlash_OnlyKnownMessageCodes(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	_, session := b.user(t)
	for _, msg := range []string{"Your account is locked: call +1 555 0100", "<b>evil</b>", "run_created.5", "tasks_changed", "tasks_changed.-1",
		"tasks_changed.+1", "tasks_changed.1.2", "tasks_changed.99999999999", "toString", "run_created "} {
		res, body := b.get(t, "/runs?msg="+url.QueryEscape(msg), session)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, body, `class="flash"`, msg)
	}
	for msg, want := range map[string]string{
		"tasks_changed.3":   "3 task(s) changed.",
		"run_created":       "Run created.",
		"tasks_not_all.2.1": "2 task(s) queued; 1 not queued (already in the run or already applied to).",
	} {
		res, body := b.get(t, "/runs?msg="+url.QueryEscape(msg), session)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, `<p class="flash" role="status">`+want+`</p>`, msg)
	}
}

// TestTaskAction_ApproveLooksTheSameForOtherUsersAndUnknownTasks: approving
// another user's task (which has an approval request) answers exactly like
// approving a task id that does not exist.
func TestTaskAction_ApproveLooksTheSameForOtherUsersAndUnknownTasks(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	owner, _ := b.user(t)
	a, _ := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{})
	_, session := b.user(t)
	for _, action := range []string{"approve", "reject"} {
		other, otherBody := b.post(t, "/tasks/"+a.TaskID.String()+"/"+action, nil, session)
		unknown, unknownBody := b.post(t, "/tasks/"+domain.NewID().String()+"/"+action, nil, session)
		require.Equal(t, http.StatusNotFound, other.StatusCode)
		require.Equal(t, http.StatusNotFound, unknown.StatusCode)
		require.Equal(t, unknownBody, otherBody, "the same bytes")
	}
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, a.TaskID))
}

// TestApprovalPage_SpentTokenShowsNoPersonalData: the confirm page shows
// the packet only while the request is pending; a decided request shows
// its status, an expired one 410 with nothing personal.
func TestApprovalPage_SpentTokenShowsNoPersonalData(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	owner := pgtest.MustUser(t, b.db, pgtest.UserOpts{Name: "Ada Unique-Lovelace"})
	const letter = "Dear Acme, a very personal letter"
	personal := []string{"Ada Unique-Lovelace", owner.Email, letter}

	_, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	res, page := b.get(t, "/approvals/confirm?token="+token, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, s := range personal {
		require.Contains(t, page, s, "a pending request shows what will be sent")
	}
	res, page = b.post(t, "/approvals/confirm", url.Values{"token": {token}, "decision": {"reject"}}, "")
	require.Equal(t, http.StatusOK, res.StatusCode, page)
	require.Contains(t, page, "Rejected")
	for _, s := range personal {
		require.NotContains(t, page, s, "the decision shows no packet")
	}
	res, page = b.get(t, "/approvals/confirm?token="+token, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, "Rejected")
	require.NotContains(t, page, `value="approve"`)
	for _, s := range personal {
		require.NotContains(t, page, s, "a decided request shows its status only")
	}

	expired, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, expired.ID)
	require.NoError(t, err)
	res, page = b.get(t, "/approvals/confirm?token="+token, "")
	require.Equal(t, http.StatusGone, res.StatusCode)
	require.Contains(t, page, "expired")
	for _, s := range personal {
		require.NotContains(t, page, s, "an expired request shows nothing personal")
	}
	res, page = b.post(t, "/approvals/confirm", url.Values{"token": {token}, "decision": {"approve"}}, "")
	require.Equal(t, http.StatusGone, res.StatusCode)
	for _, s := range personal {
		require.NotContains(t, page, s)
	}
}

// TestUnknownPaths_Are404: an unknown path answers 404, signed in or not
// (metrics in particular live on the admin listener, not here).
func TestUnknownPaths_Are404(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	_, session := b.user(t)
	for _, path := range []string{"/metrics", "/nope", "/metrics/x"} {
		for _, s := range []string{"", session} {
			res, body := b.get(t, path, s)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "%s: %s", path, body)
		}
	}
	res, _ := b.get(t, "/runs", "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "a page still sends visitors to sign in")
	require.Equal(t, "/sign-in", res.Header.Get("Location"))
}

// TestPublicPages_PerIPLimit: the pages a link opens without sign-in (an
// approval link's page) count their client IP's requests; beyond the
// limit the error page answers 429 with Retry-After.
func TestPublicPages_PerIPLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{PublicIPLimit: 2})
	for range 2 {
		res, _ := b.get(t, "/approvals/confirm?token=aqa_nope", "")
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	}
	res, page := b.get(t, "/approvals/confirm?token=aqa_nope", "")
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.NotEmpty(t, res.Header.Get("Retry-After"))
	require.Contains(t, page, "too many requests from your address")
}

// TestCheckEmail_SaysWhereTheLinkIsWithoutSMTP: with no SMTP server (make
// run's default) the "check your email" page tells the newcomer the link is
// printed in the terminal, since no inbox will ever get it.
func TestCheckEmail_SaysWhereTheLinkIsWithoutSMTP(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	res, body := b.post(t, "/sign-in", url.Values{"email": {"ada@example.com"}}, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "Check your email")
	require.Contains(t, body, `data-testid="mail-hint"`)
	require.Contains(t, body, "in the terminal where make run runs")
}

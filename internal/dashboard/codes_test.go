package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// codePage is a dashboard whose every log line (debug included) is
// captured, and a signed-in user whose task is in submitting.
type codePage struct {
	*bundle
	logs    *observer.ObservedLogs
	svc     *tasks.Service // the worker's side
	user    *domain.User
	session string
	task    domain.ID
}

func setupCodePage(t *testing.T) *codePage {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	b := setup(t, setupOpts{Log: zap.New(core)})
	user, session := b.user(t)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	res := taskstest.MustAdd(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 1))
	task := res.Queued[0].TaskID
	pgtest.MustForceState(t, b.db, task, domain.StateSubmitting)
	return &codePage{bundle: b, logs: logs, svc: taskstest.MustService(t, b.db, tasks.Options{}), user: user, session: session, task: task}
}

func (p *codePage) ask(t *testing.T, attempt int, refused string) time.Time {
	t.Helper()
	until := time.Now().Add(10 * time.Minute)
	require.NoError(t, p.svc.AskCode(context.Background(), domain.CodeRequest{TaskID: p.task, Platform: domain.PlatformGreenhouse,
		Address: "ada.lovelace@example.com", Attempt: attempt, Refused: refused, Until: until}))
	return until
}

// TestTaskPage_CodeBox: while the task's form waits for the code, its page
// opens with a box saying where the code went and until when, with one
// input made for one-time codes; posting a code stores it and comes back
// saying so; what is not a code is refused in the box; another user sees
// nothing and cannot post. No log line ever holds a code.
func TestTaskPage_CodeBox(t *testing.T) {
	t.Parallel()
	p := setupCodePage(t)
	path := "/tasks/" + p.task.String()

	res, body := p.get(t, path, p.session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotContains(t, body, "Security code needed", "nothing waits yet")

	until := p.ask(t, 1, "")
	res, body = p.get(t, path, p.session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page := html.UnescapeString(body)
	require.Contains(t, page, "Security code needed")
	require.Contains(t, page, "Greenhouse emailed a security code to <strong>a…@example.com</strong>; type it here to finish the application (the page waits until")
	require.Contains(t, page, until.UTC().Format("15:04")+" UTC")
	require.NotContains(t, page, "ada.lovelace")
	for _, attr := range []string{`name="code"`, `autocomplete="one-time-code"`, `autocapitalize="off"`, `spellcheck="false"`, `action="/tasks/` + p.task.String() + `/code"`} {
		require.Contains(t, body, attr)
	}
	require.Less(t, strings.Index(body, "Security code needed"), strings.Index(body, `class="cards"`), "the box comes first")
	_, nav := p.get(t, "/runs", p.session)
	require.Contains(t, nav, `data-count="codes">1<`, "the navigation says a code is needed")

	// Another user: no box, no post.
	_, otherSession := p.bundle.user(t)
	res, body = p.get(t, path, otherSession)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.NotContains(t, body, "Security code needed")
	res, _ = p.post(t, path+"/code", url.Values{"code": {"OTHER123"}}, otherSession)
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	res, body = p.post(t, path+"/code", url.Values{"code": {"AB!?"}}, p.session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "the code is letters and digits only")
	require.Contains(t, body, `aria-invalid="true"`)
	require.NotContains(t, body, "AB!?")

	res, _ = p.post(t, path+"/code", url.Values{"code": {"ab12 CD34"}}, p.session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, path+"?msg=code_sent", res.Header.Get("Location"))
	var stored string
	require.NoError(t, p.db.Pool.QueryRow(context.Background(), `SELECT code FROM task_codes WHERE task_id = $1`, p.task).Scan(&stored))
	require.Equal(t, "ab12CD34", stored)

	res, body = p.get(t, res.Header.Get("Location"), p.session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page = html.UnescapeString(body)
	require.Contains(t, page, "Code sent — applyq is finishing the application.")
	require.Contains(t, page, "A code was sent at")
	require.NotContains(t, page, "ab12CD34", "the page never shows the code")

	code, ok, err := p.svc.TakeCode(context.Background(), p.task)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "ab12CD34", code)
	_, body = p.get(t, path, p.session)
	require.Contains(t, body, "applyq is typing your security code")
	require.NotContains(t, body, `name="code"`, "no box while the code is typed")

	for _, e := range p.logs.All() {
		line := fmt.Sprintf("%s %v", e.Message, e.ContextMap())
		for _, c := range []string{"ab12CD34", "ab12 CD34", "ab12+CD34", "AB!?", "OTHER123"} {
			require.NotContains(t, line, c, "a log line holds a code")
		}
	}
	require.NotZero(t, p.logs.FilterMessage("request").Len(), "the requests were logged (without their bodies)")
}

// TestTaskPage_RefusedCodeAndExpiry: after the form refused a code, the
// box says what it said and which try this is; once the page stopped
// waiting, a code is refused with when.
func TestTaskPage_RefusedCodeAndExpiry(t *testing.T) {
	t.Parallel()
	p := setupCodePage(t)
	path := "/tasks/" + p.task.String()
	p.ask(t, 2, "Incorrect security code")
	_, body := p.get(t, path, p.session)
	page := html.UnescapeString(body)
	require.Contains(t, page, "The form refused the last code: “Incorrect security code”. Try 2 of 3")

	_, err := p.db.Pool.Exec(context.Background(), `UPDATE task_codes SET expires_at = now() - interval '1 second' WHERE task_id = $1`, p.task)
	require.NoError(t, err)
	res, body := p.post(t, path+"/code", url.Values{"code": {"AB12CD34"}}, p.session)
	require.Equal(t, http.StatusGone, res.StatusCode)
	require.Contains(t, html.UnescapeString(body), "the page stopped waiting for the code at")
}

// TestInbox_CodesFirst: the inbox lists the forms waiting for a code
// before the approvals, with a link to the task page.
func TestInbox_CodesFirst(t *testing.T) {
	t.Parallel()
	p := setupCodePage(t)
	pgtest.MustApproval(t, p.db, p.user, pgtest.ApprovalOpts{})
	p.ask(t, 1, "")
	res, body := p.get(t, "/approvals", p.session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	codes, approvals := strings.Index(body, "Security codes needed"), strings.Index(body, "<h1>Approvals</h1>")
	require.Positive(t, codes)
	require.Greater(t, approvals, codes)
	require.Contains(t, body, `href="/tasks/`+p.task.String()+`">Type the code`)
	require.Contains(t, body, "Review and approve", "the approval is listed too")
}

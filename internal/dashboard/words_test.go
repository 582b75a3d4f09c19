package dashboard_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/dashboard"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// allReasons reads every Reason constant declared in the domain package's
// reason.go, so a reason added there is checked here without a list to
// keep.
func allReasons(t *testing.T) []domain.Reason {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(filepath.Dir(file), "..", "domain", "reason.go"), nil, 0)
	require.NoError(t, err)
	var out []domain.Reason
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				require.True(t, ok, "a Reason constant is a string literal")
				s, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				out = append(out, domain.Reason(s))
			}
		}
	}
	require.Greater(t, len(out), 20, "reason.go was read")
	return out
}

// TestReasonText_EveryReasonHasASentence: every reason a task can carry
// reads as a sentence for people, never as its code; those that need the
// detail (the form needs you: why) carry it.
func TestReasonText_EveryReasonHasASentence(t *testing.T) {
	t.Parallel()
	for _, r := range allReasons(t) {
		require.True(t, dashboard.HasReasonSentence(r), "reason %q has no sentence in dashboard/words.go", r)
		s := dashboard.ReasonText(r, "")
		require.NotContains(t, s, "_", "%q reads as a sentence, not its code", r)
		require.True(t, strings.HasSuffix(s, "."), "%q: %q is a sentence", r, s)
		require.True(t, strings.HasPrefix(s, "applyq") || strings.ToUpper(s[:1]) == s[:1], "%q: %q starts with a capital (or applyq)", r, s)
	}
	for _, r := range allReasons(t) {
		if strings.HasPrefix(string(r), "approved_via_") {
			require.Equal(t, "You approved it: applyq is sending it.", dashboard.ReasonText(r, ""))
		}
	}
	require.Equal(t, "The form needs you: a login wall stands before the form.", dashboard.ReasonText(domain.ReasonNeedsUser, "a login wall stands before the form"))
	require.Equal(t, "applyq could not prepare the application: profile field name is missing.", dashboard.ReasonText(domain.ReasonPreparationFailed, "profile field name is missing"))
	require.Equal(t, "You cancelled it.", dashboard.ReasonText(domain.ReasonCancelledByUser, "ignored"))
}

// TestActorText_PlainWords: the job seeker reads "you" for their own
// actions and "applyq" for the machines, never an id.
func TestActorText_PlainWords(t *testing.T) {
	t.Parallel()
	me := &domain.User{ID: domain.NewID()}
	for actor, want := range map[string]string{
		domain.UserActor(me.ID):                        "you",
		domain.UserActor(domain.NewID()):               "another person",
		"approval_link":                                "you (from the emailed link)",
		domain.ActorWorker:                             "applyq",
		domain.ActorSystem:                             "applyq",
		domain.ActorSweeper:                            "applyq (recovery)",
		"source:greenhouse:" + domain.NewID().String(): "applyq (reading your Greenhouse board)",
	} {
		require.Equal(t, want, dashboard.ActorText(actor, me), actor)
	}
}

// TestTaskPages_PlainWordsForJobSeekers: the task page's timeline says
// who in words and why in a sentence; the job seeker's cards show no
// priority or attempt count (an operator's do); a submitted task says
// when it was submitted.
func TestTaskPages_PlainWordsForJobSeekers(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	user, session := b.user(t)
	run := pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	added := taskstest.MustAdd(t, b.db, user, run, pgtest.MustJobs(t, b.db, user, 2))
	cancelled, submitted := added.Queued[0].TaskID, added.Queued[1].TaskID

	res, body := b.post(t, "/tasks/"+cancelled.String()+"/cancel", nil, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, page := b.get(t, "/tasks/"+cancelled.String(), session)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page = html.UnescapeString(page)
	require.Contains(t, page, "<strong>cancelled</strong> by you. You cancelled it.</li>")
	require.Contains(t, page, "<p class=\"help\">You cancelled it.</p>")
	require.NotContains(t, page, "user:")
	require.NotContains(t, page, "cancelled_by_user")
	require.NotContains(t, page, "priority ")
	require.NotContains(t, page, "attempts ")

	_, err := b.db.Pool.Exec(ctx, `UPDATE application_tasks SET state = 'submitted', submitted_at = '2026-12-01 09:30:00Z' WHERE id = $1`, submitted)
	require.NoError(t, err)
	for _, path := range []string{"/tasks/" + submitted.String(), "/queue/submitted"} {
		_, page = b.get(t, path, session)
		require.Contains(t, page, `<strong class="submitted">Submitted on 1 Dec 2026, 09:30 UTC</strong>`, path)
		require.NotContains(t, page, "priority ", path)
		require.NotContains(t, page, "attempts ", path)
	}

	// An operator's queue view shows the queue's workings.
	admin := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	adminSession := pgtest.MustSession(t, b.db, admin.Email, true)
	adminRun := pgtest.MustRun(t, b.db, admin, pgtest.RunOpts{})
	taskstest.MustAdd(t, b.db, admin, adminRun, pgtest.MustJobs(t, b.db, admin, 1))
	_, page = b.get(t, "/queue/queued", adminSession)
	require.Contains(t, page, `<span class="operator">priority 50 · attempts 0 ·</span>`)
	_, page = b.get(t, "/queue/queued?"+url.Values{"run_id": {run.ID.String()}}.Encode(), session)
	require.NotContains(t, page, `class="operator"`)
}

// TestUntil_PlainWords: time left reads as people say it.
func TestUntil_PlainWords(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for d, want := range map[time.Duration]string{
		-time.Second:                    "expired",
		45 * time.Second:                "45 seconds",
		20*time.Minute - 2*time.Second:  "20 minutes",
		time.Minute + 10*time.Second:    "1 minute",
		65*time.Minute + 20*time.Second: "1 hour 5 minutes",
		24*time.Hour + 30*time.Second:   "24 hours",
		7*24*time.Hour + 30*time.Second: "7 days",
	} {
		require.Equal(t, want, dashboard.Until(now.Add(d)), d.String())
	}
}

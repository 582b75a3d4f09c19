package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// steps returns the checklist's steps on a page: key → done; nil when the
// page shows no checklist.
func steps(t *testing.T, page string) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`<li class="step( done)?" data-step="([a-z]+)">`)
	ms := re.FindAllStringSubmatch(page, -1)
	if ms == nil {
		require.NotContains(t, page, `class="card checklist"`)
		return nil
	}
	out := map[string]bool{}
	for _, m := range ms {
		out[m[2]] = m[1] != ""
	}
	require.Len(t, out, 6)
	return out
}

// TestHome_ChecklistTickedFromData: the home page (and the runs page)
// list the first steps until each is done, ticking each from the user's
// own data as it appears, and show nothing once all are done.
func TestHome_ChecklistTickedFromData(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	user, session := b.user(t)
	_, err := b.db.UpdateProfile(ctx, user.ID, domain.Profile{}, 10) // a newcomer: no name yet
	require.NoError(t, err)
	home := func() map[string]bool {
		t.Helper()
		res, page := b.get(t, "/", session)
		require.Equal(t, http.StatusOK, res.StatusCode, page)
		got := steps(t, page)
		_, runs := b.get(t, "/runs", session)
		require.Equal(t, got, steps(t, runs), "the runs page shows the same")
		return got
	}
	want := map[string]bool{"profile": false, "resume": false, "source": false, "run": false, "answer": false, "approve": false}
	require.Equal(t, want, home())
	_, page := b.get(t, "/", session)
	require.Contains(t, page, "Get started: 0 of 6 done")
	for _, link := range []string{`href="/profile"`, `href="/documents"`, `href="/sources"`, `href="/runs#new-run"`, `href="/questions"`, `href="/approvals"`} {
		require.Contains(t, page, link)
	}

	_, err = b.db.UpdateProfile(ctx, user.ID, domain.Profile{Name: "Ada Lovelace"}, 10)
	require.NoError(t, err)
	want["profile"] = true
	require.Equal(t, want, home())

	res, body := b.upload(t, session, map[string]string{"kind": "resume"}, "cv.pdf", documentstest.PDF("Ada's CV"), "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	want["resume"] = true
	require.Equal(t, want, home())

	res, body = b.post(t, "/sources", url.Values{"url": {"https://boards.greenhouse.io/acme"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	want["source"] = true
	require.Equal(t, want, home())

	pgtest.MustRun(t, b.db, user, pgtest.RunOpts{})
	want["run"] = true
	require.Equal(t, want, home())

	// A saved answer ticks "answer" while no question waits.
	res, body = b.post(t, "/questions", url.Values{"label": {"Notice period"}, "value": {"Four weeks"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	want["answer"] = true
	require.Equal(t, want, home())

	a, _ := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	require.Equal(t, want, home(), "a pending approval is not an approval")
	res, body = b.post(t, "/approvals/"+a.ID.String()+"/decide", url.Values{"decision": {"approve"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Nil(t, home(), "all done: no checklist")

	// Another user starts from nothing (but a name).
	_, other := b.user(t)
	_, page = b.get(t, "/", other)
	require.Contains(t, page, "Get started: 1 of 6 done")
}

// TestRunForm_ApprovalByDefaultAndWindowChoices: the new-run form asks for
// approval by default and offers the approval windows (the default, a day,
// a week) with what the window means; a window outside them is refused
// next to the field, nothing created.
func TestRunForm_ApprovalByDefaultAndWindowChoices(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	_, page := b.get(t, "/runs", session)
	require.Contains(t, page, `<input type="checkbox" name="requires_approval" checked>`)
	require.Contains(t, page, "How long applyq waits for your decision on each application before the task pauses")
	re := regexp.MustCompile(`<option value="([0-9]*)"( selected)?>([^<]*)</option>`)
	var offered []string
	_, sel, _ := strings.Cut(page, `id="run-ttl"`)
	sel, _, _ = strings.Cut(sel, "</select>")
	for _, m := range re.FindAllStringSubmatch(sel, -1) {
		offered = append(offered, m[1]+"="+m[3]+m[2])
	}
	require.Equal(t, []string{"=20 minutes (the default) selected", "1440=a day", "10080=a week"}, offered)

	for _, bad := range []string{"abc", "0", "-5", "10081", "1.5"} {
		res, page := b.post(t, "/runs", url.Values{"name": {"Bad " + bad}, "requires_approval": {"on"}, "approval_ttl_minutes": {bad}}, session)
		require.Equal(t, http.StatusBadRequest, res.StatusCode, bad)
		require.Contains(t, page, `<p id="run-ttl-error" class="field-error">Approval window must be one of the windows offered, between a minute and a week.</p>`, bad)
	}
	require.Equal(t, 0, pgtest.MustCount(t, b.db, "SELECT count(*) FROM application_runs WHERE user_id = $1", user.ID))

	for minutes, want := range map[string]time.Duration{"": 0, "1440": 24 * time.Hour, "10080": 7 * 24 * time.Hour} {
		res, body := b.post(t, "/runs", url.Values{"name": {"Window " + minutes}, "requires_approval": {"on"}, "approval_ttl_minutes": {minutes}}, session)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
		var ttl *int64
		var approval bool
		require.NoError(t, b.db.Pool.QueryRow(context.Background(),
			`SELECT requires_approval, approval_ttl_seconds::bigint FROM application_runs WHERE user_id = $1 AND name = $2`, user.ID, "Window "+minutes).Scan(&approval, &ttl))
		require.True(t, approval)
		if want == 0 {
			require.Nil(t, ttl)
		} else {
			require.NotNil(t, ttl)
			require.Equal(t, int64(want/time.Second), *ttl)
		}
	}
	// Unticked, the run sends without asking.
	res, body := b.post(t, "/runs", url.Values{"name": {"No approval"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, "SELECT count(*) FROM application_runs WHERE user_id = $1 AND name = 'No approval' AND NOT requires_approval", user.ID))
}

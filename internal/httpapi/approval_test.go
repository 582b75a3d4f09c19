package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestApprovalLink_SpentTokenShowsNoPersonalData: a link token shows the
// packet only while its request is pending; once decided it answers the
// status only, once expired 410 with nothing personal. The signed-in owner
// still sees everything by id.
func TestApprovalLink_SpentTokenShowsNoPersonalData(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	owner := pgtest.MustUser(t, b.db, pgtest.UserOpts{Name: "Ada Unique-Lovelace"})
	const letter = "Dear Acme, a very personal letter"
	personal := []string{"Ada Unique-Lovelace", owner.Email, letter, "+1 555 0100", `"packet"`}
	noPersonalData := func(r resp) {
		t.Helper()
		for _, s := range personal {
			require.NotContains(t, string(r.Body), s)
		}
	}

	decided, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	r := b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + token})
	require.Equal(t, http.StatusOK, r.Status)
	for _, s := range personal {
		require.Contains(t, string(r.Body), s, "a pending request shows what will be sent")
	}
	r = b.do(t, req{Method: "POST", Path: "/api/v1/approvals/" + token + "/approve"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	noPersonalData(r)
	for range 2 {
		r = b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + token})
		require.Equal(t, http.StatusOK, r.Status)
		noPersonalData(r)
		var v struct {
			Status string `json:"status"`
		}
		r.JSON(t, &v)
		require.Equal(t, "approved", v.Status)
		r = b.do(t, req{Method: "POST", Path: "/api/v1/approvals/" + token + "/approve"})
		require.Equal(t, http.StatusOK, r.Status, "the same decision again")
		noPersonalData(r)
	}

	expired, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, expired.ID)
	require.NoError(t, err)
	for _, m := range []string{"GET", "POST"} {
		path := "/api/v1/approvals/" + token
		if m == "POST" {
			path += "/reject"
		}
		r = b.do(t, req{Method: m, Path: path})
		require.Equal(t, http.StatusGone, r.Status, "%s %s", m, path)
		require.Equal(t, domain.EGONE, r.ErrorCode(t))
		noPersonalData(r)
	}

	session := pgtest.MustSession(t, b.db, owner.Email)
	for _, id := range []domain.ID{decided.ID, expired.ID} {
		r = b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + id.String(), Token: session})
		require.Equal(t, http.StatusOK, r.Status)
		require.Contains(t, string(r.Body), letter, "the owner, signed in, sees the packet")
	}
}

// TestGetApproval_DiscoveredForm: an application whose form the browser
// read (form discovery) is shown like a published form: every field, its
// value and where it came from.
func TestGetApproval_DiscoveredForm(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	ctx := context.Background()
	owner := pgtest.MustUser(t, b.db, pgtest.UserOpts{Name: "Ada Lovelace"})
	job := pgtest.MustJobs(t, b.db, owner, 1)
	_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET canonical_key = 'ashby:initech:' || id WHERE id = $1`, job[0])
	require.NoError(t, err)
	taskstest.MustDiscoveredForm(t, b.db, owner.ID, []domain.Question{
		{Field: "_systemfield_name", Label: "Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "name"},
		{Field: "a3f9c2", Label: "Which team interests you most?", Kind: domain.QuestionText, Required: true, Section: domain.SectionCustom},
	}, job...)
	svc := taskstest.MustService(t, b.db, tasks.Options{})
	_, err = svc.Answer(ctx, owner.ID, tasks.AnswerInput{Label: "Which team interests you most?", Value: "Platform"}, "test")
	require.NoError(t, err)
	run := pgtest.MustRun(t, b.db, owner, pgtest.RunOpts{RequiresApproval: true})
	id := taskstest.MustAdd(t, b.db, owner, run, job).Queued[0].TaskID
	taskstest.MustWork(t, b.db, svc, owner.ID, id)
	a, err := b.db.ApprovalLatestForTask(ctx, id)
	require.NoError(t, err)

	r := b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + a.ID.String(), Token: pgtest.MustSession(t, b.db, owner.Email)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var v struct {
		Packet domain.Packet `json:"packet"`
	}
	r.JSON(t, &v)
	require.NotNil(t, v.Packet.Form)
	require.Len(t, v.Packet.Form.Fields, 2)
	name, team := v.Packet.Form.Field("_systemfield_name"), v.Packet.Form.Field("a3f9c2")
	require.Equal(t, "Ada Lovelace", name.Value)
	require.Equal(t, domain.SourceProfile, name.Source)
	require.Equal(t, "Platform", team.Value)
	require.Equal(t, domain.SourceLibrary, team.Source)
	require.Equal(t, "Which team interests you most?", team.Label)
}

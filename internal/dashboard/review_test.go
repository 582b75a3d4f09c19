package dashboard_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// letterForm is a hosted form whose cover-letter field takes a file or
// text and got the run's letter as text.
func letterForm(letter string) func(*domain.Packet) {
	return func(p *domain.Packet) {
		p.Applier = "browser"
		p.Form = &domain.Form{Fields: []domain.FormField{
			{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Value: "Ada", Source: domain.SourceProfile, From: "first_name"},
			{Field: "cover_letter", Label: "Cover Letter", Kind: domain.QuestionFile, Value: letter, Source: domain.SourceCoverLetter},
		}}
	}
}

// storedPacket reads the packet a task carries (what its applier is given).
func storedPacket(t *testing.T, b *bundle, taskID domain.ID) domain.Packet {
	t.Helper()
	var raw []byte
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT packet FROM application_tasks WHERE id = $1`, taskID).Scan(&raw))
	var p domain.Packet
	require.NoError(t, json.Unmarshal(raw, &p))
	return p
}

// TestReview_CoverLetterEditableWhereItIsSent: the review shows the cover
// letter in a text area wherever it goes — the packet's own letter, or a
// form's file field that takes it as text — and the edited letter is what
// the task then carries; a form whose applier sends no letter says so.
func TestReview_CoverLetterEditableWhereItIsSent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	const edited = "Dear Acme,\nI would love to build your rockets."

	// The packet's own letter (no form).
	a, _ := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{CoverLetter: "Dear hiring team"})
	_, page := b.get(t, "/approvals/"+a.ID.String(), session)
	require.Contains(t, page, `<textarea id="cover_letter" name="cover_letter" rows="10" class="letter">Dear hiring team</textarea>`)
	res, body := b.post(t, "/approvals/"+a.ID.String()+"/decide", url.Values{"decision": {"approve"}, "cover_letter": {"Dear Acme,\r\nI would love to build your rockets."}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, edited, storedPacket(t, b, a.TaskID).CoverLetter)

	// A form's file field that takes the letter as text.
	a, _ = pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{EditFunc: letterForm("Dear hiring team")})
	_, page = b.get(t, "/approvals/"+a.ID.String(), session)
	page = html.UnescapeString(page)
	require.Contains(t, page, `<textarea id="f.cover_letter" name="f.cover_letter" rows="10" class="letter">Dear hiring team</textarea>`)
	require.NotContains(t, page, `id="cover_letter"`, "one place to edit the letter: the form's field")
	res, body = b.post(t, "/approvals/"+a.ID.String()+"/decide", url.Values{"decision": {"approve"},
		"present.f.cover_letter": {"1"}, "f.cover_letter": {edited}, "present.f.first_name": {"1"}, "f.first_name": {"Ada"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	sent := storedPacket(t, b, a.TaskID)
	require.Equal(t, edited, sent.Form.Field("cover_letter").Value, "the form sends the edited letter")
	require.Equal(t, edited, sent.CoverLetter)
	require.Equal(t, "Ada", sent.Form.Field("first_name").Value)

	// A browser-sent form without a letter field sends no letter: said so.
	a, _ = pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{EditFunc: func(p *domain.Packet) {
		letterForm("")(p)
		p.Form.Fields = p.Form.Fields[:1]
	}})
	_, page = b.get(t, "/approvals/"+a.ID.String(), session)
	require.Contains(t, page, "This form has no place for a cover letter: none is sent.")
	require.NotContains(t, page, `name="cover_letter"`)
}

// TestReview_ApprovingOpensTheReviewFirst: the inbox's approve is a link
// to the review; a POST to approve from the inbox or a task card opens the
// review and decides nothing; the review's decision bar is sticky.
func TestReview_ApprovingOpensTheReviewFirst(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	a, _ := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	review := "/approvals/" + a.ID.String()

	_, page := b.get(t, "/approvals", session)
	require.Contains(t, page, `<a class="button primary" href="`+review+`">Review and approve</a>`)
	require.NotContains(t, page, `action="`+review+`/approve"`)

	for _, path := range []string{review + "/approve", "/tasks/" + a.TaskID.String() + "/approve"} {
		res, body := b.post(t, path, nil, session)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
		require.Equal(t, review, res.Header.Get("Location"), path)
		require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, a.TaskID), "%s decides nothing", path)
	}
	_, page = b.get(t, review, session)
	require.Contains(t, page, `<div class="actions approve-bar" role="group" aria-label="Decision">`)

	// Another user's request answers 404 and stays pending.
	_, other := b.user(t)
	res, _ := b.post(t, review+"/approve", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post(t, "/tasks/"+a.TaskID.String()+"/approve", nil, other)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, a.TaskID))
}

// TestReview_PendingReviewIsNotLive: a pending review is a form being
// edited (with a countdown): it does not re-fetch itself; pages read
// with a GET do, the answer to a form post does not.
func TestReview_PendingReviewIsNotLive(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	a, _ := pgtest.MustApproval(t, b.db, user, pgtest.ApprovalOpts{})
	_, page := b.get(t, "/approvals/"+a.ID.String(), session)
	require.Contains(t, page, `<main id="main">`)
	_, page = b.get(t, "/approvals", session)
	require.Contains(t, page, `<main id="main" data-live="1">`)
	_, page = b.post(t, "/jobs", url.Values{"urls": {"https://boards.greenhouse.io/acme/jobs/1"}}, session)
	require.Contains(t, page, "What was pasted")
	require.Contains(t, page, `<main id="main">`, "the answer to a post is not at its URL")
	res, _ := b.post(t, "/approvals/"+a.ID.String()+"/decide", url.Values{"decision": {"reject"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, page = b.get(t, "/approvals/"+a.ID.String(), session)
	require.Contains(t, page, `<main id="main" data-live="1">`, "a decided request is live again")
}

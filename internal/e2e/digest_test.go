package e2e_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

// TestDigests_ARunOf200SendsAHandfulOfMails: 200 applications of one run
// wait for approval; the worker mails their user a digest per window, not
// a mail each, and a link from the digest approves its application, which
// is then submitted.
func TestDigests_ARunOf200SendsAHandfulOfMails(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOpts{Digests: true, DigestDelay: 2 * time.Second, HandoffDelay: -1})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{})
	run := pgtest.MustRun(t, s.db, user, pgtest.RunOpts{RequiresApproval: true, Template: "Hello {{.company}}"})
	taskstest.MustAdd(t, s.db, user, run, pgtest.MustJobs(t, s.db, user, 200))
	waitFor(t, 60*time.Second, "200 approval requests, every notice mailed", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'awaiting_approval'`, run.ID) == 200 &&
			pgtest.MustCount(t, s.db, `SELECT count(*) FROM notices WHERE user_id = $1 AND sent_at IS NULL`, user.ID) == 0
	})
	var mails []domain.Message
	for _, m := range s.mail.Sent() {
		if m.To == user.Email {
			mails = append(mails, m)
		}
	}
	require.NotEmpty(t, mails)
	require.LessOrEqual(t, len(mails), 5, "a handful of digests, not one mail per application")
	require.Equal(t, 200, pgtest.MustCount(t, s.db, `SELECT count(*) FROM notices WHERE user_id = $1 AND kind = 'approval_waiting'`, user.ID))

	// The newest digest's first link approves its application.
	links := s.mail.Links(user.Email, "/approvals/confirm?token=")
	require.NotEmpty(t, links)
	u, err := url.Parse(links[len(links)-1])
	require.NoError(t, err)
	code, body := s.post(t, "/api/v1/approvals/"+u.Query().Get("token")+"/approve", nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	waitFor(t, 30*time.Second, "the approved application submitted", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM application_tasks WHERE run_id = $1 AND state = 'submitted'`, run.ID) == 1
	})
}

package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestBrowser_ApprovalLinkApproves opens a mailed approval link in
// Chromium and clicks Approve. The page's Referrer-Policy: no-referrer makes
// the browser send Origin: null on that post; it must still count as
// same-origin. Afterwards the link shows the decision, not the packet.
func TestBrowser_ApprovalLinkApproves(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1024, 800)
	s := startStack(t, stackOpts{NoWorker: true})
	user := pgtest.MustUser(t, s.db, pgtest.UserOpts{Name: "Grace Browser-Hopper"})
	a, token := pgtest.MustApproval(t, s.db, user, pgtest.ApprovalOpts{})
	link := s.api.URL + "/approvals/confirm?token=" + token

	require.NoError(t, step(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`//dd[.="Grace Browser-Hopper"]`),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		chromedp.WaitVisible(`//h1[.="Decision recorded"]`),
	))
	require.Equal(t, domain.StateApproved, pgtest.MustTaskState(t, s.db, a.TaskID))

	require.NoError(t, step(ctx, chromedp.Navigate(link), chromedp.WaitVisible(`//p[contains(., "Approved")]`)))
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	require.NoError(t, err)
	require.NotContains(t, text, "Grace Browser-Hopper", "a decided link shows no packet")
}

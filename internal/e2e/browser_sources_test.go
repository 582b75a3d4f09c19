package e2e_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// fakeBoard is a Greenhouse client that lists a fixed snapshot, so no test
// reaches the network; it records the boards asked for.
type fakeBoard struct {
	snap domain.BoardSnapshot
	mu   sync.Mutex
	asks []string
}

func (f *fakeBoard) Platform() domain.Platform { return domain.PlatformGreenhouse }

func (f *fakeBoard) Fetch(_ context.Context, board string, _ domain.BoardValidators) (*domain.BoardSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asks = append(f.asks, board)
	snap := f.snap
	return &snap, nil
}

func (f *fakeBoard) boards() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asks...)
}

// acmeBoard lists three postings; the first publishes its application form.
func acmeBoard() *fakeBoard {
	posting := func(id, title, dept string) domain.BoardPosting {
		return domain.BoardPosting{ExternalID: id, Title: title, Department: dept, Location: "Berlin",
			URL: "https://boards.greenhouse.io/acme/jobs/" + id}
	}
	first := posting("4001", "Backend Engineer", "Platform")
	first.Remote = true
	first.Questions = []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "resume", Label: "Resume/CV", Kind: domain.QuestionFile, Required: true, Section: domain.SectionStandard},
		{Field: "question_9", Label: "Do you need a visa?", Kind: domain.QuestionBoolean, Section: domain.SectionCompliance},
	}
	return &fakeBoard{snap: domain.BoardSnapshot{Postings: []domain.BoardPosting{
		first, posting("4002", "Site Reliability Engineer", "Infrastructure"), posting("4003", "Product Designer", "Design")}}}
}

// TestBrowser_SourceSyncsIntoJobs follows a Greenhouse board through the
// sources form; the worker syncs it (from a fake board) and its postings
// show on the sources and jobs pages.
func TestBrowser_SourceSyncsIntoJobs(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 900)
	dir := screenshotDir(t)
	board := acmeBoard()
	s := startStack(t, stackOpts{Boards: map[domain.Platform]domain.BoardClient{domain.PlatformGreenhouse: board}})
	s.startMailer(t)
	email := "sources-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)

	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Sources"]`),
		chromedp.WaitVisible(`//h1[.="Sources"]`),
		chromedp.SendKeys(chromedp.CSS(`#f-url`), "https://boards.greenhouse.io/acme"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Acme"),
		chromedp.Click(chromedp.CSS(`form[action="/sources"] button`)),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Source added")]`),
	))
	user, err := s.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)
	waitFor(t, 30*time.Second, "the worker to sync the board", func() bool {
		return pgtest.MustCount(t, s.db, `SELECT count(*) FROM sources WHERE user_id = $1 AND last_synced_at IS NOT NULL AND postings_open = 3`, user.ID) == 1
	})
	require.Equal(t, []string{"acme"}, board.boards())

	require.NoError(t, step(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`tr[data-source]`))))
	open, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("tr[data-source] td.postings-open").innerText`))
	require.NoError(t, err)
	require.Equal(t, "3", open)
	synced, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("tr[data-source] td.synced").innerText`))
	require.NoError(t, err)
	require.Contains(t, synced, " UTC", "last synced shows a time, not never")
	shot(t, ctx, dir, "sources")

	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Jobs"]`),
		chromedp.WaitVisible(chromedp.CSS(`input[name="job_id"]`)),
	))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tbody tr")).map(r => r.innerText)`))
	require.NoError(t, err)
	require.Len(t, rows, 3, "%q", rows)
	for _, want := range []string{"Backend Engineer", "Site Reliability Engineer", "Product Designer"} {
		require.Contains(t, fmt.Sprint(rows), want)
	}
	require.Contains(t, fmt.Sprint(rows), "greenhouse Platform")
	require.Contains(t, fmt.Sprint(rows), "remote")
	require.Contains(t, fmt.Sprint(rows), "Acme", "the source's name is the company")
	require.Equal(t, 1, pgtest.MustCount(t, s.db, `SELECT count(*) FROM job_postings WHERE user_id = $1 AND jsonb_array_length(questions) = 3`, user.ID),
		"the posting with a form keeps its questions")
	shot(t, ctx, dir, "jobs-from-source")
}

package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// The sources page renames a source; its postings named after it follow,
// and the jobs page shows the new name, never the board's slug.
func TestSourcesPage_RenameRenamesItsJobs(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	user, session := b.user(t)
	ctx := context.Background()
	src, err := b.db.SourceCreate(ctx, user.ID, domain.SourceCreate{Platform: domain.PlatformLever, Board: "globex", Name: "Globex", SyncEvery: domain.MinSyncEvery})
	require.NoError(t, err)
	p := domain.BoardPosting{ExternalID: "a1", Title: "Platform Engineer", URL: "https://jobs.lever.co/globex/a1"}
	_, _, err = b.db.BoardPostingUpsert(ctx, src, domain.BoardPostingKey(src.Platform, src.Board, p.ExternalID), src.DisplayName(), p)
	require.NoError(t, err)

	_, page := b.get(t, "/sources", session)
	row := sourceRow(t, page, src.ID.String())
	require.Contains(t, row, `<strong class="source-name">Globex</strong>`)
	require.Contains(t, row, `action="/sources/`+src.ID.String()+`/rename"`)

	res, body := b.post(t, "/sources/"+src.ID.String()+"/rename", url.Values{"name": {"Globex Corporation"}}, session)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	require.Equal(t, "/sources?msg=source_renamed", res.Header.Get("Location"))
	_, page = b.get(t, "/sources?msg=source_renamed", session)
	require.Contains(t, page, "Source renamed")
	require.Contains(t, sourceRow(t, page, src.ID.String()), `<strong class="source-name">Globex Corporation</strong>`)
	_, page = b.get(t, "/jobs", session)
	require.Contains(t, page, "Globex Corporation")
	require.NotRegexp(t, `>\s*globex\s*<`, page, "the slug is not shown as a company")

	res, body = b.post(t, "/sources/"+src.ID.String()+"/rename", url.Values{"name": {"  "}}, session)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.Contains(t, body, "must not be empty")
}

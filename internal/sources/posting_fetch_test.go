package sources_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

// Greenhouse reads one posting with one request (a pasted link's details),
// its company name included; one the board does not have is not found.
func TestGreenhouse_FetchPosting(t *testing.T) {
	t.Parallel()
	srv := MustFixtureServer(t, ghRoutes(nil))
	client := MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL})
	pf, ok := client.(domain.PostingFetcher)
	require.True(t, ok, "Greenhouse reads one posting without the board")

	p, err := pf.FetchPosting(context.Background(), "vaulttec", "127818")
	require.NoError(t, err)
	require.Equal(t, "Senior Overseer & Lead", p.Title)
	require.Equal(t, "Vault-Tec", p.Company)
	require.Len(t, srv.Requests(), 1, "one request, not the whole board")
	require.Equal(t, ghBase+"/127818", srv.Requests()[0].URL.Path)

	_, err = pf.FetchPosting(context.Background(), "vaulttec", "404404")
	require.True(t, errors.Is(err, domain.ErrBoardNotFound), "%v", err)
	_, err = pf.FetchPosting(context.Background(), "vaulttec", "../boards")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "an id that is a path is never requested")
	require.Len(t, srv.Requests(), 2)
}

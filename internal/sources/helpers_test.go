package sources_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

// MustFixture reads testdata/<name>.
func MustFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(tb, err)
	return b
}

// reply is what a fixture server answers on one path.
type reply struct {
	status int               // 200 when 0
	file   string            // testdata file, or
	body   string            // this body
	header map[string]string // response headers
}

// fixtureServer answers each path with its reply (404 for any other) and
// records the requests it got.
type fixtureServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

// MustFixtureServer starts a loopback server answering routes by path.
func MustFixtureServer(tb testing.TB, routes map[string]reply) *fixtureServer {
	tb.Helper()
	files := map[string][]byte{}
	for _, r := range routes {
		if r.file != "" {
			files[r.file] = MustFixture(tb, r.file)
		}
	}
	s := &fixtureServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.mu.Unlock()
		rep, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status != 0 {
			w.WriteHeader(rep.status)
		}
		if rep.file != "" {
			_, _ = w.Write(files[rep.file])
		} else {
			_, _ = w.Write([]byte(rep.body))
		}
	}))
	tb.Cleanup(s.Close)
	return s
}

// Requests returns the requests the server got.
func (s *fixtureServer) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

// MustClient builds the client of p with o.
func MustClient(tb testing.TB, p domain.Platform, o sources.Options) domain.BoardClient {
	tb.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	c, err := sources.New(p, o)
	require.NoError(tb, err)
	require.Equal(tb, p, c.Platform())
	return c
}

// posting returns the posting with id, failing when there is none.
func posting(tb testing.TB, snap *domain.BoardSnapshot, id string) domain.BoardPosting {
	tb.Helper()
	for _, p := range snap.Postings {
		if p.ExternalID == id {
			return p
		}
	}
	require.Failf(tb, "no posting", "id %s in %v", id, ids(snap))
	return domain.BoardPosting{}
}

func ids(snap *domain.BoardSnapshot) []string {
	out := []string{}
	for _, p := range snap.Postings {
		out = append(out, p.ExternalID)
	}
	return out
}

func mustTime(tb testing.TB, s string) *time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	require.NoError(tb, err)
	t = t.UTC()
	return &t
}

// requireInvalid checks err is EINVALID and its message names each of parts.
func requireInvalid(tb testing.TB, err error, parts ...string) {
	tb.Helper()
	require.Error(tb, err)
	require.Equal(tb, domain.EINVALID, domain.ErrorCode(err), "%v", err)
	for _, p := range parts {
		require.Contains(tb, domain.ErrorMessage(err), p)
	}
}

// requireUnavailable checks err is a BoardUnavailableError with status.
func requireUnavailable(tb testing.TB, err error, status int) *domain.BoardUnavailableError {
	tb.Helper()
	require.ErrorIs(tb, err, domain.ErrBoardUnavailable)
	require.NotErrorIs(tb, err, domain.ErrBoardNotFound)
	var ue *domain.BoardUnavailableError
	require.ErrorAs(tb, err, &ue)
	require.Equal(tb, status, ue.Status, "%v", err)
	return ue
}

// testdataFile reads testdata/<name>, for handlers that may lack one.
func testdataFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
}

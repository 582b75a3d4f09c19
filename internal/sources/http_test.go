package sources_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

// The HTTP behaviour every client shares, tested once through Ashby (one
// document, asked conditionally) unless a case needs another platform.

const okBoard = `{"apiVersion": "1", "jobs": [{"id": "j1", "title": "Engineer", "isListed": true, "jobUrl": "https://jobs.ashbyhq.com/acme/j1"}]}`

func fetchAshby(t *testing.T, h http.HandlerFunc, o sources.Options, prev domain.BoardValidators) (*domain.BoardSnapshot, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.BaseURL = srv.URL
	return MustClient(t, domain.PlatformAshby, o).Fetch(context.Background(), "acme", prev)
}

func TestHTTP_StatusClasses(t *testing.T) {
	t.Parallel()
	soon := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		status     int
		retryAfter string
		notFound   bool
		wantWait   time.Duration // -1: about 90s
	}{
		{404, "", true, 0},
		{410, "", true, 0},
		{429, "120", false, 2 * time.Minute},
		{429, soon, false, -1},
		{429, "soon", false, 0},
		{429, "-5", false, 0},
		{429, "999999999", false, 24 * time.Hour},
		{500, "", false, 0},
		{502, "", false, 0},
		{503, "5", false, 5 * time.Second},
		{403, "", false, 0}, // a bot wall: nothing the user can fix
		{400, "", false, 0},
		{304, "", false, 0}, // not modified, though nothing was asked conditionally
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.status)+" "+c.retryAfter, func(t *testing.T) {
			t.Parallel()
			_, err := fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				w.WriteHeader(c.status)
			}, sources.Options{}, domain.BoardValidators{})
			if c.notFound {
				require.ErrorIs(t, err, domain.ErrBoardNotFound)
				require.NotErrorIs(t, err, domain.ErrBoardUnavailable)
				return
			}
			ue := requireUnavailable(t, err, c.status)
			require.Equal(t, domain.PlatformAshby, ue.Platform)
			if c.wantWait == -1 {
				require.InDelta(t, 90, ue.RetryAfter.Seconds(), 3)
			} else {
				require.Equal(t, c.wantWait, ue.RetryAfter)
			}
		})
	}
}

func TestHTTP_ConditionalRequests(t *testing.T) {
	t.Parallel()
	t.Run("validators are sent, and 304 is not modified", func(t *testing.T) {
		t.Parallel()
		var got http.Header
		snap, err := fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Clone()
			w.Header().Set("ETag", `"v2"`)
			w.WriteHeader(http.StatusNotModified)
		}, sources.Options{}, domain.BoardValidators{ETag: `"v1"`, LastModified: "Tue, 20 Oct 2026 07:28:00 GMT"})
		require.NoError(t, err)
		require.Equal(t, `"v1"`, got.Get("If-None-Match"))
		require.Equal(t, "Tue, 20 Oct 2026 07:28:00 GMT", got.Get("If-Modified-Since"))
		require.True(t, snap.NotModified)
		require.Empty(t, snap.Postings)
		require.Equal(t, domain.BoardValidators{ETag: `"v2"`, LastModified: "Tue, 20 Oct 2026 07:28:00 GMT"}, snap.Validators,
			"a validator the 304 repeats replaces the old one; one it does not is kept")
	})
	t.Run("no validators, no condition; the answer's are returned", func(t *testing.T) {
		t.Parallel()
		var got http.Header
		snap, err := fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Clone()
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Tue, 20 Oct 2026 07:28:00 GMT")
			_, _ = w.Write([]byte(okBoard))
		}, sources.Options{}, domain.BoardValidators{})
		require.NoError(t, err)
		require.Empty(t, got.Get("If-None-Match"))
		require.Empty(t, got.Get("If-Modified-Since"))
		require.False(t, snap.NotModified)
		require.Len(t, snap.Postings, 1)
		require.Equal(t, domain.BoardValidators{ETag: `"v1"`, LastModified: "Tue, 20 Oct 2026 07:28:00 GMT"}, snap.Validators)
	})
	t.Run("a changed board answers in full", func(t *testing.T) {
		t.Parallel()
		snap, err := fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"v2"`)
			_, _ = w.Write([]byte(okBoard))
		}, sources.Options{}, domain.BoardValidators{ETag: `"v1"`})
		require.NoError(t, err)
		require.False(t, snap.NotModified)
		require.Len(t, snap.Postings, 1)
		require.Equal(t, `"v2"`, snap.Validators.ETag)
	})
}

func TestHTTP_BodyCap(t *testing.T) {
	t.Parallel()
	big := `{"jobs": [], "pad": "` + strings.Repeat("x", 2000) + `"}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"jobs": [], "pad": "` + strings.Repeat("x", 1<<20) + `"}`))
	require.NoError(t, zw.Close())
	require.Less(t, gz.Len(), 4096, "small on the wire")

	cases := []struct {
		name string
		h    http.HandlerFunc
		ok   bool
	}{
		{"with a Content-Length", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(big)) }, false},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 100 {
				_, _ = w.Write([]byte(big[i:min(i+100, len(big))]))
				w.(http.Flusher).Flush()
			}
		}, false},
		{"gzip that inflates past the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
		}, false},
		{"under the cap", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(okBoard)) }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			snap, err := fetchAshby(t, c.h, sources.Options{MaxBodyBytes: 1024}, domain.BoardValidators{})
			if c.ok {
				require.NoError(t, err)
				require.Len(t, snap.Postings, 1)
				return
			}
			requireInvalid(t, err, "ashby", "the job board is larger than 1024 bytes")
		})
	}
}

func TestHTTP_NetworkFailures(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := "http://" + ln.Addr().String()
		require.NoError(t, ln.Close())
		_, err = MustClient(t, domain.PlatformAshby, sources.Options{BaseURL: addr}).Fetch(context.Background(), "acme", domain.BoardValidators{})
		requireUnavailable(t, err, 0)
	})
	t.Run("a timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		_, err := MustClient(t, domain.PlatformAshby, sources.Options{BaseURL: srv.URL, Timeout: 50 * time.Millisecond}).
			Fetch(context.Background(), "acme", domain.BoardValidators{})
		requireUnavailable(t, err, 0)
	})
	t.Run("the caller gives up", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		_, err := MustClient(t, domain.PlatformAshby, sources.Options{BaseURL: srv.URL}).Fetch(ctx, "acme", domain.BoardValidators{})
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, domain.ErrBoardUnavailable, "a cancelled sync is not the board's fault")
	})
}

func TestHTTP_WaitFuncBeforeEveryRequest(t *testing.T) {
	t.Parallel()
	srv := MustFixtureServer(t, ghRoutes(nil))
	var waits atomic.Int32
	client := MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL, WaitFunc: func(ctx context.Context) error {
		waits.Add(1)
		return ctx.Err()
	}})
	_, err := client.Fetch(context.Background(), "vaulttec", domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, int32(3), waits.Load(), "the list and two posts")
	require.Len(t, srv.Requests(), 3)

	limited := errors.New("rate limit: context deadline")
	client = MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL, WaitFunc: func(context.Context) error { return limited }})
	_, err = client.Fetch(context.Background(), "vaulttec", domain.BoardValidators{})
	require.ErrorIs(t, err, limited)
	require.Len(t, srv.Requests(), 3, "no request without the hook's leave")
}

func TestHTTP_Headers(t *testing.T) {
	t.Parallel()
	var got http.Header
	h := func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = w.Write([]byte(okBoard))
	}
	_, err := fetchAshby(t, h, sources.Options{}, domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, sources.DefaultUserAgent, got.Get("User-Agent"))
	require.Equal(t, "application/json", got.Get("Accept"))

	_, err = fetchAshby(t, h, sources.Options{UserAgent: "applyq-test"}, domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, "applyq-test", got.Get("User-Agent"))
}

// The caller's client is used (its transport), with the platform's timeout.
func TestHTTP_ClientOption(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(okBoard)) }))
	t.Cleanup(srv.Close)
	var trips atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		trips.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	_, err := MustClient(t, domain.PlatformAshby, sources.Options{BaseURL: srv.URL, HTTPClient: hc}).Fetch(context.Background(), "acme", domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, int32(1), trips.Load())
	require.Zero(t, hc.Timeout, "the caller's client is copied, not changed")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A board name that could leave the API's path or host is refused before
// any request.
func TestHTTP_BadBoardNames(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	t.Cleanup(srv.Close)
	for _, p := range domain.Platforms {
		base := srv.URL
		if p == domain.PlatformRecruitee || p == domain.PlatformPersonio {
			base += "/{board}"
		}
		client := MustClient(t, p, sources.Options{BaseURL: base, EUBaseURL: srv.URL})
		for _, board := range []string{"", "..", "a/b", "acme?x=1", "acme#x", "a b", "evil.com%2F"} {
			_, err := client.Fetch(context.Background(), board, domain.BoardValidators{})
			requireInvalid(t, err)
		}
	}
	for _, p := range []domain.Platform{domain.PlatformRecruitee, domain.PlatformPersonio} {
		client := MustClient(t, p, sources.Options{BaseURL: srv.URL + "/{board}"})
		for _, board := range []string{"Acme", "evil.com", "acme_corp", "-acme"} {
			_, err := client.Fetch(context.Background(), board, domain.BoardValidators{})
			requireInvalid(t, err, "subdomain")
		}
	}
	require.Zero(t, requests.Load())
}

// TestHTTP_RedirectsStayOnThePlatform: a board that answers with a
// redirect to another address is not followed there (the other address
// gets nothing) and says so with ErrBoardRedirected, for every platform;
// a redirect on the board's own host, or to a host the options name, is
// followed.
func TestHTTP_RedirectsStayOnThePlatform(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write([]byte(okBoard))
	}))
	t.Cleanup(other.Close)
	for _, p := range domain.Platforms {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			}))
			t.Cleanup(srv.Close)
			base := srv.URL
			if p == domain.PlatformRecruitee || p == domain.PlatformPersonio {
				base += "/{board}"
			}
			_, err := MustClient(t, p, sources.Options{BaseURL: base, EUBaseURL: srv.URL}).Fetch(context.Background(), "acme", domain.BoardValidators{})
			require.ErrorIs(t, err, domain.ErrBoardRedirected)
			require.NotErrorIs(t, err, domain.ErrBoardUnavailable)
			require.Contains(t, err.Error(), other.Listener.Addr().String(), "it names where")
		})
	}
	require.Zero(t, elsewhere.Load(), "nothing was requested off the platform")

	// On the board's own host, and to a host the options name: followed.
	snap, err := fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/moved" {
			http.Redirect(w, r, "/moved", http.StatusMovedPermanently)
			return
		}
		_, _ = w.Write([]byte(okBoard))
	}, sources.Options{}, domain.BoardValidators{})
	require.NoError(t, err)
	require.Len(t, snap.Postings, 1)
	snap, err = fetchAshby(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}, sources.Options{Hosts: []string{other.Listener.Addr().String()}}, domain.BoardValidators{})
	require.NoError(t, err)
	require.Len(t, snap.Postings, 1)
}

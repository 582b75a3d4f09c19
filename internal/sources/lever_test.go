package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

// MustLeverServer serves items (a function of the request count, so a
// test can change the listing between pages) under /v0/postings/{site},
// paged by skip and limit the way Lever pages them. It counts requests.
func MustLeverServer(tb testing.TB, site string, items func(request int) []json.RawMessage) (*httptest.Server, *atomic.Int32) {
	tb.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := int(n.Add(1))
		if r.URL.Path != "/v0/postings/"+site || r.URL.Query().Get("mode") != "json" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(MustFixture(tb, "lever/not-found.json"))
			return
		}
		all := items(req)
		skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil {
			limit = len(all)
		}
		lo, hi := min(skip, len(all)), min(skip+limit, len(all))
		b, _ := json.Marshal(all[lo:hi])
		_, _ = w.Write(b)
	}))
	tb.Cleanup(srv.Close)
	return srv, &n
}

func leverFixture(tb testing.TB, name string) func(int) []json.RawMessage {
	var items []json.RawMessage
	require.NoError(tb, json.Unmarshal(MustFixture(tb, name), &items))
	return func(int) []json.RawMessage { return items }
}

func synthetic(ids ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ids))
	for i, id := range ids {
		out[i] = json.RawMessage(fmt.Sprintf(`{"id": %q, "text": "Job %s", "hostedUrl": "https://jobs.lever.co/acme/%s"}`, id, id, id))
	}
	return out
}

func TestLever_Fixtures(t *testing.T) {
	t.Parallel()
	for _, pageSize := range []int{2, 3, 100} {
		t.Run("page size "+strconv.Itoa(pageSize), func(t *testing.T) {
			t.Parallel()
			srv, requests := MustLeverServer(t, "leverdemo", leverFixture(t, "lever/postings.json"))
			client := MustClient(t, domain.PlatformLever, sources.Options{BaseURL: srv.URL, EUBaseURL: srv.URL, PageSize: pageSize})
			snap, err := client.Fetch(context.Background(), "leverdemo", domain.BoardValidators{ETag: `"ignored"`})
			require.NoError(t, err)
			require.Equal(t, []string{"2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c", "0a4e2b1c-3d5f-4a6b-8c7d-9e0f1a2b3c4d",
				"5b6c7d8e-0000-4000-8000-000000000003", "9f8e7d6c-0000-4000-8000-000000000006"}, ids(snap))
			require.Equal(t, 2, snap.Skipped, "a repeated id and no id")
			require.Equal(t, domain.BoardValidators{}, snap.Validators, "paged: not conditional")
			wantRequests := map[int]int32{2: 6, 3: 3, 100: 1}[pageSize]
			require.Equal(t, wantRequests, requests.Load())

			p := posting(t, snap, "2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c")
			require.Equal(t, "Backend Engineer", p.Title)
			require.Empty(t, p.Company, "Lever's postings API names no company: the source's display name stands in")
			require.Equal(t, "San Francisco", p.Location)
			require.Equal(t, "Engineering", p.Department)
			require.False(t, p.Remote, "hybrid")
			require.Equal(t, "Join the platform team.\n\nWe build Go services.\n\nWhat you'll do\n- Design APIs\n- Run Postgres\n\nAbout you\n- 5+ years of Go\n\nWe offer equity.", p.Description)
			require.Equal(t, "USD 150,000 – 190,000 per year", p.Compensation)
			require.Equal(t, "Full-time", p.EmploymentType)
			require.Equal(t, "https://jobs.lever.co/leverdemo/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c", p.URL)
			require.Equal(t, "https://jobs.lever.co/leverdemo/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply", p.ApplyURL)
			require.Equal(t, time.UnixMilli(1758500000000).UTC(), *p.UpdatedAt)
			require.Nil(t, p.Questions, "Lever publishes no questions")
			require.Equal(t, domain.BoardPostingKey(domain.PlatformLever, "leverdemo", p.ExternalID), mustKey(t, p.ApplyURL))

			p = posting(t, snap, "0a4e2b1c-3d5f-4a6b-8c7d-9e0f1a2b3c4d")
			require.True(t, p.Remote)
			require.Equal(t, "Help our customers.\nBe kind.", p.Description, "plain text when there is no HTML")
			require.Equal(t, "EUR 25.50 – 30 per hour", p.Compensation)
			require.Equal(t, "Support", p.Department, "the team when there is no department")

			p = posting(t, snap, "5b6c7d8e-0000-4000-8000-000000000003")
			require.Equal(t, "Data Analyst", p.Title)
			require.Equal(t, "London; Berlin", p.Location)
			require.Empty(t, p.URL, "a javascript: URL is dropped")
			require.Empty(t, p.Compensation)

			p = posting(t, snap, "9f8e7d6c-0000-4000-8000-000000000006")
			require.Equal(t, "USD 5,000 one-time", p.Compensation)
			require.Equal(t, "Find people.", p.Description, "an empty list adds nothing")
		})
	}
}

func TestLever_EUInstance(t *testing.T) {
	t.Parallel()
	global, globalReqs := MustLeverServer(t, "leverdemo", leverFixture(t, "lever/postings.json"))
	eu, euReqs := MustLeverServer(t, "eudemo", leverFixture(t, "lever/eu-postings.json"))
	client := MustClient(t, domain.PlatformLever, sources.Options{BaseURL: global.URL, EUBaseURL: eu.URL})

	snap, err := client.Fetch(context.Background(), "eudemo", domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, []string{"e0e0e0e0-1111-4222-8333-444455556666"}, ids(snap))
	require.Equal(t, int32(1), globalReqs.Load())
	require.Equal(t, int32(1), euReqs.Load())
	p := snap.Postings[0]
	require.Equal(t, domain.BoardPostingKey(domain.PlatformLever, "eudemo", p.ExternalID), mustKey(t, p.URL))

	_, err = client.Fetch(context.Background(), "nobody", domain.BoardValidators{})
	require.ErrorIs(t, err, domain.ErrBoardNotFound, "unknown to both instances")

	// A global site is not asked of the EU.
	_, err = client.Fetch(context.Background(), "leverdemo", domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, int32(2), euReqs.Load())
}

func TestLever_Paging(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		items  func(request int) []json.RawMessage
		check  func(t *testing.T, snap *domain.BoardSnapshot, err error)
		expect int32 // requests
	}{
		{"a posting removed while the pages are read: read again", func(req int) []json.RawMessage {
			if req == 1 {
				return synthetic("a", "b", "c", "d", "e", "f")
			}
			return synthetic("b", "c", "d", "e", "f")
		}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"b", "c", "d", "e", "f"}, ids(snap), "nothing skipped by the shift")
		}, 5},
		{"a posting added while the pages are read: read again", func(req int) []json.RawMessage {
			if req == 1 {
				return synthetic("a", "b", "c", "d", "e")
			}
			return synthetic("new", "a", "b", "c", "d", "e")
		}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"new", "a", "b", "c", "d", "e"}, ids(snap))
		}, 5},
		{"a listing that never holds still", func(req int) []json.RawMessage {
			var ids []string // one more posting at the top each time it is read
			for i := req; i > 0; i-- {
				ids = append(ids, "new"+strconv.Itoa(i))
			}
			return synthetic(append(ids, "a", "b", "c", "d")...)
		}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			requireUnavailable(t, err, 0)
			require.Contains(t, err.Error(), "changed while it was read")
		}, 6},
		{"a board that ignores the page size", nil, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Len(t, snap.Postings, 7)
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			var requests *atomic.Int32
			if c.items == nil {
				requests = &atomic.Int32{}
				srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					requests.Add(1)
					b, _ := json.Marshal(synthetic("1", "2", "3", "4", "5", "6", "7"))
					_, _ = w.Write(b)
				}))
				t.Cleanup(srv.Close)
			} else {
				srv, requests = MustLeverServer(t, "acme", c.items)
			}
			client := MustClient(t, domain.PlatformLever, sources.Options{BaseURL: srv.URL, EUBaseURL: srv.URL, PageSize: 3})
			snap, err := client.Fetch(context.Background(), "acme", domain.BoardValidators{})
			c.check(t, snap, err)
			require.Equal(t, c.expect, requests.Load())
		})
	}
}

// A page that fails fails the fetch: a partial listing would close what it missed.
func TestLever_APageFails(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		write func(w http.ResponseWriter)
		check func(t *testing.T, err error)
	}{
		{"429", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(t *testing.T, err error) {
			require.Equal(t, 7*time.Second, requireUnavailable(t, err, 429).RetryAfter)
		}},
		{"malformed", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`[{"id": "x"`)) }, func(t *testing.T, err error) {
			requireInvalid(t, err, "lever", "the postings from 2", "not the JSON expected")
		}},
		{"an object, not a list", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"ok": false}`)) }, func(t *testing.T, err error) {
			requireInvalid(t, err, "lever", "the postings from 2")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("skip") == "0" {
					b, _ := json.Marshal(synthetic("a", "b", "c"))
					_, _ = w.Write(b)
					return
				}
				c.write(w)
			}))
			t.Cleanup(srv.Close)
			client := MustClient(t, domain.PlatformLever, sources.Options{BaseURL: srv.URL, EUBaseURL: srv.URL, PageSize: 3})
			snap, err := client.Fetch(context.Background(), "acme", domain.BoardValidators{})
			require.Nil(t, snap)
			c.check(t, err)
		})
	}
}

package sources_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

const srPath = "/v1/companies/smartrecruiters/postings"

// MustSmartRecruitersServer serves testdata/smartrecruiters: the list
// paged by offset and limit with its totalFound, each posting from
// posting-<id>.json (404 when there is none), and detail overrides.
func MustSmartRecruitersServer(tb testing.TB, detail map[string]reply) (*httptest.Server, func() []string) {
	tb.Helper()
	var list struct {
		Content []json.RawMessage `json:"content"`
	}
	require.NoError(tb, json.Unmarshal(MustFixture(tb, "smartrecruiters/postings.json"), &list))
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		switch {
		case r.URL.Path == srPath:
			offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			lo, hi := min(offset, len(list.Content)), min(offset+limit, len(list.Content))
			b, _ := json.Marshal(map[string]any{"offset": offset, "limit": limit, "totalFound": len(list.Content), "content": list.Content[lo:hi]})
			_, _ = w.Write(b)
		case strings.HasPrefix(r.URL.Path, srPath+"/"):
			id := strings.TrimPrefix(r.URL.Path, srPath+"/")
			if rep, ok := detail[id]; ok {
				w.WriteHeader(max(rep.status, 200))
				_, _ = w.Write([]byte(rep.body))
				return
			}
			b, err := testdataFile("smartrecruiters/posting-" + id + ".json")
			if err != nil {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	tb.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func TestSmartRecruiters_Fixtures(t *testing.T) {
	t.Parallel()
	for _, pageSize := range []int{2, 4, 100} {
		t.Run("page size "+strconv.Itoa(pageSize), func(t *testing.T) {
			t.Parallel()
			srv, seen := MustSmartRecruitersServer(t, nil)
			client := MustClient(t, domain.PlatformSmartRecruiters, sources.Options{BaseURL: srv.URL, PageSize: pageSize})
			snap, err := client.Fetch(context.Background(), "smartrecruiters", domain.BoardValidators{})
			require.NoError(t, err)
			require.Equal(t, []string{"744000137413079", "744000137413080", "744000137413083"}, ids(snap),
				"posting 744000137413082 closed before it was read")
			require.Equal(t, 2, snap.Skipped, "a posting without a name, a repeated id")
			details := 0
			for _, u := range seen() {
				if strings.HasPrefix(u, srPath+"/") {
					details++
				}
			}
			require.Equal(t, 4, details, "only the postings kept are read")

			p := posting(t, snap, "744000137413079")
			require.Equal(t, "Director, Customer Engagement", p.Title)
			require.Equal(t, "SmartRecruiters Inc", p.Company, "the posting's company.name, not its identifier")
			require.Equal(t, "San Francisco, CA, US", p.Location)
			require.Equal(t, "Marketing", p.Department)
			require.True(t, p.Remote)
			require.Equal(t, "Company Description\nWe make hiring software.\n\n"+
				"Job Description\nLead customer engagement.\n\n- Own renewals\n- Grow accounts\n\n"+
				"Qualifications\n- 10 years in SaaS\n\n"+
				"Additional Information\nAll your information will be kept confidential.", p.Description)
			require.Equal(t, "https://jobs.smartrecruiters.com/smartrecruiters/744000137413079-director-customer-engagement", p.URL)
			require.Equal(t, "Full-time", p.EmploymentType)
			require.Equal(t, mustTime(t, "2024-02-19T19:36:42.346Z"), p.UpdatedAt)
			require.Nil(t, p.Questions)
			require.Equal(t, domain.BoardPostingKey(domain.PlatformSmartRecruiters, "smartrecruiters", p.ExternalID), mustKey(t, p.URL))

			p = posting(t, snap, "744000137413080")
			require.Equal(t, "Krakow, Lesser Poland, Poland", p.Location)
			require.Equal(t, "Logistics", p.Department, "the function when there is no department")
			require.Equal(t, "https://jobs.smartrecruiters.com/smartrecruiters/744000137413080", p.URL, "built when the posting has none")
			require.Equal(t, domain.BoardPostingKey(domain.PlatformSmartRecruiters, "smartrecruiters", p.ExternalID), mustKey(t, p.URL))

			p = posting(t, snap, "744000137413083")
			require.False(t, p.Remote, "hybrid")
			require.Equal(t, mustTime(t, "2024-03-05T08:00:00Z"), p.UpdatedAt)
		})
	}
}

func TestSmartRecruiters_APostingFails(t *testing.T) {
	t.Parallel()
	srv, _ := MustSmartRecruitersServer(t, map[string]reply{"744000137413080": {status: 503}})
	_, err := MustClient(t, domain.PlatformSmartRecruiters, sources.Options{BaseURL: srv.URL}).Fetch(context.Background(), "smartrecruiters", domain.BoardValidators{})
	requireUnavailable(t, err, 503)

	srv, _ = MustSmartRecruitersServer(t, map[string]reply{"744000137413083": {body: `{"jobAd": `}})
	_, err = MustClient(t, domain.PlatformSmartRecruiters, sources.Options{BaseURL: srv.URL}).Fetch(context.Background(), "smartrecruiters", domain.BoardValidators{})
	requireInvalid(t, err, "smartrecruiters", "posting 744000137413083")
}

// An unknown company is an empty list, not a 404: the API says nothing more.
func TestSmartRecruiters_EmptyCompany(t *testing.T) {
	t.Parallel()
	srv := MustFixtureServer(t, map[string]reply{"/v1/companies/nobody/postings": {body: `{"offset": 0, "limit": 100, "totalFound": 0, "content": []}`}})
	snap, err := MustClient(t, domain.PlatformSmartRecruiters, sources.Options{BaseURL: srv.URL}).Fetch(context.Background(), "nobody", domain.BoardValidators{})
	require.NoError(t, err)
	require.Empty(t, snap.Postings)
	require.Len(t, srv.Requests(), 1)
}

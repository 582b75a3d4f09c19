package sources_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

const ashbyPath = "/posting-api/job-board/example"

func TestAshby_Fixtures(t *testing.T) {
	t.Parallel()
	huge := `{"jobs": [{"id": "h1", "title": "Huge", "isListed": true, "descriptionHtml": ` +
		mustJSON(t, "<p>"+strings.Repeat("word ", 60_000)+"</p>") + `}]}`
	cases := []struct {
		name  string
		reply reply
		opts  sources.Options
		check func(t *testing.T, snap *domain.BoardSnapshot, err error)
	}{
		{"a board", reply{file: "ashby/board.json", header: map[string]string{"ETag": `W/"a1"`, "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}}, sources.Options{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				require.NoError(t, err)
				require.Equal(t, []string{"6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21", "7458d4e9-da2e-47bd-98cb-adfda43d42b2",
					"44444444-2222-4333-8444-555555555555"}, ids(snap), "the unlisted job left out")
				require.Equal(t, 1, snap.Skipped, "the job without a title")
				require.Equal(t, domain.BoardValidators{ETag: `W/"a1"`, LastModified: "Wed, 21 Oct 2026 07:28:00 GMT"}, snap.Validators)

				p := posting(t, snap, "6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21")
				require.Equal(t, "Product Manager", p.Title)
				require.Empty(t, p.Company, "Ashby's posting API names no company: the source's display name stands in")
				require.Equal(t, "Houston, TX", p.Location)
				require.Equal(t, "Product", p.Department)
				require.False(t, p.Remote)
				require.Equal(t, "Join our team\n\nWhat you will do\n\n- Own the roadmap\n- Talk to users", p.Description)
				require.Equal(t, "USD 81,000 – 87,000 per year (Zone A); USD 70,000 – 75,000 per year (Zone B)", p.Compensation,
					"salary from the structured tiers; equity and bonus are not pay ranges")
				require.Equal(t, "Full-time", p.EmploymentType)
				require.Equal(t, mustTime(t, "2021-04-30T16:21:55.393Z"), p.UpdatedAt)
				require.Equal(t, "https://jobs.ashbyhq.com/example/6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21/application", p.ApplyURL)
				require.Nil(t, p.Questions, "Ashby's form is read from the hosted page")
				require.Equal(t, domain.BoardPostingKey(domain.PlatformAshby, "example", p.ExternalID), mustKey(t, p.URL))

				p = posting(t, snap, "7458d4e9-da2e-47bd-98cb-adfda43d42b2")
				require.Equal(t, "Staff Engineer", p.Title, "the id from the job URL when the job has none")
				require.True(t, p.Remote)
				require.Equal(t, "Platform", p.Department, "the team when there is no department")
				require.Equal(t, "Build the platform.\n\nRemote-first.", p.Description)
				require.Equal(t, "€90K - €110K", p.Compensation, "Ashby's summary without structured salary")
				require.Equal(t, "Contract", p.EmploymentType)

				p = posting(t, snap, "44444444-2222-4333-8444-555555555555")
				require.Equal(t, "from USD 18 per hour", p.Compensation)
				require.Equal(t, "Part-time", p.EmploymentType)
				require.Equal(t, mustTime(t, "2024-06-01T00:00:00Z"), p.UpdatedAt, "the later of published and updated")
			}},
		{"a huge description", reply{body: huge}, sources.Options{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			d := snap.Postings[0].Description
			n := utf8.RuneCountInString(d)
			require.LessOrEqual(t, n, sources.DefaultMaxDescriptionChars)
			require.Greater(t, n, sources.DefaultMaxDescriptionChars-10, "cut at the last word's end")
			require.True(t, strings.HasSuffix(d, "word…"))
		}},
		{"a smaller description cap", reply{body: huge}, sources.Options{MaxDescriptionChars: 12}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, "word word…", snap.Postings[0].Description)
		}},
		{"an HTML error page", reply{file: "ashby/html-error.json"}, sources.Options{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "ashby", "the job board", "not the JSON expected")
		}},
		{"an empty board", reply{body: `{"apiVersion": "1", "jobs": []}`}, sources.Options{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.NotNil(t, snap.Postings)
			require.Empty(t, snap.Postings)
		}},
		{"a board that does not exist", reply{status: 404, body: `{"success": false}`}, sources.Options{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.ErrorIs(t, err, domain.ErrBoardNotFound)
			require.Contains(t, err.Error(), "ashby")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := MustFixtureServer(t, map[string]reply{ashbyPath: c.reply})
			c.opts.BaseURL = srv.URL
			snap, err := MustClient(t, domain.PlatformAshby, c.opts).Fetch(context.Background(), "example", domain.BoardValidators{})
			c.check(t, snap, err)
			require.Equal(t, "includeCompensation=true", srv.Requests()[0].URL.RawQuery)
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

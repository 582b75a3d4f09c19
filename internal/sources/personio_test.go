package sources_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

func TestPersonio_Fixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply reply
		check func(t *testing.T, base string, snap *domain.BoardSnapshot, err error)
	}{
		{"a feed", reply{file: "personio/feed.xml", header: map[string]string{"Content-Type": "text/xml; charset=utf-8", "ETag": `"p1"`}}, func(t *testing.T, base string, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"1234567", "1234568"}, ids(snap))
			require.Equal(t, 2, snap.Skipped, "a position without an id, an id listed twice")
			require.Equal(t, `"p1"`, snap.Validators.ETag)

			p := posting(t, snap, "1234567")
			require.Equal(t, "Senior Software Engineer (m/f/d)", p.Title)
			require.Equal(t, "Acme GmbH", p.Company, "the position's subcompany")
			require.Equal(t, "Munich; Berlin; Remote", p.Location)
			require.True(t, p.Remote, "a Remote office")
			require.Equal(t, "Engineering", p.Department)
			require.Equal(t, "Your mission\nBuild analytics pipelines.\n\n- Go\n- Kafka\n\nYour profile\n5+ years & curiosity.", p.Description)
			require.Equal(t, "permanent, full-time", p.EmploymentType)
			require.Equal(t, base+"/job/1234567", p.URL)
			require.Equal(t, mustTime(t, "2024-06-01T10:00:00Z"), p.UpdatedAt)
			require.Nil(t, p.Questions)

			p = posting(t, snap, "1234568")
			require.Equal(t, "Aufgaben\nBuchhaltung", p.Description, "escaped HTML outside CDATA")
			require.False(t, p.Remote)
			require.Equal(t, mustTime(t, "2024-06-02T00:00:00Z"), p.UpdatedAt)
		}},
		{"an empty feed", reply{file: "personio/empty.xml"}, func(t *testing.T, base string, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Empty(t, snap.Postings)
		}},
		{"malformed XML", reply{file: "personio/malformed.xml"}, func(t *testing.T, base string, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "personio", "the positions feed", "not the XML expected")
		}},
		{"another document", reply{file: "personio/wrong-root.xml"}, func(t *testing.T, base string, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "personio", "workzag-jobs")
		}},
		{"an unknown company redirects", reply{status: 301, header: map[string]string{"Location": "/elsewhere"}}, func(t *testing.T, base string, snap *domain.BoardSnapshot, err error) {
			require.ErrorIs(t, err, domain.ErrBoardNotFound)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := MustFixtureServer(t, map[string]reply{"/acme/xml": c.reply, "/elsewhere": {body: "<html>Personio</html>"}})
			client := MustClient(t, domain.PlatformPersonio, sources.Options{BaseURL: srv.URL + "/{board}"})
			snap, err := client.Fetch(context.Background(), "acme", domain.BoardValidators{})
			c.check(t, srv.URL+"/acme", snap, err)
			reqs := srv.Requests()
			require.Len(t, reqs, 1, "a redirect is not followed")
			require.Equal(t, "language=en", reqs[0].URL.RawQuery)
		})
	}
}

// A company served from another Personio host is redirected to the same
// feed there: that redirect is followed.
func TestPersonio_RedirectToTheSameFeed(t *testing.T) {
	t.Parallel()
	other := MustFixtureServer(t, map[string]reply{"/acme/xml": {file: "personio/feed.xml"}})
	srv := MustFixtureServer(t, map[string]reply{"/acme/xml": {status: 301, header: map[string]string{"Location": other.URL + "/acme/xml?language=en"}}})
	snap, err := MustClient(t, domain.PlatformPersonio, sources.Options{BaseURL: srv.URL + "/{board}", Hosts: []string{other.Listener.Addr().String()}}).
		Fetch(context.Background(), "acme", domain.BoardValidators{})
	require.NoError(t, err)
	require.Len(t, snap.Postings, 2)
	require.Len(t, other.Requests(), 1)
}

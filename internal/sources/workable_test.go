package sources_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

const workablePath = "/api/v1/widget/accounts/kahoot"

func TestWorkable_Fixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply reply
		check func(t *testing.T, snap *domain.BoardSnapshot, err error)
	}{
		{"an account", reply{file: "workable/account.json", header: map[string]string{"Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"5EA5DDE797", "AAA111BBB2"}, ids(snap))
			require.Equal(t, 2, snap.Skipped, "a job without a title, one without a shortcode")
			require.Equal(t, "Wed, 21 Oct 2026 07:28:00 GMT", snap.Validators.LastModified)

			p := posting(t, snap, "5EA5DDE797")
			require.Equal(t, "Senior Backend Engineer (.NET)", p.Title)
			require.Equal(t, "Kahoot!", p.Company, "the account's name")
			require.Equal(t, "São Paulo, SP, Brazil", p.Location)
			require.Equal(t, "Engineering", p.Department)
			require.False(t, p.Remote)
			require.Equal(t, "We work with C# and .NET.\n\nRequirements\n- ASP.NET Core\n- PostgreSQL\n\nBenefits\nHealth plan.", p.Description)
			require.Equal(t, "https://apply.workable.com/j/5EA5DDE797", p.URL)
			require.Equal(t, "https://apply.workable.com/j/5EA5DDE797/apply", p.ApplyURL)
			require.Equal(t, "Full-time", p.EmploymentType)
			require.Equal(t, mustTime(t, "2026-03-27T00:00:00Z"), p.UpdatedAt)
			require.Nil(t, p.Questions)
			require.Equal(t, domain.BoardPostingKey(domain.PlatformWorkable, "kahoot", p.ExternalID), mustKey(t, p.URL))
			require.Equal(t, domain.BoardPostingKey(domain.PlatformWorkable, "kahoot", p.ExternalID), mustKey(t, p.ApplyURL))

			p = posting(t, snap, "AAA111BBB2")
			require.True(t, p.Remote)
			require.Equal(t, "Berlin, Germany", p.Location, "the first location shown")
			require.Equal(t, "https://apply.workable.com/j/AAA111BBB2", p.URL, "the shortlink when there is no URL")
			require.Equal(t, "Kubernetes all day.", p.Description)
		}},
		{"truncated JSON", reply{body: `{"name": "Kahoot!", "jobs": [`}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "workable", "the jobs")
		}},
		{"an unknown account", reply{status: 404}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.ErrorIs(t, err, domain.ErrBoardNotFound)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := MustFixtureServer(t, map[string]reply{workablePath: c.reply})
			snap, err := MustClient(t, domain.PlatformWorkable, sources.Options{BaseURL: srv.URL}).Fetch(context.Background(), "kahoot", domain.BoardValidators{})
			c.check(t, snap, err)
			require.Equal(t, "details=true", srv.Requests()[0].URL.RawQuery)
		})
	}
}

package sources_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, p := range domain.Platforms {
		c, err := sources.New(p, sources.Options{})
		require.NoError(t, err, p)
		require.Equal(t, p, c.Platform())
		require.NotEmpty(t, sources.DefaultBaseURL(p))
	}
	require.Equal(t, "https://boards-api.greenhouse.io", sources.DefaultBaseURL(domain.PlatformGreenhouse))
	require.Equal(t, "https://{board}.recruitee.com", sources.DefaultBaseURL(domain.PlatformRecruitee))

	c, err := sources.New(domain.PlatformLever, sources.Options{})
	require.NoError(t, err)
	require.Equal(t, "https://api.lever.co", c.(*sources.Lever).BaseURL)
	require.Equal(t, sources.DefaultLeverEUBaseURL, c.(*sources.Lever).EUBaseURL)
}

func TestNew_Rejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    domain.Platform
		o    sources.Options
		want string
	}{
		{"monster", sources.Options{}, "unknown job board platform"},
		{domain.PlatformGreenhouse, sources.Options{BaseURL: "ftp://boards-api.greenhouse.io"}, "sources.greenhouse.base_url"},
		{domain.PlatformGreenhouse, sources.Options{BaseURL: "boards-api.greenhouse.io"}, "sources.greenhouse.base_url"},
		{domain.PlatformAshby, sources.Options{BaseURL: "https://api.ashbyhq.com?x=1"}, "sources.ashby.base_url"},
		{domain.PlatformLever, sources.Options{EUBaseURL: "::"}, "sources.lever.eu_base_url"},
		{domain.PlatformRecruitee, sources.Options{BaseURL: "https://acme.recruitee.com"}, "needs {board}"},
		{domain.PlatformPersonio, sources.Options{BaseURL: "https://jobs.personio.de"}, "needs {board}"},
	}
	for _, c := range cases {
		_, err := sources.New(c.p, c.o)
		requireInvalid(t, err, c.want)
	}
}

func TestNewAll(t *testing.T) {
	t.Parallel()
	clients, err := sources.NewAll(map[domain.Platform]sources.Options{
		domain.PlatformPersonio: {BaseURL: "https://{board}.jobs.personio.com"},
	})
	require.NoError(t, err)
	require.Len(t, clients, len(domain.Platforms))
	for p, c := range clients {
		require.Equal(t, p, c.Platform())
	}
	require.Equal(t, "https://{board}.jobs.personio.com", clients[domain.PlatformPersonio].(*sources.Personio).BaseURL)

	_, err = sources.NewAll(map[domain.Platform]sources.Options{"monster": {}})
	requireInvalid(t, err, "monster")
	_, err = sources.NewAll(map[domain.Platform]sources.Options{domain.PlatformRecruitee: {BaseURL: "https://x.recruitee.com"}})
	requireInvalid(t, err, "sources.recruitee.base_url")
}

package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// A pasted link names a posting on a known board, or nothing: LinkedIn, a
// careers page, a board's page without a posting and a Workable link
// without its account cannot be read from a board.
func TestParsePostingURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]domain.PostingRef{
		"https://boards.greenhouse.io/acme/jobs/4242?gh_src=li": {Platform: domain.PlatformGreenhouse, Board: "acme", Key: "greenhouse:acme:4242", ExternalID: "4242"},
		"https://jobs.lever.co/globex/2F1C7A84/apply":           {Platform: domain.PlatformLever, Board: "globex", Key: "lever:globex:2f1c7a84", ExternalID: "2f1c7a84"},
		"https://acme.recruitee.com/o/go-engineer":              {Platform: domain.PlatformRecruitee, Board: "acme", Key: "recruitee:acme:go-engineer", ExternalID: "go-engineer"},
		"https://apply.workable.com/kahoot/j/5EA5DDE797/":       {Platform: domain.PlatformWorkable, Board: "kahoot", Key: "workable:5EA5DDE797", ExternalID: "5EA5DDE797"},
	} {
		got, ok := domain.ParsePostingURL(raw)
		require.True(t, ok, raw)
		require.Equal(t, want, got, raw)
	}
	for _, raw := range []string{"https://www.linkedin.com/jobs/view/3912345678/", "https://careers.example.com/jobs/12",
		"https://boards.greenhouse.io/acme", "https://apply.workable.com/j/5EA5DDE797", "not a url"} {
		_, ok := domain.ParsePostingURL(raw)
		require.False(t, ok, raw)
	}
	require.True(t, domain.TrackedOnlyKey("url:linkedin.com/jobs/view/1"))
	require.False(t, domain.TrackedOnlyKey("greenhouse:acme:1"))
	require.False(t, domain.TrackedOnlyKey("source:crm:1"), "an integration's posting by source and id goes through the webhook")
}

// A source without a name shows its board made readable, never the slug.
func TestSource_DisplayName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Acme Corp", (&domain.Source{Board: "acme-corp"}).DisplayName())
	require.Equal(t, "Vault Tec", (&domain.Source{Board: "vault_tec"}).DisplayName())
	require.Equal(t, "Globex Inc.", (&domain.Source{Board: "globex", Name: " Globex Inc. "}).DisplayName())
}

// Only the person's own stages can be set; "" clears.
func TestParsePersonStage(t *testing.T) {
	t.Parallel()
	st, err := domain.ParsePersonStage("stage", "offer")
	require.NoError(t, err)
	require.Equal(t, domain.StageOffer, *st)
	st, err = domain.ParsePersonStage("stage", " ")
	require.NoError(t, err)
	require.Nil(t, st)
	_, err = domain.ParsePersonStage("stage", "applied")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Equal(t, "waiting on you", domain.StageWaiting.Label())
}

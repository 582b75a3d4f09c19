package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// A synced posting and a pasted link of it must be one job: the key of
// every URL form of a posting equals BoardPostingKey of what the board
// client reports for it.
func TestBoardPostingKey_EqualsCanonicalJobKeyOfItsURLs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		platform domain.Platform
		board    string
		id       string
		want     string
		urls     []string
	}{
		{domain.PlatformGreenhouse, "acme", "4012345", "greenhouse:acme:4012345", []string{
			"https://boards.greenhouse.io/acme/jobs/4012345",
			"https://job-boards.greenhouse.io/acme/jobs/4012345?gh_src=abc",
			"https://job-boards.eu.greenhouse.io/acme/jobs/4012345",
			"https://boards.greenhouse.io/embed/job_app?for=acme&token=4012345",
		}},
		{domain.PlatformGreenhouse, "Acme", "4012345", "greenhouse:acme:4012345", []string{
			"https://boards.greenhouse.io/ACME/jobs/4012345#app",
		}},
		{domain.PlatformLever, "acme", "2F1C7A84-9A6C-4F4E-B7A5-8A7C1F1E2D3C", "lever:acme:2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c", []string{
			"https://jobs.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c",
			"https://jobs.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply?lever-source=LinkedIn",
			"https://jobs.eu.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c",
		}},
		{domain.PlatformAshby, "acme", "6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21", "ashby:acme:6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21", []string{
			"https://jobs.ashbyhq.com/acme/6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21",
			"https://jobs.ashbyhq.com/Acme/6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21/application?utm_source=hn",
		}},
		{domain.PlatformSmartRecruiters, "Acme", "744000137413079", "smartrecruiters:acme:744000137413079", []string{
			"https://jobs.smartrecruiters.com/Acme/744000137413079-data-ops-engineer",
			"https://jobs.smartrecruiters.com/acme/744000137413079",
			"https://careers.smartrecruiters.com/Acme/744000137413079-data-ops-engineer?trid=x",
			"https://www.smartrecruiters.com/Acme/744000137413079-data-ops-engineer",
		}},
		{domain.PlatformRecruitee, "acme", "senior-go-engineer", "recruitee:acme:senior-go-engineer", []string{
			"https://acme.recruitee.com/o/senior-go-engineer",
			"https://ACME.recruitee.com/o/senior-go-engineer/c/new",
			"https://acme.recruitee.com/o/Senior-Go-Engineer?source=linkedin",
		}},
		{domain.PlatformRecruitee, "acme", "développeur-go", "recruitee:acme:d%c3%a9veloppeur-go", []string{
			"https://acme.recruitee.com/o/d%C3%A9veloppeur-go",
			"https://acme.recruitee.com/o/développeur-go",
		}},
		{domain.PlatformWorkable, "acme", "5ea5dde797", "workable:5EA5DDE797", []string{
			"https://apply.workable.com/j/5EA5DDE797",
			"https://apply.workable.com/acme/j/5EA5DDE797/",
			"https://apply.workable.com/acme/j/5EA5DDE797/apply",
			"https://acme.workable.com/j/5EA5DDE797",
		}},
		{domain.PlatformPersonio, "acme", "1234567", "personio:acme:1234567", []string{
			"https://acme.jobs.personio.de/job/1234567",
			"https://acme.jobs.personio.de/job/1234567?language=en&display=en",
			"https://acme.jobs.personio.com/job/1234567#apply",
		}},
	}
	for _, c := range cases {
		key := domain.BoardPostingKey(c.platform, c.board, c.id)
		require.Equal(t, c.want, key, "%s %s %s", c.platform, c.board, c.id)
		for _, u := range c.urls {
			got, err := domain.CanonicalJobKey(u)
			require.NoError(t, err, u)
			require.Equal(t, key, got, u)
		}
	}
}

func TestBoardPostingKey_Distinct(t *testing.T) {
	t.Parallel()
	require.NotEqual(t, domain.BoardPostingKey(domain.PlatformPersonio, "acme", "1"), domain.BoardPostingKey(domain.PlatformPersonio, "other", "1"))
	require.NotEqual(t, domain.BoardPostingKey(domain.PlatformRecruitee, "acme", "a"), domain.BoardPostingKey(domain.PlatformPersonio, "acme", "a"))
	require.Empty(t, domain.BoardPostingKey("nope", "acme", "1"))
	require.Empty(t, domain.BoardPostingKey(domain.PlatformGreenhouse, "acme", " "))
	require.Empty(t, domain.BoardPostingKey(domain.PlatformGreenhouse, "", "1"))
	require.Equal(t, "workable:AB12", domain.BoardPostingKey(domain.PlatformWorkable, "", "ab12"))
}

// URLs of these platforms that are not a posting stay plain URL keys.
func TestCanonicalJobKey_NewPlatformsNonPostings(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"https://jobs.smartrecruiters.com/Acme",
		"https://jobs.smartrecruiters.com/oneclick-ui/company/Acme/publication/6a1b",
		"https://acme.recruitee.com/",
		"https://acme.recruitee.com/careers",
		"https://apply.workable.com/acme/",
		"https://acme.jobs.personio.de/",
		"https://acme.jobs.personio.de/search?q=go",
	} {
		got, err := domain.CanonicalJobKey(u)
		require.NoError(t, err)
		require.Regexp(t, `^url:`, got, u)
	}
}

func TestParseBoardURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw      string
		platform domain.Platform
		board    string
	}{
		{"https://boards.greenhouse.io/acme", domain.PlatformGreenhouse, "acme"},
		{"boards.greenhouse.io/acme", domain.PlatformGreenhouse, "acme"},
		{"https://job-boards.greenhouse.io/acme/", domain.PlatformGreenhouse, "acme"},
		{"https://job-boards.eu.greenhouse.io/acme", domain.PlatformGreenhouse, "acme"},
		{"https://boards.greenhouse.io/acme/jobs/4012345?gh_src=x", domain.PlatformGreenhouse, "acme"},
		{"https://boards.greenhouse.io/embed/job_board?for=acme", domain.PlatformGreenhouse, "acme"},
		{"https://boards-api.greenhouse.io/v1/boards/acme/jobs", domain.PlatformGreenhouse, "acme"},
		{"https://jobs.lever.co/acme", domain.PlatformLever, "acme"},
		{"jobs.eu.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply", domain.PlatformLever, "acme"},
		{"https://api.lever.co/v0/postings/acme?mode=json", domain.PlatformLever, "acme"},
		{"https://jobs.ashbyhq.com/acme", domain.PlatformAshby, "acme"},
		{"HTTPS://JOBS.ASHBYHQ.COM/Acme", domain.PlatformAshby, "Acme"},
		{"https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true", domain.PlatformAshby, "acme"},
		{"https://jobs.smartrecruiters.com/Acme", domain.PlatformSmartRecruiters, "Acme"},
		{"https://careers.smartrecruiters.com/Acme/engineering", domain.PlatformSmartRecruiters, "Acme"},
		{"https://api.smartrecruiters.com/v1/companies/Acme/postings", domain.PlatformSmartRecruiters, "Acme"},
		{"https://acme.recruitee.com", domain.PlatformRecruitee, "acme"},
		{"Acme.Recruitee.com/o/senior-go-engineer", domain.PlatformRecruitee, "acme"},
		{"https://apply.workable.com/acme", domain.PlatformWorkable, "acme"},
		{"https://apply.workable.com/acme/j/5EA5DDE797/", domain.PlatformWorkable, "acme"},
		{"https://apply.workable.com/api/v1/widget/accounts/acme?details=true", domain.PlatformWorkable, "acme"},
		{"https://acme.workable.com", domain.PlatformWorkable, "acme"},
		{"https://acme.jobs.personio.de", domain.PlatformPersonio, "acme"},
		{"https://acme.jobs.personio.com/job/123?language=en", domain.PlatformPersonio, "acme"},
		{"  https://acme.jobs.personio.de/xml  ", domain.PlatformPersonio, "acme"},
	}
	for _, c := range cases {
		p, board, err := domain.ParseBoardURL(c.raw)
		require.NoError(t, err, c.raw)
		require.Equal(t, c.platform, p, c.raw)
		require.Equal(t, c.board, board, c.raw)
	}
}

func TestParseBoardURL_Rejects(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"",
		"   ",
		"acme",
		"https://example.com/careers",
		"ftp://boards.greenhouse.io/acme",
		"https://boards.greenhouse.io/",
		"https://boards.greenhouse.io/embed/job_board",
		"https://jobs.lever.co",
		"https://www.recruitee.com",
		"https://app.recruitee.com/#/offers",
		"https://apply.workable.com/j/5EA5DDE797",
		"https://jobs.workable.com/search",
		"https://www.personio.de/",
		"https://jobs.ashbyhq.com/a%2Fb",
		"https://jobs.lever.co/has%20space",
		"https://acme_corp.recruitee.com",
		"javascript:alert(1)",
	} {
		_, _, err := domain.ParseBoardURL(raw)
		require.Error(t, err, raw)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), raw)
	}
	_, _, err := domain.ParseBoardURL("https://example.com/careers")
	require.Contains(t, domain.ErrorMessage(err), "https://jobs.lever.co/acme", "the error says what to send")
}

func TestCheckBoard(t *testing.T) {
	t.Parallel()
	require.NoError(t, domain.CheckBoard(domain.PlatformGreenhouse, "acme"))
	require.NoError(t, domain.CheckBoard(domain.PlatformAshby, "Acme.com"))
	require.NoError(t, domain.CheckBoard(domain.PlatformRecruitee, "acme-nl"))
	for _, c := range []struct {
		p     domain.Platform
		board string
	}{
		{domain.PlatformGreenhouse, ""},
		{domain.PlatformGreenhouse, ".."},
		{domain.PlatformGreenhouse, "a/b"},
		{domain.PlatformLever, "a?b"},
		{domain.PlatformLever, "a\tb"},
		{domain.PlatformAshby, string(make([]byte, 101))},
		{domain.PlatformRecruitee, "Acme"},
		{domain.PlatformPersonio, "evil.com#"},
		{domain.PlatformPersonio, "-acme"},
		{"nope", "acme"},
	} {
		err := domain.CheckBoard(c.p, c.board)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%s %q", c.p, c.board)
	}
}

// TestCheckBoard_EachPlatformsCharacters: a board name is ASCII letters,
// digits and its platform's own characters only — full-width look-alikes,
// other scripts, bidi controls, "@" and the like are refused everywhere.
func TestCheckBoard_EachPlatformsCharacters(t *testing.T) {
	t.Parallel()
	for _, ok := range []struct {
		p     domain.Platform
		board string
	}{
		{domain.PlatformGreenhouse, "acme_corp-2"},
		{domain.PlatformLever, "acme.io"},
		{domain.PlatformAshby, "Acme.com"},
		{domain.PlatformSmartRecruiters, "BoschGroup"},
		{domain.PlatformWorkable, "acme-labs"},
	} {
		require.NoError(t, domain.CheckBoard(ok.p, ok.board), "%s %q", ok.p, ok.board)
	}
	for _, p := range domain.Platforms {
		for _, board := range []string{"\uff41cme", "ac\u202eme", "acme@evil", "@", "аcme" /* Cyrillic а */, "acme\u200b", "acme/jobs", ".", "..", "...", "a b", "acmé"} {
			err := domain.CheckBoard(p, board)
			require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "%s %q", p, board)
		}
	}
	for _, bad := range []struct {
		p     domain.Platform
		board string
	}{
		{domain.PlatformGreenhouse, "acme.com"},
		{domain.PlatformWorkable, "acme_labs"},
		{domain.PlatformWorkable, "acme.labs"},
	} {
		require.Equal(t, domain.EINVALID, domain.ErrorCode(domain.CheckBoard(bad.p, bad.board)), "%s %q", bad.p, bad.board)
	}
	_, _, err := domain.ParseBoardURL("https://jobs.lever.co/\uff41cme")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "a pasted look-alike is refused too")
}

// TestCheckPostingID: a posting id a board reports must not reach a
// request path as a path of its own.
func TestCheckPostingID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"4012345", "2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c", "développeur-go", "5EA5DDE797", "v1.2"} {
		require.NoError(t, domain.CheckPostingID(id), id)
	}
	for _, id := range []string{"", ".", "..", "../admin", "a/b", `a\b`, "a?b", "a#b", "a%2Fb", "a b", "a\tb", "a\u202eb", "a\x00b", string(make([]byte, 201))} {
		require.Equal(t, domain.EINVALID, domain.ErrorCode(domain.CheckPostingID(id)), "%q", id)
	}
}

func TestBoardUnavailableError(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	err := error(&domain.BoardUnavailableError{Platform: domain.PlatformLever, Status: 429, RetryAfter: 30 * time.Second, Err: cause})
	require.ErrorIs(t, err, domain.ErrBoardUnavailable)
	require.ErrorIs(t, err, cause)
	require.NotErrorIs(t, err, domain.ErrBoardNotFound)
	var ue *domain.BoardUnavailableError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, 30*time.Second, ue.RetryAfter)
	require.Equal(t, "lever: job board unavailable (HTTP 429), retry after 30s: connection reset", err.Error())
}

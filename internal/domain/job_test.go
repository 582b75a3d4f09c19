package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestCanonicalJobKey_SameJob(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{
			"https://example.com/careers/123",
			"HTTPS://Example.COM/careers/123/",
			"https://www.example.com/careers/123#apply",
			"https://example.com:443/careers/123?utm_source=x&utm_medium=y&gclid=abc",
			"http://example.com/careers/123?fbclid=1",
		},
		{
			"https://boards.greenhouse.io/acme/jobs/4012345",
			"https://job-boards.greenhouse.io/acme/jobs/4012345?gh_src=abc",
			"https://boards.greenhouse.io/embed/job_app?for=acme&token=4012345",
			"https://boards.greenhouse.io/ACME/jobs/4012345#app",
		},
		{
			"https://jobs.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c",
			"https://jobs.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply?lever-source=LinkedIn",
		},
		{
			"https://jobs.ashbyhq.com/acme/6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21",
			"https://jobs.ashbyhq.com/acme/6d0e8f6e-1111-4b7e-9a8a-4f7a0f6b5c21/application?utm_source=hn",
		},
		{
			"https://example.com/jobs?id=7&team=core",
			"https://example.com/jobs?team=core&id=7&utm_campaign=z",
		},
	}
	seen := map[string]int{}
	for gi, g := range groups {
		want, err := domain.CanonicalJobKey(g[0])
		require.NoError(t, err)
		for _, u := range g[1:] {
			got, err := domain.CanonicalJobKey(u)
			require.NoError(t, err)
			require.Equal(t, want, got, u)
		}
		_, dup := seen[want]
		require.False(t, dup, "groups %d and %d share key %s", seen[want], gi, want)
		seen[want] = gi
	}
	require.Equal(t, "greenhouse:acme:4012345", mustKey(t, groups[1][0]))
}

func TestCanonicalJobKey_DifferentJobs(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{"https://example.com/careers/123", "https://example.com/careers/124"},
		{"https://example.com/jobs?id=7", "https://example.com/jobs?id=8"},
		{"https://example.com/a", "https://example.org/a"},
		{"https://boards.greenhouse.io/acme/jobs/1", "https://boards.greenhouse.io/other/jobs/1"},
		{"https://example.com:8080/a", "https://example.com/a"},
	}
	for _, p := range pairs {
		require.NotEqual(t, mustKey(t, p[0]), mustKey(t, p[1]), p)
	}
}

func TestCanonicalJobKey_Rejects(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "not a url", "ftp://example.com/x", "mailto:a@b.c", "https:///nohost", "javascript:alert(1)"} {
		_, err := domain.CanonicalJobKey(u)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), u)
	}
}

func TestJobInput_Normalize(t *testing.T) {
	t.Parallel()
	in := domain.JobInput{Source: "Indeed", ExternalID: "abc"}
	key, err := in.Normalize()
	require.NoError(t, err)
	require.Equal(t, "source:indeed:abc", key)

	empty := domain.JobInput{Title: "x"}
	_, err = empty.Normalize()
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Contains(t, domain.ErrorDetails(err)["fields"], "url")

	gh := domain.JobInput{URL: "https://boards.greenhouse.io/acme/jobs/1"}
	_, err = gh.Normalize()
	require.NoError(t, err)
	require.Equal(t, "greenhouse", gh.Source)
}

func mustKey(t *testing.T, u string) string {
	t.Helper()
	k, err := domain.CanonicalJobKey(u)
	require.NoError(t, err)
	return k
}

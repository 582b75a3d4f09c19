package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier/browser/replica"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/proctest"
)

// TestProbe_ReadsPrintsAndNeverSubmits: `applyq-worker probe` reads a
// posting's form, prints what it would fill from the profile, what it
// would ask and what would stop it, saves a screenshot — and the platform
// receives nothing.
func TestProbe_ReadsPrintsAndNeverSubmits(t *testing.T) {
	chromium := proctest.Chromium(t)
	t.Parallel()
	id := "5f6e7d8c-1111-4222-8333-944455566677"
	j := replica.Job{Board: "acme", ID: id, Questions: []replica.Question{
		{ID: "7c3f0a51-0000-4000-8000-000000000001", Label: "Why Acme?", Kind: replica.KindText, Required: true},
		{ID: "7c3f0a51-0000-4000-8000-000000000002", Label: "Are you legally authorized to work in the UK?", Kind: replica.KindBoolean, Required: true},
	}}
	srv := replica.New(domain.PlatformLever, j, replica.Variant{})
	t.Cleanup(srv.Close)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := probeCmd([]string{"--chromium", chromium, "--base-url", "lever=" + srv.URL(), "--out", out, "--resume", "/home/ada/ada-cv.pdf",
		"https://jobs.lever.co/acme/" + id}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	text := stdout.String()
	require.Contains(t, text, "lever acme/"+id)
	require.Regexp(t, `would fill\s+Full name\s+Ada Lovelace \(profile\)`, text)
	require.Regexp(t, `would fill\s+Resume/CV\s+ada-cv.pdf \(document\)`, text)
	require.Regexp(t, `would ask\s+Why Acme\?\s+text, general: no answer yet`, text)
	require.Regexp(t, `would ask\s+Are you legally authorized to work in the UK\?\s+boolean, work_authorization`, text)
	require.Regexp(t, `leave blank\s+Other website`, text)
	require.NotContains(t, text, "WOULD STOP")
	shots, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, shots, 1, "a screenshot")
	require.Empty(t, srv.Submissions(), "a probe never submits")

	// A posed challenge stops it before anything is typed; --json.
	posed := replica.New(domain.PlatformLever, j, replica.Variant{Captcha: true})
	t.Cleanup(posed.Close)
	stdout.Reset()
	code = probeCmd([]string{"--chromium", chromium, "--base-url", "lever=" + posed.URL(), "--out", out, "--json", "https://jobs.lever.co/acme/" + id}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var r map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
	require.Contains(t, r["stopped"], "CAPTCHA")
	require.Empty(t, posed.Submissions())
}

// TestProbe_RefusesWhatItCannotOpen: an address that is not a Greenhouse,
// Lever or Ashby posting is refused before any browser starts.
func TestProbe_RefusesWhatItCannotOpen(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"https://www.linkedin.com/jobs/view/123", "https://jobs.lever.co/acme", "https://acme.recruitee.com/o/engineer"} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, probeCmd([]string{"--chromium", "/nonexistent", raw}, &stdout, &stderr), raw)
		require.True(t, strings.HasPrefix(stderr.String(), "probe: "+raw+": "), stderr.String())
	}
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProgress: a line per package as it ends, what still runs, the whole
// output of a package that failed (and none of one that passed), and a
// summary that fails the run.
func TestProgress(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	t0 := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	p := newProgress(&out, t0)
	for i, l := range []string{
		`{"Action":"start","Package":"x/internal/a"}`,
		`{"Action":"start","Package":"x/internal/b"}`,
		`{"Action":"output","Package":"x/internal/a","Output":"noise of a passing test\n"}`,
		`{"Action":"pass","Package":"x/internal/a","Elapsed":1.5}`,
		`{"Action":"output","Package":"x/internal/b","Test":"TestB","Output":"    b_test.go:9: want 1, got 2\n"}`,
		`{"Action":"fail","Package":"x/internal/b","Test":"TestB","Elapsed":0.1}`,
	} {
		p.line([]byte(l), t0.Add(time.Duration(i)*time.Second))
	}
	p.still(t0.Add(40 * time.Second))
	p.line([]byte(`{"Action":"fail","Package":"x/internal/b","Elapsed":41}`), t0.Add(41*time.Second))
	p.line([]byte(`no test files, a line of go itself`), t0.Add(42*time.Second))
	require.False(t, p.summary(t0.Add(43*time.Second)))
	text := out.String()
	require.Contains(t, text, "[00:03] ok    x/internal/a (1.5s)")
	require.NotContains(t, text, "noise of a passing test")
	require.Contains(t, text, "[00:40] still running: internal/b (39s)")
	require.Contains(t, text, "[00:41] FAIL  x/internal/b (41s):\n    b_test.go:9: want 1, got 2\n")
	require.Contains(t, text, "no test files, a line of go itself")
	require.Contains(t, text, "make test: FAILED in 43s: x/internal/b (1 passed)")

	out.Reset()
	ok := newProgress(&out, t0)
	ok.line([]byte(`{"Action":"pass","Package":"x/internal/a","Elapsed":1}`), t0.Add(time.Minute))
	require.True(t, ok.summary(t0.Add(time.Minute)))
	require.Contains(t, out.String(), "make test: 1 packages passed in 1m0s")
}

// Package scripts_test checks the repository's shell scripts that make
// lint runs.
package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// repo makes a git repository in a temporary directory with files of the
// given sizes staged.
func repo(t *testing.T, sizes map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	git("init", "-q")
	for name, n := range sizes {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
		require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("x"), n), 0o600))
	}
	git("add", "-A")
	return dir
}

func checkLargeFiles(t *testing.T, dir string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("check-large-files.sh")
	require.NoError(t, err)
	cmd := exec.Command(script) // #nosec G204 -- the repository's own script
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCheckLargeFiles: make lint fails on a tracked file over 1 MiB, naming
// it and its size; exactly 1 MiB, and files not tracked, pass.
func TestCheckLargeFiles(t *testing.T) {
	t.Parallel()
	dir := repo(t, map[string]int{"README.md": 100, "docs/at-limit.bin": 1 << 20})
	out, err := checkLargeFiles(t, dir)
	require.NoError(t, err, out)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "untracked.bin"), bytes.Repeat([]byte("x"), 2<<20), 0o600))
	out, err = checkLargeFiles(t, dir)
	require.NoError(t, err, "an untracked file is not the repository's: %s", out)

	dir = repo(t, map[string]int{"README.md": 100, "bin/applyq worker": 1<<20 + 1})
	out, err = checkLargeFiles(t, dir)
	require.Error(t, err)
	require.Contains(t, out, "bin/applyq worker (1048577 bytes)")
}

// TestCheckLargeFiles_ThisRepository: the repository itself passes.
func TestCheckLargeFiles_ThisRepository(t *testing.T) {
	t.Parallel()
	out, err := checkLargeFiles(t, ".")
	require.NoError(t, err, out)
}

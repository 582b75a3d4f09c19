package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunAll_OneDaemonExitingStopsTheOthers: `make run` runs api, worker
// and sweeper together; when one exits on its own (here the worker refuses
// a setting), the others are stopped and the run ends loudly, naming it,
// with its status — never an API serving an app nobody processes.
func TestRunAll_OneDaemonExitingStopsTheOthers(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	script, err := os.ReadFile("run-all.sh")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "scripts"), 0o750))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(root, "scripts", "run-all.sh"), script, 0o700)) // #nosec G306 -- a script the test runs
	fake := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(root, "bin", "applyq-"+name), []byte("#!/usr/bin/env bash\n"+body+"\n"), 0o700)) // #nosec G306 -- a fake daemon
	}
	fake("migrate", "echo migrated")
	serve := `trap 'echo "$0 stopped" >> "$(dirname "$0")/stopped"; exit 0' TERM; echo serving; while true; do sleep 0.05; done`
	fake("api", serve)
	fake("sweeper", serve)
	fake("worker", "sleep 0.3; echo 'invalid configuration: worker.concurrency must be between 1 and 10000' >&2; exit 3")

	cmd := exec.Command("bash", filepath.Join(root, "scripts", "run-all.sh")) // #nosec G204 -- the copied script
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("make run kept running after the worker exited")
	}
	text := string(out)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, text)
	require.Equal(t, 3, exit.ExitCode(), "the run ends with the daemon's status")
	require.Contains(t, text, "worker  | invalid configuration: worker.concurrency")
	require.Contains(t, text, "run-all: worker EXITED (status 3): stopping the others.")
	stopped, err := os.ReadFile(filepath.Join(root, "bin", "stopped"))
	require.NoError(t, err, text)
	require.Contains(t, string(stopped), "applyq-api stopped", "no daemon left running")
	require.Contains(t, string(stopped), "applyq-sweeper stopped", "no daemon left running")
}

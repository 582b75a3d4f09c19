package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// argsEnv makes this test binary run main with the arguments it holds, so a
// test sees the real exit code and output of applyq-migrate.
const argsEnv = "APPLYQ_MIGRATE_TEST_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(argsEnv); ok {
		os.Args = append([]string{"applyq-migrate"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestHelp_ListsCommandsAndExitsZero(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-h"} {
		cmd := exec.Command(os.Args[0])
		// No database: --help must answer without one.
		cmd.Env = append(os.Environ(), argsEnv+"="+arg, "APPLYQ_DATABASE_URL=postgres://nobody@127.0.0.1:1/none?sslmode=disable")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s exits 0: %s", arg, out)
		for _, want := range []string{"up", "down", "down-all", "status", "--database.url", "--approval.ttl"} {
			require.Contains(t, string(out), want, arg)
		}
		require.Contains(t, string(out), "Usage: applyq-migrate [flags] [up|down|down-all|status]")
	}
}

// Command migrate applies, rolls back or shows applyq's schema: River's tables
// (through rivermigrate) and applyq's numbered migrations, in that order.
//
//	applyq-migrate up        apply everything pending
//	applyq-migrate down      roll back the latest applyq migration
//	applyq-migrate down-all  roll back every applyq migration, then River's
//	applyq-migrate status    show applied and known versions
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/postgres"
)

// commands is the usage's list of commands, kept beside the switch in run.
const commands = `Commands:
  up        apply everything pending: River's tables, then applyq's migrations (the default)
  down      roll back the latest applyq migration
  down-all  roll back every applyq migration, then River's
  status    show applied and known versions
`

func main() {
	app.Main(app.Daemon{Process: "migrate", Usage: usage, NoSchemaCheck: true, Run: run})
}

func usage(fs *pflag.FlagSet) {
	fmt.Fprintf(fs.Output(), "Usage: applyq-migrate [flags] [up|down|down-all|status]\n\n%s\nFlags (every setting; see docs/configuration.md):\n%s", commands, fs.FlagUsages())
}

// run runs the command (up by default) and prints the schema's versions.
func run(ctx context.Context, a *app.App) error {
	cmd := "up"
	if len(a.Args) > 0 {
		cmd = a.Args[0]
	}
	var err error
	switch cmd {
	case "up":
		err = postgres.MigrateUp(ctx, a.Pool)
	case "down":
		err = postgres.MigrateDown(ctx, a.Pool, false)
	case "down-all":
		err = postgres.MigrateDown(ctx, a.Pool, true)
	case "status":
	default:
		return errors.New("unknown command " + cmd + ": use up, down, down-all or status")
	}
	if err != nil {
		return err
	}
	st, err := postgres.Status(ctx, a.Pool)
	if err != nil {
		return err
	}
	fmt.Printf("applyq schema: version %d of %d\nriver schema:  version %d of %d\n", st.AppVersion, st.AppLatest, st.RiverVersion, st.RiverLatest)
	for _, p := range st.PendingAppFiles {
		fmt.Printf("pending: %s\n", p)
	}
	return nil
}

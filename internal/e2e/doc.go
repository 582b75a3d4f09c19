// Package e2e holds tests that run applyq's real binaries (api, worker,
// sweeper, migrate) against a real Postgres database, as an operator would.
package e2e

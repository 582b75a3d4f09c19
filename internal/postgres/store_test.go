package postgres_test

import (
	"testing"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

type bundle struct {
	db   *postgres.DB
	user *domain.User
	run  *domain.Run
}

// setup gives a test a fresh database with one user and one run.
func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.MustDB(t)
	user := pgtest.MustUser(t, db, pgtest.UserOpts{})
	return &bundle{db: db, user: user, run: pgtest.MustRun(t, db, user, pgtest.RunOpts{})}
}

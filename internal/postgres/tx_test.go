package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestTransactor_RetriesTransientFailuresOnce: the services' one
// transaction helper runs fn in a transaction with the store inside it,
// commits, runs fn again after a serialization failure (logging the
// retry), rolls back on any other error, and Once never retries.
func TestTransactor_RetriesTransientFailuresOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.MustDB(t)
	ctx := context.Background()
	core, logs := observer.New(zap.InfoLevel)
	x := postgres.NewTransactor(db.Pool, zap.New(core))
	_, err := db.Pool.Exec(ctx, `CREATE TABLE tx_probe (n int)`)
	require.NoError(t, err)
	serialization := &pgconn.PgError{Code: "40001", Message: "could not serialize access"}

	runs := 0
	require.NoError(t, x.InTx(ctx, func(st *postgres.Store) error {
		runs++
		require.NotNil(t, st.Tx(), "the store runs inside the transaction")
		if _, err := st.Tx().Exec(ctx, `INSERT INTO tx_probe VALUES ($1)`, runs); err != nil {
			return err
		}
		if runs == 1 {
			return serialization
		}
		return nil
	}))
	require.Equal(t, 2, runs)
	require.Equal(t, 1, pgtest.MustCount(t, db, `SELECT count(*) FROM tx_probe`), "the failed attempt rolled back")
	require.Equal(t, 2, pgtest.MustCount(t, db, `SELECT n FROM tx_probe`))
	require.Equal(t, 1, logs.FilterMessage("transaction retried after a transient failure").Len())

	runs = 0
	err = x.Once(ctx, func(st *postgres.Store) error {
		runs++
		return serialization
	})
	require.ErrorIs(t, err, serialization)
	require.Equal(t, 1, runs, "Once is never retried")
}

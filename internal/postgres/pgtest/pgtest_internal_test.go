package pgtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedact_HidesEveryPassword(t *testing.T) {
	for _, u := range []string{
		"postgres://app:s3cret@db:5432/postgres",
		"postgres://app@db:5432/postgres?sslmode=require&password=s3cret",
		"host=db user=app password=s3cret dbname=postgres",
	} {
		require.NotContains(t, redact(u), "s3cret", u)
	}
}

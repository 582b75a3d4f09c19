#!/usr/bin/env bash
# Runs a command with APPLYQ_DATABASE_URL set: when it is not set already, the
# "applyq" database on APPLYQ_PG_SERVER_URL (see with-postgres.sh), created if
# missing.
set -euo pipefail
if [ -z "${APPLYQ_DATABASE_URL:-}" ]; then
	server="${APPLYQ_PG_SERVER_URL:?run through scripts/with-postgres.sh}"
	if ! psql "$server" -XAtqc "SELECT 1 FROM pg_database WHERE datname = 'applyq'" | grep -q 1; then
		echo "with-app-db: creating database applyq" >&2
		psql "$server" -Xqc "CREATE DATABASE applyq" >/dev/null
	fi
	export APPLYQ_DATABASE_URL="${server/\/postgres\?/\/applyq?}"
fi
exec "$@"

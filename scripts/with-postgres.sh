#!/usr/bin/env bash
# Runs a command with a reachable PostgreSQL server, exported as
#   APPLYQ_PG_SERVER_URL      (a URL to the server's "postgres" database)
#   APPLYQ_TEST_DATABASE_URL  (defaults to APPLYQ_PG_SERVER_URL)
#
# Which server, in order:
#   1. APPLYQ_PG_SERVER_URL, when set.
#   2. The machine's own server on 127.0.0.1:5432 (user postgres, no password).
#   3. A project-local cluster in .pgdata/ (port 54329), created with the
#      machine's initdb and started with pg_ctl. It keeps running after the
#      command; `make db-stop` stops it.
# With none of these, it says how to install PostgreSQL and exits 1.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
local_port="${APPLYQ_LOCAL_PG_PORT:-54329}"
pgdata="$root/.pgdata"

log() { echo "with-postgres: $*" >&2; }

can_connect() {
	local url="$1"
	if command -v psql >/dev/null 2>&1; then
		psql "$url" -XAtqc 'SELECT 1' >/dev/null 2>&1
	elif command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -d "$url" >/dev/null 2>&1
	else
		# No client tools: try the TCP port.
		(exec 3<>"/dev/tcp/127.0.0.1/${url##*:}") 2>/dev/null
	fi
}

find_pg_bin() {
	local name="$1"
	if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
	local cand
	for cand in /usr/lib/postgresql/*/bin/"$name" /usr/local/opt/postgresql*/bin/"$name" /opt/homebrew/opt/postgresql*/bin/"$name" /usr/pgsql-*/bin/"$name"; do
		[ -x "$cand" ] && { echo "$cand"; return; }
	done
	return 1
}

as_pg_owner() {
	# initdb and postgres refuse to run as root: use the postgres account.
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_local_cluster() {
	local initdb pg_ctl
	if ! initdb="$(find_pg_bin initdb)" || ! pg_ctl="$(find_pg_bin pg_ctl)"; then
		cat >&2 <<'MSG'
with-postgres: no PostgreSQL server is reachable and PostgreSQL is not installed.
  Install it, then run the command again:
    Debian/Ubuntu:  sudo apt-get install postgresql
    Fedora:         sudo dnf install postgresql-server
    macOS:          brew install postgresql@16
  Or point applyq at a server you already have:
    export APPLYQ_PG_SERVER_URL=postgres://USER:PASSWORD@HOST:5432/postgres
MSG
		exit 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		log "running as root and there is no 'postgres' user to own the cluster: create one (useradd -r postgres) or run as a normal user"
		exit 1
	fi
	mkdir -p "$pgdata/run"
	[ "$(id -u)" = 0 ] && chown -R postgres "$pgdata"
	if [ ! -f "$pgdata/data/PG_VERSION" ]; then
		log "creating a project-local PostgreSQL cluster in .pgdata/ (port $local_port)"
		as_pg_owner "$initdb" -D "$pgdata/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$pgdata/initdb.log" 2>&1 \
			|| { cat "$pgdata/initdb.log" >&2; exit 1; }
	fi
	if ! as_pg_owner "$pg_ctl" -D "$pgdata/data" status >/dev/null 2>&1; then
		log "starting the project-local cluster (logs: .pgdata/postgres.log)"
		as_pg_owner "$pg_ctl" -D "$pgdata/data" -l "$pgdata/postgres.log" -w -t 60 \
			-o "-p $local_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pgdata/run' -c max_connections=300 -c fsync=on" start >&2
	fi
}

if [ -z "${APPLYQ_PG_SERVER_URL:-}" ]; then
	machine="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	project="postgres://postgres@127.0.0.1:${local_port}/postgres?sslmode=disable"
	if can_connect "$machine"; then
		APPLYQ_PG_SERVER_URL="$machine"
	elif can_connect "$project"; then
		APPLYQ_PG_SERVER_URL="$project"
	else
		start_local_cluster
		APPLYQ_PG_SERVER_URL="$project"
		can_connect "$APPLYQ_PG_SERVER_URL" || { log "the project-local cluster did not come up: see .pgdata/postgres.log"; exit 1; }
	fi
fi
export APPLYQ_PG_SERVER_URL
export APPLYQ_TEST_DATABASE_URL="${APPLYQ_TEST_DATABASE_URL:-$APPLYQ_PG_SERVER_URL}"
exec "$@"

#!/usr/bin/env bash
# `make run`: migrates the database, then runs
# api, worker and sweeper together with prefixed logs until Ctrl-C, which
# stops all three gracefully. Expects APPLYQ_DATABASE_URL (scripts/with-app-db.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./bin/applyq-migrate up

pids=()
stop_all() {
	trap - INT TERM
	echo "run-all: stopping api, worker and sweeper" >&2
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	wait
	exit 0
}
trap stop_all INT TERM

start() {
	local name="$1"; shift
	# Line-buffered prefixes: "api     | …".
	( "$@" 2>&1 | (trap '' INT TERM; exec sed -u "s/^/$(printf '%-8s' "$name")| /") ) &
	pids+=($!)
}
start api ./bin/applyq-api
start worker ./bin/applyq-worker
start sweeper ./bin/applyq-sweeper
echo "run-all: api on ${APPLYQ_HTTP_ADDR:-127.0.0.1:8080}; Ctrl-C stops everything" >&2
wait

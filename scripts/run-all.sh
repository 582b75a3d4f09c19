#!/usr/bin/env bash
# `make run`: migrates the database, then runs api, worker and sweeper
# together with prefixed logs until Ctrl-C, which stops all three
# gracefully. When one of them exits on its own (a setting it refuses, a
# crash), the others are stopped too, loudly: an API serving an app that no
# worker processes would only mislead. Expects APPLYQ_DATABASE_URL
# (scripts/with-app-db.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./bin/applyq-migrate up

declare -A names=()
pids=()
stopping=0
stop_all() {
	stopping=1
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	wait || true
}
on_signal() {
	trap - INT TERM
	echo "run-all: stopping api, worker and sweeper" >&2
	stop_all
	exit 0
}
trap on_signal INT TERM

start() {
	local name="$1"; shift
	# Line-buffered prefixes: "api     | …". $! is the daemon itself (its
	# output goes through a process substitution, not a pipeline), so a
	# signal reaches it and wait -n below sees its status.
	"$@" > >(trap '' INT TERM; exec sed -u "s/^/$(printf '%-8s' "$name")| /") 2>&1 &
	pids+=($!)
	names[$!]="$name"
}
start api ./bin/applyq-api
start worker ./bin/applyq-worker
start sweeper ./bin/applyq-sweeper
addr="${APPLYQ_HTTP_ADDR:-127.0.0.1:8080}"
cat >&2 <<EOF
run-all: open http://${addr}  — sign in with any address; the sign-in link is printed below
         (development sends no mail). Ctrl-C stops everything.
EOF

# The first daemon to exit ends the run (wait -n: bash 4.3 or later).
set +e
wait -n
status=$?
set -e
if [ "$stopping" = 0 ]; then
	name="a daemon"
	for pid in "${pids[@]}"; do
		if ! kill -0 "$pid" 2>/dev/null; then name="${names[$pid]}"; break; fi
	done
	{
		echo
		echo "run-all: ================================================================"
		echo "run-all: $name EXITED (status $status): stopping the others."
		echo "run-all: its last lines above say why (a setting it refused, say);"
		echo "run-all: fix it and run make run again."
		echo "run-all: ================================================================"
	} >&2
	stop_all
	if [ "$status" = 0 ]; then status=1; fi
	exit "$status"
fi

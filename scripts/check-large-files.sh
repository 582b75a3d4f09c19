#!/usr/bin/env bash
# Fails when a tracked file (as staged in the index) is larger than the
# limit (default 1 MiB = 1048576 bytes), naming each: binaries, dumps and
# archives do not belong in the repository. History is not checked (two
# binaries of 19–31 MB were committed once and stay in it: rewriting
# published history costs more than it saves).
#   scripts/check-large-files.sh [limit-in-bytes]
set -euo pipefail
limit="${1:-1048576}"
cd "$(git rev-parse --show-toplevel)"

# mode object stage<TAB>path, NUL-terminated; submodules (160000) have no blob.
big="$(git ls-files -s -z |
	awk 'BEGIN { RS = "\0" } { tab = index($0, "\t"); split(substr($0, 1, tab - 1), m, " "); if (m[1] != "160000") print m[2], substr($0, tab + 1) }' |
	git cat-file --batch-check='%(objectsize) %(rest)' |
	awk -v limit="$limit" '$1 > limit')"
if [ -n "$big" ]; then
	echo "tracked files over $limit bytes (keep binaries, dumps and archives out of the repository):" >&2
	echo "$big" | awk '{ size = $1; $1 = ""; printf "  %s (%d bytes)\n", substr($0, 2), size }' >&2
	exit 1
fi

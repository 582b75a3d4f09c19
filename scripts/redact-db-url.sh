#!/usr/bin/env bash
# Prints each argument, a Postgres URL or key=value connection string, with
# its passwords (user info, ?password= / ?sslpassword=, password=…) replaced
# by REDACTED (and the value of any percent-encoded query key, which could
# spell password): for messages that say which server is used. Mirrors
# config.RedactDatabaseURL, whose test runs this script too.
set -euo pipefail
for s in "$@"; do
	printf '%s\n' "$s" | sed -E \
		-e 's~^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#@:]*):[^/?#]*@~\1:REDACTED@~' \
		-e 's~([?&](ssl)?password=)[^&#]*~\1REDACTED~g' \
		-e 's~([?&][^=&#]*%[^=&#]*=)[^&#]*~\1REDACTED~g' \
		-e "s~(^|[[:space:]])((ssl)?password[[:space:]]*=[[:space:]]*)('([^'\\\\]|\\\\.)*'|[^[:space:]]*)~\\1\\2REDACTED~g"
done

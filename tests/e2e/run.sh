#!/usr/bin/env bash
# tests/e2e/run.sh BINARY: every end-to-end driver in turn (lighttpd,
# Apache, nginx, the browser); each prints its own closing line.  Exits 1
# when any driver failed.
set -u
here=$(dirname "$0")
rc=0
for driver in lighttpd apache nginx browser; do
	[ -x "$here/$driver.sh" ] || continue
	"$here/$driver.sh" "$1" || rc=1
done
exit $rc

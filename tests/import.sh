#!/bin/bash
# tests/import.sh: the importer tests, tests/import/*.sh, each a script that
# imports its sources with the built binary (argument 1) and judges the
# rule file it wrote (tests/import/lib.sh).  Fails when any one fails.
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export IMP_BIN=$BIN
rc=0
for t in "$(dirname "$0")"/import/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	bash "$t" || rc=1
done
exit $rc

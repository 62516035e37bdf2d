#!/usr/bin/env bash
# tests/bench/stats.sh BENCH-STATS: callgrind's count of the instructions
# that counting an answer costs (tests/bench/stats.c), per count of a rule
# hit, a map entry hit and a miss; the budget is 100 a request.
# Prints one line per kind and "bench-stats: ok" or "bench-stats: FAIL"
# (exit 1) when one is over the budget.  Needs valgrind.
set -u
BUDGET=100
N=1000		# BENCH_STATS_N of tests/bench/stats.c
bin=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-bench-stats.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
"$bin" "$dir" || exit 1
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
    --toggle-collect=count_hit --toggle-collect=count_entry \
    --toggle-collect=count_miss --toggle-collect=count_miss_unhashed \
    "$bin" "$dir" >/dev/null 2>&1 || exit 1
rc=0
# count_miss_unhashed (the path hashed by stats.c: a rule set without exact
# path rules) is reported, not held to the budget: its hash grows with the
# path, some 3 instructions a byte.
for f in count_hit count_entry count_miss count_miss_unhashed; do
	ir=$(callgrind_annotate --inclusive=yes "$dir/cg.out" 2>/dev/null |
	    awk -v f="$f" '$0 ~ ":"f" " { gsub(",", "", $1); print $1; exit }')
	if [ -z "$ir" ]; then
		echo "bench-stats: FAIL no count for $f"
		rc=1
		continue
	fi
	per=$(( (ir + N / 2) / N ))
	echo "bench-stats: $f: $per instructions a count"
	[ "$f" = count_miss_unhashed ] || [ "$per" -le "$BUDGET" ] || rc=1
done
[ $rc -eq 0 ] && echo "bench-stats: ok (at most $BUDGET)" ||
    echo "bench-stats: FAIL over $BUDGET instructions"
exit $rc

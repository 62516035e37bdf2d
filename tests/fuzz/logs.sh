#!/bin/sh
# tests/fuzz/logs.sh asan|memcheck DIR: judge the reports that the wrapped
# binaries of `make test` left in DIR (tests/cgi.sh and tests/fastcgi.sh run
# the binary under `env -i` and judge only its answer, so sanitizer and
# valgrind reports go to files there; see the Makefile).
#
#   asan      ASan, LSan and UBSan write a file only when they report:
#             any file in DIR is a failure.
#   memcheck  valgrind writes one log per process: each must end with
#             "ERROR SUMMARY: 0 errors" (leaks count as errors, see
#             VALGRIND_FLAGS), and there must be at least one.
#
# Prints the reports that failed and one summary line; exit 1 on failure.

set -u
kind=${1:-}
dir=${2:-}
[ -d "$dir" ] || { echo "usage: $0 asan|memcheck DIR" >&2; exit 2; }

total=0
bad=0
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	total=$((total + 1))
	case $kind in
	asan) ok=1 ;;	# a report
	memcheck) grep -q 'ERROR SUMMARY: 0 errors' "$f"; ok=$? ;;
	*) echo "$0: unknown kind '$kind'" >&2; exit 2 ;;
	esac
	if [ "$ok" -ne 0 ]; then
		bad=$((bad + 1))
		if [ "$bad" -le 3 ]; then
			echo "$kind: report $f:"
			sed -n '1,60p' "$f"
		fi
	fi
done

case $kind in
asan)
	echo "asan-logs: $bad reports in $dir"
	[ "$bad" -eq 0 ]
	;;
memcheck)
	echo "memcheck-logs: $((total - bad)) processes clean, $bad with errors or leaks"
	[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
	;;
esac

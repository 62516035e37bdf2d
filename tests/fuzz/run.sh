#!/bin/sh
# tests/fuzz/run.sh: run the libFuzzer harnesses built by the Makefile.
#
#   tests/fuzz/run.sh fuzz  DIR SECONDS NAME...   fuzz each harness
#   tests/fuzz/run.sh seeds DIR NAME...           run each committed seed once
#
# DIR is the build directory holding DIR/fuzz_NAME.  The committed corpus
# tests/fuzz/corpus/NAME/ is never written: `fuzz` copies it into
# DIR/corpus/NAME/ (which keeps what earlier runs found) and fuzzes that
# for SECONDS (-max_total_time), with the dictionary tests/fuzz/NAME.dict;
# an input that takes over 10 seconds counts as a hang (-timeout=10).
# libFuzzer's output goes to DIR/NAME.log; a crash, leak, timeout or
# sanitizer report is saved as DIR/artifacts/NAME-* and makes the run fail.
# `seeds` is the regression run of `make test`: every committed seed once.
#
# Ends with one line per harness; exit 1 if any failed.

set -u
cd "$(dirname "$0")/../.." || exit 2
FUZZ_DIR=tests/fuzz

mode=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 fuzz|seeds DIR [SECONDS] NAME..." >&2; exit 2; }
shift 2
if [ "$mode" = fuzz ]; then
	seconds=${1:-60}
	shift
fi

# Inputs longer than any limit of the code: a 16 KiB request URI (414), a
# 32 KiB rule-file line.
max_len() {
	case $1 in
	load) echo 40000 ;;
	*) echo 20000 ;;
	esac
}

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

status=0
for name in "$@"; do
	bin=$dir/fuzz_$name
	seeds=$FUZZ_DIR/corpus/$name
	log=$dir/$name.log
	case $mode in
	seeds)
		# Each seed file once; libFuzzer exits 0 only if none failed.
		n=$(find "$seeds" -type f | wc -l | tr -d ' ')
		if find "$seeds" -type f -exec "$bin" {} + >"$log" 2>&1; then
			echo "fuzz-seeds $name: $n passed, 0 failed"
		else
			echo "fuzz-seeds $name: FAIL (see $log):"
			grep -E 'ERROR|SUMMARY|fuzz:|Running:' "$log" | tail -n 20
			echo "fuzz-seeds $name: 0 passed, 1 failed"
			status=1
		fi
		;;
	fuzz)
		work=$dir/corpus/$name
		mkdir -p "$work" "$dir/artifacts"
		rm -f "$dir/artifacts/$name-"*
		cp "$seeds"/* "$work"/
		before=$(find "$work" -type f | wc -l | tr -d ' ')
		if "$bin" -max_total_time="$seconds" -max_len="$(max_len "$name")" \
		    -dict="$FUZZ_DIR/$name.dict" -timeout=10 -print_final_stats=1 \
		    -artifact_prefix="$dir/artifacts/$name-" \
		    "$work" >"$log" 2>&1; then
			runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
			after=$(find "$work" -type f | wc -l | tr -d ' ')
			echo "fuzz $name: ${runs:-?} runs in ${seconds}s, corpus $before -> $after inputs, no crash"
		else
			echo "fuzz $name: FAIL (full log: $log)"
			grep -E -A 30 '^==[0-9]+==ERROR|runtime error|^fuzz:|deadly signal|timeout' \
			    "$log" | head -n 60
			for a in "$dir/artifacts/$name-"*; do
				[ -e "$a" ] || continue
				echo "fuzz $name: reproducer $a; run: $bin $a"
			done
			status=1
		fi
		;;
	*)
		echo "$0: unknown mode '$mode'" >&2
		exit 2
		;;
	esac
done
exit $status

#!/usr/bin/env bash
# tests/ops.sh BINARY: operations tests of fcgi-redirect as a long-running
# FastCGI server: hot reload, signals, the standalone pre-forking mode and
# limits.  Loopback and Unix sockets only; every wait is bounded; every
# process started here is stopped by its PID on exit.
#
#   reload     (spawn-fcgi -n, so the PID is the binary's): a rule file
#              replaced by rename and one rewritten in place (same size) are
#              both picked up within a few seconds; an invalid file keeps
#              the old answers and its FILE:LINE error is logged exactly
#              once however many requests follow; a fixed file is picked up
#              again; SIGHUP makes a change visible within the same second
#              (and without it the file is not checked twice in a second),
#              also a SIGHUP that comes while an earlier change is loading;
#              a failed first load answers 503 until the file is fixed, a
#              missing file likewise, in the same process; a big map
#              written in place in pieces (first half, then the rest; and
#              in ten pieces) never yields a 503 or an error, and once the
#              file is whole its entries answer and keep answering.
#   settle     (FCGI_REDIRECT_SETTLE_MS is 200 in every other test, to keep
#              them short): with the default settle time, a 2,000-entry map
#              rewritten in place as a slow upload does it (20 pieces 0.25 s
#              apart, cut anywhere) while every key is asked: no 404 for an
#              existing key, no Location cut short, and the new map answers
#              once the file is complete; FCGI_REDIRECT_SETTLE_MS=2500 keeps
#              a change unread for 1.6 s, and SIGHUP reads it at once; bad
#              values of FCGI_REDIRECT_SETTLE_MS and --settle exit 2.
#   held       a file without a final newline: the first load takes it; a
#              change to one is not reloaded (for 2 s) and is logged once;
#              SIGHUP loads it.  A 2,000-entry map reloaded with 1,000
#              entries (half) is taken, then with 499 (fewer than half of
#              those) is held back for 2 s and logged once; SIGHUP loads it.
#   signals    SIGTERM, SIGINT, SIGUSR1 stop an idle process within 1 s with
#              status 0; SIGHUP does not stop it; SIGTERM while the process
#              waits for the rest of a request (tests/ops/fcgi_client.py
#              midreq): the answer still arrives whole, then the process
#              exits 0; SIGHUP while the first (1,000,000-entry) rule set
#              loads does not stop the process.
#   standalone --listen SOCKET --socket-mode 0660 --workers 2: the socket's
#              mode, 2 worker children, answers, a SIGKILLed worker replaced
#              and logged, SIGHUP reload (new workers), an invalid file on
#              SIGHUP changes nothing, SIGTERM: status 0, workers gone,
#              socket removed, nothing on stdout; --listen 127.0.0.1:PORT
#              with cgi-fcgi -connect; bad --socket-mode and --workers exit 2.
#   limits     a 16 KiB request URI answers and one byte more is 414; 1,000
#              request headers; a 64 KiB Host is 400; a 16 KiB query string;
#              a 1,000,000-entry map (--check, --explain of the first and
#              last entries, served, and the longest answer time while it is
#              reloaded under load: "reload pause"); rule files that are
#              empty, missing, a directory, unreadable (as nobody, through
#              setpriv and spawn-fcgi -u, when run as root), binary, not UTF-8:
#              the --check message, and served: 503 (empty: the fallback),
#              and the process lives on; a FIFO: --check and --explain exit
#              1 at once, CGI and FastCGI answer 503 without waiting for a
#              writer, and the FastCGI process stops on SIGTERM.
#   hostile    --listen SOCKET and --listen 127.0.0.1:PORT, 2 workers each:
#              what no web server sends (tests/ops/fcgi_client.py hostile):
#              FCGI_GET_VALUES with 9 names, a pair whose lengths are
#              0x40000000, 300,000 unknown management records, 8 MiB of
#              FCGI_PARAMS, FCGI_PARAMS of another request id, FCGI_STDIN
#              before the parameters end.  Each: the connection is closed
#              (8 MiB of parameters: a 400) within 5 s, the same workers
#              live on, /a answers, the reason is logged; a worker
#              stays under 20 MB and grows less than 4 MB while the records
#              come and after.  A request whose parameters come in 4 KiB
#              writes: 100,000 bytes answer, 200,000 are a 400, within 3 s.
#   peers      --allow 10.9.9.9 refuses 127.0.0.1 (closed unanswered, and
#              logged), 127.0.0.1, 127.0.0.0/8 and a list with commas and
#              blanks answer; FCGI_REDIRECT_ALLOW and FCGI_WEB_SERVER_ADDRS
#              refuse like --allow; [::1]:PORT answers ::1 and refuses it
#              with --allow fd00::/8 (skipped without IPv6 loopback); on a
#              Unix socket uid:nobody and an unknown gid refuse us, our
#              uid, user name and gid answer; bad items exit 2 naming
#              the item.
#   listen     :PORT, *:PORT, 0.0.0.0:PORT, [::]:PORT and a non-loopback
#              address exit 2 without --allow; 0.0.0.0:PORT --allow
#              127.0.0.1 answers on 127.0.0.1; bad ports (70000, 65536, 0,
#              90x, -1, none, http), ::1:9000 unbracketed, host names and
#              --socket-mode with TCP exit 2 and leave no file in the
#              working directory; a relative rel.sock gets --socket-mode
#              and is removed at exit; a stale socket file is replaced, a
#              live one makes a second instance exit 1 while the first
#              answers, a regular file makes it exit 1 and is left as it
#              was.
#   stuck      two idle TCP connections and --workers 2 --timeout 2: a
#              third request answers within 2 s and both are closed (and
#              logged); on a Unix socket, 1 worker, FCGI_REDIRECT_TIMEOUT=2:
#              three bytes, or a bare FCGI_BEGIN_REQUEST, held: closed
#              within 3 s and the next request answered; a peer that
#              never reads its answer nor closes frees the worker within
#              1.6 s; SIGTERM while the only worker waits for a stalled
#              head (default --timeout 5): exit 0 within 2 s, nothing
#              killed.
#   workers    the default --workers: with 300 and 257 CPUs faked by
#              build/test/fake_cpus.so (tests/ops/fake_cpus.c, LD_PRELOAD;
#              FAKE_CPUS_SO= another path) the log says 256 workers, 256
#              run, /a answers, SIGTERM stops them all within 5 s and an
#              unrelated `sleep` of ours survives; run in a PID namespace
#              (unshare), so that a regression that signals PID -1 cannot
#              reach this machine's processes; skipped without the shim or
#              a namespace.  taskset to one CPU: 1 worker.
#
# OPS_SECTIONS="hostile peers" (any of reload settle held signals
# standalone limits hostile peers listen stuck workers) runs only those
# sections, for work on them; all run by default.
#
# Needs spawn-fcgi, cgi-fcgi (libfcgi-bin) and python3.  Without them it
# prints SKIPPED (a failure when CI=true).  Ends with the line
# "ops: N passed, N failed"; exit 1 when any check failed.

set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/proc.sh
. "$(dirname "$0")/proc.sh"
lib_binary "${1:-}"

PASSED=0
FAILED=0
CLIENT=$TOP/tests/ops/fcgi_client.py

pass() { PASSED=$((PASSED + 1)); [ -z "${1:-}" ] || echo "ops: ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "ops: FAIL: $*"; }
summary() { echo "ops: $PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }

for cmd in spawn-fcgi cgi-fcgi python3; do
	if ! command -v $cmd >/dev/null 2>&1; then
		echo "SKIPPED: ops ($cmd is missing: install spawn-fcgi libfcgi-bin python3)"
		[ "${CI:-}" = true ] && fail "CI=true, so the ops tests may not be skipped"
		summary
		exit
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-ops.XXXXXX") || exit 2
chmod 755 "$T"
PIDS=()

# Stop every process started here, and the workers a parent left behind.
cleanup() {
	stop_started
	chmod -R u+rwx "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

client() { $BOUNDED python3 "$CLIENT" "$@"; }

# The settle time of in-place changes (default 2 s) is short in every test
# but those of settle_tests, which test it: the others then take less time.
export FCGI_REDIRECT_SETTLE_MS=200

# wait_exit PID MS: wait up to MS milliseconds for PID (our child) to end;
# sets EXIT_MS (how long it took) and EXIT_STATUS.  1 on timeout.
wait_exit() {
	local pid=$1 limit=$2 t0 now
	t0=$(date +%s%N)
	EXIT_MS=0
	EXIT_STATUS=
	while running "$pid"; do
		now=$(date +%s%N)
		EXIT_MS=$(((now - t0) / 1000000))
		[ "$EXIT_MS" -ge "$limit" ] && return 1
		sleep 0.01
	done
	now=$(date +%s%N)
	EXIT_MS=$(((now - t0) / 1000000))
	wait "$pid"
	EXIT_STATUS=$?
	forget "$pid"
	return 0
}

# start_fcgi NAME RULEFILE [spawn-fcgi options]: the binary under
# `spawn-fcgi -n` on T/NAME.sock, stderr to T/NAME.log.  Sets SPID (the
# binary's PID: -n execs it) and SOCK.  1 if the socket did not appear.
start_fcgi() {
	local name=$1 rf=$2 i
	shift 2
	SOCK=$T/$name.sock
	rm -f "$SOCK"
	env -u GATEWAY_INTERFACE spawn-fcgi -n "$@" -s "$SOCK" -- "$BIN" \
	    -c "$rf" </dev/null >"$T/$name.out" 2>"$T/$name.log" &
	SPID=$!
	PIDS+=("$SPID")
	for i in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		running "$SPID" || break
		sleep 0.05
	done
	fail "$name: spawn-fcgi did not start: $(tr '\n' ' ' <"$T/$name.log")"
	return 1
}

# stop PID: TERM and a bounded wait.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 5000 || {
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		forget "$1"
	}
}

# rules FILE TAG: a small valid rule file; /a answers 307 to
# https://a.example/TAG, /b to https://b.example/TAG.
rules() {
	printf '[a]\npath = /a\nto   = https://a.example/%s\n\n[b]\npath = /b\nto   = https://b.example/%s\n' \
	    "$2" "$2" >"$1"
}
A() { echo "307 https://a.example/$1"; }

# replace FILE NEWFILE: the way editors and deploy tools do it.
replace() { cp "$2" "$1.tmp" && mv -f "$1.tmp" "$1"; }

# A rule file with an error on line 3 (and a valid rule before it).
broken() {
	printf '[a]\npath = /a\nstatus = 999\nto = https://a.example/broken\n' >"$1"
}

# words TEXT: TEXT on one line.
words() { printf '%s' "$1" | tr '\n' ' '; }

# count_in FILE TEXT: how many lines of FILE contain TEXT.
count_in() { grep -cF -- "$2" "$1" 2>/dev/null; }

# ---------------------------------------------------------------- reload
reload_tests() {
	local rf=$T/r.ini v pid out
	for v in v1 v2 v3 v4 v5; do
		rules "$T/$v.ini" "$v"
	done
	broken "$T/bad.ini"
	cp "$T/v1.ini" "$rf"
	start_fcgi reload "$rf" || return
	pid=$SPID

	if out=$(client until "$SOCK" /a localhost "$(A v1)" --timeout 3); then
		pass
	else
		fail "reload: the first answer: $out"
	fi

	# Replaced by rename (a new inode).
	replace "$rf" "$T/v2.ini"
	if out=$(client until "$SOCK" /a localhost "$(A v2)" --old "$(A v1)" --timeout 4); then
		pass "reload: a file replaced by rename is picked up ($out)"
	else
		fail "reload: a file replaced by rename: $out"
	fi

	# Rewritten in place: same inode and the same size, a new mtime.
	cat "$T/v3.ini" >"$rf"
	if out=$(client until "$SOCK" /a localhost "$(A v3)" --old "$(A v2)" --timeout 4); then
		pass "reload: a file rewritten in place (same size) is picked up ($out)"
	else
		fail "reload: a file rewritten in place: $out"
	fi

	# Invalid: old answers go on, the error is logged once.
	replace "$rf" "$T/bad.ini"
	for _ in $(seq 50); do
		[ "$(count_in "$T/reload.log" "r.ini:3: error")" -ge 1 ] && break
		client get "$SOCK" /a >/dev/null
		sleep 0.1
	done
	if out=$(client steady "$SOCK" 3 /a localhost "$(A v3)" /b localhost \
	    "307 https://b.example/v3"); then
		pass "reload: an invalid file keeps the old answers ($out over 3 s)"
	else
		fail "reload: an invalid file: $out"
	fi
	local n_err n_not
	n_err=$(count_in "$T/reload.log" "r.ini:3: error")
	n_not=$(count_in "$T/reload.log" "not loaded")
	if [ "$n_err" = 1 ] && [ "$n_not" = 1 ]; then
		pass "reload: the FILE:LINE error is logged exactly once: $(grep -F 'r.ini:3: error' "$T/reload.log")"
	else
		fail "reload: the invalid file's error was logged $n_err times (\"not loaded\" $n_not times): $(tr '\n' '|' <"$T/reload.log")"
	fi

	# Fixed again.
	replace "$rf" "$T/v4.ini"
	if out=$(client until "$SOCK" /a localhost "$(A v4)" --old "$(A v3)" --timeout 4); then
		pass "reload: the fixed file is picked up ($out)"
	else
		fail "reload: the fixed file: $out"
	fi

	# SIGHUP: the change shows within the second in which the process has
	# just checked the file; without SIGHUP it must not (at most once a
	# second).
	if out=$(client hup "$SOCK" "$pid" "$rf" "$T/v4.ini" "$T/v5.ini" /a \
	    localhost "$(A v4)" "$(A v5)"); then
		pass "reload: SIGHUP: $out"
	else
		fail "reload: SIGHUP: $out"
	fi
	if out=$(client hup "$SOCK" "$pid" "$rf" "$T/v4.ini" "$T/v5.ini" /a \
	    localhost "$(A v4)" "$(A v5)" --no-signal); then
		pass "reload: without SIGHUP, $out"
	else
		fail "reload: without SIGHUP: $out"
	fi
	# A SIGHUP that comes while a load (200,000 entries) is running.
	awk 'BEGIN {
		print "[a]\npath = /a\nto   = https://a.example/big\n[map m]"
		for (i = 0; i < 200000; i++)
			printf "/m/%d = https://m.example/%d\n", i, i
	}' >"$T/v-big.ini"
	if out=$(client hupload "$SOCK" "$pid" "$rf" "$T/v4.ini" "$T/v-big.ini" \
	    "$T/v5.ini" /a localhost "$(A v4)" "$(A big)" "$(A v5)"); then
		pass "reload: SIGHUP during a load: $out"
	else
		fail "reload: SIGHUP during a load: $out"
	fi
	if running "$pid"; then
		pass
	else
		fail "reload: the process $pid died: $(tail -3 "$T/reload.log")"
	fi
	stop "$pid"

	# The first load fails: 503 for everything, then fixed in place of
	# a restart.
	local rf2=$T/first.ini
	broken "$rf2"
	start_fcgi first "$rf2" || return
	pid=$SPID
	if out=$(client steady "$SOCK" 1.5 /a localhost "503 -" /b localhost \
	    "503 -" /nothing localhost "503 -"); then
		pass "reload: a failed first load answers 503 ($out)"
	else
		fail "reload: a failed first load: $out"
	fi
	replace "$rf2" "$T/v1.ini"
	if out=$(client until "$SOCK" /a localhost "$(A v1)" --old "503 -" --timeout 4) &&
	    running "$pid"; then
		pass "reload: after a failed first load, the fixed file answers without a restart ($out)"
	else
		fail "reload: after a failed first load: $out"
	fi
	stop "$pid"

	# A missing file at start.
	local rf3=$T/later.ini
	rm -f "$rf3"
	start_fcgi missing "$rf3" || return
	pid=$SPID
	if out=$(client steady "$SOCK" 1.5 /a localhost "503 -"); then
		pass "reload: a missing file answers 503 ($out)"
	else
		fail "reload: a missing file: $out"
	fi
	if grep -q "later.ini" "$T/missing.log"; then
		pass
	else
		fail "reload: nothing logged about the missing file"
	fi
	replace "$rf3" "$T/v1.ini"
	if out=$(client until "$SOCK" /a localhost "$(A v1)" --old "503 -" --timeout 4) &&
	    running "$pid"; then
		pass "reload: the file that appeared answers, same process ($out)"
	else
		fail "reload: the file that appeared: $out"
	fi
	stop "$pid"

	# A half-written file: a 200,000-entry map written in place.
	local rf4=$T/half.ini big=$T/half-big.ini
	awk 'BEGIN {
		print "[map big]"
		for (i = 0; i < 200000; i++)
			printf "/e/%d = https://t.example/%d\n", i, i
		print "[z]"
		print "path = /z"
		print "to   = https://t.example/z"
	}' >"$big"
	printf '[map small]\n/e/0 = https://old.example/0\n' >"$rf4"
	start_fcgi half "$rf4" || return
	pid=$SPID
	client until "$SOCK" /e/0 localhost "307 https://old.example/0" >/dev/null
	local checks=(/e/0 localhost "307 https://t.example/0"
	    /e/100000 localhost "307 https://t.example/100000"
	    /e/199999 localhost "307 https://t.example/199999"
	    /z localhost "307 https://t.example/z")
	if out=$(client halfwrite "$SOCK" "$rf4" "$big" 2 1.5 "${checks[@]}"); then
		pass "reload: half a map, then the rest: $out"
	else
		fail "reload: half a map, then the rest: $out"
	fi
	printf '[map small]\n/e/0 = https://old.example/0\n' >"$T/small.ini"
	replace "$rf4" "$T/small.ini"
	# From 200,001 rules to 1: held back until SIGHUP confirms it.
	kill -HUP "$pid"
	client until "$SOCK" /e/0 localhost "307 https://old.example/0" >/dev/null
	if out=$(client halfwrite "$SOCK" "$rf4" "$big" 10 0.15 "${checks[@]}"); then
		pass "reload: a map written in ten pieces: $out"
	else
		fail "reload: a map written in ten pieces: $out"
	fi
	if running "$pid"; then
		pass
	else
		fail "reload: the half-written test's process died"
	fi
	stop "$pid"
}

# ---------------------------------------------------------------- settle
# map_file FILE HOST [N]: a map of N (2,000) entries, /k/I to https://HOST/I.
map_file() {
	awk -v h="$2" -v n="${3:-2000}" 'BEGIN {
		print "[map keys]"
		for (i = 0; i < n; i++)
			printf "/k/%d = https://%s/%d\n", i, h, i
	}' >"$1"
}

settle_tests() {
	local rf=$T/slow.ini pid out rc i
	# A slow upload in place (the default settle time): 20 pieces 0.25 s
	# apart, cut anywhere, while every key is asked in turn.
	map_file "$rf" old.example
	map_file "$T/slow-new.ini" new.example
	FCGI_REDIRECT_SETTLE_MS='' start_fcgi slow "$rf" || return
	pid=$SPID
	client until "$SOCK" /k/1999 localhost "307 https://old.example/1999" >/dev/null
	if out=$(client slowwrite "$SOCK" "$rf" "$T/slow-new.ini" 20 0.25 2000 \
	    /k/%d "307 https://old.example/%d" "307 https://new.example/%d"); then
		pass "settle: a slow in-place writer (20 pieces, 0.25 s apart) never gives a 404 or a cut Location: $out"
	else
		fail "settle: a slow in-place writer: $out: $(grep -v ': loaded ' "$T/slow.log" | head -3 | sed "s|$T/||" | tr '\n' '|')"
	fi
	stop "$pid"

	# FCGI_REDIRECT_SETTLE_MS=2500: a change in place is not read for
	# 2.5 s; SIGHUP reads it at once.
	rules "$rf" v1
	rules "$T/slow-v2.ini" v2
	FCGI_REDIRECT_SETTLE_MS=2500 start_fcgi settle "$rf" || return
	pid=$SPID
	client until "$SOCK" /a localhost "$(A v1)" >/dev/null
	cat "$T/slow-v2.ini" >"$rf"
	if out=$(client steady "$SOCK" 1.6 /a localhost "$(A v1)"); then
		pass "settle: FCGI_REDIRECT_SETTLE_MS=2500: a change in place is not read 1.6 s later ($out)"
	else
		fail "settle: FCGI_REDIRECT_SETTLE_MS=2500: $out"
	fi
	kill -HUP "$pid"
	if out=$(client until "$SOCK" /a localhost "$(A v2)" --old "$(A v1)" --timeout 0.5); then
		pass "settle: SIGHUP reads an unsettled file at once ($out)"
	else
		fail "settle: SIGHUP with an unsettled file: $out"
	fi
	stop "$pid"

	# Bad values: a usage error, said clearly.
	for i in -1 abc 600001 1.5 ' 5' 99999999999999999999; do
		# As a FastCGI process (spawn-fcgi -n execs it): it exits at once.
		rm -f "$T/settle-bad.sock"
		FCGI_REDIRECT_SETTLE_MS=$i timeout 3 env -u GATEWAY_INTERFACE \
		    spawn-fcgi -n -s "$T/settle-bad.sock" -- "$BIN" -c "$rf" \
		    </dev/null >/dev/null 2>"$T/settle-bad.log"
		rc=$?
		if [ $rc -eq 2 ] &&
		    grep -q "FCGI_REDIRECT_SETTLE_MS: '$i' is not a number of milliseconds" "$T/settle-bad.log"; then
			pass
		else
			fail "settle: FCGI_REDIRECT_SETTLE_MS='$i': exit $rc: $(head -1 "$T/settle-bad.log")"
		fi
		$BOUNDED "$BIN" --listen "$T/bad.sock" --settle "$i" -c "$rf" \
		    </dev/null >/dev/null 2>"$T/bad.err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q "settle: '$i' is not a number of milliseconds" "$T/bad.err"; then
			pass
		else
			fail "settle: --settle '$i': exit $rc: $(head -1 "$T/bad.err")"
		fi
	done
	pass "settle: bad FCGI_REDIRECT_SETTLE_MS and --settle values exit 2 and say why: $(head -1 "$T/settle-bad.log")"
}

# ------------------------------------------------------------------ held
# Reloads held back until SIGHUP: a file without a final newline, a set
# that drops most of the rules in use.
held_tests() {
	local rf=$T/held.ini pid out n
	# The first load takes a file without a final newline.
	rules "$rf" v1
	truncate -s -1 "$rf"
	start_fcgi held "$rf" || return
	pid=$SPID
	if out=$(client until "$SOCK" /a localhost "$(A v1)" --timeout 3); then
		pass "held: the first load takes a file without a final newline"
	else
		fail "held: the first load of a file without a final newline: $out"
	fi
	# A change without a final newline: not reloaded, said once.
	rules "$T/held-v2.ini" v2
	truncate -s -1 "$T/held-v2.ini"
	replace "$rf" "$T/held-v2.ini"
	if out=$(client steady "$SOCK" 2 /a localhost "$(A v1)"); then
		pass "held: a changed file without a final newline is not reloaded ($out over 2 s)"
	else
		fail "held: a changed file without a final newline: $out"
	fi
	n=$(count_in "$T/held.log" "does not end with a newline, so it is probably still being written")
	if [ "$n" = 1 ]; then
		pass "held: logged once: $(grep -F "not reloaded" "$T/held.log" | sed "s|$T/||")"
	else
		fail "held: the held file was logged $n times: $(tr '\n' '|' <"$T/held.log")"
	fi
	kill -HUP "$pid"
	if out=$(client until "$SOCK" /a localhost "$(A v2)" --old "$(A v1)" --timeout 1); then
		pass "held: SIGHUP loads it ($out)"
	else
		fail "held: SIGHUP with a file without a final newline: $out"
	fi
	stop "$pid"

	# 2,000 map entries, then half of them (loaded), then fewer than half
	# of those (held until SIGHUP).
	map_file "$rf" old.example
	map_file "$T/held-1000.ini" half.example 1000
	map_file "$T/held-499.ini" few.example 499
	start_fcgi held-drop "$rf" || return
	pid=$SPID
	client until "$SOCK" /k/0 localhost "307 https://old.example/0" >/dev/null
	replace "$rf" "$T/held-1000.ini"
	if out=$(client until "$SOCK" /k/0 localhost "307 https://half.example/0" \
	    --old "307 https://old.example/0" --timeout 4) &&
	    [ "$(client get "$SOCK" /k/1999)" = "404 -" ]; then
		pass "held: a reload to half the entries (2,000 to 1,000) is taken ($out)"
	else
		fail "held: a reload from 2,000 to 1,000 entries: $out"
	fi
	replace "$rf" "$T/held-499.ini"
	if out=$(client steady "$SOCK" 2 /k/0 localhost "307 https://half.example/0" \
	    /k/999 localhost "307 https://half.example/999"); then
		pass "held: a reload to fewer than half (1,000 to 499) is held back ($out over 2 s)"
	else
		fail "held: a reload from 1,000 to 499 entries: $out"
	fi
	n=$(count_in "$T/held-drop.log" "fewer than half")
	if [ "$n" = 1 ]; then
		pass "held: logged once: $(grep -F "fewer than half" "$T/held-drop.log" | sed "s|$T/||")"
	else
		fail "held: the dropping reload was logged $n times: $(tr '\n' '|' <"$T/held-drop.log")"
	fi
	kill -HUP "$pid"
	if out=$(client until "$SOCK" /k/0 localhost "307 https://few.example/0" \
	    --old "307 https://half.example/0" --timeout 1) &&
	    [ "$(client get "$SOCK" /k/999)" = "404 -" ]; then
		pass "held: SIGHUP confirms it ($out)"
	else
		fail "held: SIGHUP after a held reload of 499 entries: $out"
	fi
	stop "$pid"
}

# ---------------------------------------------------------------- signals
signal_tests() {
	local sig pid out
	rules "$T/sig.ini" s
	for sig in TERM INT USR1; do
		start_fcgi "sig-$sig" "$T/sig.ini" || continue
		pid=$SPID
		client until "$SOCK" /a localhost "$(A s)" --timeout 3 >/dev/null
		kill -"$sig" "$pid"
		if wait_exit "$pid" 1000 && [ "$EXIT_STATUS" = 0 ]; then
			pass "signals: SIG$sig stops an idle process in $EXIT_MS ms, status 0"
		elif [ -n "$EXIT_STATUS" ]; then
			fail "signals: SIG$sig: status $EXIT_STATUS after $EXIT_MS ms"
		else
			fail "signals: SIG$sig: still running after 1 s"
		fi
	done

	start_fcgi sig-HUP "$T/sig.ini" || return
	pid=$SPID
	client until "$SOCK" /a localhost "$(A s)" --timeout 3 >/dev/null
	kill -HUP "$pid"
	sleep 0.5
	if running "$pid" && out=$(client get "$SOCK" /a) && [ "$out" = "$(A s)" ]; then
		pass "signals: SIGHUP does not stop the process"
	else
		fail "signals: SIGHUP: running=$(proc_state "$pid") answer '${out:-}'"
	fi
	stop "$pid"

	# SIGHUP while the first rule set loads (1,000,000 entries: about a
	# second), as a deploy script that edits and signals may send it.
	million_file
	start_fcgi sig-HUP-start "$T/million.ini" || return
	pid=$SPID
	sleep 0.2
	kill -HUP "$pid"
	if out=$(client until "$SOCK" /old/999999.html localhost \
	    "307 https://new.example.re/p/999999" --timeout 15) && running "$pid"; then
		pass "signals: SIGHUP during the first load does not stop the process"
	else
		wait_exit "$pid" 100
		fail "signals: SIGHUP 0.2 s after start, while the 1,000,000-entry file loads, ends the process (exit status ${EXIT_STATUS:-?}: $([ "${EXIT_STATUS:-0}" -gt 128 ] && echo "killed by signal $((EXIT_STATUS - 128))")): the handlers are installed after the first load"
	fi
	stop "$pid"

	# SIGTERM while the process reads a request.
	start_fcgi sig-mid "$T/sig.ini" || return
	pid=$SPID
	client until "$SOCK" /a localhost "$(A s)" --timeout 3 >/dev/null
	if out=$(client midreq "$SOCK" "$pid" /b localhost "307 https://b.example/s"); then
		pass "signals: SIGTERM mid-request: the answer arrives whole ($out)"
	else
		fail "signals: SIGTERM while the process reads a request (FCGI_PARAMS half sent): got '$out', expected '307 https://b.example/s'"
	fi
	if wait_exit "$pid" 2000 && [ "$EXIT_STATUS" = 0 ]; then
		pass "signals: after the request in hand, SIGTERM stops the process (status 0)"
	elif [ -n "$EXIT_STATUS" ]; then
		fail "signals: after SIGTERM mid-request: status $EXIT_STATUS"
	else
		out=$(client get "$SOCK" /a)
		fail "signals: still running 2 s after SIGTERM mid-request (idle in accept); another request then got '$out', and the process $(running "$pid" && echo 'still runs' || echo 'exited')"
	fi
	stop "$pid"
}

# ------------------------------------------------------------- standalone
standalone_tests() {
	local rf=$T/sa.ini sock=$T/sa.sock log=$T/sa.log pid i kids n victim
	local out old_kids port rc
	rules "$T/sa1.ini" s1
	rules "$T/sa2.ini" s2
	broken "$T/sa-bad.ini"
	cp "$T/sa1.ini" "$rf"
	"$BIN" --listen "$sock" --socket-mode 0660 --workers 2 -c "$rf" \
	    </dev/null >"$T/sa.out" 2>"$log" &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 100); do
		n=$(children "$pid" | wc -l)
		[ -S "$sock" ] && [ "$n" -eq 2 ] && break
		sleep 0.05
	done
	if [ ! -S "$sock" ]; then
		fail "standalone: no socket: $(tr '\n' ' ' <"$log")"
		return
	fi
	if [ "$(stat -c %a "$sock")" = 660 ]; then
		pass "standalone: the socket has mode 0660"
	else
		fail "standalone: the socket has mode $(stat -c %a "$sock"), not 660"
	fi
	kids=$(children "$pid" | sort | tr '\n' ' ')
	if [ "$(children "$pid" | wc -l)" -eq 2 ]; then
		pass "standalone: 2 workers ($kids) under the parent $pid"
	else
		fail "standalone: workers of $pid: '$kids', not 2"
	fi
	# shellcheck disable=SC2086 # BOUNDED may be empty
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/a HTTP_HOST=localhost \
	    SERVER_NAME=localhost $BOUNDED cgi-fcgi -bind -connect "$sock" | tr -d '\r' |
	    sed -n 's/^Location: //p')
	if [ "$out" = https://a.example/s1 ] &&
	    out=$(client steady "$sock" 1 /a localhost "$(A s1)" /b localhost \
	    "307 https://b.example/s1"); then
		pass "standalone: requests are answered (cgi-fcgi, and $out)"
	else
		fail "standalone: requests: $out"
	fi

	# A worker killed.
	victim=$(children "$pid" | head -1)
	kill -KILL "$victim"
	for i in $(seq 60); do
		kids=$(children "$pid")
		n=$(echo "$kids" | grep -c .)
		[ "$n" -eq 2 ] && ! echo "$kids" | grep -qx "$victim" && break
		sleep 0.05
	done
	if [ "$n" -eq 2 ] && ! echo "$kids" | grep -qx "$victim" &&
	    grep -q "worker $victim killed by signal 9; starting another" "$log"; then
		pass "standalone: a SIGKILLed worker is replaced ($(grep "worker $victim" "$log"))"
	else
		fail "standalone: after SIGKILL of worker $victim: workers '$(words "$kids")', log: $(tr '\n' '|' <"$log")"
	fi
	if out=$(client steady "$sock" 0.5 /a localhost "$(A s1)"); then
		pass
	else
		fail "standalone: after the worker was replaced: $out"
	fi

	# SIGHUP after a change: new answers, new workers.
	old_kids=$(children "$pid" | sort)
	replace "$rf" "$T/sa2.ini"
	kill -HUP "$pid"
	if out=$(client until "$sock" /a localhost "$(A s2)" --old "$(A s1)" --timeout 4); then
		pass "standalone: SIGHUP after a change: new answers ($out)"
	else
		fail "standalone: SIGHUP after a change: $out"
	fi
	for i in $(seq 60); do
		kids=$(children "$pid" | sort)
		[ "$(echo "$kids" | grep -c .)" -eq 2 ] &&
		    [ -z "$(comm -12 <(echo "$old_kids") <(echo "$kids"))" ] && break
		sleep 0.05
	done
	if [ "$(echo "$kids" | grep -c .)" -eq 2 ] &&
	    [ -z "$(comm -12 <(echo "$old_kids") <(echo "$kids"))" ]; then
		pass "standalone: the reload replaced both workers ($(words "$old_kids") -> $(words "$kids"))"
	else
		fail "standalone: after the reload, workers $(words "$kids") (before: $(words "$old_kids"))"
	fi

	# An invalid file on SIGHUP: nothing changes.
	replace "$rf" "$T/sa-bad.ini"
	kill -HUP "$pid"
	if out=$(client steady "$sock" 2.5 /a localhost "$(A s2)" /b localhost \
	    "307 https://b.example/s2"); then
		pass "standalone: an invalid file on SIGHUP: the old answers go on ($out)"
	else
		fail "standalone: an invalid file on SIGHUP: $out"
	fi
	n=$(count_in "$log" "sa.ini:3: error")
	if [ "$n" = 1 ] && [ "$(children "$pid" | wc -l)" -eq 2 ]; then
		pass "standalone: the invalid file is logged once: $(grep -F 'sa.ini:3: error' "$log")"
	else
		fail "standalone: invalid file: logged $n times, $(children "$pid" | wc -l) workers"
	fi

	# SIGTERM: everything ends, the socket file goes.
	kids=$(children "$pid")
	kill -TERM "$pid"
	if wait_exit "$pid" 5000 && [ "$EXIT_STATUS" = 0 ]; then
		pass "standalone: SIGTERM: the parent exits 0 in $EXIT_MS ms"
	else
		fail "standalone: SIGTERM: status '${EXIT_STATUS:-still running}' after $EXIT_MS ms"
	fi
	n=0
	for i in $kids; do
		running "$i" && n=$((n + 1))
	done
	if [ "$n" -eq 0 ] && [ ! -e "$sock" ]; then
		pass "standalone: SIGTERM: the workers are gone and the socket file removed"
	else
		fail "standalone: SIGTERM: $n workers left, socket file $( [ -e "$sock" ] && echo 'still there' || echo removed)"
	fi
	if [ ! -s "$T/sa.out" ]; then
		pass
	else
		fail "standalone: the parent wrote to stdout: $(head -c 200 "$T/sa.out")"
	fi

	# TCP.
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$BIN" --listen "127.0.0.1:$port" --workers 1 -c "$T/sa1.ini" \
	    </dev/null >/dev/null 2>"$T/tcp.log" &
	pid=$!
	PIDS+=("$pid")
	out=
	for i in $(seq 50); do
		# shellcheck disable=SC2086 # BOUNDED may be empty
		out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/b HTTP_HOST=localhost \
		    SERVER_NAME=localhost $BOUNDED cgi-fcgi -bind -connect "127.0.0.1:$port" 2>/dev/null |
		    tr -d '\r' | sed -n 's/^Location: //p')
		[ -n "$out" ] && break
		sleep 0.1
	done
	if [ "$out" = https://b.example/s1 ]; then
		pass "standalone: --listen 127.0.0.1:$port answers cgi-fcgi -connect"
	else
		fail "standalone: --listen 127.0.0.1:$port: Location '$out': $(tr '\n' ' ' <"$T/tcp.log")"
	fi
	kill -TERM "$pid"
	if wait_exit "$pid" 5000 && [ "$EXIT_STATUS" = 0 ]; then
		pass
	else
		fail "standalone: TCP: SIGTERM: status '${EXIT_STATUS:-still running}'"
	fi

	# Bad values.
	for i in 999 abc 01000 -1 '' 0x1b6 '0660 '; do
		$BOUNDED "$BIN" --listen "$T/bad.sock" --socket-mode "$i" -c "$T/sa1.ini" \
		    </dev/null >/dev/null 2>"$T/bad.err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q socket-mode "$T/bad.err"; then
			pass
		else
			fail "standalone: --socket-mode '$i': exit $rc: $(head -1 "$T/bad.err")"
		fi
	done
	for i in 0 -1 x 257 1.5 '' 99999999999999999999; do
		$BOUNDED "$BIN" --listen "$T/bad.sock" --workers "$i" -c "$T/sa1.ini" \
		    </dev/null >/dev/null 2>"$T/bad.err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q workers "$T/bad.err"; then
			pass
		else
			fail "standalone: --workers '$i': exit $rc: $(head -1 "$T/bad.err")"
		fi
	done
	if [ ! -e "$T/bad.sock" ]; then
		pass "standalone: bad --socket-mode and --workers values exit 2, no socket left"
	else
		fail "standalone: a bad value left $T/bad.sock behind"
	fi
}

# ------------------------------------------------------------------ limits
# ask_cgi OUT NAME=VALUE...: one request through cgi-fcgi to $SOCK.
ask_cgi() {
	local out=$1
	shift
	$BOUNDED env -i "$@" cgi-fcgi -bind -connect "$SOCK" >"$out" 2>"$out.err"
}

base_env() {
	ROW_ENV=(GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1
	    SERVER_NAME=localhost SERVER_PORT=80 REMOTE_ADDR=127.0.0.1
	    REQUEST_METHOD=GET HTTPS=off)
}

# limit_case DESC STATUS LOCATION NAME=VALUE...: a request and its answer
# (checked by lib.sh's check_response: well-formed, exact status and
# Location).
limit_case() {
	local desc=$1 st=$2 loc=$3
	shift 3
	base_env
	ask_cgi "$T/lim.out" "${ROW_ENV[@]}" "$@"
	if check_response "$T/lim.out" GET "$st" "$loc" - "$T/lim.out.err" ''; then
		pass "limits: $desc: $st"
	else
		fail "limits: $desc: expected $st $(show "$loc"), got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
	fi
}

limit_tests() {
	local rf=$T/lim.ini pid rest q hdrs=() i
	printf '[long]\nprefix = /long\nto     = https://t.example/\n\n[q]\npath = /q\nto   = https://t.example/q\n' >"$rf"
	start_fcgi lim "$rf" || return
	pid=$SPID

	rest=$(repeat_char a $((16384 - 6)))
	limit_case "a request URI of 16,384 bytes" 307 "https://t.example/$rest" \
	    "REQUEST_URI=/long/$rest" HTTP_HOST=www.example.re
	limit_case "a request URI of 16,385 bytes" 414 - \
	    "REQUEST_URI=/long/${rest}b" HTTP_HOST=www.example.re
	for i in $(seq 1000); do
		hdrs+=("HTTP_X_$i=value-$i")
	done
	limit_case "1,000 request headers" 307 https://t.example/q \
	    REQUEST_URI=/q HTTP_HOST=www.example.re "${hdrs[@]}"
	limit_case "a Host of 64 KiB" 400 - REQUEST_URI=/q \
	    "HTTP_HOST=$(repeat_char a 65536)"
	q=$(repeat_char b $((16384 - 3)))
	limit_case "a query string of 16 KiB in a 16,384-byte REQUEST_URI" 307 \
	    "https://t.example/q?$q" "REQUEST_URI=/q?$q" "QUERY_STRING=$q" \
	    HTTP_HOST=www.example.re
	q=$(repeat_char b 16384)
	limit_case "a QUERY_STRING of 16,384 bytes (no REQUEST_URI)" 307 \
	    "https://t.example/q?$q" SCRIPT_NAME=/q "QUERY_STRING=$q" \
	    HTTP_HOST=www.example.re
	limit_case "a QUERY_STRING of 16,385 bytes (no REQUEST_URI)" 414 - \
	    SCRIPT_NAME=/q "QUERY_STRING=${q}b" HTTP_HOST=www.example.re
	if running "$pid"; then
		pass
	else
		fail "limits: the process died: $(tail -3 "$T/lim.log")"
	fi
	stop "$pid"

	big_map_tests
	analysis_million_tests
	bad_file_tests
	fifo_tests
}

# T/million.ini: one map of 1,000,000 entries, /old/N.html to
# https://new.example.re/p/N on line N + 2 (made once).
million_file() {
	local t0 t1
	[ -s "$T/million.ini" ] && return
	t0=$(date +%s%N)
	awk 'BEGIN {
		print "[map million]"
		for (i = 0; i < 1000000; i++)
			printf "/old/%d.html = https://new.example.re/p/%d\n", i, i
	}' >"$T/million.ini"
	t1=$(date +%s%N)
	echo "ops: a 1,000,000-entry map of $(($(stat -c %s "$T/million.ini") / 1048576)) MiB made in $(((t1 - t0) / 1000000)) ms"
}

# A 1,000,000-entry map with a chain every 100,000 entries and a loop in
# the middle (/old/500000.html <-> /old/500001.html): --check finds the
# loop (an error) and the 9 chains at their lines, and the time it takes
# is printed beside that of T/internal.ini, the same map with targets on
# the site that nothing redirects again (the analysis looks each up too).
analysis_million_tests() {
	local f=$T/chains.ini g=$T/internal.ini t0 t1 t2 out want i
	awk 'BEGIN {
		print "[map million]"
		for (i = 0; i < 1000000; i++) {
			if (i == 500000) t = "/old/500001.html"
			else if (i == 500001) t = "/old/500000.html"
			else if (i % 100000 == 0) t = "/old/" (i + 1) ".html"
			else t = "https://new.example.re/p/" i
			printf "/old/%d.html = %s\n", i, t
		}
	}' >"$f"
	awk 'BEGIN {
		print "[map million]"
		for (i = 0; i < 1000000; i++)
			printf "/old/%d.html = /new/%d\n", i, i
	}' >"$g"
	t0=$(date +%s%N)
	$BOUNDED "$BIN" --check -c "$g" >/dev/null 2>&1
	t1=$(date +%s%N)
	out=$($BOUNDED "$BIN" --check -c "$f" 2>&1)
	rc=$?
	t2=$(date +%s%N)
	echo "ops: --check of 1,000,000 entries: $(((t1 - t0) / 1000000)) ms with targets on the site, $(((t2 - t1) / 1000000)) ms with chains and a loop"
	want="$f:500002: error: loop: /old/500000.html -> /old/500001.html -> /old/500000.html comes back to [map million] /old/500000.html through [map million] /old/500001.html at line 500003"
	if [ $rc -eq 1 ] && [[ $out == *"$want"* ]] &&
	    [[ $out == *"$f: invalid: 1 error, 9 warnings"* ]]; then
		pass "limits: the loop in 1,000,000 map entries: an error at line 500002"
	else
		fail "limits: the loop in 1,000,000 map entries: exit $rc: $(printf '%s\n' "$out" | head -3)"
	fi
	for i in 0 100000 400000 600000 900000; do
		want="$f:$((i + 2)): warning: chain: /old/$i.html -> /old/$((i + 1)).html -> https://new.example.re/p/$((i + 1)) takes 2 redirects"
		if [[ $out == *"$want"* ]]; then
			pass "limits: the chain at line $((i + 2)) of 1,000,000 entries"
		else
			fail "limits: no '$want'"
		fi
	done
	rm -f "$f" "$g"
}

big_map_tests() {
	local big=$T/million.ini t0 t1 out pid
	million_file

	t0=$(date +%s%N)
	out=$($BOUNDED "$BIN" --check -c "$big" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	if [ $rc -eq 0 ] && [[ $out == *"ok: 0 rules (0 regex), 1 map with 1000000 entries"* ]]; then
		pass "limits: --check of 1,000,000 map entries: ok, loaded in $(((t1 - t0) / 1000000)) ms"
	else
		fail "limits: --check of 1,000,000 map entries: exit $rc: $out"
	fi
	for i in 0 999999; do
		out=$($BOUNDED "$BIN" --explain -c "$big" "http://www.example.re/old/$i.html" 2>&1)
		if [[ $out == *"Location: https://new.example.re/p/$i"* ]] &&
		    [[ $out == *"million.ini:$((i + 2))"* ]]; then
			pass
		else
			fail "limits: --explain of entry $i: $out"
		fi
	done
	out=$($BOUNDED "$BIN" --explain -c "$big" "http://www.example.re/old/1000000.html" 2>&1)
	if [[ $out == "404 Not Found"* ]]; then
		pass "limits: --explain finds the first and the last of 1,000,000 entries, not one more"
	else
		fail "limits: --explain of a key not in the map: $out"
	fi

	# Served, then reloaded under load: the longest answer time.
	start_fcgi million "$big" || return
	pid=$SPID
	if ! out=$(client until "$SOCK" /old/999999.html localhost \
	    "307 https://new.example.re/p/999999" --timeout 15); then
		fail "limits: the 1,000,000-entry map served: $out"
		stop "$pid"
		return
	fi
	pass "limits: the 1,000,000-entry map is served"
	if out=$(timeout 60 python3 "$CLIENT" pause "$SOCK" 2 14 "$big" 2 \
	    /old/0.html localhost "307 https://new.example.re/p/0" \
	    /old/999999.html localhost "307 https://new.example.re/p/999999" \
	    /old/500000.html localhost "307 https://new.example.re/p/500000"); then
		pass "limits: reloads of the 1,000,000-entry map under load: $(echo "$out" | head -1)"
		echo "ops: reload pause of a 1,000,000-entry map: $(echo "$out" | sed -n 's/^PAUSE_MS=//p') ms (the longest answer while it was reloaded)"
	else
		fail "limits: reloads of the 1,000,000-entry map under load: $(echo "$out" | tr '\n' ' ')"
	fi
	# Each replacement starts a load; one that a later replacement
	# overtakes is dropped ("changed while it was read") and read again.
	local loads=0 again=0
	for _ in $(seq 100); do
		loads=$(count_in "$T/million.log" "loaded 1000000 rules")
		again=$(count_in "$T/million.log" "changed while it was read")
		[ $((loads + again)) -ge 3 ] && [ "$loads" -ge 2 ] && break
		client get "$SOCK" /old/0.html >/dev/null
		sleep 0.1
	done
	if [ $((loads + again)) -ge 3 ] && [ "$loads" -ge 2 ] && running "$pid"; then
		pass "limits: the map was loaded $loads times (at start and on reloads; $again loads overtaken by a newer file and read again)"
	else
		fail "limits: 'loaded 1000000 rules' $loads times, 'changed while it was read' $again times in the log: $(tail -5 "$T/million.log" | tr '\n' '|')"
	fi
	stop "$pid"
	rm -f "$big"
}

# bad_file NAME EXIT MESSAGE: --check of T/NAME.ini exits EXIT and says
# MESSAGE; served, it answers /a with 503 (or 404 for a valid empty file)
# and the process lives on.
bad_file() {
	local name=$1 want_rc=$2 msg=$3 f=$T/bad-$1.ini out rc want pid
	shift 3
	out=$($BOUNDED "$BIN" --check -c "$f" 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq "$want_rc" ] && [[ $out == *"$msg"* ]]; then
		pass "limits: --check of a file that is $name: $(echo "$out" | head -1 | sed "s|$T/||")"
	else
		fail "limits: --check of a file that is $name: exit $rc (expected $want_rc, '$msg'): $(echo "$out" | head -3 | tr '\n' '|')"
	fi
	start_fcgi "bad-$name" "$f" "$@" || return
	pid=$SPID
	want="503 -"
	[ "$want_rc" -eq 0 ] && want="404 -"
	if out=$(client steady "$SOCK" 0.3 /a localhost "$want" /x localhost "$want") &&
	    running "$pid"; then
		pass "limits: served, a file that is $name answers ${want% -} and the process lives on"
	else
		fail "limits: served, a file that is $name: $out (process $(proc_state "$pid"))"
	fi
	stop "$pid"
}

bad_file_tests() {
	: >"$T/bad-empty.ini"
	bad_file empty 0 "warning: no rules"
	bad_file missing 1 "cannot open: No such file or directory"
	mkdir -p "$T/bad-a-directory.ini"
	bad_file a-directory 1 "is a directory"
	cp "$BIN" "$T/bad-binary.ini"
	bad_file binary 1 "NUL byte"
	printf '[a]\npath = /caf\xe9\nto   = https://a.example/\n' >"$T/bad-not-utf8.ini"
	bad_file not-utf8 1 "not valid UTF-8"
	rules "$T/bad-unreadable.ini" x
	chmod 000 "$T/bad-unreadable.ini"
	if [ "$(id -u)" -ne 0 ]; then
		bad_file unreadable 1 "Permission denied"
	elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1 &&
	    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    "$BIN" --version >/dev/null 2>&1; then
		# As root every file is readable: check and serve as nobody.
		# shellcheck disable=SC2086 # BOUNDED may be empty
		out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		    $BOUNDED "$BIN" --check -c "$T/bad-unreadable.ini" 2>&1 </dev/null)
		rc=$?
		if [ $rc -eq 1 ] && [[ $out == *"Permission denied"* ]]; then
			pass "limits: --check of an unreadable file (as nobody): $(echo "$out" | head -1 | sed "s|$T/||")"
		else
			fail "limits: --check of an unreadable file (as nobody): exit $rc: $out"
		fi
		start_fcgi bad-unreadable "$T/bad-unreadable.ini" -u nobody -g "$(id -gn nobody)" || return
		if out=$(client steady "$SOCK" 0.3 /a localhost "503 -") && running "$SPID"; then
			pass "limits: served as nobody, an unreadable file answers 503"
		else
			fail "limits: served as nobody, an unreadable file: $out"
		fi
		stop "$SPID"
	else
		echo "SKIPPED: ops: an unreadable file (running as root, and nobody cannot run $BIN through setpriv)"
	fi
}

# A FIFO as the rule file: refused at once, before a byte is read, by
# --check, --explain, CGI and FastCGI (opening one for reading waits for a
# writer: --check would hang, and a server would neither answer nor stop).
fifo_tests() {
	local f=$T/fifo.ini out rc t0 ms pid
	if ! mkfifo "$f"; then
		fail "limits: mkfifo $f failed"
		return
	fi
	t0=$(date +%s%N)
	out=$(timeout 5 "$BIN" --check -c "$f" 2>&1 </dev/null)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ $rc -eq 1 ] && [[ $out == *"fifo.ini: error: is a FIFO"* ]]; then
		pass "limits: --check of a FIFO exits 1 in $ms ms: $(echo "$out" | head -1 | sed "s|$T/||")"
	else
		fail "limits: --check of a FIFO: exit $rc after $ms ms (124: still waiting after 5 s): $(echo "$out" | head -2 | tr '\n' '|')"
	fi
	out=$(timeout 5 "$BIN" --explain -c "$f" /a 2>&1 </dev/null)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"is a FIFO"* ]]; then
		pass "limits: --explain with a FIFO exits 1"
	else
		fail "limits: --explain with a FIFO: exit $rc: $(echo "$out" | head -2 | tr '\n' '|')"
	fi
	out=$(timeout 5 env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	    REQUEST_URI=/a SERVER_NAME=localhost FCGI_REDIRECT_RULES="$f" \
	    "$BIN" </dev/null 2>"$T/fifo-cgi.err" | tr -d '\r' | head -1)
	if [ "$out" = "Status: 503 Service Unavailable" ] &&
	    grep -q "is a FIFO" "$T/fifo-cgi.err"; then
		pass "limits: CGI with a FIFO answers 503 at once"
	else
		fail "limits: CGI with a FIFO: '$out': $(head -2 "$T/fifo-cgi.err" | tr '\n' '|')"
	fi
	start_fcgi fifo "$f" || return
	pid=$SPID
	out=$(timeout 5 python3 "$CLIENT" get "$SOCK" /a)
	if [ "$out" = "503 -" ] && grep -q "is a FIFO" "$T/fifo.log"; then
		pass "limits: FastCGI with a FIFO answers 503: $(grep -m1 "is a FIFO" "$T/fifo.log" | sed "s|$T/||")"
	else
		fail "limits: FastCGI with a FIFO: '${out:-no answer within 5 s}': $(head -2 "$T/fifo.log" | tr '\n' '|')"
	fi
	kill -TERM "$pid"
	if wait_exit "$pid" 2000 && [ "$EXIT_STATUS" = 0 ]; then
		pass "limits: FastCGI with a FIFO stops on SIGTERM in $EXIT_MS ms"
	else
		fail "limits: FastCGI with a FIFO: SIGTERM: status '${EXIT_STATUS:-still running}' after $EXIT_MS ms"
		stop "$pid"
	fi
}


# ------------------------------------------------------------- FastCGI side
# The standalone server's connections: hostile records, the allow-list,
# --listen specs, stuck connections and the default number of workers.

# now_ms: milliseconds on the wall clock.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# spawn_bin DIR ERR [NAME=VALUE...] -- ARGS...: the binary with ARGS in
# the background, in DIR, with the environment additions given, no stdin or
# stdout, stderr to ERR.  Sets SPAWNED (its PID, also added to PIDS).
spawn_bin() {
	local dir=$1 err=$2 envs=()
	shift 2
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	(cd "$dir" && exec env "${envs[@]}" "$BIN" "$@" </dev/null \
	    >/dev/null 2>"$err") &
	SPAWNED=$!
	PIDS+=("$SPAWNED")
}

# start_listen NAME WORKERS [NAME=VALUE...] -- ARGS...: the binary with
# ARGS (and -c T/fc.ini) in the background, in the directory LISTEN_CWD
# (default T), with the environment additions given; stderr to
# T/NAME.log.  Waits (5 s at most) for "listening on" and WORKERS children.
# Sets LPID and LLOG; 1 (after a failure) when it did not start.
start_listen() {
	local name=$1 nw=$2 i
	shift 2
	LLOG=$T/$name.log
	spawn_bin "${LISTEN_CWD:-$T}" "$LLOG" "$@" -c "$T/fc.ini"
	LPID=$SPAWNED
	for i in $(seq 100); do
		grep -q "listening on" "$LLOG" 2>/dev/null &&
		    [ "$(children "$LPID" | wc -l)" -eq "$nw" ] && return 0
		running "$LPID" || break
		sleep 0.05
	done
	fail "$name: $BIN $* did not start $nw workers: $(words "$(head -3 "$LLOG")")"
	stop "$LPID"
	return 1
}

# quick_exit NAME DIR [NAME=VALUE...] -- ARGS...: run the binary with ARGS
# in DIR and wait for it to exit, 2 s at most (then it is stopped).  Sets
# QRC (its status, or "still running after 2 s") and QERR (its stderr).
quick_exit() {
	local name=$1 dir=$2 pid
	shift 2
	QERR=$T/$name.err
	spawn_bin "$dir" "$QERR" "$@"
	pid=$SPAWNED
	if wait_exit "$pid" 2000; then
		QRC=$EXIT_STATUS
	else
		QRC="still running after 2 s"
		stop "$pid"
	fi
}

# sleep_until MS: sleep until now_ms is MS.
sleep_until() {
	local left=$(($1 - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN { printf "%.3f", m / 1000 }')"
	return 0
}

# max_rss PID...: the largest VmRSS of the processes, in kB.
max_rss() {
	local p v max=0
	for p in "$@"; do
		v=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
	done
	echo "$max"
}

# wait_log FILE TEXT: wait (2 s at most) until FILE has a line with TEXT.
wait_log() {
	local i
	for i in $(seq 40); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# The line logged for each hostile kind (serve.c's refuse_request, with the
# reasons of fastcgi.c).
hostile_line() {
	case $1 in
	getvalues) echo "instead of FCGI_BEGIN_REQUEST (FCGI_GET_VALUES)" ;;
	biglen) echo "a name-value pair that runs past the end of FCGI_PARAMS" ;;
	unknown) echo "instead of FCGI_BEGIN_REQUEST (a record of an unknown type)" ;;
	bigparams) echo "answered 400 to a request of more than 131072 bytes" ;;
	otherid) echo "a record of another request id" ;;
	stdin-early) echo "FCGI_STDIN before the parameters end" ;;
	esac
}

# hostile_kinds WHAT ADDR: each hostile kind against the running server
# LPID (2 workers, log LLOG).  At most one line a second is logged per
# worker (log.c), so the kinds are sent a second apart.
hostile_kinds() {
	local what=$1 addr=$2 kind t0 out before after rss0 rss1 deaths
	for kind in getvalues biglen unknown bigparams otherid stdin-early; do
		t0=$(now_ms)
		before=$(children "$LPID" | sort | tr '\n' ' ')
		deaths=$(grep -cE "killed by signal|exited with" "$LLOG")
		# shellcheck disable=SC2086 # a list of PIDs
		rss0=$(max_rss $before)
		# The largest worker while the peer sends, and after.
		if out=$(client hostile "$addr" "$kind" --count 300000 \
		    --size 8388608 --timeout 5 --rss "$(echo "$before" | tr -s ' ' ',')"); then
			pass "hostile ($what): $(echo "$out" | head -1)"
		else
			fail "hostile ($what): $(echo "$out" | head -1)"
		fi
		rss1=$(echo "$out" | sed -n 's/^RSS_KB=//p')
		if out=$(client get "$addr" /a) && [ "$out" = "$(A h)" ]; then
			pass
		else
			fail "hostile ($what): after $kind, /a got '$out'"
		fi
		after=$(children "$LPID" | sort | tr '\n' ' ')
		if [ "$before" = "$after" ] &&
		    [ "$(grep -cE "killed by signal|exited with" "$LLOG")" = "$deaths" ]; then
			pass "hostile ($what): after $kind, the same workers ($after)"
		else
			fail "hostile ($what): after $kind, workers '$before' became '$after': $(words "$(grep -E 'killed by signal|exited with|Assertion' "$LLOG" | tail -2)")"
		fi
		if wait_log "$LLOG" "$(hostile_line "$kind")"; then
			pass
		else
			fail "hostile ($what): after $kind, no line '$(hostile_line "$kind")' in the log: $(words "$(tail -2 "$LLOG")")"
		fi
		case $kind in
		unknown | bigparams)
			# shellcheck disable=SC2086 # a list of PIDs
			[ "$(max_rss $after)" -gt "${rss1:-0}" ] && rss1=$(max_rss $after)
			if [ "${rss1:-0}" -gt 0 ] && [ "$rss1" -lt 20480 ] &&
			    [ $((rss1 - rss0)) -lt 4096 ]; then
				pass "hostile ($what): during and after $kind, the largest worker has $rss1 kB (before: $rss0 kB)"
			else
				fail "hostile ($what): during or after $kind, a worker grew from $rss0 kB to ${rss1:-?} kB (at most 20 MB and 4 MB more)"
			fi
			;;
		esac
		sleep_until $((t0 + 1050))
	done
}

# pieces WHAT ADDR: requests whose parameters come in 4 KiB writes (as a
# web server may write them): 100,000 bytes answer, 200,000 are a 400,
# at once, not after --timeout.  A Unix socket holds far less unread data
# when it comes in small writes (each write is a buffer of its own,
# charged to the sender): a server that only peeked at the head (as an
# earlier version did) never saw it whole.
pieces() {
	local what=$1 addr=$2 out
	if out=$(client pieces "$addr" 100000 4096 3 /a localhost "$(A h)"); then
		pass "hostile ($what): $out"
	else
		fail "hostile ($what): $out (within 3 s expected)"
	fi
	if out=$(client pieces "$addr" 200000 4096 3 /a localhost "400 -"); then
		pass "hostile ($what): $out"
	else
		fail "hostile ($what): $out (a 400 within 3 s expected)"
	fi
}

hostile_tests() {
	local addr
	rules "$T/fc.ini" h
	start_listen hostile-unix 2 -- --listen "$T/hostile.sock" --workers 2 || return
	hostile_kinds unix "$T/hostile.sock"
	pieces unix "$T/hostile.sock"
	stop "$LPID"
	addr=127.0.0.1:$(free_port)
	start_listen hostile-tcp 2 -- --listen "$addr" --workers 2 || return
	hostile_kinds tcp "$addr"
	pieces tcp "$addr"
	stop "$LPID"
}

# peer_case DESC WANT NAME=VALUE... -- ARGS...: a server (1 worker) started
# with the environment additions and ARGS; WANT "answers" (/a answers) or
# "refused" (the connection is closed without an answer, and logged).
# ADDR is where it listens (the --listen value).
peer_case() {
	local desc=$1 want=$2 addr=$3 out envs=()
	shift 3
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	start_listen peer 1 "${envs[@]}" -- --listen "$addr" --workers 1 "$@" || return
	if [ "$want" = answers ]; then
		if out=$(client get "$addr" /a) && [ "$out" = "$(A h)" ]; then
			pass "peers: $desc: answered ($out)"
		else
			fail "peers: $desc: /a got '$out' (expected '$(A h)')"
		fi
	else
		if out=$(client refused "$addr") &&
		    wait_log "$LLOG" "not in the allow-list (--allow)"; then
			pass "peers: $desc: refused: $(grep -F 'refused a connection' "$LLOG")"
		else
			fail "peers: $desc: not refused: $out; log: $(words "$(tail -2 "$LLOG")")"
		fi
	fi
	stop "$LPID"
}

peer_tests() {
	local port sock=$T/peer.sock item nogroup
	rules "$T/fc.ini" h
	port=$(free_port)
	peer_case "--allow 10.9.9.9, a request from 127.0.0.1" refused \
	    "127.0.0.1:$port" -- --allow 10.9.9.9
	peer_case "--allow 127.0.0.1" answers "127.0.0.1:$port" -- --allow 127.0.0.1
	peer_case "--allow 127.0.0.0/8" answers "127.0.0.1:$port" -- --allow 127.0.0.0/8
	peer_case "--allow '10.9.9.9, 127.0.0.1' (comma and blank)" answers \
	    "127.0.0.1:$port" -- --allow '10.9.9.9, 127.0.0.1'
	peer_case "FCGI_REDIRECT_ALLOW=10.9.9.9" refused "127.0.0.1:$port" \
	    FCGI_REDIRECT_ALLOW=10.9.9.9 --
	peer_case "FCGI_WEB_SERVER_ADDRS=10.9.9.9 (libfcgi's variable)" refused \
	    "127.0.0.1:$port" FCGI_WEB_SERVER_ADDRS=10.9.9.9 --
	if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
		peer_case "--listen [::1]:PORT, a request from ::1" answers "[::1]:$port" --
		peer_case "--listen [::1]:PORT --allow fd00::/8" refused "[::1]:$port" \
		    -- --allow fd00::/8
	else
		echo "SKIPPED: ops: peers over IPv6 (no IPv6 loopback: ::1 cannot be bound)"
	fi
	if id nobody >/dev/null 2>&1 && [ "$(id -u)" != "$(id -u nobody)" ]; then
		peer_case "--allow uid:nobody, a request from uid $(id -u)" refused \
		    "$sock" -- --allow uid:nobody
	else
		echo "SKIPPED: ops: --allow uid:nobody (no user nobody, or we are nobody)"
	fi
	peer_case "--allow uid:$(id -u)" answers "$sock" -- --allow "uid:$(id -u)"
	peer_case "--allow uid:$(id -un)" answers "$sock" -- --allow "uid:$(id -un)"
	nogroup=$(($(id -g) + 4242))
	peer_case "--allow gid:$nogroup" refused "$sock" -- --allow "gid:$nogroup"
	peer_case "--allow 'gid:$nogroup gid:$(id -g)'" answers "$sock" -- \
	    --allow "gid:$nogroup gid:$(id -g)"

	# Bad items: a usage error that names the item.
	for item in 10.0.0.0/33 uid:no-such-user banana ::1/129 gid:no-such-group \
	    '10.0.0.1 banana'; do
		quick_exit peer-bad "$T" -- --listen "$T/peer-bad.sock" --workers 1 \
		    --allow "$item" -c "$T/fc.ini"
		if [ "$QRC" = 2 ] && grep -q "allow: '${item##* }'" "$QERR"; then
			pass "peers: --allow '$item' exits 2: $(head -1 "$QERR")"
		else
			fail "peers: --allow '$item': exit $QRC: $(words "$(head -2 "$QERR")")"
		fi
	done
	quick_exit peer-bad "$T" FCGI_REDIRECT_ALLOW=banana -- --listen \
	    "$T/peer-bad.sock" --workers 1 -c "$T/fc.ini"
	if [ "$QRC" = 2 ] && grep -q "FCGI_REDIRECT_ALLOW: 'banana'" "$QERR"; then
		pass "peers: FCGI_REDIRECT_ALLOW=banana exits 2: $(head -1 "$QERR")"
	else
		fail "peers: FCGI_REDIRECT_ALLOW=banana: exit $QRC: $(words "$(head -2 "$QERR")")"
	fi
	if [ ! -e "$T/peer-bad.sock" ]; then
		pass
	else
		fail "peers: a bad --allow left $T/peer-bad.sock behind"
	fi
}

# listen_bad DESC RC TEXT ARGS...: the binary with ARGS, run in an empty
# directory, exits RC at once saying TEXT, and leaves the directory empty.
listen_bad() {
	local desc=$1 want=$2 text=$3 dir
	shift 3
	dir=$(mktemp -d "$T/cwd.XXXXXX")
	quick_exit listen-bad "$dir" -- "$@" -c "$T/fc.ini"
	if [ "$QRC" = "$want" ] && grep -qF -- "$text" "$QERR" &&
	    [ -z "$(ls -A "$dir")" ]; then
		pass "listen: $desc: exit $want: $(head -1 "$QERR")"
	else
		fail "listen: $desc: exit $QRC (expected $want, '$text'): $(words "$(head -2 "$QERR")"); the directory holds: '$(words "$(ls -A "$dir")")'"
	fi
}

listen_tests() {
	local port spec out dir sock pid first
	rules "$T/fc.ini" h
	port=$(free_port)
	for spec in ":$port" "*:$port" "0.0.0.0:$port" "[::]:$port"; do
		listen_bad "--listen $spec without --allow" 2 "needs an allow-list" \
		    --listen "$spec" --workers 1
	done
	listen_bad "--listen 10.9.9.9:$port (not loopback) without --allow" 2 \
	    "needs an allow-list" --listen "10.9.9.9:$port" --workers 1
	for spec in 127.0.0.1:70000 127.0.0.1:65536 127.0.0.1:0 127.0.0.1:90x; do
		listen_bad "--listen $spec" 2 "is not a number from 1 to 65535" \
		    --listen "$spec" --workers 1
	done
	for spec in 127.0.0.1:-1 127.0.0.1: localhost:http; do
		listen_bad "--listen $spec" 2 "is neither a socket path nor HOST:PORT" \
		    --listen "$spec" --workers 1
	done
	listen_bad "--listen ::1:9000" 2 "write an IPv6 address in brackets" \
	    --listen ::1:9000 --workers 1
	listen_bad "--listen [::1:9000" 2 "in brackets" --listen '[::1:9000' --workers 1
	listen_bad "--listen www.example.com:9000" 2 "not a numeric IPv4 address" \
	    --listen www.example.com:9000 --workers 1
	listen_bad "--socket-mode 0600 with TCP" 2 "--socket-mode is for a Unix socket" \
	    --listen "127.0.0.1:$port" --socket-mode 0600 --workers 1

	# Every address, with an allow-list: answers on 127.0.0.1.
	if start_listen listen-any 1 -- --listen "0.0.0.0:$port" --allow 127.0.0.1 \
	    --workers 1; then
		if out=$(client get "127.0.0.1:$port" /a) && [ "$out" = "$(A h)" ]; then
			pass "listen: 0.0.0.0:$port --allow 127.0.0.1 answers on 127.0.0.1"
		else
			fail "listen: 0.0.0.0:$port --allow 127.0.0.1: '$out'"
		fi
		stop "$LPID"
	fi

	# A relative path: made in the working directory with --socket-mode,
	# removed at exit.
	dir=$T/rel
	mkdir -p "$dir"
	if LISTEN_CWD=$dir start_listen listen-rel 1 -- --listen rel.sock \
	    --socket-mode 0640 --workers 1; then
		if [ -S "$dir/rel.sock" ] && [ "$(stat -c %a "$dir/rel.sock")" = 640 ] &&
		    out=$(client get "$dir/rel.sock" /a) && [ "$out" = "$(A h)" ]; then
			pass "listen: --listen rel.sock --socket-mode 0640: a socket of mode 0640 in the working directory, answering"
		else
			fail "listen: --listen rel.sock: $dir holds '$(words "$(ls -A "$dir")")', mode $(stat -c %a "$dir/rel.sock" 2>/dev/null); /a got '${out:-}'"
		fi
		stop "$LPID"
		if [ ! -e "$dir/rel.sock" ] && [ -z "$(ls -A "$dir")" ]; then
			pass "listen: rel.sock is removed at exit"
		else
			fail "listen: after SIGTERM, $dir holds '$(words "$(ls -A "$dir")")'"
		fi
	fi

	# A stale socket file (nothing listens): replaced.
	sock=$T/stale.sock
	rm -f "$sock"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	if [ -S "$sock" ] && start_listen listen-stale 1 -- --listen "$sock" --workers 1; then
		if out=$(client get "$sock" /a) && [ "$out" = "$(A h)" ]; then
			pass "listen: a stale socket file is replaced"
		else
			fail "listen: over a stale socket file: '$out'"
		fi
		first=$LPID

		# A live one: a second instance exits 1, the first goes on.
		quick_exit listen-live "$T" -- --listen "$sock" --workers 1 -c "$T/fc.ini"
		if [ "$QRC" = 1 ] && grep -q "another process listens on" "$QERR" &&
		    out=$(client get "$sock" /a) && [ "$out" = "$(A h)" ] &&
		    running "$first"; then
			pass "listen: a second instance on a live socket exits 1 ($(head -1 "$QERR")); the first answers"
		else
			fail "listen: a second instance on a live socket: exit $QRC: $(words "$(head -2 "$QERR")"); the first: '${out:-}'"
		fi
		stop "$first"
	fi

	# A regular file at the path: exit 1, the file untouched.
	printf 'not a socket\n' >"$T/regular.sock"
	cp "$T/regular.sock" "$T/regular.copy"
	quick_exit listen-file "$T" -- --listen "$T/regular.sock" --workers 1 -c "$T/fc.ini"
	if [ "$QRC" = 1 ] && grep -q "exists and is not a socket" "$QERR" &&
	    [ -f "$T/regular.sock" ] && cmp -s "$T/regular.sock" "$T/regular.copy"; then
		pass "listen: a regular file at the path: exit 1 ($(head -1 "$QERR")), the file untouched"
	else
		fail "listen: a regular file at the path: exit $QRC: $(words "$(head -2 "$QERR")"); the file $(cmp -s "$T/regular.sock" "$T/regular.copy" && echo untouched || echo changed)"
	fi
}

# Connections that never send a whole request, and one that never reads
# its answer: a worker is never held longer than --timeout (or 1 s after
# an answer).
stuck_tests() {
	local addr sock=$T/stuck.sock out kind hold_pid
	rules "$T/fc.ini" h
	addr=127.0.0.1:$(free_port)
	if start_listen stuck-tcp 2 -- --listen "$addr" --workers 2 --timeout 2; then
		if out=$(client stall "$addr" 2 idle 3 /a localhost "$(A h)"); then
			pass "stuck: --workers 2 --timeout 2 over TCP: $out"
		else
			fail "stuck: two idle TCP connections and --workers 2 --timeout 2: $out"
		fi
		if wait_log "$LLOG" "sent no whole request in time"; then
			pass "stuck: logged: $(grep -m1 -F 'sent no whole request in time' "$LLOG")"
		else
			fail "stuck: no 'sent no whole request in time' in the log: $(words "$(tail -2 "$LLOG")")"
		fi
		stop "$LPID"
	fi

	# A Unix socket, one worker, the timeout from the environment.
	if start_listen stuck-unix 1 FCGI_REDIRECT_TIMEOUT=2 -- --listen "$sock" \
	    --workers 1; then
		for kind in bytes3 begin; do
			if out=$(client stall "$sock" 1 "$kind" 3 /a localhost "$(A h)"); then
				pass "stuck: FCGI_REDIRECT_TIMEOUT=2 over a Unix socket: $out"
			else
				fail "stuck: a Unix socket, --workers 1, FCGI_REDIRECT_TIMEOUT=2: $out"
			fi
		done
		# Answered, then neither read nor closed: 1 s, not 2 (libfcgi).
		if out=$(client noread "$sock" 1.6 /a localhost "$(A h)"); then
			pass "stuck: $out"
		else
			fail "stuck: a peer that does not read its answer holds the only worker: $out"
		fi
		stop "$LPID"
	fi

	# SIGTERM while the only worker waits for a stalled head (default
	# --timeout 5): it waits at most a second more.
	if start_listen stuck-term 1 -- --listen "$sock" --workers 1; then
		$BOUNDED python3 "$CLIENT" hold "$sock" begin 8 >"$T/hold.out" 2>&1 &
		hold_pid=$!
		PIDS+=("$hold_pid")
		for _ in $(seq 60); do
			grep -q "connected" "$T/hold.out" && break
			sleep 0.05
		done
		sleep 0.2	# the worker takes it at once, and waits
		kill -TERM "$LPID"
		# It must have waited for the stalled head (else this proves
		# nothing), and no more than a second after SIGTERM.
		if wait_exit "$LPID" 2000 && [ "$EXIT_STATUS" = 0 ] &&
		    [ "$EXIT_MS" -ge 500 ] && ! grep -q "killing it" "$LLOG"; then
			pass "stuck: SIGTERM while a worker waits for a stalled request: status 0 in $EXIT_MS ms"
		else
			fail "stuck: SIGTERM while a worker waits for a stalled request: status '${EXIT_STATUS:-still running}' after $EXIT_MS ms: $(words "$(grep -E 'killing|stopping' "$LLOG")")"
			stop "$LPID"
		fi
		if wait_exit "$hold_pid" 3000 && [ "$EXIT_STATUS" = 0 ]; then
			pass "stuck: the stalled connection was closed: $(words "$(cat "$T/hold.out")")"
		else
			fail "stuck: the stalled connection: $(words "$(cat "$T/hold.out")")"
			stop "$hold_pid"
		fi
	fi
}

# The default number of workers: the CPUs of the affinity mask, at most
# 256.  The CPU count is faked by tests/ops/fake_cpus.c (LD_PRELOAD).  The
# server runs in a PID namespace of its own with an unrelated `sleep` of
# the same user: a parent that signalled PID -1 (as one did, with 300
# CPUs) would kill only that sleep, not this machine's processes.
workers_fake() {
	local n=$1 shim=$2 sock=$T/workers.sock log=$T/workers-$1.log ns init
	local pid='' sleeper='' p i kids out left
	rm -f "$sock"
	# shellcheck disable=SC2016 # expanded by that bash
	"${NS[@]}" bash -c 'sleep 60 & env LD_PRELOAD="$1" FAKE_CPUS="$2" "$3" \
	    --listen "$4" -c "$5" </dev/null >/dev/null 2>"$6" & wait' _ \
	    "$shim" "$n" "$BIN" "$sock" "$T/fc.ini" "$log" &
	ns=$!
	PIDS+=("$ns")
	for i in $(seq 100); do
		pid='' sleeper=''
		init=$(children "$ns" | head -1)
		for p in $(children "${init:-0}"); do
			case $(cat "/proc/$p/comm" 2>/dev/null) in
			sleep) sleeper=$p ;;
			*) pid=$p ;;
			esac
		done
		[ -n "$pid" ] && [ -n "$sleeper" ] && grep -q "listening on" "$log" 2>/dev/null &&
		    [ "$(children "$pid" | wc -l)" -ge 256 ] && break
		sleep 0.1
	done
	kids=$(children "${pid:-0}")
	if grep -q "$n CPUs: starting 256 workers" "$log" &&
	    grep -q "with 256 workers" "$log" && [ "$(echo "$kids" | grep -c .)" -eq 256 ]; then
		pass "workers: $n CPUs (faked): $(grep -F 'CPUs:' "$log" | head -1 | sed 's/ (the most.*//'), and 256 children"
	else
		fail "workers: $n CPUs (faked): $(echo "$kids" | grep -c .) children; log: $(words "$(head -3 "$log")")"
	fi
	if out=$(client get "$sock" /a) && [ "$out" = "$(A h)" ]; then
		pass
	else
		fail "workers: $n CPUs (faked): /a got '$out'"
	fi
	if [ -n "$pid" ]; then
		kill -TERM "$pid"
		for i in $(seq 50); do
			running "$pid" || break
			sleep 0.1
		done
	fi
	left=0
	for p in $kids; do
		running "$p" && left=$((left + 1))
	done
	if [ -n "$pid" ] && ! running "$pid" && [ "$left" -eq 0 ] &&
	    ! grep -q "killing it" "$log"; then
		pass "workers: $n CPUs (faked): SIGTERM stops the parent and its 256 workers within 5 s"
	else
		fail "workers: $n CPUs (faked): 5 s after SIGTERM the parent $(running "${pid:-0}" && echo runs || echo 'is gone'), $left workers run: $(words "$(tail -2 "$log")")"
	fi
	if [ -n "$sleeper" ] && running "$sleeper"; then
		pass "workers: $n CPUs (faked): an unrelated process of the same user survives"
	else
		fail "workers: $n CPUs (faked): the unrelated 'sleep 60' ($sleeper) of the same user was killed"
	fi
	# The namespace ends with its first process (unshare --kill-child).
	kill -KILL "$ns" 2>/dev/null
	wait "$ns" 2>/dev/null
	forget "$ns"
}

workers_tests() {
	local shim=${FAKE_CPUS_SO:-$TOP/build/test/fake_cpus.so} cpu out n
	rules "$T/fc.ini" h
	NS=()
	if unshare --pid --fork --kill-child true 2>/dev/null; then
		NS=(unshare --pid --fork --kill-child)
	elif unshare --user --map-root-user --pid --fork --kill-child true 2>/dev/null; then
		NS=(unshare --user --map-root-user --pid --fork --kill-child)
	fi
	if [ ! -f "$shim" ]; then
		echo "SKIPPED: ops: workers from a faked CPU count ($shim is missing: make build/test/fake_cpus.so)"
		[ "${CI:-}" = true ] && fail "CI=true, so the worker count tests may not be skipped"
	elif [ ${#NS[@]} -eq 0 ]; then
		echo "SKIPPED: ops: workers from a faked CPU count (no PID namespace: unshare --pid fails)"
		[ "${CI:-}" = true ] && fail "CI=true, so the worker count tests may not be skipped"
	else
		workers_fake 300 "$shim"
		workers_fake 257 "$shim"
	fi

	# The affinity mask: taskset to one CPU, one worker.
	cpu=$(taskset -pc $$ 2>/dev/null | sed 's/.*: //; s/[-,].*//')
	if [ -z "$cpu" ]; then
		echo "SKIPPED: ops: workers under taskset (no taskset)"
		return
	fi
	rm -f "$T/workers.sock"
	taskset -c "$cpu" "$BIN" --listen "$T/workers.sock" -c "$T/fc.ini" \
	    </dev/null >/dev/null 2>"$T/workers-taskset.log" &
	LPID=$!
	PIDS+=("$LPID")
	for _ in $(seq 60); do
		grep -q "listening on" "$T/workers-taskset.log" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.2	# more workers than one would show by now
	n=$(children "$LPID" | wc -l)
	if grep -q "with 1 workers" "$T/workers-taskset.log" && [ "$n" -eq 1 ] &&
	    out=$(client get "$T/workers.sock" /a) && [ "$out" = "$(A h)" ]; then
		pass "workers: taskset -c $cpu (nproc $(nproc --all)): 1 worker"
	else
		fail "workers: taskset -c $cpu: $n workers (nproc $(nproc --all)): $(words "$(head -2 "$T/workers-taskset.log")")"
	fi
	stop "$LPID"
}

# OPS_SECTIONS (see the top): the sections to run, all by default.
section() {
	[ -z "${OPS_SECTIONS:-}" ] || [[ " $OPS_SECTIONS " == *" $1 "* ]]
}
section reload && reload_tests
section settle && settle_tests
section held && held_tests
section signals && signal_tests
section standalone && standalone_tests
section limits && limit_tests
section hostile && hostile_tests
section peers && peer_tests
section listen && listen_tests
section stuck && stuck_tests
section workers && workers_tests
summary

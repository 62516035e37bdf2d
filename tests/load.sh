#!/usr/bin/env bash
# tests/load.sh BINARY: fcgi-redirect under load, through a real lighttpd,
# with wrk (tests/ops/load.lua checks every answer; tests/ops/
# load-versions.lua counts, per millisecond, which rule set version
# answered).  About 60 seconds, loopback and Unix sockets only; everything
# started is stopped by PID, every wait is bounded.
#
# 1. Reload under load.  lighttpd with the recipe etc/lighttpd/fcgi-redirect.conf
#    (bin-path: lighttpd starts two fcgi-redirect processes) takes wrk's
#    requests for LOAD_SECONDS (20) while another loop rewrites the rule
#    file 50 times, alternately valid (version A, then version B, whose
#    statuses and Locations differ for every path) and broken (rules of a
#    third version C with errors), by rename and in place in turn.  Every
#    answer must be A's or B's for its path: no 5xx, no socket error, no
#    answer from C, no status of one version with the Location of the
#    other.  Reports requests/s, the counts, the slowest answer and how
#    many loads the processes logged.  Then, under load again, version D
#    is renamed in (no SIGHUP): both processes must log loading it, and
#    every answer from RENAME_MS after the rename on (the settle time, the
#    once-a-second check, a margin) must be D's.
# 2. A worker killed under load.  `fcgi-redirect --listen SOCKET --workers 2`
#    behind lighttpd (fastcgi.server with "socket", no bin-path), wrk for 6
#    seconds, one worker SIGKILLed after 2: the failed requests are
#    counted (at most wrk's connections may fail), and the parent must have
#    started another worker and said so.
# 3. Reloads under load, then SIGTERM.  The same setup, wrk for 13 s with 64
#    connections and the workers at nice 10, so that a connection is always
#    waiting for them; three reloads 3 s apart (A to B, D, E: a rename and a
#    SIGHUP to the parent).  For each, every answer from REACH_MS (1 s)
#    after the SIGHUP until the next step must be the new version's (the
#    time of the last older answer is printed), and 2 s after the SIGHUP
#    none of the workers from before may be alive, 2 new ones serving.
#    Then SIGTERM to the parent under the same load: it and every worker
#    must be gone within STOP_MS (1 s; the time is printed), with exit
#    status 0 and the socket file removed.
# 4. A stuck worker.  The same setup with --timeout 2 (a grace of 4 s: the
#    timeout, the 1 s linger, 1 s), wrk for 8 s: one worker SIGSTOPped,
#    then a reload.  The parent must log "worker PID did not stop within",
#    the stopped worker must be gone and reaped within the grace + 2 s of
#    the SIGHUP, and meanwhile the new workers answer: from 2 s after the
#    SIGHUP on every answer is the new version's, and at most wrk's
#    connections fail.
# 5. SIGTERM to a spawn-fcgi process under load.  `spawn-fcgi -n -s SOCKET
#    -- fcgi-redirect` behind lighttpd ("socket"), wrk for 4 s, SIGTERM
#    after 1.5: it must exit 0 within STOP_MS (the time is printed).
#
# A binary without --timeout (before it existed) runs part 4 without it,
# so that it fails on behaviour, not on usage.  Needs lighttpd, wrk, curl
# and python3; without them it prints SKIPPED (a failure when CI=true);
# part 5 also needs spawn-fcgi.  Ends with "load: N passed, N failed";
# exit 1 when any check failed.

set -u
export LC_ALL=C

# shellcheck source=tests/proc.sh
. "$(dirname "$0")/proc.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd)
LUA=$TOP/tests/ops/load.lua
VLUA=$TOP/tests/ops/load-versions.lua
LOAD_SECONDS=${LOAD_SECONDS:-20}
REWRITES=50
# Rewrites come 0.4 s apart: the processes (lighttpd passes its environment
# on) read a changed file once it is 0.2 s old, not the default 2 s.
export FCGI_REDIRECT_SETTLE_MS=200
CONNS=10	# wrk connections
THREADS=5	# one per path of load.lua
# Parts 3 to 5 keep a connection always waiting for the FastCGI processes
# (the case in which they once never let a signal in): wrk has 64
# connections, and the processes run at nice 10, so that they, not
# lighttpd or wrk, are the bottleneck.
VCONNS=64	# wrk connections with load-versions.lua (4 threads)
BACKEND_NICE=10
# The limits the reloads and stops below must keep (ms).
REACH_MS=1000	# a SIGHUP to every answer from the new rules
RENAME_MS=$((FCGI_REDIRECT_SETTLE_MS + 1000 + 500))	# a rename, no SIGHUP:
		# settle time, the once-a-second check, a margin
STOP_MS=1000	# SIGTERM to every process gone
TIMEOUT=2	# --timeout for the stuck worker: its grace is
GRACE_MS=$((TIMEOUT * 1000 + 1000 + 1000))	# timeout + linger + 1 s

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); [ -z "${1:-}" ] || echo "load: ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "load: FAIL: $*"; }
summary() { echo "load: $PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }

case ${1:-} in
'') echo "usage: $0 BINARY" >&2; exit 2 ;;
/*) BIN=$1 ;;
*) BIN=$PWD/$1 ;;
esac
[ -x "$BIN" ] || { echo "$0: $BIN: not an executable" >&2; exit 2; }

PATH=$PATH:/usr/sbin
for cmd in lighttpd wrk curl python3; do
	if ! command -v $cmd >/dev/null 2>&1; then
		echo "SKIPPED: load ($cmd is missing: install lighttpd wrk curl python3)"
		[ "${CI:-}" = true ] && fail "CI=true, so the load tests may not be skipped"
		summary
		exit
	fi
done

# A binary from before --timeout runs the same scenarios without it, so
# that it fails on behaviour, not on usage.
TIMEOUT_OPT=()
if "$BIN" --help 2>&1 | grep -q -- --timeout; then
	TIMEOUT_OPT=(--timeout "$TIMEOUT")
else
	echo "load: note: $BIN knows no --timeout: the stuck worker's server runs without it"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-load.XXXXXX") || exit 2
chmod 755 "$T"
PIDS=()

# Stop everything started here, then any children (standalone workers,
# lighttpd's fcgi-redirect processes) a parent left behind.
cleanup() {
	stop_started
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_answer URL: up to 10 s for lighttpd to answer anything.
wait_answer() {
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# location URL: the Location of the answer ("" when none).
location() {
	curl -s -o /dev/null --max-time 2 -w '%{redirect_url}' -H 'Host: www.example.re' "$1"
}

# version V FILE: the rules of version V (a: 307 to a.example, fallback
# 404; b: 308 to b.example, fallback 410); version c (c.example) with
# errors is the broken file; any other (d, e: 307 to d.example...) has one
# rule more, so that the processes' "loaded N rules" line tells it from A
# and B.  1,000 map entries make each load do some work.
version() {
	local v=$1 status=307 fallback=404
	[ "$v" = b ] && { status=308; fallback=410; }
	{
		printf '[defaults]\nstatus   = %s\nfallback = %s\n\n' "$status" "$fallback"
		printf '[one]\npath = /p/one\nto   = https://%s.example/one\n\n' "$v"
		if [ "$v" = c ]; then
			printf '[oops]\npath   = /p/oops\nstatus = 999\nto     = /x\n\n'
		fi
		printf '[pre]\nprefix = /pre\nto     = https://%s.example/pre/\n\n' "$v"
		# shellcheck disable=SC2016 # $1 is the rule's capture
		printf '[item]\nregex = ^/item/([0-9]+)$\nto    = https://%s.example/item?id=$1\n\n' "$v"
		printf '[map m]\n'
		awk -v v="$v" 'BEGIN { for (i = 0; i < 1000; i++)
			printf "/old/%d.html = https://%s.example/m/%d\n", i, v, i }'
		case $v in
		a | b) ;;
		c) printf '[tail]\npath = /p/tail\n' ;;
		*) printf '\n[only]\npath = /only\nto   = https://%s.example/only\n' "$v" ;;
		esac
	} >"$2"
}

# report_value KEY: from the wrk report file $REPORT.
report_value() { sed -n "s/^$1 //p" "$REPORT"; }

# run_wrk SECONDS URL: wrk with load.lua; the report in $REPORT.
run_wrk() {
	LOAD_REPORT=$REPORT timeout $(($1 + 20)) wrk -t "$THREADS" -c "$CONNS" \
	    -d "${1}s" --timeout 5s -s "$LUA" "$2" >"$REPORT.out" 2>&1
}

# run_versions_wrk SECONDS URL: wrk with load-versions.lua (which version
# answered, when), VCONNS connections; the report in $REPORT.
run_versions_wrk() {
	LOAD_REPORT=$REPORT timeout $(($1 + 20)) wrk -t 4 -c "$VCONNS" \
	    -d "${1}s" --timeout 5s -s "$VLUA" "$2" >"$REPORT.out" 2>&1
}

# The wall clock in ms, as load-versions.lua reads it.
now_ms() { date +%s%3N; }

# sleep_until MS: sleep until the wall clock reads MS.
sleep_until() {
	local d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	return 0
}

# answers FROM TO WHICH: from the load-versions report $REPORT, the
# answers of the milliseconds in [FROM, TO), WHICH being a version (a, b, d, e, bad), !V (any but V) or any.
answers() {
	awk -v from="$1" -v to="$2" -v which="$3" '
	$1 == "at" && $2 >= from && $2 < to && (which == "any" ||
	    $3 == which || (which ~ /^!/ && $3 != substr(which, 2))) { n += $4 }
	END { print n + 0 }' "$REPORT"
}

# took_effect FROM TO V: ms from FROM to the end of the last millisecond
# in [FROM, TO) with an answer of another version than V (0: none).
took_effect() {
	awk -v from="$1" -v to="$2" -v v="$3" '
	$1 == "at" && $2 >= from && $2 < to && $3 != v { last = $2 + 1 - from }
	END { print last + 0 }' "$REPORT"
}

# rule_count FILE: the rules and map entries of FILE, as a process logs
# them when it loads it ("loaded N rules and map entries").
rule_count() {
	"$BIN" --check -c "$1" 2>/dev/null |
	    sed -n 's/.*ok: \([0-9]*\) rules.* with \([0-9]*\) entries.*/\1 \2/p' |
	    awk '{ print $1 + $2 }'
}

# gone_within START LIMIT PID...: wait until START + LIMIT (ms of the
# wall clock) for every PID to be gone (exited; a zombie counts as gone);
# prints the ms from START until they were, or nothing.
gone_within() {
	local start=$1 limit=$2 p alive
	shift 2
	while :; do
		alive=0
		for p in "$@"; do
			running "$p" && { alive=1; break; }
		done
		[ "$alive" -eq 0 ] && { echo $(($(now_ms) - start)); return 0; }
		[ $(($(now_ms) - start)) -ge "$limit" ] && return 1
		sleep 0.01
	done
}

# lighttpd_head PORT ERRORLOG: the lines every lighttpd here starts with
# (loopback, mod_fastcgi, room for wrk's connections).
lighttpd_head() {
	cat <<CONF
server.document-root = "$T"
server.bind          = "127.0.0.1"
server.port          = $1
server.errorlog      = "$2"
server.max-connections = 1024
server.modules      += ( "mod_fastcgi" )
CONF
}

# front NAME SOCKET: lighttpd in front of the FastCGI socket SOCKET
# (fastcgi.server with "socket", no bin-path); sets FRONT_PID, FRONT_URL.
front() {
	local port conf=$T/lighttpd-$1.conf
	port=$(free_port)
	FRONT_URL=http://127.0.0.1:$port
	{
		lighttpd_head "$port" "$T/lighttpd-$1.log"
		cat <<CONF
fastcgi.server += ( "/" => ((
	"socket"      => "$2",
	"check-local" => "disable",
)) )
CONF
	} >"$conf"
	lighttpd -D -f "$conf" </dev/null >"$T/lighttpd-$1.out" 2>&1 &
	FRONT_PID=$!
	PIDS+=("$FRONT_PID")
	if ! wait_answer "$FRONT_URL/"; then
		fail "$1: lighttpd did not start: $(tail -3 "$T/lighttpd-$1.log" "$T/lighttpd-$1.out" 2>/dev/null)"
		return 1
	fi
}

# standalone NAME RULES [OPTION...]: `fcgi-redirect --listen $T/NAME.sock
# --workers 2 -c RULES OPTION...` at nice BACKEND_NICE (its stderr in $T/NAME.log) with
# lighttpd in front; sets SA_PID, SA_SOCK, SA_LOG and front()'s variables.
standalone() {
	local name=$1 rf=$2 i
	shift 2
	SA_SOCK=$T/$name.sock
	SA_LOG=$T/$name.log
	nice -n "$BACKEND_NICE" "$BIN" --listen "$SA_SOCK" --workers 2 -c "$rf" "$@" \
	    </dev/null >/dev/null 2>"$SA_LOG" &
	SA_PID=$!
	PIDS+=("$SA_PID")
	for i in $(seq 100); do
		[ -S "$SA_SOCK" ] && [ "$(children "$SA_PID" | wc -l)" -eq 2 ] && break
		sleep 0.05
	done
	if [ ! -S "$SA_SOCK" ] || [ "$(children "$SA_PID" | wc -l)" -ne 2 ]; then
		fail "$name: the standalone server did not start with 2 workers: $(tr '\n' ' ' <"$SA_LOG")"
		return 1
	fi
	front "$name" "$SA_SOCK"
}

# --------------------------------------------- 1. reload under load
reload_under_load() {
	local port conf rf=$T/rules.ini log=$T/lighttpd.log lpid wpid i v n
	local url bad errors rps a b requests loads refused nd t0 tr other new
	version a "$T/a.ini"
	version b "$T/b.ini"
	version c "$T/c.ini"
	if ! "$BIN" --check -c "$T/a.ini" >/dev/null || ! "$BIN" --check -c "$T/b.ini" >/dev/null ||
	    "$BIN" --check -c "$T/c.ini" >/dev/null; then
		fail "reload under load: the versions do not --check as meant"
		return
	fi
	cp "$T/a.ini" "$rf"
	port=$(free_port)
	url=http://127.0.0.1:$port
	conf=$T/lighttpd.conf
	{
		lighttpd_head "$port" "$log"
		cat <<CONF
var.fcgi_redirect_bin    = "$BIN"
var.fcgi_redirect_rules  = "$rf"
var.fcgi_redirect_socket = "$T/fcgi-redirect.socket"
include "$TOP/etc/lighttpd/fcgi-redirect.conf"
CONF
	} >"$conf"
	lighttpd -D -f "$conf" </dev/null >"$T/lighttpd.out" 2>&1 &
	lpid=$!
	PIDS+=("$lpid")
	if ! wait_answer "$url/"; then
		fail "reload under load: lighttpd did not start: $(tail -3 "$log" "$T/lighttpd.out" 2>/dev/null)"
		return
	fi
	if [ "$(location "$url/p/one")" != https://a.example/one ]; then
		fail "reload under load: before the load, /p/one: '$(location "$url/p/one")'"
		return
	fi

	# The rewriter: A, broken, B, broken... by rename and in place in turn.
	(
		for i in $(seq "$REWRITES"); do
			sleep "$(awk -v s="$LOAD_SECONDS" -v n="$REWRITES" 'BEGIN { printf "%.3f", s / (n + 1) }')"
			case $((i % 4)) in
			1) v=a ;; 3) v=b ;; *) v=c ;;
			esac
			# Each version is written both ways over the run.
			if [ $(((i + i / 4) % 2)) -eq 0 ]; then
				cp "$T/$v.ini" "$rf.tmp" && mv -f "$rf.tmp" "$rf"
				echo "$i $v rename" >>"$T/rewrites"
			else
				cat "$T/$v.ini" >"$rf"
				echo "$i $v in-place" >>"$T/rewrites"
			fi
		done
	) &
	wpid=$!
	PIDS+=("$wpid")
	REPORT=$T/report1
	run_wrk "$LOAD_SECONDS" "$url"
	wait "$wpid"
	forget "$wpid"

	requests=$(report_value requests)
	if [ -z "$requests" ]; then
		fail "reload under load: no wrk report: $(tail -5 "$REPORT.out")"
		return
	fi
	a=$(report_value a)
	b=$(report_value b)
	bad=$(report_value bad)
	errors=$(report_value errors)
	rps=$(report_value rps)
	n=$(grep -c . "$T/rewrites" 2>/dev/null)
	# The processes' stderr is lighttpd's (bin-path): both files.
	loads=$(cat "$log" "$T/lighttpd.out" | grep -c "loaded .* rules")
	refused=$(cat "$log" "$T/lighttpd.out" | grep -c "not loaded")
	echo "load: reload under load: $requests requests in ${LOAD_SECONDS} s ($rps/s) over $CONNS connections, $n rewrites; from A $a, from B $b, bad $bad, socket errors $errors; slowest $(report_value max_ms) ms, p99 $(report_value p99_ms) ms; the 2 processes logged $loads loads (2 at start) and $refused refused files"
	if [ "$n" -eq "$REWRITES" ]; then
		pass
	else
		fail "reload under load: only $n of $REWRITES rewrites were made"
	fi
	if [ "$bad" -eq 0 ] && [ "$errors" -eq 0 ] && [ $((a + b)) -eq "$requests" ]; then
		pass "reload under load: every one of $requests answers came from A or B whole"
	else
		fail "reload under load: $bad wrong answers, $errors socket errors: $(grep '^example' "$REPORT" | head -5 | tr '\n' '|')"
	fi
	if [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$refused" -gt 0 ] && [ "$loads" -gt 2 ]; then
		pass "reload under load: both versions served, broken files refused"
	else
		fail "reload under load: A $a, B $b answers, $loads loads, $refused refused files: the rewrites were not seen"
	fi
	if [ "${rps%.*}" -ge 2000 ]; then
		pass
	else
		fail "reload under load: only $rps requests/s (several thousand expected)"
	fi
	# The last rewrite left version b or c; A by rename must show soon.
	cp "$T/a.ini" "$rf.tmp" && mv -f "$rf.tmp" "$rf"
	for _ in $(seq 50); do
		[ "$(location "$url/p/one")" = https://a.example/one ] && break
		sleep 0.1
	done
	if [ "$(location "$url/p/one")" = https://a.example/one ]; then
		pass "reload under load: the last version is served afterwards"
	else
		fail "reload under load: 5 s after A was written, /p/one: '$(location "$url/p/one")'"
	fi

	# A rename, no SIGHUP, under load: version D must reach both
	# processes within the settle time, the once-a-second check and a
	# margin.  D has one rule more than A, B and C, so each process's
	# "loaded N rules" line for it is told from the others.
	version d "$T/d.ini"
	nd=$(rule_count "$T/d.ini")
	REPORT=$T/report1b
	t0=$(now_ms)
	run_versions_wrk 4 "$url" &
	wpid=$!
	PIDS+=("$wpid")
	sleep_until $((t0 + 1000))
	tr=$(now_ms)
	cp "$T/d.ini" "$rf.tmp" && mv -f "$rf.tmp" "$rf"
	wait "$wpid"
	forget "$wpid"
	if [ -z "$(report_value requests)" ]; then
		fail "rename under load: no wrk report: $(tail -5 "$REPORT.out")"
		stop_pids "$lpid"
		return
	fi
	other=$(answers $((tr + RENAME_MS)) 99999999999999 '!d')
	new=$(answers $((tr + RENAME_MS)) 99999999999999 d)
	loads=$(cat "$log" "$T/lighttpd.out" | grep -c "loaded $nd rules")
	echo "load: rename under load (bin-path, 2 processes): $(report_value requests) requests ($(report_value rps)/s) over $VCONNS connections; the last answer from older rules came $(took_effect "$tr" 99999999999999 d) ms after the rename; from $RENAME_MS ms on: $new from D, $other others; $loads processes logged loading D"
	if [ "$other" -eq 0 ] && [ "$new" -gt 0 ] && [ "$loads" -eq 2 ]; then
		pass "rename under load: both processes loaded D, and every answer from $RENAME_MS ms after the rename on came from D"
	else
		fail "rename under load: $loads processes loaded D; from $RENAME_MS ms after the rename on, $other answers did not come from D ($new did)"
	fi
	stop_pids "$lpid"
}

# --------------------------------------------- 2. a worker killed under load
worker_killed_under_load() {
	local rf=$T/sa.ini ppid url i victim kids requests bad errors failed n rps secs=6
	version a "$rf"
	standalone worker-killed "$rf" || return
	ppid=$SA_PID
	url=$FRONT_URL
	REPORT=$T/report2
	run_wrk "$secs" "$url" &
	i=$!
	PIDS+=("$i")
	sleep 2
	victim=$(children "$ppid" | head -1)
	kill -KILL "$victim"
	wait "$i"
	forget "$i"
	requests=$(report_value requests)
	if [ -z "$requests" ]; then
		fail "worker killed: no wrk report: $(tail -5 "$REPORT.out")"
		return
	fi
	bad=$(report_value bad)
	errors=$(report_value errors)
	rps=$(report_value rps)
	failed=$((bad + errors))
	echo "load: worker killed under load: $requests requests in $secs s ($rps/s) over $CONNS connections; SIGKILL to worker $victim after 2 s; failed: $failed ($bad wrong or 5xx answers, $errors socket errors)$(grep '^example' "$REPORT" | head -3 | sed 's/^example/;/' | tr '\n' ' ')"
	if [ "$failed" -le "$CONNS" ]; then
		pass "worker killed: $failed failed requests, at most the $CONNS connections in flight"
	else
		fail "worker killed: $failed requests failed, more than the $CONNS connections in flight"
	fi
	for i in $(seq 60); do
		kids=$(children "$ppid")
		n=$(echo "$kids" | grep -c .)
		[ "$n" -eq 2 ] && ! echo "$kids" | grep -qx "$victim" && break
		sleep 0.05
	done
	if [ "$n" -eq 2 ] && ! echo "$kids" | grep -qx "$victim" &&
	    grep -q "worker $victim killed by signal 9; starting another" "$SA_LOG"; then
		pass "worker killed: the parent replaced it: $(grep "worker $victim" "$SA_LOG")"
	else
		fail "worker killed: workers now '$(printf '%s' "$kids" | tr '\n' ' ')'; log: $(tr '\n' '|' <"$SA_LOG")"
	fi
	stop_pids "$FRONT_PID"
	kill -TERM "$ppid"
	for i in $(seq 50); do
		running "$ppid" || break
		sleep 0.1
	done
	if ! running "$ppid" && wait "$ppid"; then
		forget "$ppid"
		pass
	else
		fail "worker killed: the standalone parent did not exit 0 on SIGTERM"
	fi
}

# --------------------------------------------- 3. reloads under load, then SIGTERM
# Three reloads 3 s apart, each a rename and a SIGHUP to the --listen
# parent, under wrk; then SIGTERM under the same load.
reloads_under_load() {
	local rf=$T/re.ini t0 k v vs=(b d e) at=() olds=() nkids=() before after p
	local wrkpid workers ts stop_ms rc from to other new took bad requests
	for v in a "${vs[@]}"; do
		version "$v" "$T/$v.ini"
	done
	cp "$T/a.ini" "$rf"
	standalone reloads "$rf" || return
	REPORT=$T/report3
	t0=$(now_ms)
	run_versions_wrk 13 "$FRONT_URL" &
	wrkpid=$!
	PIDS+=("$wrkpid")
	for k in 0 1 2; do
		sleep_until $((t0 + 1500 + k * 3000))
		before=$(children "$SA_PID")
		cp "$T/${vs[k]}.ini" "$rf.tmp" && mv -f "$rf.tmp" "$rf"
		at[k]=$(now_ms)
		kill -HUP "$SA_PID"
		sleep_until $((at[k] + 2000))
		after=$(children "$SA_PID")
		olds[k]=
		for p in $before; do
			echo "$after" | grep -qx "$p" && olds[k]="${olds[k]} $p"
		done
		nkids[k]=$(echo "$after" | grep -c .)
	done
	# 3a. SIGTERM to the parent under the same load.
	sleep_until $((t0 + 10500))
	workers=$(children "$SA_PID")
	ts=$(now_ms)
	kill -TERM "$SA_PID"
	# shellcheck disable=SC2086 # the worker PIDs, one word each
	stop_ms=$(gone_within "$ts" 5000 "$SA_PID" $workers)
	if [ -z "$stop_ms" ]; then
		stop_pids "$SA_PID"
		rc=killed
	else
		wait "$SA_PID"
		rc=$?
		forget "$SA_PID"
	fi
	wait "$wrkpid"
	forget "$wrkpid"
	stop_pids "$FRONT_PID"
	requests=$(report_value requests)
	if [ -z "$requests" ]; then
		fail "reloads: no wrk report: $(tail -5 "$REPORT.out")"
		return
	fi
	at[3]=$ts
	bad=$(answers "$t0" "$ts" bad)
	echo "load: reloads under load: $requests requests ($(report_value rps)/s) over $VCONNS connections to --listen --workers 2; $bad bad answers before the SIGTERM, $(report_value errors) socket errors; slowest $(report_value max_ms) ms"
	for k in 0 1 2; do
		v=${vs[k]}
		from=$((at[k] + REACH_MS))
		to=${at[k + 1]}
		other=$(answers "$from" "$to" "!$v")
		new=$(answers "$from" "$to" "$v")
		took=$(took_effect "${at[k]}" "$to" "$v")
		echo "load: reload $((k + 1)) (to ${v^^}): the last answer from older rules came ${took} ms after the SIGHUP; from ${REACH_MS} ms on: $new from ${v^^}, $other others ($(grep '^at' "$REPORT" | awk -v f="$from" -v t="$to" -v v="$v" '$2 >= f && $2 < t && $3 != v { s[$3] += $4 } END { for (x in s) printf "%s %d ", x, s[x] }'))"
		if [ "$other" -eq 0 ] && [ "$new" -gt 0 ]; then
			pass "reload $((k + 1)) under load: every answer from ${REACH_MS} ms after the SIGHUP on came from ${v^^} (all of them after ${took} ms)"
		else
			fail "reload $((k + 1)) under load: from ${REACH_MS} ms after the SIGHUP to the next step, $other answers did not come from ${v^^} ($new did; the last other ${took} ms after it)"
		fi
		if [ -z "${olds[k]}" ] && [ "${nkids[k]}" -eq 2 ]; then
			pass "reload $((k + 1)) under load: 2 s after the SIGHUP, the old workers are gone and 2 new ones serve"
		else
			fail "reload $((k + 1)) under load: 2 s after the SIGHUP, old workers still alive:${olds[k]:- none}; ${nkids[k]} workers"
		fi
	done
	if [ "$bad" -eq 0 ]; then
		pass "reloads under load: no bad answer before the SIGTERM"
	else
		fail "reloads under load: $bad bad answers before the SIGTERM: $(grep '^example' "$REPORT" | head -3 | tr '\n' '|')"
	fi
	echo "load: SIGTERM to the --listen parent under load: it and its workers gone after ${stop_ms:-more than 5000} ms, exit status $rc"
	if [ -n "$stop_ms" ] && [ "$stop_ms" -le "$STOP_MS" ]; then
		pass "SIGTERM under load: the --listen parent and its workers stopped in $stop_ms ms"
	else
		fail "SIGTERM under load: the --listen parent and its workers took ${stop_ms:-more than 5000} ms to stop (at most $STOP_MS)"
	fi
	if [ "$rc" = 0 ] && [ ! -e "$SA_SOCK" ]; then
		pass "SIGTERM under load: exit status 0, socket file removed"
	else
		fail "SIGTERM under load: exit status $rc; socket file $([ -e "$SA_SOCK" ] && echo left || echo removed)"
	fi
}

# --------------------------------------------- 4. a stuck worker
# One worker SIGSTOPped (stuck), then a reload: the parent SIGTERMs the
# old generation and SIGKILLs what is still there after the grace period.
stuck_worker_killed() {
	local rf=$T/st.ini t0 th victim sibling wrkpid gone_ms sib_ms bad errors new other requests
	version a "$rf"
	version b "$T/b.ini"
	standalone stuck "$rf" "${TIMEOUT_OPT[@]}" || return
	REPORT=$T/report4
	t0=$(now_ms)
	run_versions_wrk 8 "$FRONT_URL" &
	wrkpid=$!
	PIDS+=("$wrkpid")
	sleep_until $((t0 + 1000))
	victim=$(children "$SA_PID" | head -1)
	sibling=$(children "$SA_PID" | sed -n 2p)
	kill -STOP "$victim"
	cp "$T/b.ini" "$rf.tmp" && mv -f "$rf.tmp" "$rf"
	th=$(now_ms)
	kill -HUP "$SA_PID"
	sib_ms=$(gone_within "$th" $((GRACE_MS + 2000)) "$sibling")
	gone_ms=
	while [ $(($(now_ms) - th)) -lt $((GRACE_MS + 2000)) ]; do
		# Gone, and reaped by the parent: no /proc entry left.
		[ -z "$(proc_state "$victim")" ] && { gone_ms=$(($(now_ms) - th)); break; }
		sleep 0.02
	done
	if [ -n "$(proc_state "$victim")" ] && grep -qaF -- "$BIN" "/proc/$victim/cmdline"; then
		kill -KILL "$victim"	# not killed by its parent: by us
	fi
	wait "$wrkpid"
	forget "$wrkpid"
	requests=$(report_value requests)
	if [ -z "$requests" ]; then
		fail "stuck worker: no wrk report: $(tail -5 "$REPORT.out")"
		stop_pids "$FRONT_PID" "$SA_PID"
		return
	fi
	bad=$(answers 0 99999999999999 bad)
	errors=$(report_value errors)
	new=$(answers $((th + 2000)) $((th + ${gone_ms:-6000})) b)
	other=$(answers $((th + 2000)) 99999999999999 a)
	echo "load: stuck worker: $requests requests ($(report_value rps)/s); worker $victim SIGSTOPped, then SIGHUP; its sibling stopped ${sib_ms:-more than $((GRACE_MS + 2000))} ms and it was gone ${gone_ms:-more than $((GRACE_MS + 2000))} ms after the SIGHUP (grace $GRACE_MS ms); from 2 s after the SIGHUP on: $new answers from B until it was gone, $other from A after; $bad bad answers, $errors socket errors"
	if grep -q "worker $victim did not stop within" "$SA_LOG"; then
		pass "stuck worker: the parent said: $(grep "worker $victim did not stop" "$SA_LOG" | head -1)"
	else
		fail "stuck worker: no 'worker $victim did not stop within' in the log: $(tr '\n' '|' <"$SA_LOG")"
	fi
	if [ -n "$gone_ms" ]; then
		pass "stuck worker: gone and reaped $gone_ms ms after the SIGHUP (at most grace $GRACE_MS + 2000)"
	else
		fail "stuck worker: still there $((GRACE_MS + 2000)) ms after the SIGHUP (grace $GRACE_MS ms)"
	fi
	if [ "$new" -gt 0 ] && [ "$other" -eq 0 ] && [ $((bad + errors)) -le "$VCONNS" ]; then
		pass "stuck worker: meanwhile the new workers answered ($new from B, $bad bad, $errors socket errors)"
	else
		fail "stuck worker: meanwhile $new answers from B, $other from A, $bad bad, $errors socket errors: $(grep '^example' "$REPORT" | head -3 | tr '\n' '|')"
	fi
	stop_pids "$FRONT_PID" "$SA_PID"
}

# --------------------------------------------- 5. SIGTERM to spawn-fcgi's process under load
spawn_fcgi_stops() {
	local rf=$T/sf.ini sock=$T/sf.sock pid t0 ts wrkpid stop_ms rc i
	if ! command -v spawn-fcgi >/dev/null 2>&1; then
		echo "SKIPPED: load: SIGTERM to a spawn-fcgi process (spawn-fcgi is missing)"
		[ "${CI:-}" = true ] && fail "CI=true, so spawn-fcgi may not be missing"
		return
	fi
	version a "$rf"
	# -n: spawn-fcgi becomes nice, which becomes fcgi-redirect (no fork),
	# so $! is its PID.
	spawn-fcgi -n -s "$sock" -- "$(command -v nice)" -n "$BACKEND_NICE" "$BIN" -c "$rf" \
	    </dev/null >/dev/null 2>"$T/sf.log" &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 100); do
		[ -S "$sock" ] && grep -qaF -- "$BIN" "/proc/$pid/cmdline" 2>/dev/null && break
		sleep 0.05
	done
	if ! grep -qaF -- "$BIN" "/proc/$pid/cmdline" 2>/dev/null; then
		fail "spawn-fcgi: $BIN did not start on $sock: $(tr '\n' ' ' <"$T/sf.log")"
		return
	fi
	front spawn-fcgi "$sock" || return
	REPORT=$T/report5
	t0=$(now_ms)
	run_versions_wrk 4 "$FRONT_URL" &
	wrkpid=$!
	PIDS+=("$wrkpid")
	sleep_until $((t0 + 1500))
	ts=$(now_ms)
	kill -TERM "$pid"
	stop_ms=$(gone_within "$ts" 5000 "$pid")
	if [ -z "$stop_ms" ]; then
		stop_pids "$pid"
		rc=killed
	else
		wait "$pid"
		rc=$?
		forget "$pid"
	fi
	wait "$wrkpid"
	forget "$wrkpid"
	stop_pids "$FRONT_PID"
	echo "load: SIGTERM to a spawn-fcgi process under load: $(answers "$t0" "$ts" a) answers in the 1.5 s before ($(report_value errors) socket errors); it exited after ${stop_ms:-more than 5000} ms, status $rc"
	if [ "$(answers "$t0" "$ts" a)" -gt 0 ] && [ -n "$stop_ms" ] &&
	    [ "$stop_ms" -le "$STOP_MS" ] && [ "$rc" = 0 ]; then
		pass "SIGTERM under load: the spawn-fcgi process exited 0 in $stop_ms ms"
	else
		fail "SIGTERM under load: the spawn-fcgi process took ${stop_ms:-more than 5000} ms (at most $STOP_MS), status $rc"
	fi
}

reload_under_load
worker_killed_under_load
reloads_under_load
stuck_worker_killed
spawn_fcgi_stops
summary

#!/usr/bin/env bash
# tests/load.sh BINARY: fcgi-redirect under load, through a real lighttpd,
# with wrk (tests/ops/load.lua checks every answer).  About 30 seconds,
# loopback and Unix sockets only; everything started is stopped by PID.
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
#    many loads the processes logged.
# 2. A worker killed under load.  `fcgi-redirect --listen SOCKET --workers 2`
#    behind lighttpd (fastcgi.server with "socket", no bin-path), wrk for 6
#    seconds, one worker SIGKILLed after 2: the failed requests are
#    counted (at most wrk's connections may fail), and the parent must have
#    started another worker and said so.
#
# Needs lighttpd, wrk, curl and python3; without them it prints SKIPPED
# (a failure when CI=true).  Ends with "load: N passed, N failed"; exit 1
# when any check failed.

set -u
export LC_ALL=C

# shellcheck source=tests/proc.sh
. "$(dirname "$0")/proc.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd)
LUA=$TOP/tests/ops/load.lua
LOAD_SECONDS=${LOAD_SECONDS:-20}
REWRITES=50
# Rewrites come 0.4 s apart: the processes (lighttpd passes its environment
# on) read a changed file once it is 0.2 s old, not the default 2 s.
export FCGI_REDIRECT_SETTLE_MS=200
CONNS=10	# wrk connections
THREADS=5	# one per path of load.lua

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
# errors is the broken file.  1,000 map entries make each load do some
# work.
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
		if [ "$v" = c ]; then
			printf '[tail]\npath = /p/tail\n'
		fi
	} >"$2"
}

# report_value KEY: from the wrk report file $REPORT.
report_value() { sed -n "s/^$1 //p" "$REPORT"; }

# run_wrk SECONDS URL: wrk with load.lua; the report in $REPORT.
run_wrk() {
	LOAD_REPORT=$REPORT timeout $(($1 + 20)) wrk -t "$THREADS" -c "$CONNS" \
	    -d "${1}s" --timeout 5s -s "$LUA" "$2" >"$REPORT.out" 2>&1
}

# --------------------------------------------- 1. reload under load
reload_under_load() {
	local port conf rf=$T/rules.ini log=$T/lighttpd.log lpid wpid i v n
	local url bad errors rps a b requests loads refused
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
	cat >"$conf" <<CONF
server.document-root = "$T"
server.bind          = "127.0.0.1"
server.port          = $port
server.errorlog      = "$log"
server.max-connections = 1024
server.modules      += ( "mod_fastcgi" )
var.fcgi_redirect_bin    = "$BIN"
var.fcgi_redirect_rules  = "$rf"
var.fcgi_redirect_socket = "$T/fcgi-redirect.socket"
include "$TOP/etc/lighttpd/fcgi-redirect.conf"
CONF
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
	stop_pids "$lpid"
}

# --------------------------------------------- 2. a worker killed under load
worker_killed_under_load() {
	local port conf rf=$T/sa.ini sock=$T/sa.sock log=$T/sa.log ppid lpid
	local url i victim kids requests bad errors failed n rps secs=6
	version a "$rf"
	"$BIN" --listen "$sock" --workers 2 -c "$rf" </dev/null >/dev/null 2>"$log" &
	ppid=$!
	PIDS+=("$ppid")
	for i in $(seq 100); do
		[ -S "$sock" ] && [ "$(children "$ppid" | wc -l)" -eq 2 ] && break
		sleep 0.05
	done
	if [ ! -S "$sock" ]; then
		fail "worker killed: the standalone server did not start: $(tr '\n' ' ' <"$log")"
		return
	fi
	port=$(free_port)
	url=http://127.0.0.1:$port
	conf=$T/lighttpd-sa.conf
	cat >"$conf" <<CONF
server.document-root = "$T"
server.bind          = "127.0.0.1"
server.port          = $port
server.errorlog      = "$T/lighttpd-sa.log"
server.modules      += ( "mod_fastcgi" )
fastcgi.server += ( "/" => ((
	"socket"      => "$sock",
	"check-local" => "disable",
)) )
CONF
	lighttpd -D -f "$conf" </dev/null >"$T/lighttpd-sa.out" 2>&1 &
	lpid=$!
	PIDS+=("$lpid")
	if ! wait_answer "$url/"; then
		fail "worker killed: lighttpd did not start: $(tail -3 "$T/lighttpd-sa.log")"
		return
	fi
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
	    grep -q "worker $victim killed by signal 9; starting another" "$log"; then
		pass "worker killed: the parent replaced it: $(grep "worker $victim" "$log")"
	else
		fail "worker killed: workers now '$(printf '%s' "$kids" | tr '\n' ' ')'; log: $(tr '\n' '|' <"$log")"
	fi
	stop_pids "$lpid"
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

reload_under_load
worker_killed_under_load
summary

#!/usr/bin/env bash
# tests/fastcgi.sh BINARY: run BINARY as a FastCGI server and send it each
# row of tests/cases.tsv with cgi-fcgi (see tests/lib.sh for the checks).
#
# One server per rule file of the table, started in the foreground by
# `spawn-fcgi -n -s SOCKET -- BINARY -c RULEFILE` on a Unix socket in a
# temp dir (no TCP port that could clash), its stderr kept in a log that
# the stderr~ expectations read.  Each request is
# `env -i CGI-VARIABLES cgi-fcgi -bind -connect SOCKET`: cgi-fcgi sends its
# environment and stdin as FastCGI records and prints the answer.  Then the
# FastCGI-only checks: 200 requests in a row to one process all answer
# right, and the process outlives 400 and 414 answers.  All of it runs
# twice (tests/lib.sh, compile_images): servers of the rule files with
# images off (FCGI_REDIRECT_IMAGE=off), then servers named an image of
# each (-c IMAGE), compiled beforehand with --compile from a copy that is
# gone by then.
#
# Without spawn-fcgi or cgi-fcgi it prints "SKIPPED: ..." and counts the
# rows as skipped, unless CI=true, where that is a failure.
# Ends with "fastcgi: N passed, N failed, N skipped"; exit 1 if any failed.

set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
lib_binary "${1:-}"

PASSED=0
FAILED=0
SKIPPED=0
EXTRA_CHECKS=5		# per pass, the 200-request run and the still-alive
			# check; and the images compiled

if ! command -v spawn-fcgi >/dev/null 2>&1 ||
    ! command -v cgi-fcgi >/dev/null 2>&1; then
	echo "SKIPPED: fastcgi (install spawn-fcgi libfcgi-bin)"
	n=$(grep -Ecv '^(#|[[:space:]]*$)' "$CASES")
	n=$((2 * n + EXTRA_CHECKS))	# two passes
	if [ "${CI:-}" = true ]; then
		echo "fastcgi: FAIL CI=true, so the FastCGI tests may not be skipped"
		echo "fastcgi: 0 passed, $n failed, 0 skipped"
		exit 1
	fi
	echo "fastcgi: 0 passed, 0 failed, $n skipped"
	exit 0
fi

GEN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-fcgi.XXXXXX") || exit 2
SERVER_PIDS=()

# Stop every server this script started (by PID), bounded, then clean up.
cleanup() {
	local pid i
	for pid in "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SERVER_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$GEN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
make_generated_rules "$GEN_DIR"

# Server n serves rule file (or image) SRV_RULES[n] on GEN_DIR/s$n.sock,
# logging its stderr to GEN_DIR/s$n.log; SRV_PID[n] is its PID.
SRV_RULES=()
SRV_PID=()

# server_of RULEFILE: SRV (the index) of its server; 1 if there is none.
server_of() {
	local i
	for i in "${!SRV_RULES[@]}"; do
		if [ "${SRV_RULES[$i]}" = "$1" ]; then
			SRV=$i
			return 0
		fi
	done
	return 1
}

# start_server RULEFILE: spawn a server and wait (bounded) for its socket;
# in the ini pass, with images off.  Returns 1 if it did not come up.
start_server() {
	local rf=$1 n sock log pid i env=()
	n=${#SRV_RULES[@]}
	sock=$GEN_DIR/s$n.sock
	log=$GEN_DIR/s$n.log
	[ "$PASS" = ini ] && env=(FCGI_REDIRECT_IMAGE=off)
	# No GATEWAY_INTERFACE here: under it the binary ignores its options.
	env -u GATEWAY_INTERFACE "${env[@]}" spawn-fcgi -n -s "$sock" -- \
	    "$BIN" -c "$rf" </dev/null >"$log" 2>&1 &
	pid=$!
	SERVER_PIDS+=("$pid")
	SRV_RULES[n]=$rf
	SRV_PID[n]=$pid
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "fastcgi: server for $rf did not start: $(tr '\n' ' ' <"$log")"
	return 1
}

# send_request RULEFILE OUT ERR NAME=VALUE...: one request through
# cgi-fcgi to the server of the rule file or its image (PASS,
# served_file); ERR gets the server's log (its stderr) after the request.
send_request() {
	local out=$2 err=$3 rc SRV SERVED
	served_file "$1"
	shift 3
	if ! server_of "$SERVED"; then
		: >"$out"
		echo "no server for $SERVED" >"$err"
		return
	fi
	$BOUNDED env -i "$@" cgi-fcgi -bind -connect "$GEN_DIR/s$SRV.sock" \
	    >"$out" 2>"$err.cgi-fcgi"
	rc=$?
	cat "$GEN_DIR/s$SRV.log" "$err.cgi-fcgi" >"$err"
	if [ $rc -ne 0 ]; then
		echo "cgi-fcgi exit status $rc" >>"$err"
	fi
}

# fastcgi_pass: the table and the FastCGI-only checks, in this PASS.
fastcgi_pass() {
	local rules rf SERVED SRV pid bad i req u h st

	# One server per distinct file served (a rule file or an image).
	SKIP_RULES=
	SKIP_REASON='its FastCGI server did not start'
	while IFS=$'\t' read -r _ _ _ _ rules _; do
		case $rules in
		'' | '#'*) continue ;;
		esac
		rf=$(rules_file "$rules")
		served_file "$rf"
		if ! server_of "$SERVED"; then
			start_server "$SERVED" || SKIP_RULES="$SKIP_RULES $rules"
		fi
	done < <(grep -v '^#' "$CASES")

	run_table "fastcgi ($PASS)"

	# --- FastCGI only: one process answers many requests.
	rf=$TOP/etc/redirects.ini
	served_file "$rf"
	server_of "$SERVED" || start_server "$SERVED"
	server_of "$SERVED"
	pid=${SRV_PID[$SRV]}
	bad=
	for i in $(seq 200); do
		row_env GET "/item/$i?n=$i" www.example.re off -
		send_request "$rf" "$GEN_DIR/out" "$GEN_DIR/err" "${ROW_ENV[@]}" </dev/null
		if ! check_response "$GEN_DIR/out" GET 307 \
		    "https://www.example.re/shop/item/$i?n=$i" - "$GEN_DIR/err" ''; then
			bad="request $i of 200: got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
			break
		fi
	done
	if [ -z "$bad" ] && ! kill -0 "$pid" 2>/dev/null; then
		bad="the server process $pid is gone after 200 requests"
	fi
	tally "fastcgi ($PASS)" "200 requests in a row to one process" "$bad"

	# --- FastCGI only: the process outlives refused requests.
	bad=
	for req in '/bad%zz|www.example.re|400' '/news.html|a b|400' \
	    '@uri:16385|www.example.re|414' '/bad%00|www.example.re|400'; do
		IFS='|' read -r u h st <<<"$req"
		row_env GET "$u" "$h" off -
		send_request "$rf" "$GEN_DIR/out" "$GEN_DIR/err" "${ROW_ENV[@]}" </dev/null
		if ! check_response "$GEN_DIR/out" GET "$st" - - "$GEN_DIR/err" ''; then
			bad="$(show "$u") host '$h': got $GOT_STATUS: $(join_problems)"
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			bad="the server process $pid died after $(show "$u") ($st)"
			break
		fi
		row_env GET /news.html www.example.re off -
		send_request "$rf" "$GEN_DIR/out" "$GEN_DIR/err" "${ROW_ENV[@]}" </dev/null
		if ! check_response "$GEN_DIR/out" GET 307 \
		    http://www.example.re/breaking/news.html - "$GEN_DIR/err" ''; then
			bad="after $(show "$u") ($st), /news.html got $GOT_STATUS: $(join_problems)"
			break
		fi
	done
	tally "fastcgi ($PASS)" "the process serves on after 400 and 414" "$bad"
}

PASS=ini
fastcgi_pass
compile_images "$GEN_DIR/images"
tally fastcgi "the images of the table's rule files" "$IMAGES_PROBLEM"
if [ -z "$IMAGES_PROBLEM" ]; then
	PASS=image
	fastcgi_pass
fi

echo "fastcgi: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]

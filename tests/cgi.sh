#!/usr/bin/env bash
# tests/cgi.sh BINARY: run BINARY as a CGI program (RFC 3875) for each row
# of tests/cases.tsv and check its real output (see tests/lib.sh).
#
# Each request runs in `env -i` with only the row's CGI variables and
# FCGI_REDIRECT_RULES naming the rule file; stdin is not a socket, so the
# binary answers one request on stdout and exits.  The table runs twice
# (tests/lib.sh, compile_images): from the rule files with images off,
# then with FCGI_REDIRECT_RULES naming an image of each, compiled
# beforehand with --compile from a copy that is gone by then.
#
# Ends with "cgi: N passed, N failed"; exit 1 if any failed.

set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
lib_binary "${1:-}"

GEN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-cgi.XXXXXX") || exit 2
trap 'rm -rf "$GEN_DIR"' EXIT
trap 'exit 1' INT TERM HUP
make_generated_rules "$GEN_DIR"

# send_request RULEFILE OUT ERR NAME=VALUE...: one CGI run, of the rule
# file or its image (PASS, served_file).
send_request() {
	local out=$2 err=$3 SERVED env=()
	served_file "$1"
	shift 3
	[ "$PASS" = ini ] && env=(FCGI_REDIRECT_IMAGE=off)
	$BOUNDED env -i "$@" "FCGI_REDIRECT_RULES=$SERVED" "${env[@]}" "$BIN" \
	    >"$out" 2>"$err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "exit status $rc" >>"$err"
	fi
}

PASSED=0
FAILED=0
PASS=ini
run_table "cgi ($PASS)"
compile_images "$GEN_DIR/images"
tally cgi "the images of the table's rule files" "$IMAGES_PROBLEM"
if [ -z "$IMAGES_PROBLEM" ]; then
	PASS=image
	run_table "cgi ($PASS)"
fi

# CGI only: Apache passes the words of an ISINDEX query as arguments
# (RFC 3875 §4.4); under GATEWAY_INTERFACE they are never options.
bad=
for words in '--version' '--check' '-c /nonexistent' '--explain /item/1' '--help'; do
	row_env GET "/news.html?$words" www.example.re off -
	# shellcheck disable=SC2086 # the words are meant to split
	$BOUNDED env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$TOP/etc/redirects.ini" \
	    FCGI_REDIRECT_IMAGE=off "$BIN" $words </dev/null >"$GEN_DIR/out" 2>"$GEN_DIR/err"
	if ! check_response "$GEN_DIR/out" GET 307 \
	    "http://www.example.re/breaking/news.html?${words// /%20}" \
	    - "$GEN_DIR/err" ''; then
		bad="arguments '$words': got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
		break
	fi
done
tally cgi "ISINDEX arguments are not options" "$bad"

echo "cgi: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

#!/usr/bin/env bash
# tests/cgi.sh BINARY: run BINARY as a CGI program (RFC 3875) for each row
# of tests/cases.tsv and check its real output (see tests/lib.sh).
#
# Each request runs in `env -i` with only the row's CGI variables and
# FCGI_REDIRECT_RULES naming the rule file; stdin is not a socket, so the
# binary answers one request on stdout and exits.
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

# send_request RULEFILE OUT ERR NAME=VALUE...: one CGI run.
send_request() {
	local rules=$1 out=$2 err=$3
	shift 3
	$BOUNDED env -i "$@" "FCGI_REDIRECT_RULES=$rules" "$BIN" \
	    >"$out" 2>"$err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "exit status $rc" >>"$err"
	fi
}

PASSED=0
FAILED=0
run_table cgi

# CGI only: Apache passes the words of an ISINDEX query as arguments
# (RFC 3875 §4.4); under GATEWAY_INTERFACE they are never options.
bad=
for words in '--version' '--check' '-c /nonexistent' '--explain /item/1' '--help'; do
	row_env GET "/news.html?$words" www.example.re off -
	# shellcheck disable=SC2086 # the words are meant to split
	$BOUNDED env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$TOP/etc/redirects.ini" \
	    "$BIN" $words </dev/null >"$GEN_DIR/out" 2>"$GEN_DIR/err"
	if ! check_response "$GEN_DIR/out" GET 307 \
	    "http://www.example.re/breaking/news.html?${words// /%20}" \
	    - "$GEN_DIR/err" ''; then
		bad="arguments '$words': got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
		break
	fi
done
if [ -n "$bad" ]; then
	echo "cgi: FAIL ISINDEX arguments are not options: $bad"
	FAILED=$((FAILED + 1))
else
	PASSED=$((PASSED + 1))
fi

echo "cgi: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

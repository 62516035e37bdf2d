# shellcheck shell=bash
# tests/import/lib.sh: shared by the importer tests tests/import/*.sh
# (sourced, not run; tests/import.sh runs them all).
#
# A test imports a source file with the built binary, checks that the rule
# file it wrote passes --check, and asks that rule file the way a server
# does: the binary run as a CGI program (RFC 3875 variables), judged by the
# Status and Location it answers.
#
#   imp_run FORMAT OUT.ini ERR SOURCE...   import; sets IMP_RC (exit status)
#   imp_check OUT.ini                      --check must accept it
#   imp_answer RULES URI [HOST] [HTTPS] [METHOD]
#                                          prints "STATUS LOCATION" ("-" for
#                                          no Location)
#   imp_table RULES TABLE                  each line of TABLE (tab-separated;
#                                          # comments): URI STATUS LOCATION
#                                          [HOST [HTTPS [METHOD]]]; LOCATION
#                                          "-" for none
#   imp_expect WHAT GOT WANT               one check
#   imp_summary NAME                       "NAME: N passed, N failed"; exit

export LC_ALL=C
IMP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMP_BIN=${IMP_BIN:-$IMP_TOP/build/fcgi-redirect}
IMP_PASS=0 IMP_FAIL=0
IMP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fr-import.XXXXXX")
trap 'rm -rf "$IMP_TMP"' EXIT

imp_pass() { IMP_PASS=$((IMP_PASS + 1)); }
imp_fail() { IMP_FAIL=$((IMP_FAIL + 1)); printf 'FAIL: %s\n' "$*"; }

imp_expect() {
	if [ "$2" = "$3" ]; then
		imp_pass
	else
		imp_fail "$1: got '$2', want '$3'"
	fi
}

imp_run() {
	local fmt=$1 out=$2 err=$3
	shift 3
	"$IMP_BIN" --import "$fmt" "$@" >"$out" 2>"$err"
	IMP_RC=$?
}

imp_check() {
	local msg
	if msg=$("$IMP_BIN" --check -c "$1" 2>&1); then
		imp_pass
	else
		imp_fail "--check refuses $1: $(printf '%s' "$msg" | head -5)"
	fi
}

imp_answer() {
	local rules=$1 uri=$2 host=${3:-example.org} https=${4:-off}
	local method=${5:-GET} out status loc path query
	path=${uri%%\?*}
	query=
	[ "$path" != "$uri" ] && query=${uri#*\?}
	out=$(env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
	    REQUEST_URI="$uri" SCRIPT_NAME="" PATH_INFO="$path" \
	    QUERY_STRING="$query" HTTP_HOST="$host" HTTPS="$https" \
	    SERVER_NAME="$host" SERVER_PORT=$([ "$https" = on ] && echo 443 || echo 80) \
	    SERVER_PROTOCOL=HTTP/1.1 FCGI_REDIRECT_RULES="$rules" \
	    FCGI_REDIRECT_IMAGE=off "$IMP_BIN" 2>/dev/null | tr -d '\r')
	status=$(printf '%s\n' "$out" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -1)
	loc=$(printf '%s\n' "$out" | sed -n 's/^Location: //p' | head -1)
	printf '%s %s\n' "${status:-?}" "${loc:--}"
}

imp_table() {
	local rules=$1 table=$2 uri status loc host https method got
	while IFS=$'\t' read -r uri status loc host https method; do
		case $uri in ''|'#'*) continue ;; esac
		got=$(imp_answer "$rules" "$uri" "${host:-example.org}" \
		    "${https:-off}" "${method:-GET}")
		imp_expect "$(basename "$table"): $uri${host:+ (host $host)}" \
		    "$got" "$status $loc"
	done <"$table"
}

imp_summary() {
	printf '%s: %d passed, %d failed\n' "$1" "$IMP_PASS" "$IMP_FAIL"
	[ "$IMP_FAIL" -eq 0 ]
	exit
}

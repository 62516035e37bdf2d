#!/usr/bin/env bash
# tests/man.sh BINARY: the manual pages are clean and complete.
#
#   tests/man.sh build/fcgi-redirect        (from the repository root)
#
# Two pages, each passed or failed as a whole:
#
#   fcgi-redirect.8      mandoc -Tlint -W warning prints nothing; every long
#                        option that `BINARY --help` prints has an entry
#                        (".It ... Fl -NAME"), and so has every FCGI_*
#                        variable main.c reads and GATEWAY_INTERFACE
#                        (".It Ev NAME");
#   fcgi-redirect.ini.5  mandoc -Tlint -W warning prints nothing; every key
#                        the rule-file loader accepts (the names of
#                        keys_table[] in src/load/keys.c) has an entry
#                        (".It Ic NAME"), and every word of its two-word
#                        keys (its struct key_words) is written after a
#                        ".Cm".
#
# The names come from the binary and from src/, not from a list kept here,
# so a new option or key without its documentation fails.  One FAIL line per
# missing name or lint message, then "man: N passed, N failed"; exit 1 when
# any page failed.  Needs bash, grep, sed and mandoc (Debian: mandoc).
set -u
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: tests/man.sh BINARY" >&2
	exit 2
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 2
if [ ! -x "$bin" ]; then
	echo "man: $bin is not an executable" >&2
	exit 2
fi

passed=0
failed=0
page_ok=1

fail() { page_ok=0; printf 'FAIL: %s\n' "$*"; }
page_done() {
	if [ "$page_ok" -eq 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	page_ok=1
}

# lint PAGE: mandoc's warnings and errors, each a failure.
lint() {
	local out l
	if ! command -v mandoc >/dev/null 2>&1; then
		fail "$1: mandoc is not installed (apt-get install mandoc)"
		return
	fi
	out=$(mandoc -Tlint -W warning "$1" 2>&1)
	while IFS= read -r l; do
		[ -n "$l" ] && fail "$1: $l"
	done <<<"$out"
}

# need PAGE WHAT REGEX NAME...: each NAME has a line matching REGEX (with
# @ standing for the name) in PAGE.
need() {
	local page=$1 what=$2 re=$3 name n=0
	shift 3
	for name; do
		n=$((n + 1))
		grep -Eq "${re//@/$name}" "$page" ||
		    fail "$page: $what '$name' is not documented (no line matching ${re//@/$name})"
	done
	# An empty list means the extraction broke: that is a failure too.
	[ "$n" -gt 0 ] || fail "$page: found no ${what}s to look for"
}

# The long options of --help: "--check", "--listen ADDR" ...
help=$("$bin" --help 2>&1) || fail "fcgi-redirect.8: '$bin --help' failed"
mapfile -t options < <(printf '%s\n' "$help" |
    grep -oE -- '--[a-z][a-z-]*' | sed 's/^--//' | sort -u)
# The settings main.c reads from the environment ("FCGI_..."), and
# GATEWAY_INTERFACE, which makes it ignore its arguments.
mapfile -t envs < <(grep -oE '"FCGI_[A-Z_]+"' src/main.c | tr -d '"' |
    sort -u)
envs+=(GATEWAY_INTERFACE)
# The keys of the rule file: the names in the rows of keys_table[] in
# src/load/keys.c ("[KEY_STATUS] = { "status", ...").
mapfile -t keys < <(sed -n '/keys_table\[KEY_N\] = {/,/};/p' src/load/keys.c |
    grep -oE '^\s*\[KEY_[A-Z]+\]\s*= \{ "[a-z]+"' | grep -oE '"[a-z]+"' |
    tr -d '"')
# The words of query, case and slash: their struct key_words in
# src/load/keys.c ("query_words = { "keep", "drop", ...").
mapfile -t words < <(sed -n '/^static const struct key_words$/,/;$/p' \
    src/load/keys.c | grep -oE '"[a-z]+"' | tr -d '"' | sort -u)

lint fcgi-redirect.8
need fcgi-redirect.8 option '^\.It .*Fl -@( |$)' "${options[@]}"
need fcgi-redirect.8 'environment variable' '^\.It Ev @( |$)' "${envs[@]}"
page_done

lint fcgi-redirect.ini.5
need fcgi-redirect.ini.5 key '^\.It Ic @( |$)' "${keys[@]}"
need fcgi-redirect.ini.5 'value word' '(^|[ .])Cm ([^ ]+ )*@( |$)' \
    "${words[@]}"
page_done

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# tests/check.sh BINARY: tests of the command line, above all --check.
#
#   tests/check.sh build/fcgi-redirect        (from the repository root)
#
# For every fixture tests/rules/bad/*.ini: `BINARY --check -c FILE` exits 1,
# prints each diagnostic the fixture announces in its own comment lines
#
#   ; expect: LINE: error: SUBSTRING      (or warning; LINE 0: the file)
#
# as "FILE:LINE: error: ...SUBSTRING..." ("FILE: error: ..." for line 0),
# prints exactly as many error and warning lines as announced (nothing
# unexpected, nothing missing), and ends with the "FILE: invalid: N errors"
# summary.  Every tests/rules/good/*.ini exits 0 with its announced warnings
# and the "FILE: ok:" summary.  Cases that cannot be committed (a missing
# file, a directory, a FIFO, an unreadable or binary file, an over-long
# line, an empty file) are made in a temporary directory.  Then the usage errors,
# --help, --version, and the rule that under CGI (GATEWAY_INTERFACE set)
# arguments are never read as options.
#
# One line per failed check, then "check: N passed, N failed"; exit 1 when
# any check failed.  Needs bash and coreutils only.
set -u
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: tests/check.sh BINARY" >&2
	exit 2
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 2
if [ ! -x "$bin" ]; then
	echo "check: $bin is not an executable" >&2
	exit 2
fi

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-check.XXXXXX") || exit 2
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

# run ARGS...: run the binary (stdin /dev/null), output in $out, status $rc.
out=$tmp/out
rc=0
run() {
	"$bin" "$@" </dev/null >"$out" 2>&1
	rc=$?
}

# show: the first lines of the last output, indented, after a failure.
show() {
	local l n=0
	while [ "$n" -lt 20 ] && IFS= read -r l; do
		printf '\t| %s\n' "$l"
		n=$((n + 1))
	done <"$out"
}

# expects FILE: the fixture's expect lines, without "; expect: ".
expects() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		l=${l%$'\r'}
		[[ $l == '; expect: '* ]] && printf '%s\n' "${l#'; expect: '}"
	done <"$1"
}

# has_line PREFIX SUBSTRING: some output line starts with PREFIX and has
# SUBSTRING after it (both literal).
has_line() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		l=${l%$'\r'}
		[[ $l == "$1"*"$2"* ]] && return 0
	done <"$out"
	return 1
}

# count_level FILE LEVEL: the number of "FILE[:LINE]: LEVEL: " output lines.
count_level() {
	local l rest n=0
	while IFS= read -r l || [ -n "$l" ]; do
		rest=${l#"$1"}
		[ "$rest" = "$l" ] && continue
		[[ $rest =~ ^(:[0-9]+)?:\ $2:\  ]] && n=$((n + 1))
	done <"$out"
	echo "$n"
}

# check_file FILE WANT_RC SUMMARY: --check on FILE against its expect lines.
check_file() {
	local f=$1 want=$2 summary=$3 line level sub prefix n
	local nerr=0 nwarn=0

	check_rc "$f" "$want"
	while IFS= read -r line; do
		if ! [[ $line =~ ^([0-9]+):\ (error|warning):\ (.+)$ ]]; then
			fail "$f: malformed expect line '$line'"
			continue
		fi
		n=${BASH_REMATCH[1]} level=${BASH_REMATCH[2]}
		sub=${BASH_REMATCH[3]}
		if [ "$level" = error ]; then nerr=$((nerr + 1));
		else nwarn=$((nwarn + 1)); fi
		if [ "$n" -eq 0 ]; then prefix="$f: $level: "
		else prefix="$f:$n: $level: "; fi
		if has_line "$prefix" "$sub"; then pass; else
			fail "$f: no '$prefix...$sub...' in the output"
		fi
	done < <(expects "$f")
	check_counts "$f" "$nerr" "$nwarn"
	if has_line "$f: $summary" ""; then pass; else
		fail "$f: no '$f: $summary' summary line"
	fi
}

# check_rc FILE WANT_RC: run --check on FILE, require exit WANT_RC.
check_rc() {
	run --check -c "$1"
	if [ "$rc" -eq "$2" ]; then pass; else
		fail "$1: exit $rc, expected $2"
		show
	fi
}

# check_made FILE WANT_RC SUMMARY ERRORS WARNINGS: --check on a file made
# here (no expect lines): exit status, counts and summary line.
check_made() {
	check_rc "$1" "$2"
	check_counts "$1" "$4" "$5"
	if has_line "$1: $3" ""; then pass; else
		fail "$1: no '$1: $3' summary line"
	fi
}

# check_counts FILE ERRORS WARNINGS: exactly that many of each were printed.
check_counts() {
	local e w
	e=$(count_level "$1" error)
	w=$(count_level "$1" warning)
	if [ "$e" -eq "$2" ]; then pass; else
		fail "$1: $e error lines, expected $2"
		show
	fi
	if [ "$w" -eq "$3" ]; then pass; else
		fail "$1: $w warning lines, expected $3"
		show
	fi
}

# expect_rc WANT DESCRIPTION ARGS...: run with ARGS, require exit WANT.
expect_rc() {
	local want=$1 what=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then pass; else
		fail "$what: exit $rc, expected $want"
	fi
}

# expect_out PREFIX SUBSTRING DESCRIPTION: the last run printed such a line.
expect_out() {
	if has_line "$1" "$2"; then pass; else
		fail "$3: no line '$1...$2...' in the output"
		show
	fi
}

# ---- the committed fixtures ----

nbad=0
for f in tests/rules/bad/*.ini; do
	[ -e "$f" ] || continue
	nbad=$((nbad + 1))
	nexp=0
	while IFS= read -r line; do
		[[ $line =~ ^[0-9]+:\ error:\  ]] && nexp=$((nexp + 1))
	done < <(expects "$f")
	check_file "$f" 1 "invalid: $nexp error"
done
[ "$nbad" -gt 0 ] && pass || fail "no fixtures in tests/rules/bad"

ngood=0
for f in tests/rules/good/*.ini; do
	[ -e "$f" ] || continue
	ngood=$((ngood + 1))
	check_file "$f" 0 "ok: "
done
[ "$ngood" -gt 0 ] && pass || fail "no fixtures in tests/rules/good"

# ---- generated cases ----

f=$tmp/missing.ini
check_made "$f" 1 "invalid: 1 error" 1 0
expect_out "$f: error: " "cannot open" "missing file"

f=$tmp/dir.ini
mkdir "$f"
check_made "$f" 1 "invalid: 1 error" 1 0
expect_out "$f: error: " "directory" "directory"

f=/dev/null
run --check -c "$f"
[ "$rc" -eq 1 ] && pass || fail "$f: exit $rc, expected 1"
expect_out "$f: error: " "not a regular file" "device file"

# A FIFO: refused at once, not opened for reading and waited on.
f=$tmp/fifo.ini
if mkfifo "$f" 2>/dev/null; then
	for what in --check --explain; do
		if [ "$what" = --check ]; then
			timeout 5 "$bin" --check -c "$f" </dev/null >"$out" 2>&1
		else
			timeout 5 "$bin" --explain -c "$f" /a </dev/null >"$out" 2>&1
		fi
		rc=$?
		[ "$rc" -eq 1 ] && pass || fail "$what of a FIFO: exit $rc, expected 1 (124: still waiting after 5 s)"
		expect_out "$f: error: " "is a FIFO" "$what of a FIFO"
	done
else
	echo "skip: a FIFO (mkfifo failed)"
fi

f=$tmp/unreadable.ini
printf '[a]\npath = /a\nto = /b\n' >"$f"
chmod 000 "$f"
if [ "$(id -u)" -eq 0 ]; then
	echo "skip: unreadable file (running as root, chmod 000 does not" \
	    "stop reading)"
else
	check_made "$f" 1 "invalid: 1 error" 1 0
	expect_out "$f: error: " "cannot open: Permission denied" \
	    "unreadable file"
fi

# A binary file: the start of an ELF executable (NUL bytes in line 1).
f=$tmp/binary.ini
if [ -r /bin/true ]; then
	head -c 64 /bin/true >"$f"
else
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000' >"$f"
fi
run --check -c "$f"
[ "$rc" -eq 1 ] && pass || fail "$f: exit $rc, expected 1"
expect_out "$f:1: error: " "NUL byte" "binary file"
expect_out "$f: invalid: " "" "binary file"

# Lines: 32767 bytes are read whole, 32768 and 40004 are errors at their
# line (and the rule then has no 'to').
xs() { head -c "$1" /dev/zero | tr '\0' x; }
f=$tmp/line-32767.ini
{ printf '[a]\npath = /a\nto = /'; xs 32761; printf '\n'; } >"$f"
check_made "$f" 0 "ok: 1 rule " 0 0
for n in 32768 40004; do
	f=$tmp/line-$n.ini
	{ printf '[a]\npath = /a\nto = /'; xs $((n - 6)); printf '\n'; } >"$f"
	check_made "$f" 1 "invalid: 2 errors" 2 0
	expect_out "$f:3: error: " "line is $n bytes long" "line of $n bytes"
	expect_out "$f:1: error: " "rule [a] has no 'to'" "line of $n bytes"
done
# An over-long map entry: no cascade, one error.
f=$tmp/long-entry.ini
{ printf '[map m]\n/ok = /fine\n/'; xs 39999; printf ' = /x\n'; } >"$f"
check_made "$f" 1 "invalid: 1 error" 1 0
expect_out "$f:3: error: " "line is 40005 bytes long" "over-long map entry"

f=$tmp/empty.ini
: >"$f"
check_made "$f" 0 "ok: 0 rules" 0 1
expect_out "$f: warning: " "no rules" "empty file"

f=$tmp/comments.ini
printf '; nothing but a comment\n\n# and another\n' >"$f"
check_made "$f" 0 "ok: 0 rules" 0 1
expect_out "$f: warning: " "no rules" "file of comments"

# ---- the example and the command line ----

check_file etc/redirects.ini 0 "ok: "

expect_rc 2 "--check extra-arg" --check extra-arg
expect_rc 2 "unknown option" --no-such-option
expect_rc 2 "--explain without URL" --explain -c etc/redirects.ini
expect_rc 2 "--check --explain" --check --explain -c etc/redirects.ini /
expect_rc 2 "no arguments outside a web server" -c etc/redirects.ini
expect_rc 2 "--workers without --listen" --workers 2 -c etc/redirects.ini
expect_rc 2 "--socket-mode without --listen" --socket-mode 0660 \
    -c etc/redirects.ini
expect_rc 2 "--check --timeout" --check --timeout 3 -c etc/redirects.ini
expect_rc 2 "--explain --allow" --explain --allow 127.0.0.1 \
    -c etc/redirects.ini /
# Numbers are digits only: strtol alone would take " 5" and "+5".
for v in 5 " 5" +5 0 3601; do
	FCGI_REDIRECT_TIMEOUT=$v run --check -c etc/redirects.ini
	want=2
	[ "$v" = 5 ] && want=0
	[ "$rc" -eq "$want" ] && pass ||
	    fail "FCGI_REDIRECT_TIMEOUT='$v' --check: exit $rc, expected $want"
done
expect_rc 0 "--help" --help
expect_out "usage: fcgi-redirect" "" "--help"
expect_out "       fcgi-redirect --check" "" "--help"
expect_rc 0 "--version" --version
expect_out "fcgi-redirect " "" "--version"
expect_rc 0 "--explain" --explain -c etc/redirects.ini \
    http://www.example.re/news.html
expect_out "Location: " "http://www.example.re/breaking/news.html" "--explain"

# --explain: a "Parameters:" line for a rule that matched on parameters
# (the values they counted with; what the Location keeps of the others),
# and none for a rule that did not.
f=$tmp/params.ini
{
	printf '[map wp]\n/index.php?p=123 = /hello\n/?page_id=7 = /about\n'
	printf '[d]\npath = /d\nparams = k\nquery = drop\nto = /dd\n'
	printf '[w]\npath = /w\nparams = k\nto = /ww?${query}\n'
	printf '[plain]\npath = /plain\nto = /pp\n'
} >"$f"
# explain_params URL PARAMETERS-LINE
explain_params() {
	expect_rc 0 "--explain $1" --explain -c "$f" "$1"
	expect_out "Parameters: " "$2" "--explain $1"
}
explain_params '/index.php?utm_source=news&p=12%33&x=a+b' \
    'matched p=123; kept utm_source=news&x=a+b'
explain_params '/?page_id=7' 'matched page_id=7; none kept'
explain_params '/d?k=1&z' 'matched k=1; dropped (query = drop)'
explain_params '/w?z&k' 'matched k; the whole query in ${query}'
expect_rc 0 "--explain /plain?k=1" --explain -c "$f" '/plain?k=1'
if has_line "Parameters:" ""; then
	fail "--explain /plain?k=1: a Parameters line for a path rule"
else
	pass
fi

# --explain --follow: each hop, and why it ends (a chain of 2 to another
# site; a loop, marked, that a host condition keeps a warning; 10 hops cut;
# a URL nothing redirects).  --explain alone still answers one hop.
f=$tmp/follow.ini
{
	printf '[c1]\npath = /c1\nto = /c2\n'
	printf '[c2]\npath = /c2\nto = https://elsewhere.example/final\n'
	printf '[l1]\npath = /l1\nhost = www.example.re\nto = /l2\n'
	printf '[l2]\npath = /l2\nto = http://www.example.re/l1\n'
	printf '[map n]\n'
	for i in 1 2 3 4 5 6 7 8 9 10 11; do printf '/n%d = /n%d\n' $i $((i + 1)); done
	printf '[e]\npath = /e\nto = /end\n'
} >"$f"
expect_rc 0 "--follow, a chain" --explain --follow -c "$f" /c1
expect_out "1. GET " "/c1" "--follow, a chain"
expect_out "Rule: [c1] " "$f:1" "--follow, a chain"
expect_out "2. GET " "http://localhost/c2" "--follow, a chain"
expect_out "Rule: [c2] " "$f:4" "--follow, a chain"
expect_out "End: " "https://elsewhere.example/final is on another site" \
    "--follow, a chain"
expect_rc 0 "--follow, a loop" --explain --follow -c "$f" \
    http://www.example.re/l1
expect_out "2. GET " "http://www.example.re/l2" "--follow, a loop"
expect_out "Loop: " "http://www.example.re/l1 was asked for at hop 1" \
    "--follow, a loop"
expect_rc 0 "--follow, 10 hops" --explain --follow -c "$f" /n1
expect_out "10. GET " "http://localhost/n10" "--follow, 10 hops"
expect_out "Stop: " "10 redirects; http://localhost/n11 is not asked for" \
    "--follow, 10 hops"
if has_line "11. " ""; then fail "--follow: an 11th hop"; else pass; fi
expect_rc 0 "--follow, the end" --explain --follow -c "$f" /e
expect_out "End: " "http://localhost/end is not redirected" \
    "--follow, the end"
expect_rc 0 "--explain without --follow" --explain -c "$f" /c1
if has_line "2. " "" || has_line "End:" ""; then
	fail "--explain without --follow followed"
else
	pass
fi
expect_rc 2 "--follow without --explain" --follow -c "$f"

# Under CGI, arguments are ISINDEX query words, never options (RFC 3875
# §4.4): "--check" or "-c FILE" must not change what the program does.
cgi() {
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	    REQUEST_URI=/news.html SERVER_NAME=www.example.re \
	    FCGI_REDIRECT_RULES=etc/redirects.ini "$bin" "$@" \
	    </dev/null >"$out" 2>/dev/null
	rc=$?
}
for args in "--check" "--check -c /nonexistent.ini" "--help" "--version" \
    "--explain /"; do
	# shellcheck disable=SC2086
	cgi $args
	what="CGI with arguments '$args'"
	[ "$rc" -eq 0 ] && pass || fail "$what: exit $rc, expected 0"
	expect_out "Status: " "307 Temporary Redirect" "$what"
	expect_out "Location: " "http://www.example.re/breaking/news.html" \
	    "$what"
	if has_line "" ": ok: " || has_line "usage:" "" ||
	    has_line "fcgi-redirect 0" ""; then
		fail "$what: read as an option"
	else
		pass
	fi
done

echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

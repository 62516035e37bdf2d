#!/usr/bin/env bash
# tests/static.sh STATIC DYNAMIC: the static binary (`make static`) and the
# --version of both builds.
#
#   tests/static.sh build/fcgi-redirect-static build/fcgi-redirect
#
# The static binary must run where nothing of the build machine is: it is
# copied into an empty directory with a rule file and nothing else (no
# /lib, no /etc, no /dev), which becomes the root of every run below,
# through chroot(8) as root, else `unshare -r --root` (a user namespace).
# There it must answer as a CGI program (RFC 3875; env -i and the CGI
# variables only): a 307 with its Location (an exact path, a regex run by
# PCRE2's JIT, and a 300-byte target, which shows that libinih.a's line
# settings were linked: see the head of src/load/ini.c), a 404, a
# 400 for a bad percent escape; `--check` of the rule file; and refuse
# --allow uid:NAME with the message of the static build while uid:NUMBER
# is taken.  The dynamic binary, in a root as empty, must not start: the
# root really holds nothing.  Outside: file(1) says "statically linked",
# ldd(1) "not a dynamic executable".
#
# --version (both builds): "fcgi-redirect VERSION", PCRE2's version as
# pkg-config gives it with its JIT available, inih's version, the
# built-in FastCGI line, the image format and build, and "Build: static"
# or "Build: dynamic".
#
# Without chroot rights and user namespaces the runs in the empty root
# are SKIPPED (a failure when CI=true).  One line per failed check, then
# "static: N passed, N failed"; exit 1 when any check failed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -ne 2 ]; then
	echo "usage: tests/static.sh STATIC-BINARY DYNAMIC-BINARY" >&2
	exit 2
fi
lib_binary "$2"
DYN=$BIN
lib_binary "$1"
STATIC=$BIN
cd "$TOP" || exit 2

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'static: FAIL %s\n' "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-static.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# ---- --version of both builds ----

fr_version=$(sed -n 's/^#define FR_VERSION "\(.*\)"$/\1/p' src/fcgi-redirect.h)
pcre_version=$(pkg-config --modversion libpcre2-8)
inih_version=$(pkg-config --modversion inih)

# check_version NAME BUILD OUTPUT: the six lines of --version.
check_version() {
	local name=$1 build=$2 out=$3 want i
	local -a got want_re
	mapfile -t got <<<"$out"
	want_re=("^fcgi-redirect ${fr_version//./\\.}\$"
	    "^PCRE2: ${pcre_version//./\\.} .*; JIT available \\(.+\\)\$"
	    "^inih: ${inih_version//./\\.} \\(built against\\)\$"
	    '^FastCGI: built in \(responder role, FastCGI 1\.0; libfcgi not used\)$'
	    "^Images: format [0-9]+, build ${fr_version//./\\.}\\+[0-9a-f]{16} "
	    "^Build: $build, glibc [0-9.]+( |\$)")
	if [ ${#got[@]} -ne ${#want_re[@]} ]; then
		fail "$name: ${#got[@]} lines, not ${#want_re[@]}: $(show "$out")"
		return
	fi
	for i in "${!want_re[@]}"; do
		want=${want_re[$i]}
		if ! [[ ${got[$i]} =~ $want ]]; then
			fail "$name: line $((i + 1)) '${got[$i]}' is not /$want/"
			return
		fi
	done
	pass
}

check_version "dynamic --version" dynamic "$("$DYN" --version 2>&1)"
check_version "static --version" static "$("$STATIC" --version 2>&1)"

# ---- what the file is ----

if ! command -v file >/dev/null 2>&1; then
	fail "file(1) is missing (apt-get install file)"
elif out=$(file -b "$STATIC") && [[ $out == *"statically linked"* ]]; then
	pass
else
	fail "file: '$out' does not say statically linked"
fi
out=$(ldd "$STATIC" 2>&1)
if [[ $out == *"not a dynamic executable"* ]]; then
	pass
else
	fail "ldd: '$(show "$out")'"
fi

# ---- an empty root ----

root=$tmp/root
control=$tmp/control
mkdir "$root" "$control" || exit 2
cp "$STATIC" "$root/fcgi-redirect" && cp "$DYN" "$control/fcgi-redirect" ||
    exit 2
long=https://www.example.re/$(repeat_char x 276)
cat >"$root/redirects.ini" <<EOF
; the rule file of tests/static.sh, alone in an empty root
[news]
path = /news.html
to   = http://www.example.re/breaking/news.html

[item]
regex = ^/item/([0-9]+)\$
to    = https://www.example.re/shop/item/\$1

[long]
path = /long
to   = $long
EOF
chmod -R go+rX "$tmp"

# How to enter a root DIR: chroot as root, else a user namespace.
# Probed with a command that does not exist: 127 means the root was
# entered and only the command is missing (chroot fails with 125, unshare
# with 1).  enter DIR sets ENTER, the command words before the program.
chroot_bin=$(command -v chroot || echo /usr/sbin/chroot)
unshare_bin=$(command -v unshare || echo /usr/bin/unshare)
runner=
enter() {
	case $runner in
	chroot) ENTER=("$chroot_bin" "$1") ;;
	unshare) ENTER=("$unshare_bin" -r --root="$1") ;;
	esac
}
if [ "$(id -u)" -eq 0 ] && [ -x "$chroot_bin" ]; then
	"$chroot_bin" "$root" /nonexistent >/dev/null 2>&1
	[ $? -eq 127 ] && runner=chroot
fi
if [ -z "$runner" ] && [ -x "$unshare_bin" ]; then
	"$unshare_bin" -r --root="$root" /nonexistent >/dev/null 2>&1
	[ $? -eq 127 ] && runner=unshare
fi

# in_root ARGS...: the static binary in the empty root with ARGS, under
# env -i (the environment is only what precedes ARGS as NAME=VALUE words
# in CGI_ENV); output in $tmp/out and $tmp/err, status in $rc.
CGI_ENV=()
in_root() {
	enter "$root"
	$BOUNDED env -i "${CGI_ENV[@]}" "${ENTER[@]}" /fcgi-redirect "$@" \
	    </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# cgi NAME URI STATUS LOCATION: one CGI request in the empty root.
cgi() {
	local name=$1 uri=$2 status=$3 loc=$4
	CGI_ENV=(GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET
	    "REQUEST_URI=$uri" HTTP_HOST=www.example.re SERVER_NAME=localhost
	    SERVER_PROTOCOL=HTTP/1.1 FCGI_REDIRECT_RULES=/redirects.ini)
	in_root
	CGI_ENV=()
	if check_response "$tmp/out" GET "$status" "$loc" - "$tmp/err" ''; then
		pass
	else
		fail "$name: GET $uri: expected $status $(show "$loc"); got" \
		    "$GOT_STATUS $(show "$GOT_LOC"): $(join_problems);" \
		    "stderr: $(show "$(cat "$tmp/err")")"
	fi
}

# expect NAME RC TEXT: the last in_root exited RC and its output (stdout
# then stderr) is TEXT exactly.
expect() {
	local name=$1 want_rc=$2 want=$3 got
	got=$(cat "$tmp/out" "$tmp/err")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]; then
		pass
	else
		fail "$name: status $rc (expected $want_rc): '$(show "$got")'" \
		    "(expected '$(show "$want")')"
	fi
}

if [ -z "$runner" ]; then
	echo "SKIPPED: static: the runs in an empty root (neither chroot" \
	    "as root nor unshare -r --root works here)"
	if [ "${CI:-}" = true ]; then
		fail "CI=true, so the runs in an empty root may not be skipped"
	fi
else
	cgi "307, exact path" /news.html 307 \
	    http://www.example.re/breaking/news.html
	cgi "307, regex" /item/42 307 https://www.example.re/shop/item/42
	cgi "307, a 300-byte target" /long 307 "$long"
	cgi "404" /nothing 404 -
	cgi "400, bad escape" /bad%zz 400 -

	in_root --check -c /redirects.ini
	expect "--check in the root" 0 "/redirects.ini: ok: 3 rules (1 regex), 0 maps with 0 entries; 0 warnings"

	in_root --allow uid:www-data --check -c /redirects.ini
	expect "--allow uid:NAME in the root" 2 "fcgi-redirect: --allow: 'uid:www-data': names are not looked up in the static binary; write uid:NUMBER (write an address such as 127.0.0.1, 10.0.0.0/8 or ::1, or uid:NUMBER, gid:NUMBER)"
	in_root --allow gid:www-data --check -c /redirects.ini
	expect "--allow gid:NAME in the root" 2 "fcgi-redirect: --allow: 'gid:www-data': names are not looked up in the static binary; write gid:NUMBER (write an address such as 127.0.0.1, 10.0.0.0/8 or ::1, or uid:NUMBER, gid:NUMBER)"
	# Numbers are taken (the environment: --allow with --check is a usage
	# error, as it would change nothing).
	CGI_ENV=("FCGI_REDIRECT_ALLOW=uid:33 gid:33")
	in_root --check -c /redirects.ini
	CGI_ENV=()
	expect "FCGI_REDIRECT_ALLOW=uid:NUMBER gid:NUMBER in the root" 0 "/redirects.ini: ok: 3 rules (1 regex), 0 maps with 0 entries; 0 warnings"

	in_root --version
	check_version "static --version in the root" static "$(cat "$tmp/out" "$tmp/err")"

	# The control: the dynamic binary finds no loader in such a root.
	enter "$control"
	$BOUNDED env -i "${ENTER[@]}" /fcgi-redirect --version \
	    </dev/null >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 127 ]; then
		pass
	else
		fail "the dynamic binary in an empty root: status $rc, not 127:" \
		    "$(show "$(cat "$tmp/out")")"
	fi
fi

echo "static: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

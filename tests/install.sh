#!/usr/bin/env bash
# tests/install.sh: `make install` into a temporary DESTDIR.
#
#   tests/install.sh                (from anywhere; runs make at the top)
#
# Builds in a temporary directory of its own (B=...), so that the
# PREFIX-dependent build (the compiled-in rule file) leaves build/ alone,
# and installs twice into temporary DESTDIRs:
#
#   PREFIX=/usr   /usr/bin/fcgi-redirect (755), /etc/fcgi-redirect/
#                 redirects.ini (644, the example), /usr/share/man/man8/
#                 fcgi-redirect.8 and man5/fcgi-redirect.ini.5 (644),
#                 /usr/share/bash-completion/completions/fcgi-redirect
#                 (644); nothing else, every directory 755, nothing group
#                 or world writable; the installed binary names
#                 /etc/fcgi-redirect/redirects.ini as its default and
#                 --check passes on it; a second install keeps an edited
#                 rule file and replaces the rest.
#   the default   the same under /usr/local (rule file in /usr/local/etc).
#
# The manual pages are expected when they are at the top of the tree; when
# they are not, that is SKIPPED (a failure when CI=true).  One line per
# failed check, then "install: N passed, N failed".
set -u
export LC_ALL=C
# install -d makes the missing parents of a directory under the umask.
umask 022

cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'install: FAIL %s\n' "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-install.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

manpages=()
for m in fcgi-redirect.8 fcgi-redirect.ini.5; do
	if [ -e "$m" ]; then
		manpages+=("$m")
	else
		echo "SKIPPED: install: $m is not at the top of the tree"
		if [ "${CI:-}" = true ]; then
			fail "CI=true, so $m must be there to be installed"
		fi
	fi
done

# install_into DESTDIR MAKE-ARGS...: make install; 0, or -1 after a FAIL
# line with the end of make's output.  Nothing comes from a make that runs
# this script, nor from the environment: only the Makefile's defaults and
# MAKE-ARGS decide.
install_into() {
	local dest=$1
	shift
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PREFIX -u SYSCONFDIR \
	    -u MANDIR -u BASHCOMPDIR -u RULES_DEFAULT -u DESTDIR \
	    "$MAKE" --no-print-directory B="$tmp/build" DESTDIR="$dest" \
	    "$@" install >"$tmp/make.log" 2>&1; then
		return 0
	fi
	fail "make install DESTDIR=$dest $*: failed:"
	tail -n 15 "$tmp/make.log" | sed 's/^/	| /'
	return 1
}

# mode_of FILE: its permission bits in octal.
mode_of() { stat -c %a "$1"; }

# check_tree DESTDIR PREFIX SYSCONFDIR: every file where it belongs with
# its mode, and nothing else.
check_tree() {
	local dest=$1 prefix=$2 sysconf=$3 f want got m bad=
	local -A modes=(
	    ["$prefix/bin/fcgi-redirect"]=755
	    ["$sysconf/fcgi-redirect/redirects.ini"]=644
	    ["$prefix/share/bash-completion/completions/fcgi-redirect"]=644
	)
	for m in "${manpages[@]}"; do
		modes["$prefix/share/man/man${m##*.}/$m"]=644
	done
	for f in "${!modes[@]}"; do
		want=${modes[$f]}
		if [ ! -f "$dest$f" ]; then
			fail "PREFIX=$prefix: $f was not installed"
		elif got=$(mode_of "$dest$f") && [ "$got" != "$want" ]; then
			fail "PREFIX=$prefix: $f has mode $got, not $want"
		else
			pass
		fi
	done
	# Nothing else, and sane directories.
	while IFS= read -r f; do
		f=${f#"$dest"}
		if [ -z "${modes[$f]:-}" ]; then
			bad="$bad $f"
		fi
	done < <(find "$dest" ! -type d)
	while IFS= read -r f; do
		m=$(mode_of "$f")
		[ "$m" = 755 ] || bad="$bad ${f#"$dest"}/(mode $m)"
	done < <(find "$dest" -mindepth 1 -type d)
	if [ -n "$(find "$dest" -perm /022 -print -quit)" ]; then
		bad="$bad (something group or world writable)"
	fi
	if [ -z "$bad" ]; then
		pass
	else
		fail "PREFIX=$prefix: unexpected:$bad"
	fi
	if cmp -s etc/redirects.ini "$dest$sysconf/fcgi-redirect/redirects.ini"
	then
		pass
	else
		fail "PREFIX=$prefix: the rule file is not etc/redirects.ini"
	fi
	for m in "${manpages[@]}"; do
		if cmp -s "$m" "$dest$prefix/share/man/man${m##*.}/$m"; then
			pass
		else
			fail "PREFIX=$prefix: the installed $m differs from the tree's"
		fi
	done
}

# check_binary DESTDIR PREFIX SYSCONFDIR: the installed binary's default
# rule file, and --check of the installed one.
check_binary() {
	local dest=$1 prefix=$2 sysconf=$3 bin out
	bin=$dest$prefix/bin/fcgi-redirect
	[ -x "$bin" ] || return
	if "$bin" --help | grep -qF "else $sysconf/fcgi-redirect/redirects.ini)"
	then
		pass
	else
		fail "PREFIX=$prefix: --help does not name" \
		    "$sysconf/fcgi-redirect/redirects.ini as the default"
	fi
	if out=$("$bin" --check -c "$dest$sysconf/fcgi-redirect/redirects.ini" \
	    2>&1); then
		pass
	else
		fail "PREFIX=$prefix: --check of the installed rule file: $out"
	fi
}

# ---- PREFIX=/usr, as a package would ----

d=$tmp/usr
if install_into "$d" PREFIX=/usr; then
	check_tree "$d" /usr /etc
	check_binary "$d" /usr /etc

	# Again, over an edited rule file and a changed completion.
	rules=$d/etc/fcgi-redirect/redirects.ini
	printf '\n[local]\npath = /local\nto = /edited\n' >>"$rules"
	cp "$rules" "$tmp/edited.ini"
	echo '# changed' >>"$d/usr/share/bash-completion/completions/fcgi-redirect"
	if install_into "$d" PREFIX=/usr; then
		if cmp -s "$rules" "$tmp/edited.ini"; then
			pass
		else
			fail "a second install replaced the edited rule file"
		fi
		if cmp -s etc/bash-completion/fcgi-redirect \
		    "$d/usr/share/bash-completion/completions/fcgi-redirect"; then
			pass
		else
			fail "a second install left the old completion"
		fi
	fi
fi

# ---- the default PREFIX, /usr/local ----

d=$tmp/local
if install_into "$d"; then
	check_tree "$d" /usr/local /usr/local/etc
	check_binary "$d" /usr/local /usr/local/etc
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

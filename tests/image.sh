#!/usr/bin/env bash
# tests/image.sh BINARY: the images of rule files (src/serve/cache.c,
# load/compile.c, --compile): where they are written, when they are used,
# and that a missing, stale or damaged one never changes an answer.
#
# 1. compile   For every rule file of tests/rules/ (good, bad, the table's)
#              and etc/redirects.ini, and for a missing file, a directory
#              and an empty file: `--compile -o IMAGE` exits as `--check`
#              does and prints the same lines, plus "IMAGE: written:"
#              when valid; a valid file gets an image (its magic bytes),
#              an invalid one none, and neither leaves a temp file or
#              writes beside the rule file.  Where --compile writes (FILE.img,
#              -o, --image, FCGI_REDIRECT_IMAGE); its usage errors (an
#              image as input, images off without -o, -o or --image with
#              --check); --check of an image prints the summary of its
#              rule file, --check of a damaged one says so and exits 1.
# 2. where     A CGI request and --explain write the image where they are
#              told (FILE.img, --image, FCGI_REDIRECT_IMAGE), nothing with
#              images off, and the next process uses it (it is not
#              rewritten) without a word on stderr.
# 3. stale     The rule file rewritten in place with the same size and
#              its mtime restored (only its ctime tells), replaced by
#              rename with the mtime restored, and copied elsewhere with
#              its image (cp -p: another inode): the next CGI answer is
#              the new rule file's, and the image is rewritten, then used.
# 4. damaged   The image truncated, emptied, a byte of its magic or header
#              flipped, another format version, bytes after its end,
#              random bytes, its table of parts wrong; or a valid image of
#              another rule file or of another build: the answer is always
#              the rule file's, a damaged image costs exactly one line on
#              stderr that names it (the others none), and a valid image is
#              left that the next process uses.
# 5. readonly  A directory that cannot be written: a read-only bind mount
#              (in a mount namespace of its own: unshare -m) and, as user
#              nobody (setpriv), a directory of root's: with no image, a
#              stale one or an up-to-date one, the answers are right, one
#              line on stderr names the image that cannot be written (none
#              when the image is up to date), and no image is left or
#              changed.
# 6. twenty    Twenty CGI processes started at once against a fresh
#              1,000,000-entry map (tests/bench/gen.py): every answer is
#              right, exactly one image and no temp file is left, the
#              twenty together cost less CPU than half as many loads,
#              and a process afterwards answers from the image (a tenth of
#              a load's CPU at most).  Prints the times (measured: 1.4 to
#              2.9 s of wall time on 2 CPUs, the image 131 MB).
#              TWENTY_ENTRIES=N sets another size.
# 7. reload    `--listen SOCKET --workers 2 -c rules.img`, an image named
#              as the rule file, under a steady load of 4 connections
#              (tests/ops/fcgi_client.py either): four times, a second rule
#              file compiled into a new image is renamed over rules.img.
#              Every answer is the old or the new version's, the new one
#              answers within 3 s of each rename, and from 3 s after it
#              every answer (each worker's) is the new one.
#
# Needs python3 (the generator and the FastCGI client); without it the
# test prints SKIPPED (a failure when CI=true).  Section 5's variants
# that this machine cannot set up are SKIPPED with the reason.  Ends with
# "image: N passed, N failed"; exit 1 when any check failed.

set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/proc.sh
. "$(dirname "$0")/proc.sh"
lib_binary "${1:-}"

PASSED=0
FAILED=0
CLIENT=$TOP/tests/ops/fcgi_client.py
MAGIC='177FRIMG\r\n'	# od -c of the image magic, blanks removed
unset FCGI_REDIRECT_RULES FCGI_REDIRECT_IMAGE

# check WHAT PROBLEM [NOTE]: one check (PROBLEM: "" when it passed; the
# problems found are joined with "; "); a passed one with a NOTE says so.
check() {
	tally image "$1" "${2#; }"
	if [ -z "$2" ] && [ -n "${3:-}" ]; then
		echo "image: ok: $1: $3"
	fi
}
summary() { echo "image: $PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIPPED: image (python3 is missing)"
	[ "${CI:-}" = true ] && check "CI=true, so the image tests may not be skipped" "python3 is missing"
	summary
	exit
fi

# The work directory: others may enter it (section 5 runs as nobody).
T=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-image.XXXXXX") || exit 2
chmod 755 "$T"
PIDS=()
trap 'stop_started; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

# rules FILE TAG: a small rule file; /m/N (N = 1..50, a map) answers 307
# to /TAG/m/N, /news.html 307 to https://www.example.re/TAG/news.  Two
# TAGs of the same length make files of the same size.
rules() {
	local i
	{
		printf '[news]\npath = /news.html\nto   = https://www.example.re/%s/news\n\n[map m]\n' "$2"
		for i in $(seq 50); do
			printf '/m/%d = /%s/m/%d\n' "$i" "$2" "$i"
		done
	} >"$1"
}

# ask RULES TAG [NAME=VALUE...]: one CGI request for /m/7 with
# FCGI_REDIRECT_RULES=RULES and the variables given, run through the
# command in RUN_AS (none by default); its stderr is T/err.  PROBLEM is
# "" when the answer is TAG's (checked as every row of tests/cases.tsv,
# check_response), else "; " and what came.
RUN_AS=()
ask() {
	local rf=$1 tag=$2
	shift 2
	row_env GET /m/7 www.example.re off -
	# shellcheck disable=SC2086 # BOUNDED may be empty
	"${RUN_AS[@]}" $BOUNDED env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$rf" \
	    "$@" "$BIN" </dev/null >"$T/out" 2>"$T/err"
	# Where the directory cannot be written, the hit counters say so in
	# a line of their own: tests/stats.sh checks it, not this file.
	sed -i '/^fcgi-redirect: not counting: /d' "$T/err"
	PROBLEM=
	check_response "$T/out" GET 307 "/$tag/m/7" - "$T/err" '' ||
	    PROBLEM="; got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
}

# ident FILE: its inode and mtime (a rewritten image changes both), or
# "none".
ident() { stat -c '%i %.9Y' "$1" 2>/dev/null || echo none; }

# magic FILE: its first 8 bytes as od -c shows them, blanks removed.
magic() { head -c 8 "$1" 2>/dev/null | od -An -c | tr -d ' \n'; }

# lines FILE: its number of lines.
lines() { wc -l <"$1" | tr -d ' '; }

# others DIR NAME...: the files in DIR that are not among the NAMEs.
others() {
	local d=$1 f keep
	shift
	for f in "$d"/* "$d"/.[!.]*; do
		[ -e "$f" ] || continue
		# The hit counters are tests/stats.sh's business.
		[[ $f == *.stats ]] && continue
		keep=
		for n in "$@"; do
			[ "${f##*/}" = "$n" ] && keep=1
		done
		[ -z "$keep" ] && printf '%s ' "${f##*/}"
	done
}

# used_again RULES IMAGE TAG [NAME=VALUE...]: a second process answers
# TAG's with no stderr and leaves IMAGE as it was (it used it; a stale or
# damaged one would be rewritten).  PROBLEM is "" or "; " and what not.
used_again() {
	local rf=$1 img=$2 tag=$3 before
	shift 3
	before=$(ident "$img")
	ask "$rf" "$tag" "$@"
	[ -n "$PROBLEM" ] && PROBLEM="; the next request ${PROBLEM#; }"
	[ -s "$T/err" ] && PROBLEM="$PROBLEM; the next request's stderr: $(tr '\n' '|' <"$T/err")"
	[ "$(ident "$img")" = "$before" ] || PROBLEM="$PROBLEM; the next request rewrote the image"
}

# ---------------------------------------------------------------- compile
compile_tests() {
	local d=$T/compile f n=0 out ref rc rrc before p
	mkdir -p "$d/out" "$d/dir"
	: >"$d/empty.ini"
	# Every fixture, and what cannot be committed: missing, a directory,
	# an empty file.  -o keeps the images out of the repository.
	for f in "$TOP"/tests/rules/*/*.ini "$TOP"/tests/rules/*.ini \
	    "$TOP/etc/redirects.ini" "$d/missing.ini" "$d/dir" "$d/empty.ini"; do
		n=$((n + 1))
		before=$(ident "$f.img")
		ref=$("$BIN" --check -c "$f" 2>&1)
		rrc=$?
		out=$("$BIN" --compile -c "$f" -o "$d/out/$n.img" 2>&1)
		rc=$?
		p=
		if [ $rc -ne $rrc ]; then
			p="exit $rc, --check $rrc"
		elif [ $rc -eq 0 ]; then
			[[ $out == "$ref"$'\n'"$d/out/$n.img: written: "* ]] ||
			    p="not --check's lines and 'written': $(show "$out")"
			[ "$(magic "$d/out/$n.img")" = "$MAGIC" ] ||
			    p="$p; no image at $d/out/$n.img"
		else
			[ "$out" = "$ref" ] || p="not --check's lines: $(show "$out") (--check: $(show "$ref"))"
			[ -e "$d/out/$n.img" ] && p="$p; an image was written"
		fi
		[ "$(ident "$f.img")" = "$before" ] || p="$p; $f.img was written"
		p=$p$(others "$d/out" "$n.img" | sed 's/./; left in the output directory: &/')
		rm -f "$d/out/$n.img"
		check "--compile -c ${f#"$TOP"/} as --check (exit $rrc)" "$p"
	done

	# Where --compile writes: ARGS|ENV|the image it must write (in d/w).
	while IFS='|' read -r args env want; do
		rm -rf "$d/w"
		mkdir "$d/w"
		rules "$d/w/r.ini" v1
		# shellcheck disable=SC2086 # the words of ARGS are meant to split
		out=$(env ${env//@/$d/w/} "$BIN" --compile -c "$d/w/r.ini" ${args//@/$d/w/} 2>&1)
		rc=$?
		p=
		[ $rc -eq 0 ] || p="exit $rc: $(show "$out")"
		[ "$(magic "$d/w/$want")" = "$MAGIC" ] || p="$p; no image $want"
		case ${out##*$'\n'} in
		"$d/w/$want: written: "*) ;;
		*) p="$p; last line '$(show "${out##*$'\n'}")'" ;;
		esac
		p=$p$(others "$d/w" r.ini "$want" | sed 's/./; also written: &/')
		check "--compile $args ${env:+($env) }writes $want" "$p"
	done <<'EOF'
||r.ini.img
-o @x.img||x.img
--image @y.img||y.img
|FCGI_REDIRECT_IMAGE=@z.img|z.img
-o @x.img|FCGI_REDIRECT_IMAGE=@z.img|x.img
EOF

	# Usage errors: ARGS|ENV|a part of the message; exit 2, nothing
	# written.  @ is d/w, which holds r.ini and its image r.ini.img.
	rm -rf "$d/w"
	mkdir "$d/w"
	rules "$d/w/r.ini" v1
	"$BIN" --compile -c "$d/w/r.ini" >/dev/null 2>&1
	while IFS='|' read -r args env msg; do
		before=$(ident "$d/w/r.ini.img")
		# shellcheck disable=SC2086 # the words of ARGS are meant to split
		out=$(env ${env//@/$d/w/} "$BIN" ${args//@/$d/w/} 2>&1)
		rc=$?
		p=
		[ $rc -eq 2 ] || p="exit $rc"
		[[ $out == *"$msg"* ]] || p="$p; no '$msg' in '$(show "$out")'"
		[ "$(ident "$d/w/r.ini.img")" = "$before" ] || p="$p; r.ini.img was written"
		p=$p$(others "$d/w" r.ini r.ini.img | sed 's/./; written: &/')
		check "usage: $args ${env:+($env) }exits 2" "$p"
	done <<'EOF'
--compile -c @r.ini.img||is an image already
--compile -c @r.ini.img -o @out.img||is an image already
--compile --image off -c @r.ini||images are off
--compile -c @r.ini|FCGI_REDIRECT_IMAGE=off|images are off
--check -c @r.ini -o @out.img||-o goes with --compile
--check -c @r.ini --image @out.img||--check reads the rule file itself
EOF

	# --check of an image: what it is, and its rule file's summary.
	ref=$("$BIN" --check -c "$d/w/r.ini" 2>&1)
	out=$("$BIN" --check -c "$d/w/r.ini.img" 2>&1)
	rc=$?
	p=
	[ $rc -eq 0 ] || p="exit $rc"
	[[ $out == "$d/w/r.ini.img: an image of $d/w/r.ini, compiled by fcgi-redirect "*$'\n'"$d/w/r.ini.img: ok: ${ref#*: ok: }" ]] ||
	    p="$p; printed '$(show "$out")' (the rule file: '$(show "$ref")')"
	check "--check of an image names its rule file and prints its summary" "$p"
	truncate -s 1000 "$d/w/r.ini.img"
	out=$("$BIN" --check -c "$d/w/r.ini.img" 2>&1)
	rc=$?
	p=
	[ $rc -eq 1 ] || p="exit $rc"
	[ "$out" = "$d/w/r.ini.img: invalid: not a usable image: a truncated image" ] ||
	    p="$p; printed '$(show "$out")'"
	check "--check of a truncated image: invalid, exit 1" "$p"
}

# ---------------------------------------------------------------- where
where_tests() {
	local d n=0 how setting want p out label
	# HOW|SETTING|the image it must leave (in its directory, @ in
	# SETTING), or - for none.
	while IFS='|' read -r how setting want; do
		n=$((n + 1))
		d=$T/where$n
		mkdir "$d"
		rules "$d/r.ini" v1
		setting=${setting//@/$d/}
		label="$how ${setting:+with ${setting//$T\//} }leaves ${want/#-/no image}"
		case $how in
		cgi)
			# shellcheck disable=SC2086 # SETTING is a word or none
			ask "$d/r.ini" v1 $setting
			;;
		explain)
			# shellcheck disable=SC2086 # SETTING may be two words
			case $setting in
			*=*) out=$(env $setting "$BIN" --explain -c "$d/r.ini" /m/7 2>"$T/err") ;;
			*) out=$("$BIN" --explain $setting -c "$d/r.ini" /m/7 2>"$T/err") ;;
			esac
			PROBLEM=
			[[ $out == *$'\nLocation: /v1/m/7\n'* ]] || PROBLEM="; printed '$(show "$out")'"
			;;
		esac
		p=$PROBLEM
		[ -s "$T/err" ] && p="$p; stderr: $(tr '\n' '|' <"$T/err")"
		if [ "$want" = - ]; then
			p=$p$(others "$d" r.ini | sed 's/./; written: &/')
		else
			[ "$(magic "$d/$want")" = "$MAGIC" ] || p="$p; no image $want"
			p=$p$(others "$d" r.ini "$want" | sed 's/./; also written: &/')
			# The next process (a CGI one; the image is the same)
			# uses it.
			[ "$how" = explain ] && setting=${setting#--image }
			case $setting in
			'') used_again "$d/r.ini" "$d/$want" v1 ;;
			*=*) used_again "$d/r.ini" "$d/$want" v1 "$setting" ;;
			*) used_again "$d/r.ini" "$d/$want" v1 "FCGI_REDIRECT_IMAGE=$setting" ;;
			esac
			p=$p$PROBLEM
		fi
		check "$label" "$p"
	done <<'EOF'
cgi||r.ini.img
cgi|FCGI_REDIRECT_IMAGE=off|-
cgi|FCGI_REDIRECT_IMAGE=@env.img|env.img
explain||r.ini.img
explain|--image off|-
explain|--image @opt.img|opt.img
explain|FCGI_REDIRECT_IMAGE=@env.img|env.img
EOF
}

# ---------------------------------------------------------------- stale
stale_tests() {
	local how d img before p stamp=$T/stamp want was
	for how in in-place rename copy; do
		d=$T/stale-$how
		mkdir "$d"
		rules "$d/r.ini" v1
		img=$d/r.ini.img
		ask "$d/r.ini" v1
		p=$PROBLEM
		[ "$(magic "$img")" = "$MAGIC" ] || p="$p; the first request left no image"
		touch -r "$d/r.ini" "$stamp"
		was=$(stat -c '%s %.9Y' "$d/r.ini")
		want=v2
		case $how in
		in-place)
			rules "$T/v2.ini" v2
			cat "$T/v2.ini" >"$d/r.ini"
			;;
		rename)
			rules "$d/r.ini.new" v2
			mv "$d/r.ini.new" "$d/r.ini"
			;;
		copy)
			# Both files copied with their times: another inode.
			mkdir "$d/copy"
			cp -p "$d/r.ini" "$img" "$d/copy/"
			d=$d/copy
			img=$d/r.ini.img
			want=v1
			;;
		esac
		touch -r "$stamp" "$d/r.ini"
		[ "$(stat -c '%s %.9Y' "$d/r.ini")" = "$was" ] ||
		    p="$p; the size or mtime differs (the test is wrong)"
		before=$(ident "$img")
		ask "$d/r.ini" "$want"
		p=$p$PROBLEM
		[ -s "$T/err" ] && p="$p; stderr: $(tr '\n' '|' <"$T/err")"
		[ "$(ident "$img")" != "$before" ] || p="$p; the image was not rewritten"
		[ "$(magic "$img")" = "$MAGIC" ] || p="$p; no image left"
		PROBLEM=
		used_again "$d/r.ini" "$img" "$want"
		p=$p$PROBLEM
		check "stale: the rule file $how, same size and mtime: $want answers, its image is rewritten" "$p"
	done
}

# ---------------------------------------------------------------- damaged
# damage KIND IMAGE: damage an image as KIND says (see damaged_tests).
damage() {
	local img=$2 size
	size=$(stat -c %s "$img")
	case $1 in
	truncated) truncate -s $((size / 2)) "$img" ;;
	short) truncate -s 100 "$img" ;;
	empty) : >"$img" ;;
	magic) printf 'X' | dd of="$img" bs=1 seek=1 conv=notrunc 2>/dev/null ;;
	header) printf 'X' | dd of="$img" bs=1 seek=40 conv=notrunc 2>/dev/null ;;
	trailing) printf '\n' >>"$img" ;;
	random) head -c "$size" /dev/urandom >"$img" ;;
	other-rules)
		rules "$T/other.ini" v9
		"$BIN" --compile -c "$T/other.ini" -o "$img" >/dev/null
		;;
	version | parts | build)
		# A header field changed, its checksum made right again
		# (struct image_header, src/fcgi-redirect.h: FNV-1a of the
		# header up to its last 8 bytes, which hold it).  The offsets
		# come from the image itself: header_size at byte 20, and the
		# strings, the first part, start right after the header.
		python3 - "$1" "$img" <<'PY'
import struct, sys
kind, path = sys.argv[1], sys.argv[2]
h = bytearray(open(path, "rb").read())
hs = struct.unpack_from("=I", h, 20)[0]
if kind == "version":
    h[8:12] = struct.pack("=I", 99)
elif kind == "parts":
    # part[IMAGE_STRINGS].off: the first 8-byte field holding hs
    at = next(o for o in range(136, hs - 8, 8)
              if struct.unpack_from("=Q", h, o)[0] == hs)
    h[at:at + 8] = struct.pack("=Q", 1 << 40)
else:
    h[32:80] = b"0.0.1+another-build".ljust(48, b"\0")
c = 14695981039346656037
for b in h[:hs - 8]:
    c = ((c ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
h[hs - 8:hs] = struct.pack("=Q", c)
open(path, "wb").write(h)
PY
		;;
	esac
}

damaged_tests() {
	local d=$T/damaged kind nlines msg p
	mkdir "$d"
	rules "$d/r.ini" v1
	# KIND|lines on stderr|what the line says
	while IFS='|' read -r kind nlines msg; do
		"$BIN" --compile -c "$d/r.ini" >/dev/null
		damage "$kind" "$d/r.ini.img"
		ask "$d/r.ini" v1
		p=$PROBLEM
		if [ "$(lines "$T/err")" != "$nlines" ]; then
			p="$p; $(lines "$T/err") lines on stderr, not $nlines: $(tr '\n' '|' <"$T/err")"
		elif [ "$nlines" = 1 ] &&
		    ! grep -qF "$d/r.ini.img: $msg; loading $d/r.ini instead" "$T/err"; then
			p="$p; stderr: $(cat "$T/err") (expected '$msg')"
		fi
		[ "$(magic "$d/r.ini.img")" = "$MAGIC" ] || p="$p; no image left"
		p=$p$(others "$d" r.ini r.ini.img | sed 's/./; left: &/')
		PROBLEM=
		used_again "$d/r.ini" "$d/r.ini.img" v1
		p=$p$PROBLEM
		check "damaged: $kind: the rule file answers, $nlines line(s) on stderr, a valid image left" "$p"
	done <<'EOF'
truncated|1|a truncated image
short|1|too short for an image
empty|1|too short for an image
magic|1|not an image
header|1|a damaged image (header checksum)
version|1|an image of another format version
parts|1|a damaged image (its table of parts)
trailing|1|an image with bytes after its end
random|1|not an image
other-rules|0|
build|0|
EOF
}

# ---------------------------------------------------------------- readonly
# readonly_case WAY D: with D unwritable the way WAY says (RUN_AS set by
# the caller), no image, a stale one and an up-to-date one.
readonly_case() {
	local way=$1 d=$2 state p before want
	for state in none stale fresh; do
		rm -f "$d"/*
		rules "$d/r.ini" v1
		chmod 644 "$d/r.ini"
		want=v1
		case $state in
		stale)
			"$BIN" --compile -c "$d/r.ini" >/dev/null
			rules "$d/r.ini" v2
			want=v2
			;;
		fresh) "$BIN" --compile -c "$d/r.ini" >/dev/null ;;
		esac
		before=$(ident "$d/r.ini.img")
		ask "$d/r.ini" "$want"
		p=$PROBLEM
		if [ "$state" = fresh ]; then
			[ -s "$T/err" ] && p="$p; stderr: $(tr '\n' '|' <"$T/err")"
		elif [ "$(lines "$T/err")" != 1 ] ||
		    ! grep -qF "its image $d/r.ini.img cannot be written here" "$T/err"; then
			p="$p; stderr, not one line naming the image: $(tr '\n' '|' <"$T/err")"
		fi
		[ "$(ident "$d/r.ini.img")" = "$before" ] || p="$p; the image changed"
		p=$p$(others "$d" r.ini r.ini.img | sed 's/./; left: &/')
		check "readonly ($way): $state image: $want answers" "$p"
	done
}

readonly_tests() {
	local d=$T/ro mount
	mkdir "$d"
	# A read-only bind mount, in a mount namespace that ends with the
	# process (nothing to undo).
	# shellcheck disable=SC2016 # for sh -c
	mount='mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
	# shellcheck disable=SC2016 # for sh -c
	if unshare -m sh -c "$mount" "$d" sh -c '! touch "$0/probe" 2>/dev/null' "$d" 2>/dev/null &&
	    [ ! -e "$d/probe" ]; then
		RUN_AS=(unshare -m sh -c "$mount" "$d")
		readonly_case "a read-only bind mount" "$d"
		RUN_AS=()
	else
		echo "SKIPPED: image: readonly (a read-only bind mount: unshare -m and mount fail here)"
	fi
	# As nobody, in a directory of root's (mode 755).
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
	    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --version >/dev/null 2>&1; then
		chmod 755 "$d"
		RUN_AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		readonly_case "as nobody" "$d"
		RUN_AS=()
	else
		echo "SKIPPED: image: readonly as nobody (not root, or uid 65534 cannot run $BIN)"
	fi
}

# ---------------------------------------------------------------- twenty
# timed CMD...: run CMD; WALL and CPU are its seconds (CPU: user and system
# time of it and its children).
timed() {
	local TIMEFORMAT='%R %U %S' t u s
	t=$( { time "$@" >/dev/null 2>&1; } 2>&1)
	read -r WALL u s <<<"$t"
	CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

# twenty RULES: 20 CGI processes at once, process i asking row i % 4 of
# URLS; its output in T/twenty/out.i.
twenty() {
	local i path
	for i in $(seq 0 19); do
		IFS=$'\t' read -r _ path _ <<<"${URLS[$((i % ${#URLS[@]}))]}"
		row_env GET "$path" www.example.re off -
		env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$1" "$BIN" </dev/null \
		    >"$T/twenty/out.$i" 2>"$T/twenty/err.$i" &
	done
	wait
}

twenty_tests() {
	local g=$T/big n=${TWENTY_ENTRIES:-1000000} rf p i st loc ref_cpu imgs
	mkdir -p "$g" "$T/twenty"
	if ! python3 "$TOP/tests/bench/gen.py" "$g" map "$n" fr >/dev/null; then
		check "twenty: generating a $n-entry map" "tests/bench/gen.py failed"
		return
	fi
	rf=$g/fr-map-$n.ini
	mapfile -t URLS <"$g/urls-map-$n.tsv"
	# What one load of the file costs, without images.
	row_env GET /x www.example.re off -
	timed env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$rf" FCGI_REDIRECT_IMAGE=off "$BIN"
	ref_cpu=$CPU
	timed twenty "$rf"
	p=
	for i in $(seq 0 19); do
		IFS=$'\t' read -r _ path st loc <<<"${URLS[$((i % ${#URLS[@]}))]}"
		if ! check_response "$T/twenty/out.$i" GET "$st" "$loc" - "$T/twenty/err.$i" ''; then
			p="$p; process $i, $path: got $GOT_STATUS $(show "$GOT_LOC"): $(join_problems)"
		fi
		[ -s "$T/twenty/err.$i" ] && p="$p; process $i stderr: $(tr '\n' '|' <"$T/twenty/err.$i")"
	done
	imgs=$(others "$g" "fr-map-$n.ini" "urls-map-$n.tsv")
	[ "$imgs" = "fr-map-$n.ini.img " ] || p="$p; files left beside the rule file: '$imgs' (one image, no temp file expected)"
	out=$("$BIN" --check -c "$rf.img" 2>&1) || p="$p; the image: $(show "$out")"
	[[ $out == *"1 map with $n entries"* ]] || p="$p; the image: $(show "$out")"
	awk -v c="$CPU" -v r="$ref_cpu" 'BEGIN { exit !(c < 10 * r) }' ||
	    p="$p; the twenty took $CPU s of CPU, more than 10 loads of $ref_cpu s"
	check "twenty CGI processes at once, a fresh $n-entry map: all answers right, one image" "$p" \
	    "$WALL s wall, $CPU s CPU for the twenty (one load without images: $ref_cpu s CPU)"
	# One more: it maps the image.
	IFS=$'\t' read -r _ path st loc <<<"${URLS[1]}"
	row_env GET "$path" www.example.re off -
	timed env -i "${ROW_ENV[@]}" "FCGI_REDIRECT_RULES=$rf" "$BIN"
	p=
	awk -v c="$CPU" -v r="$ref_cpu" 'BEGIN { exit !(c <= r / 10) }' ||
	    p="one request took $CPU s of CPU, a load $ref_cpu s: the image was not used"
	check "twenty: the next process answers from the image" "$p" "$CPU s CPU, $WALL s wall"
}

# ---------------------------------------------------------------- reload
# version FILE V: the rules of version V (a: 307 to a.example, b: 308 to
# b.example), one rule and a 2,000-entry map.
version() {
	local st=307
	[ "$2" = b ] && st=308
	awk -v v="$2" -v st="$st" 'BEGIN {
		printf "[defaults]\nstatus = %s\n\n[a]\npath = /a\nto   = https://%s.example/a\n\n[map m]\n", st, v
		for (i = 0; i < 2000; i++)
			printf "/m/%d = https://%s.example/m/%d\n", i, v, i
	}' >"$1"
}

# answers V: the URI HOST ANSWER triples of version V (see version).
answers() {
	local st=307
	[ "$1" = b ] && st=308
	printf '%s\n' /a localhost "$st https://$1.example/a" \
	    /m/7 localhost "$st https://$1.example/m/7" \
	    /m/1999 localhost "$st https://$1.example/m/1999"
}

reload_tests() {
	local d=$T/reload sock pid load i v old out p t0 left
	local -a a b both new was
	mkdir "$d"
	sock=$d/s.sock
	version "$d/a.ini" a
	version "$d/b.ini" b
	mapfile -t a < <(answers a)
	mapfile -t b < <(answers b)
	both=()
	for i in 0 3 6; do
		both+=("${a[i]}" "${a[i + 1]}" "${a[i + 2]}|${b[i + 2]}")
	done
	"$BIN" --compile -c "$d/a.ini" -o "$d/rules.img" >/dev/null
	"$BIN" --listen "$sock" --workers 2 --settle 200 -c "$d/rules.img" \
	    </dev/null >/dev/null 2>"$d/log" &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 100); do
		grep -q "listening on" "$d/log" 2>/dev/null && [ -S "$sock" ] && break
		sleep 0.05
	done
	if ! out=$($BOUNDED python3 "$CLIENT" until "$sock" /a localhost "${a[2]}" --timeout 5); then
		check "reload: --listen -c rules.img answers" "$out; log: $(tr '\n' '|' <"$d/log")"
		return
	fi
	python3 "$CLIENT" either "$sock" 4 60 "${both[@]}" >"$d/load.out" 2>&1 &
	load=$!
	PIDS+=("$load")
	# Each rename: the new version answers within 3 s, and from 3 s
	# after it every answer (each worker's) is the new version's, so
	# that the next rename starts from one version.
	old=a
	for v in b a b a; do
		"$BIN" --compile -c "$d/$v.ini" -o "$d/new.img" >/dev/null
		mv "$d/new.img" "$d/rules.img"
		t0=$(date +%s%N)
		if [ "$v" = a ]; then
			new=("${a[@]}") was=("${b[@]}")
		else
			new=("${b[@]}") was=("${a[@]}")
		fi
		p=
		out=$($BOUNDED python3 "$CLIENT" until "$sock" /a localhost \
		    "${new[2]}" --old "${was[2]}" --timeout 3) || p=$out
		check "reload: rules.img renamed over, $old to $v: the new answers come within 3 s" "$p" "$out"
		left=$(( (t0 + 3000000000 - $(date +%s%N)) / 1000000 ))
		[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN { printf "%.3f", m / 1000 }')"
		p=
		out=$($BOUNDED python3 "$CLIENT" steady "$sock" 0.5 "${new[@]}") || p=$out
		check "reload: $old to $v: from 3 s after the rename, every answer is the new rules'" "$p"
		old=$v
	done
	kill -TERM "$load"
	wait "$load"
	i=$?
	forget "$load"
	p=
	[ $i -eq 0 ] || p="load exit $i: $(tr '\n' ' ' <"$d/load.out")"
	grep -q 'alternative: #1 [1-9][0-9]*, #2 [1-9][0-9]*' "$d/load.out" ||
	    p="$p; not both versions answered: $(tr '\n' ' ' <"$d/load.out")"
	check "reload: under load, every answer is the old or the new version's" "$p" \
	    "$(tr '\n' ' ' <"$d/load.out")"
	running "$pid" || check "reload: the server runs on" "it is gone: $(tr '\n' '|' <"$d/log")"
	stop_pids "$pid"
}

compile_tests
where_tests
stale_tests
damaged_tests
readonly_tests
twenty_tests
reload_tests
summary

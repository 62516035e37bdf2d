#!/usr/bin/env bash
# tests/bench/run.sh BINARY ENGINE FLOOR CG_HOOK IMAGE SPAWN: the benchmark of
# `make bench`.
#
# BINARY is build/fcgi-redirect, ENGINE build/bench-engine (tests/bench/
# engine.c: the engine without a server), FLOOR build/bench/floor
# (tests/bench/floor.c: a FastCGI responder with one fixed 307, shaped like
# fcgi-redirect's answer, and no rules)
# CG_HOOK build/bench/cg_hook.so (tests/bench/cg_hook.c), IMAGE
# build/bench/image (tests/bench/image.c: compiling and mapping an image)
# and SPAWN build/bench/spawn (tests/bench/spawn.c: the time of whole runs
# of a program).  Everything it writes goes to build/bench/:
#
#   rules/        the generated rule sets (tests/bench/gen.py), in every form
#   engine.csv    the engine alone: lookups/s and instructions per lookup
#   engine-before.csv  the same from BENCH_ENGINE_BEFORE's bench-engine
#   load.csv      load time and resident memory of each rule file
#   results.csv   one row per wrk measurement through a server
#   rps.png       requests/s against the rule count, one panel per server
#   image-*.csv   the image part (3. below), and its plot image.png
#   report.md     the tables printed at the end (tests/bench/report.py)
#   logs/         the servers' configurations and error logs of the last run
#
# 1. The engine alone, on an otherwise idle machine: bench-engine's own
#    timing (lookups/s, load time, memory) for each rule kind and size,
#    callgrind's instruction count per lookup (which does not drift with
#    machine load), and `fcgi-redirect --check` under /usr/bin/time.
# 2. Through the servers.  Each contender runs behind its own server
#    instance, started as in tests/e2e/ (an unprivileged process tree on a
#    free loopback port, with a configuration generated around the recipe
#    in etc/): fcgi-redirect and the floor with 2 FastCGI processes each,
#    and the server's own redirect module with the same redirects.  The
#    rule sets are measured in four groups (1 rule, 10,000, the large sets,
#    1,000 regexes); in a group every instance is started, warmed up, and
#    then measured in rounds, one round per hit position, each round
#    taking every contender of every server in turn, so that drift in the
#    machine's speed hits them alike.  The floor is measured in every
#    round; a contender's percentage of the floor is against the floor's
#    mean over the same group.
#
# 3. The image (BENCH_PARTS=image): what the compiled rule set that
#    processes map read-only and share costs and saves.  bench-image times
#    compiling, mapping and the per-process regex compile; callgrind counts
#    a request's instructions from a mapped image; bench-spawn times
#    fcgi-redirect run as CGI (the environment of one request, RUNS runs
#    one after the other, the median) with an image, without one
#    (FCGI_REDIRECT_IMAGE=off) and the first, compiling, request; Apache
#    mod_cgid serves copies of www/ (set up by tests/e2e/apache.sh) to curl,
#    with fcgi-redirect and with Apache's own Redirect lines in .htaccess;
#    and lighttpd and mod_fcgid run 1, 2 and 4 FastCGI processes at
#    1,000,000 entries, whose Pss (/proc/PID/smaps_rollup) is summed.
#
# Every answer is checked (tests/bench/check.lua): a measurement with a
# wrong status or Location, or a socket error, is reported as an error and
# never as a speed.
#
# wrk runs `wrk -t2 -c32 -dBENCH_SECONDS` against lighttpd and nginx, and
# `-t1 -c1` against Apache: mod_fcgid lends each FastCGI process to one
# request at a time and takes it back only after the answer has left, and a
# request that finds no free process sleeps a whole second
# (fcgid_bridge.c, handle_request).  With 2 processes, -c32 and even -c2
# measure those sleeps (p99 about 950 ms), -c1 does not.  The same
# concurrency is used for Apache's own modules.
#
# Environment:
#   BENCH_SECONDS=2     length of one measurement (wrk -d)
#   BENCH_WARMUP=1      length of the warm-up run of each instance
#   BENCH_SERVERS="lighttpd nginx apache"   the servers to measure
#   BENCH_PARTS="engine servers image"      the parts to run
#   BENCH_ENGINE_KINDS="map:1 ... query:1000000"  the engine part's rule
#                       files, KIND:SIZE (engine_kinds below)
#   BENCH_ENGINE_BEFORE=PATH   another build's bench-engine, measured by
#                       the engine part on the same files (no query kind)
#                       into engine-before.csv, for a before/after
#   BENCH_GROUPS="map-1 map-10000 map-1000000 regex-1000"   the groups to run
#   BENCH_APACHE_PROCS=2, BENCH_APACHE_CONNS=1   mod_fcgid's processes and
#                       wrk's connections for Apache (more connections
#                       than processes measure mod_fcgid's 1-second sleeps)
#
# Each loop here is bounded in count and time, every wrk under `timeout`,
# and everything started is stopped on exit (trap), by process id.
set -u
PATH=$PATH:/usr/sbin:/sbin

if [ $# -ne 6 ]; then
	echo "usage: $0 BINARY ENGINE FLOOR CG_HOOK IMAGE SPAWN" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/proc.sh
. "$here/../proc.sh"	# free_port, server_user
top=$(cd "$here/../.." && pwd)
bin=$(realpath "$1")
engine=$(realpath "$2")
floor_bin=$(realpath "$3")
cg_hook=$(realpath "$4")
image_bin=$(realpath "$5")
spawn_bin=$(realpath "$6")

out=$top/build/bench
rules=$out/rules
DURATION=${BENCH_SECONDS:-2}
WARMUP=${BENCH_WARMUP:-1}
SERVERS=${BENCH_SERVERS:-lighttpd nginx apache}
PARTS=${BENCH_PARTS:-engine servers image}
GROUPS_RUN=${BENCH_GROUPS:-map-1 map-10000 map-1000000 regex-1000}
# BENCH_PIN=1: the servers and their FastCGI processes on CPU 0, wrk on
# CPU 1 (needs 2 CPUs).
PIN_SERVER= PIN_WRK=
if [ "${BENCH_PIN:-0}" = 1 ]; then
	PIN_SERVER="taskset -c 0"
	PIN_WRK="taskset -c 1"
fi
APACHE_PROCS=${BENCH_APACHE_PROCS:-2}
APACHE_CONNS=${BENCH_APACHE_CONNS:-1}
# A server that does not answer within this many seconds of its start is
# not measured: the cap on "loads in reasonable time".
LOAD_LIMIT=60
MODULES=/usr/lib/apache2/modules
CLK_TCK=$(getconf CLK_TCK)
# The lookups bench-engine makes per URI under callgrind.
CG_N=$(sed -n 's/^#define[[:space:]]*BENCH_CALLGRIND_N[[:space:]]*\([0-9]*\).*/\1/p' \
    "$here/engine.c")
: "${CG_N:=1000}"

# The sizes of the native forms.  Measured on the 2-core machine (see
# tests/bench/results/2026-11-24/), a server's own module is used up to the
# largest size it loads in under LOAD_LIMIT seconds:
#   lighttpd url.redirect: up to 100,000.  1,000,000 does not load at all:
#     lighttpd refuses a configuration file of 62 MB ("Value too large for
#     defined data type"); 100,000 loads in 2 s.
#   nginx `location =`: up to 10,000.  100,000 took 75 s to load, and
#     1,000,000 still had not after 90 s, with 7 GB resident.
#   nginx map, Apache Redirect: up to 1,000,000 (about 9 s and 2 s).
LT_LARGE=100000
MAP_SIZES="1 10000 1000000"
REGEX_SIZE=1000

t0=$(date +%s)
log() { printf '[%3ds] %s\n' $(($(date +%s) - t0)) "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- Processes: every one started is tracked by its id and stopped.

PIDS=()
W=

track() { PIDS+=("$@"); }

stop_all() {
	local p q i
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for i in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	PIDS=()
	# The Apache instances started by tests/e2e/apache.sh's apache_start.
	if declare -F e2e_stop_all >/dev/null; then
		e2e_stop_all
	fi
	# FastCGI processes that outlived their server: only those running a
	# program copied into the work directory, so only ours.
	[ -n "$W" ] || return 0
	for q in /proc/[0-9]*; do
		case $(readlink "$q/exe" 2>/dev/null) in
		"$W"/*) kill -KILL "${q#/proc/}" 2>/dev/null ;;
		esac
	done
}

cleanup() {
	stop_all
	[ -n "$W" ] && rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Tools.

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is missing (apt-get install $2)"
}
need wrk wrk
need gnuplot gnuplot-nox
need python3 python3
need curl curl
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"

mkdir -p "$out" "$rules"
rm -rf "$out/logs"
mkdir -p "$out/logs"

# gen KIND SIZE [FORMS]: the rule set in those forms (kept if up to date).
gen() {
	python3 "$here/gen.py" "$rules" "$@" || die "gen.py $* failed"
}

# ---- 1. The engine alone.

# The rule files the engine is measured with, KIND:SIZE (BENCH_ENGINE_KINDS
# chooses among them).
engine_kinds=${BENCH_ENGINE_KINDS:-map:1 map:10000 map:100000 map:1000000
	regex:$REGEX_SIZE prefix:10000 prefix:100000 prefix:1000000
	query:10000 query:1000000}

# engine_measure ENGINE TAG CSV KIND:SIZE...: bench-engine ENGINE's own
# timing and callgrind's counts for each rule file, into CSV; the logs are
# named with TAG before KIND (logs/engine-TAGKIND-SIZE.txt,
# logs/callgrind/TAGKIND-SIZE.out).
engine_measure() {
	local eng=$1 tag=$2 csv=$3 spec kind size f urls cg n txt
	local -a paths
	shift 3
	# bench-engine's own timing, one rule file after the other.
	for spec in "$@"; do
		kind=${spec%:*} size=${spec#*:}
		f=$rules/fr-$kind-$size.ini
		urls=$rules/urls-$kind-$size.tsv
		txt=$out/logs/engine-$tag$kind-$size.txt
		mapfile -t paths < <(cut -f2 "$urls")
		timeout 120 "$eng" "$f" "${paths[@]}" >"$txt" 2>&1 ||
		    log "engine: bench-engine $f failed: $(tail -2 "$txt")"
		log "engine: $tag$kind $size: load $(grep '^load' "$txt" | cut -f4- | tr '\t' ' ')"
	done

	# callgrind, two at a time (it counts instructions: running two
	# side by side changes nothing).  valgrind starts uninstrumented;
	# cg_hook.so switches it on after the load and dumps the counts at
	# each URI, so each dump holds the CG_N lookups of one URI.
	if ! command -v valgrind >/dev/null 2>&1; then
		log "engine: valgrind is missing (apt-get install valgrind): no instruction counts"
	else
		mkdir -p "$out/logs/callgrind"
		n=0
		for spec in "$@"; do
			kind=${spec%:*} size=${spec#*:}
			cg=$out/logs/callgrind/$tag$kind-$size.out
			rm -f "$cg" "$cg".*
			mapfile -t paths < <(cut -f2 "$rules/urls-$kind-$size.tsv")
			LD_PRELOAD=$cg_hook BENCH_CALLGRIND=1 timeout 300 \
			    valgrind --tool=callgrind --instr-atstart=no \
			    --collect-atstart=no --toggle-collect=bench_one \
			    --callgrind-out-file="$cg" "$eng" \
			    "$rules/fr-$kind-$size.ini" "${paths[@]}" \
			    >"$cg.log" 2>&1 &
			track $!
			n=$((n + 1))
			[ $((n % 2)) -eq 0 ] && wait
		done
		wait
		PIDS=()
		log "engine: ${tag}callgrind done"
	fi

	for spec in "$@"; do
		kind=${spec%:*} size=${spec#*:}
		engine_rows "$kind" "$size" "$csv" "" "$tag"
	done
}

engine_part() {
	local spec kind size
	local -a path_kinds=()
	echo "kind,rules,position,uri,answer,lookups_per_s,instructions_per_request,instructions_per_lookup" \
	    >"$out/engine.csv"
	echo "kind,rules,load_s,rss_added_kib,analysis_s,check_s,check_max_rss_kib" \
	    >"$out/load.csv"
	for spec in $engine_kinds; do
		kind=${spec%:*} size=${spec#*:}
		gen "$kind" "$size" fr
		[ "$kind" = query ] || path_kinds+=("$spec")
	done
	log "engine: rule files ready"

	# shellcheck disable=SC2086
	engine_measure "$engine" "" "$out/engine.csv" $engine_kinds
	# BENCH_ENGINE_BEFORE: another build's bench-engine (an older commit,
	# built in its own worktree) measured on the same rule files and URLs,
	# those without a query, into engine-before.csv.
	if [ -n "${BENCH_ENGINE_BEFORE:-}" ]; then
		echo "kind,rules,position,uri,answer,lookups_per_s,instructions_per_request,instructions_per_lookup" \
		    >"$out/engine-before.csv"
		engine_measure "$(realpath "$BENCH_ENGINE_BEFORE")" before- \
		    "$out/engine-before.csv" "${path_kinds[@]}"
	fi

	# Load time and memory of the real program: --check loads the file
	# as serving does.
	for spec in $engine_kinds; do
		kind=${spec%:*} size=${spec#*:}
		[ "$size" -gt 1 ] || continue
		/usr/bin/time -v -o "$out/logs/check-$kind-$size.time" \
		    timeout 120 "$bin" --check -c "$rules/fr-$kind-$size.ini" \
		    >"$out/logs/check-$kind-$size.txt" 2>&1
		awk -v kind="$kind" -v size="$size" -F'\t' '
		    $1 == "load" { split($4, t, " "); split($5, m, " ") }
		    $1 == "analysis" { split($3, a, " ") }
		    END { printf "%s,%s,%s,%s,%s,", kind, size, t[1], m[1], a[1] }' \
		    "$out/logs/engine-$kind-$size.txt" >>"$out/load.csv"
		awk '/Elapsed \(wall clock\)/ { n = split($NF, a, ":");
			s = a[n] + (n > 1 ? a[n-1] * 60 : 0) }
		    /Maximum resident set size/ { m = $NF }
		    END { printf "%s,%s\n", s, m }' \
		    "$out/logs/check-$kind-$size.time" >>"$out/load.csv"
	done
	log "engine: done"
}

# engine_rows KIND SIZE [CSV [URLS [TAG]]]: the rows of CSV (engine.csv)
# for one rule file, from bench-engine's output and the callgrind dumps
# (their names with TAG before KIND); URLS is the URL list (that of KIND and
# SIZE when empty or not given).
engine_rows() {
	local kind=$1 size=$2 tag=${5:-}
	local txt=$out/logs/engine-$tag$1-$2.txt csv=${3:-$out/engine.csv}
	local urls=${4:-$rules/urls-$1-$2.tsv}
	local cg=$out/logs/callgrind/$tag$1-$2.out nurls parts i f
	local -a instr=() lookup=()
	nurls=$(wc -l <"$urls")
	# Dump 1 is taken before the first URI (nothing counted yet), dump
	# i+1 after URI i, and the file without a number at the exit.
	parts=$(ls "$cg" "$cg".[0-9]* 2>/dev/null | wc -l)
	# The whole request is the dump's total; the lookup is handle_decide
	# without cgi_vars_collect (reading the server's variables): what is
	# left is normalization, matching and building the Location.
	if [ "$parts" -eq $((nurls + 1)) ]; then
		for i in $(seq 2 "$nurls") end; do
			f=$cg.$i
			[ "$i" = end ] && f=$cg
			instr+=("$(sed -n 's/^summary: //p' "$f")")
			lookup+=("$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
			    awk '{ gsub(",", "", $1) }
				/:handle_decide \[/ { d = $1 }
				/:cgi_vars_collect \[/ { v = $1 }
				END { if (d != "") print d - v; else print "-" }')")
		done
	elif [ -f "$cg" ]; then
		log "engine: $kind $size: callgrind gave $parts dumps for $nurls URIs (has engine.c changed?); instructions not per URI"
	fi
	awk -F'\t' -v kind="$kind" -v size="$size" -v n="$CG_N" \
	    -v instr="${instr[*]:-}" -v lookup="${lookup[*]:-}" '
	    BEGIN { split(instr, ins, " "); split(lookup, lk, " ") }
	    FILENAME == ARGV[1] { pos[FNR] = $1; path[FNR] = $2;
		want[$2] = $3 " " $4; next }
	    $1 == "answer" { got[$2] = $3 " " $4 }
	    $1 == "speed" { split($3, s, " "); speed[$2] = s[1] }
	    END {
		for (i = 1; i in pos; i++) {
			p = path[i]
			ok = (got[p] == want[p]) ? "ok" : "WRONG " got[p]
			ipr = (i in ins && ins[i] != "") ? sprintf("%.0f", ins[i] / n) : ""
			ipl = (i in lk && lk[i] != "-") ? sprintf("%.0f", lk[i] / n) : ""
			printf "%s,%s,%s,%s,%s,%s,%s,%s\n", kind, size, pos[i], p,
			    ok, speed[p], ipr, ipl
		}
	    }' "$urls" "$txt" >>"$csv"
}

# ---- 2. Through the servers.

# The user that server workers and FastCGI processes run as (as in
# tests/e2e/).
server_user

# Instances, by id "SERVER|CONTENDER|KIND|SIZE": I_PORT, I_URLS (its URL
# list), I_WHAT (fcgi, floor or a native form), I_WRK (wrk's -t and -c),
# I_DIR (its configuration and logs), I_READY (seconds to its first
# correct answer), I_PROG (its own copy of the FastCGI program, so that
# its processes can be told from the other instances').
declare -A I_PORT I_URLS I_WHAT I_WRK I_DIR I_READY I_PROG
GROUP_IDS=()

wrk_args() {
	case $1 in
	apache)	echo "-t1 -c${APACHE_CONNS}" ;;
	*)	echo "-t2 -c32" ;;
	esac
}

# wait_ready ID URL STATUS T0 PID...: until URL answers STATUS, at most
# LOAD_LIMIT seconds, or until a PID dies; sets I_READY[ID], the seconds
# since T0 (date +%s.%N).
wait_ready() {
	local id=$1 url=$2 want=$3 t_start=$4 start=$SECONDS i code p
	shift 4
	for i in $(seq 1 $((LOAD_LIMIT * 10))); do
		[ $((SECONDS - start)) -le "$LOAD_LIMIT" ] || break
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")
		if [ "$code" = "$want" ]; then
			I_READY[$id]=$(awk -v n="$(date +%s.%N)" \
			    -v b="$t_start" 'BEGIN { printf "%.1f", n - b }')
			return 0
		fi
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null || return 1
		done
		sleep 0.1
	done
	return 1
}

# The programs and FastCGI rule files, copied where the run user can read
# them.
setup_workdir() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-bench.XXXXXX")
	chmod 755 "$W"
	mkdir -p "$W/bin" "$W/rules" "$W/root"
	cp "$bin" "$W/bin/fcgi-redirect"
	cp "$floor_bin" "$W/bin/floor"
	printf 'text/plain txt\n' >"$W/mime.types"
	chmod -R a+rX "$W"
}

# start_lighttpd ID DIR PORT WHAT FILE: WHAT is fcgi (program FILE is the
# rules) or native (FILE is included).  The recipe runs LT_PROCS FastCGI
# processes (2 unless set), with FR_ENV ("NAME=VALUE", if set) in their
# environment (bin-environment).
start_lighttpd() {
	local id=$1 d=$2 port=$3 what=$4 file=$5 prog env=${FR_ENV:-}
	{
		cat <<CONF
server.document-root = "$W/root"
server.bind          = "127.0.0.1"
server.port          = $port
server.errorlog      = "$d/error.log"
server.pid-file      = "$d/lighttpd.pid"
CONF
		case $what in
		native)
			echo 'server.modules += ( "mod_redirect" )'
			echo "include \"$rules/$file\""
			;;
		*)
			prog=fcgi-redirect
			[ "$what" = floor ] && prog=floor
			recipe_copy "$top/etc/lighttpd/fcgi-redirect.conf" \
			    "$d/recipe.conf" \
			    '"max-procs"[[:space:]]*=>[[:space:]]*' \
			    "\"max-procs\" => ${LT_PROCS:-2}," \
			    '"max-procs"' \
			    "\"bin-environment\" => ( \"${env%%=*}\" => \"${env#*=}\" )," ||
			    return 1
			cat <<CONF
server.modules += ( "mod_fastcgi" )
var.fcgi_redirect_bin    = "$d/$prog"
var.fcgi_redirect_rules  = "$W/rules/$file"
var.fcgi_redirect_socket = "$d/fcgi.socket"
include "$d/recipe.conf"
CONF
			;;
		esac
	} >"$d/lighttpd.conf"
	$PIN_SERVER lighttpd -D -f "$d/lighttpd.conf" >>"$d/error.log" 2>&1 &
	track $!
	START_PIDS=($!)
}

# recipe_copy RECIPE OUT KEY_RE NEW BEFORE_RE ENV_LINE: RECIPE into OUT
# with its process count (KEY_RE and a number) replaced by NEW and, when
# FR_ENV is set, ENV_LINE added before the first line that starts with
# BEFORE_RE (at its indentation); 1 when RECIPE has no process count.
recipe_copy() {
	awk -v key="$3" -v new="$4" -v before="$5" -v line="$6" \
	    -v env="${FR_ENV:-}" '
	    !done_env && env != "" && match($0, "^[ \t]*" before) {
		ind = $0; sub(/[^ \t].*/, "", ind)
		print ind line
		done_env = 1
	    }
	    sub(key "[0-9]+,?", new) { found = 1 }
	    { print }
	    END { exit !found }' "$1" >"$2" && return 0
	echo "no process count ($3) in $1" >>"$(dirname "$2")/error.log"
	return 1
}

# start_nginx ID DIR PORT WHAT FILE: WHAT is fcgi or floor (behind
# etc/nginx/spawn-fcgi.sh and the recipe's upstream and server snippets,
# as tests/e2e/nginx.sh does), loc or map (FILE included).
start_nginx() {
	local id=$1 d=$2 port=$3 what=$4 file=$5 prog=fcgi-redirect p
	local http_extra="" server_body
	local recipe_socket=/run/fcgi-redirect/fcgi-redirect.sock
	START_PIDS=()
	case $what in
	fcgi|floor)
		[ "$what" = floor ] && prog=floor
		FCGI_REDIRECT_BIN=$d/$prog \
		FCGI_REDIRECT_RULES=$W/rules/$file \
		FCGI_REDIRECT_SOCKET=$d/fcgi.sock \
		FCGI_REDIRECT_PIDFILE=$d/fcgi.pid \
		FCGI_REDIRECT_PROCS=2 \
		NGINX_USER=$run_user NGINX_GROUP=$run_group \
		FCGI_REDIRECT_USER=$run_user FCGI_REDIRECT_GROUP=$run_group \
		    $PIN_SERVER "$top/etc/nginx/spawn-fcgi.sh" >>"$d/error.log" 2>&1
		for p in $(cat "$d/fcgi.pid" 2>/dev/null); do
			track "$p"
			START_PIDS+=("$p")
		done
		[ ${#START_PIDS[@]} -gt 0 ] || return 1
		sed "s|unix:$recipe_socket;|unix:$d/fcgi.sock;|" \
		    "$top/etc/nginx/fcgi-redirect-upstream.conf" >"$d/upstream.conf"
		if ! grep -q "unix:$d/fcgi.sock;" "$d/upstream.conf"; then
			echo "no 'server unix:$recipe_socket;' in etc/nginx/fcgi-redirect-upstream.conf" >>"$d/error.log"
			return 1
		fi
		ln -sf /etc/nginx/fastcgi_params "$d/fastcgi_params"
		http_extra="include $d/upstream.conf;"
		server_body="include $top/etc/nginx/fcgi-redirect.conf;"
		;;
	loc)
		server_body="absolute_redirect off; include $rules/$file;"
		;;
	map)
		http_extra="map_hash_max_size 2097152; map_hash_bucket_size 256;
	include $rules/$file;"
		server_body='absolute_redirect off;
		location / {
			if ($bench_target = "") { return 404; }
			return 307 $bench_target;
		}'
		;;
	esac
	mkdir -p "$d/tmp"
	{
		[ "$(id -u)" -eq 0 ] && echo "user $run_user $run_group;"
		cat <<CONF
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	fastcgi_temp_path $d/tmp/fastcgi;
	proxy_temp_path $d/tmp/proxy;
	scgi_temp_path $d/tmp/scgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	$http_extra
	server {
		listen 127.0.0.1:$port;
		$server_body
	}
}
CONF
	} >"$d/nginx.conf"
	$PIN_SERVER nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" \
	    -g 'daemon off;' >>"$d/error.log" 2>&1 &
	track $!
	START_PIDS+=($!)
}

# start_apache ID DIR PORT WHAT FILE: WHAT is fcgi or floor (the recipe
# etc/apache2/fcgi-redirect.conf with mod_fcgid held to 2 processes) or
# native (FILE included: Redirect or RedirectMatch lines).
start_apache() {
	local id=$1 d=$2 port=$3 what=$4 file=$5 prog=fcgi-redirect m
	local mods="mpm_event authz_core alias"
	[ "$what" = native ] || mods="$mods fcgid"
	{
		cat <<CONF
ServerRoot "$d"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$d/httpd.pid"
ErrorLog "$d/error.log"
LogLevel warn
CONF
		[ "$(id -u)" -eq 0 ] &&
		    printf 'User %s\nGroup %s\n' "$run_user" "$run_group"
		for m in $mods; do
			printf 'LoadModule %s_module "%s/mod_%s.so"\n' "$m" \
			    "$MODULES" "$m"
		done
		cat <<CONF
<Directory />
	AllowOverride None
	Require all denied
</Directory>
DocumentRoot "$W/root"
<Directory "$W/root">
	Require all granted
</Directory>
CONF
		case $what in
		native)
			echo "Include \"$rules/$file\""
			;;
		*)
			[ "$what" = floor ] && prog=floor
			# The recipe, with its per-program limit set to
			# APACHE_PROCS, and FR_ENV added to the program's
			# environment (its FcgidCmdOptions InitialEnv: with
			# FcgidCmdOptions, a global FcgidInitialEnv is not
			# used for that program).
			recipe_copy "$top/etc/apache2/fcgi-redirect.conf" \
			    "$d/recipe.conf" 'MaxProcesses[[:space:]]*' \
			    "MaxProcesses $APACHE_PROCS" 'InitialEnv ' \
			    "InitialEnv \"${FR_ENV:-}\" \\" || return 1
			cat <<CONF
FcgidIPCDir "$d/fcgid"
FcgidProcessTableFile "$d/fcgid_shm"
FcgidMaxProcesses $APACHE_PROCS
FcgidMaxProcessesPerClass $APACHE_PROCS
Define FCGI_REDIRECT_BIN "$d/$prog"
Define FCGI_REDIRECT_RULES "$W/rules/$file"
Include "$d/recipe.conf"
CONF
			;;
		esac
	} >"$d/apache2.conf"
	# In a session of its own, as in tests/e2e/apache.sh.
	setsid $PIN_SERVER apache2 -DFOREGROUND -f "$d/apache2.conf" </dev/null \
	    >>"$d/error.log" 2>&1 &
	track $!
	START_PIDS=($!)
}

# start SERVER CONTENDER KIND SIZE WHAT FILE: one instance; it joins the
# group when it answers its first URL correctly within LOAD_LIMIT.
start() {
	local server=$1 contender=$2 kind=$3 size=$4 what=$5 file=$6
	local id="$1|$2|$3|$4" d port urls first_path want t
	d=$W/$server-$contender-$kind-$size
	d=${d//[=~]/}
	mkdir -p "$d"
	port=$(free_port)
	urls=$rules/urls-$kind-$size.tsv
	I_DIR[$id]=$d
	I_PROG[$id]=
	case $what in
	fcgi)
		cp "$rules/$file" "$W/rules/$file"
		cp "$W/bin/fcgi-redirect" "$d/fcgi-redirect"
		I_PROG[$id]=$d/fcgi-redirect
		;;
	floor)
		cp "$W/bin/floor" "$d/floor"
		I_PROG[$id]=$d/floor
		;;
	esac
	first_path=$(head -1 "$urls" | cut -f2)
	want=$(head -1 "$urls" | cut -f3)
	t=$(date +%s.%N)
	START_PIDS=()
	if "start_$server" "$id" "$d" "$port" "$what" "$file" &&
	    wait_ready "$id" "http://127.0.0.1:$port$first_path" "$want" "$t" \
	    "${START_PIDS[@]}"; then
		I_PORT[$id]=$port
		I_URLS[$id]=$urls
		I_WHAT[$id]=$what
		I_WRK[$id]=$(wrk_args "$server")
		GROUP_IDS+=("$id")
		# Apache's parent, should setsid have forked.
		[ "$server" = apache ] && [ -s "$d/httpd.pid" ] &&
		    track "$(cat "$d/httpd.pid")"
		log "up: $server $contender $kind $size (port $port, ${I_READY[$id]} s)"
		echo "$server,$contender,$kind,$size,${I_READY[$id]}" \
		    >>"$out/startup.csv"
	else
		log "NOT UP: $server $contender $kind $size within $LOAD_LIMIT s: $(tail -2 "$d/error.log" 2>/dev/null | tr '\n' ' ')"
		echo "$server,$contender,$kind,$size,>$LOAD_LIMIT" >>"$out/startup.csv"
		add_row "$server" "$contender" "$size" "$kind" - "" "" "" 1 0 \
		    "" "did not answer correctly within $LOAD_LIMIT s of its start"
		save_logs "$d"
	fi
}

# save_logs DIR: an instance's configuration and error log, into logs/.
save_logs() {
	local f
	for f in "$1"/*.conf "$1"/error.log; do
		[ -f "$f" ] && cp "$f" "$out/logs/$(basename "$1")-$(basename "$f")"
	done
}

# add_row SERVER CONTENDER RULES KIND POSITION RPS P50 P99 ERRORS REQUESTS
#     CPU_US NOTE
add_row() {
	local note=${12//\"/\'}
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"%s"\n' "$1" "$2" "$3" "$4" \
	    "$5" "$6" "$7" "$8" "$9" "${10}" "${11}" "$note" >>"$out/results.csv"
}

# responder_pids ID: the pids of the instance's FastCGI processes.
responder_pids() {
	[ -n "${I_PROG[$1]}" ] && pgrep -f -- "^${I_PROG[$1]}( |\$)"
}

# responder_ticks ID: the CPU time (clock ticks, user + system) the
# instance's FastCGI processes have used so far, and their pids joined by
# commas; nothing for a native one.
responder_ticks() {
	local p t=0 pids=
	[ -n "${I_PROG[$1]}" ] || return 0
	for p in $(responder_pids "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
		pids=$pids${pids:+,}$p
	done
	echo "$t $pids"
}

# run_wrk ID PATH STATUS LOCATION SECONDS: wrk's BENCH line (check.lua).
run_wrk() {
	local id=$1 path=$2 st=$3 loc=$4 secs=$5
	BENCH_STATUS=$st BENCH_LOCATION=$loc timeout $((secs + 30)) \
	    $PIN_WRK wrk ${I_WRK[$id]} -d"${secs}s" --timeout 10s --latency \
	    -s "$here/check.lua" "http://127.0.0.1:${I_PORT[$id]}$path" \
	    2>&1 | grep '^BENCH ' | head -1
}

# measure ID POSITION: one measurement, checked, into results.csv.
measure() {
	local id=$1 pos=$2 server contender kind size line path st loc
	local req rps p50 p99 max wrong sock first errs ticks0 ticks1 cpu
	local procs procs0
	IFS='|' read -r server contender kind size <<<"$id"
	line=$(awk -F'\t' -v p="$pos" '$1 == p' "${I_URLS[$id]}")
	[ -n "$line" ] || return 0
	IFS=$'\t' read -r _ path st loc <<<"$line"
	if [ "${I_WHAT[$id]}" = floor ]; then
		st=307 loc=/new/floor
	fi
	read -r ticks0 procs0 <<<"$(responder_ticks "$id")"
	line=$(run_wrk "$id" "$path" "$st" "$loc" "$DURATION")
	read -r ticks1 procs <<<"$(responder_ticks "$id")"
	read -r _ req rps p50 p99 max wrong sock first <<<"$line"
	cpu=
	if [ -n "$ticks0" ] && [ -n "$req" ] && [ "$req" -gt 0 ]; then
		cpu=$(awk -v a="$ticks0" -v b="$ticks1" -v n="$req" -v hz="$CLK_TCK" \
		    'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
	fi
	# Only when the same two processes ran from start to end: one that
	# started or ended during the run makes the sum wrong.
	if [ -n "$ticks0" ] && { [ "$procs0" != "$procs" ] ||
	    [ "$(echo "$procs" | tr ',' '\n' | wc -l)" -ne 2 ]; }; then
		cpu=
		log "note: $server $contender $kind $size $pos: FastCGI processes ${procs0:-none} before, ${procs:-none} after: no CPU time"
	fi
	if [ -z "$line" ]; then
		add_row "$server" "$contender" "$size" "$kind" "$pos" "" "" "" 1 0 \
		    "" "wrk gave no result"
		log "ERROR $server $contender $kind $size $pos: wrk gave no result"
		return
	fi
	errs=$((wrong + sock))
	if [ "$errs" -gt 0 ] || [ "$req" -eq 0 ]; then
		add_row "$server" "$contender" "$size" "$kind" "$pos" "" "" "" \
		    "$((errs > 0 ? errs : 1))" "$req" "" \
		    "$wrong wrong answers (first: $first), $sock socket errors"
		log "ERROR $server $contender $kind $size $pos: $wrong wrong (first: $first), $sock socket errors of $req"
		return
	fi
	add_row "$server" "$contender" "$size" "$kind" "$pos" "$rps" "$p50" \
	    "$p99" 0 "$req" "$cpu" ""
	printf '        %-8s %-13s %-5s %7s %-6s %9.0f req/s  p50 %7.2f ms  p99 %8.2f ms%s\n' \
	    "$server" "$contender" "$kind" "$size" "$pos" "$rps" "$p50" "$p99" \
	    "${cpu:+  FastCGI CPU $cpu us/req}"
	# A slow contender still works off the requests wrk left in flight:
	# let it finish (at most 5 s) before the next one is measured.
	awk -v p="$p99" 'BEGIN { exit !(p > 100) }' &&
	    sleep "$(awk -v p="$p99" 'BEGIN { s = p / 1000; print (s > 5 ? 5 : s) }')"
	return 0
}

# warm_up: one short run per instance.  mod_fcgid starts a FastCGI
# process on the first request, and another one only for a request that
# still finds every process busy after sleeping a second: Apache's
# instances first get -c16 runs until both processes run (at most 5).
warm_up() {
	local id url i
	for id in "${GROUP_IDS[@]}"; do
		url=http://127.0.0.1:${I_PORT[$id]}$(head -1 "${I_URLS[$id]}" | cut -f2)
		if [ "${id%%|*}" = apache ] && [ -n "${I_PROG[$id]}" ]; then
			for i in 1 2 3 4 5; do
				[ "$(responder_pids "$id" | wc -l)" -ge "$APACHE_PROCS" ] && break
				timeout 30 wrk -t2 -c16 -d3s --timeout 10s "$url" \
				    >/dev/null 2>&1
			done
		fi
		timeout 30 wrk ${I_WRK[$id]} -d"${WARMUP}s" --timeout 10s "$url" \
		    >/dev/null 2>&1
	done
}

# group NAME POSITIONS SPEC...: start each SPEC ("SERVER CONTENDER KIND
# SIZE WHAT FILE"), warm up, measure in rounds, stop.
group() {
	local name=$1 positions=$2 spec pos server id i
	shift 2
	case " $GROUPS_RUN " in *" $name "*) ;; *) return 0 ;; esac
	GROUP_IDS=()
	log "group $name: starting"
	for spec in "$@"; do
		set -- $spec
		case " $SERVERS " in
		*" $1 "*) start "$@" ;;
		esac
	done
	warm_up
	log "group $name: measuring"
	# Every other round takes the contenders in the reverse order, so
	# that a steady drift does not always favour the one measured first.
	local -a order=("${GROUP_IDS[@]}") reverse=() round=0
	for ((i = ${#order[@]} - 1; i >= 0; i--)); do
		reverse+=("${order[$i]}")
	done
	for pos in $positions; do
		for server in $SERVERS; do
			if [ $((round % 2)) -eq 0 ]; then
				set -- "${order[@]}"
			else
				set -- "${reverse[@]}"
			fi
			for id in "$@"; do
				[ "${id%%|*}" = "$server" ] && measure "$id" "$pos"
			done
		done
		round=$((round + 1))
	done
	for id in "${GROUP_IDS[@]}"; do
		save_logs "${I_DIR[$id]}"
	done
	stop_all
}

servers_part() {
	local s
	for s in $SERVERS; do
		case $s in
		lighttpd) need lighttpd lighttpd ;;
		nginx) need nginx nginx-light; need spawn-fcgi spawn-fcgi ;;
		apache)
			need apache2 apache2
			[ -f "$MODULES/mod_fcgid.so" ] ||
			    die "mod_fcgid is missing (apt-get install libapache2-mod-fcgid)"
			;;
		*) die "unknown server $s (BENCH_SERVERS)" ;;
		esac
	done
	for s in $MAP_SIZES; do
		case $s in
		1|10000) gen map "$s" fr,lt,ng-loc,ng-map,ap ;;
		*) gen map "$s" fr,ng-map,ap ;;
		esac
	done
	gen map "$LT_LARGE" lt
	gen regex "$REGEX_SIZE" fr,lt,ng,ap
	log "servers: rule files ready"
	setup_workdir
	echo "server,contender,rules,kind,position,requests_per_s,p50_ms,p99_ms,errors,requests,fastcgi_cpu_us_per_request,note" \
	    >"$out/results.csv"
	echo "server,contender,kind,rules,ready_s" >"$out/startup.csv"

	local n r=$REGEX_SIZE
	for n in $MAP_SIZES; do
		local -a specs=()
		local positions="first middle last miss"
		[ "$n" -eq 1 ] && positions="first miss"
		specs+=("lighttpd fcgi-redirect map $n fcgi fr-map-$n.ini"
		    "lighttpd floor map $n floor fr-map-$n.ini")
		if [ "$n" -le "$LT_LARGE" ]; then
			specs+=("lighttpd url.redirect map $n native lt-exact-$n.conf")
		else
			specs+=("lighttpd url.redirect map $LT_LARGE native lt-exact-$LT_LARGE.conf")
		fi
		specs+=("nginx fcgi-redirect map $n fcgi fr-map-$n.ini"
		    "nginx floor map $n floor fr-map-$n.ini")
		[ "$n" -le 10000 ] &&
		    specs+=("nginx location= map $n loc ng-loc-$n.conf")
		specs+=("nginx map map $n map ng-map-$n.conf"
		    "apache fcgi-redirect map $n fcgi fr-map-$n.ini"
		    "apache floor map $n floor fr-map-$n.ini"
		    "apache Redirect map $n native ap-redirect-$n.conf")
		group "map-$n" "$positions" "${specs[@]}"
	done
	group "regex-$r" "first middle last miss" \
	    "lighttpd fcgi-redirect regex $r fcgi fr-regex-$r.ini" \
	    "lighttpd floor regex $r floor fr-regex-$r.ini" \
	    "lighttpd url.redirect regex $r native lt-regex-$r.conf" \
	    "nginx fcgi-redirect regex $r fcgi fr-regex-$r.ini" \
	    "nginx floor regex $r floor fr-regex-$r.ini" \
	    "nginx location~ regex $r loc ng-regex-$r.conf" \
	    "apache fcgi-redirect regex $r fcgi fr-regex-$r.ini" \
	    "apache floor regex $r floor fr-regex-$r.ini" \
	    "apache RedirectMatch regex $r native ap-match-$r.conf"
	rm -rf "$W"
	W=
}

# ---- 3. The image.

# The rule sets of the image part, KIND:SIZE (gen.py), and the sizes of
# Apache's own Redirect lines in a .htaccess.  Apache reads a .htaccess
# whole for every request: at 1,000,000 lines that is over a second a
# request, so only IMAGE_AP_LARGE_RUNS requests are asked there.
image_kinds="map:1 map:1000 map:10000 map:100000 map:1000000 regex:$REGEX_SIZE"
IMAGE_AP_SIZES="1 1000 10000 100000 1000000"
IMAGE_AP_LARGE_RUNS=3
# Runs of bench-spawn: with an image every run takes milliseconds; without
# one a run loads the rule file (about 1.3 s at 1,000,000 entries).
IMAGE_CGI_RUNS=40
IMAGE_CGI_ROUNDS=5
IMAGE_HOST=www.example.re

# image_url KIND SIZE: "PATH STATUS LOCATION" of the last rule (the only
# one of a set of one), the request every part of the image part asks.
image_url() {
	awk -F'\t' '$1 != "miss" { l = $2 " " $3 " " $4 } END { print l }' \
	    "$rules/urls-$1-$2.tsv"
}

# image_off_runs KIND SIZE: bench-spawn's runs without an image.
image_off_runs() {
	if [ "$1" != map ] || [ "$2" -le 10000 ]; then
		echo 100
	elif [ "$2" -le 100000 ]; then
		echo 20
	else
		echo 5
	fi
}

# image_engine: bench-image for each rule set (it leaves the image beside
# the rule file, as serving would), and callgrind's count of a request's
# instructions from the mapped 1,000,000-entry image and from the rule
# file loaded in memory.
image_engine() {
	local spec kind size f txt cg u r
	local -a paths
	echo "kind,rules,compile_s,load_s,write_s,image_bytes,bytes_per_rule,map_ms,map_min_ms,regexes,regex_ms,regex_min_ms" \
	    >"$out/image-engine.csv"
	for spec in $image_kinds; do
		kind=${spec%:*} size=${spec#*:}
		f=$W/rules/fr-$kind-$size.ini
		txt=$out/logs/image-$kind-$size.txt
		if ! timeout 300 "$image_bin" "$f" "$f.img" >"$txt" 2>&1; then
			log "image: bench-image $f failed: $(tail -2 "$txt")"
			continue
		fi
		awk -F'\t' -v kind="$kind" -v size="$size" '
		    { for (i = 3; i <= NF; i++) { split($i, w, " "); v[$1, i] = w[1] } }
		    END {
			printf "%s,%s,%s,%s,%s,%s,%.1f,%s,%s,%s,%s,%s\n", kind,
			    size, v["compile", 4], v["compile", 5],
			    v["compile", 6], v["compile", 7],
			    v["compile", 7] / size, v["map", 3], v["map", 4],
			    v["regex", 3], v["regex", 4], v["regex", 5]
		    }' "$txt" >>"$out/image-engine.csv"
		log "image: $kind $size: $(cut -f1,3- "$txt" | tr '\t\n' '  ')"
	done

	command -v valgrind >/dev/null 2>&1 || {
		log "image: valgrind is missing (apt-get install valgrind): no instruction counts"
		return 0
	}
	echo "kind,rules,position,uri,answer,lookups_per_s,instructions_per_request,instructions_per_lookup" \
	    >"$out/image-callgrind.csv"
	mkdir -p "$out/logs/callgrind"
	u=$rules/urls-map-1000000.tsv
	mapfile -t paths < <(cut -f2 "$u")
	f=$W/rules/fr-map-1000000.ini
	# kind "map-image": from the image; "map-ini": loaded from the rule
	# file (the same rule set in memory, as the engine part measures it).
	for kind in map-image map-ini; do
		r=$f
		[ "$kind" = map-image ] && r=$f.img
		cg=$out/logs/callgrind/$kind-1000000.out
		rm -f "$cg" "$cg".*
		LD_PRELOAD=$cg_hook BENCH_CALLGRIND=1 timeout 300 \
		    valgrind --tool=callgrind --instr-atstart=no \
		    --collect-atstart=no --toggle-collect=bench_one \
		    --callgrind-out-file="$cg" "$engine" \
		    "$r" "${paths[@]}" >"$cg.log" 2>&1 &
		track $!
	done
	wait
	PIDS=()
	for kind in map-image map-ini; do
		txt=$out/logs/engine-$kind-1000000.txt
		r=$f
		[ "$kind" = map-image ] && r=$f.img
		timeout 120 "$engine" "$r" "${paths[@]}" \
		    >"$txt" 2>&1 ||
		    log "image: bench-engine $kind failed: $(tail -2 "$txt")"
		engine_rows "$kind" 1000000 "$out/image-callgrind.csv" "$u"
	done
	log "image: callgrind done"
}

# spawn_row KIND SIZE HOW LINE: bench-spawn's LINE as a row of
# image-cgi.csv.
spawn_row() {
	awk -F'\t' -v kind="$1" -v size="$2" -v how="$3" '
	    $1 == "runs" { printf "%s,%s,%s,%s,%s,%s,%s,%s\n", kind, size,
		how, $2, $4, $6, $8, $14 }' <<<"$4" >>"$out/image-cgi.csv"
}

# image_cgi: fcgi-redirect as CGI, from its start to its exit: the first
# request (which loads the rule file and writes the image: the median of
# 3, the image removed before each), then with the image, then without.
image_cgi() {
	local spec kind size f path st loc i line got runs
	local -a e firsts
	echo "kind,rules,how,runs,median_ms,p10_ms,p90_ms,max_rss_kib" \
	    >"$out/image-cgi.csv"
	for spec in $image_kinds; do
		kind=${spec%:*} size=${spec#*:}
		f=$W/rules/fr-$kind-$size.ini
		read -r path st loc <<<"$(image_url "$kind" "$size")"
		e=(env -i REQUEST_METHOD=GET "REQUEST_URI=$path"
		    "HTTP_HOST=$IMAGE_HOST" "SERVER_NAME=$IMAGE_HOST"
		    SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1
		    GATEWAY_INTERFACE=CGI/1.1 "FCGI_REDIRECT_RULES=$f")
		firsts=()
		for i in 1 2 3; do
			rm -f "$f.img"
			firsts+=("$("${e[@]}" timeout 120 "$spawn_bin" 1 "$bin")")
		done
		line=$(printf '%s\n' "${firsts[@]}" | sort -t$'\t' -k4,4g |
		    sed -n 2p)
		spawn_row "$kind" "$size" first "$line"
		if ! [ -f "$f.img" ]; then
			log "ERROR image: CGI did not write $f.img"
			continue
		fi
		# The answer, with the image and without.
		for i in "" FCGI_REDIRECT_IMAGE=off; do
			got=$("${e[@]}" $i timeout 120 "$bin" </dev/null | tr -d '\r' |
			    sed -n 's/^Status: \([0-9]*\).*/\1/p; s/^Location: //p' |
			    tr '\n' ' ')
			[ "$got" = "$st $loc " ] ||
			    log "ERROR image: CGI $kind $size ${i:-with image}: got '$got', want '$st $loc'"
		done
		runs=$(image_off_runs "$kind" "$size")
		line=$("${e[@]}" FCGI_REDIRECT_IMAGE=off timeout 300 \
		    "$spawn_bin" "$runs" "$bin")
		spawn_row "$kind" "$size" "no image" "$line"
	done
	# With the image, a few milliseconds a run: the sets are taken in
	# turn, IMAGE_CGI_ROUNDS rounds of IMAGE_CGI_RUNS runs each, so that
	# the machine's drift hits them alike; the row's figures are the
	# medians of the rounds' (runs: all of them).
	rm -f "$out/logs/image-cgi-rounds.txt"
	for i in $(seq 1 "$IMAGE_CGI_ROUNDS"); do
		for spec in $image_kinds; do
			kind=${spec%:*} size=${spec#*:}
			f=$W/rules/fr-$kind-$size.ini
			read -r path st loc <<<"$(image_url "$kind" "$size")"
			printf '%s\t%s\t%s\n' "$kind" "$size" "$(env -i \
			    REQUEST_METHOD=GET "REQUEST_URI=$path" \
			    "HTTP_HOST=$IMAGE_HOST" "SERVER_NAME=$IMAGE_HOST" \
			    SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 \
			    GATEWAY_INTERFACE=CGI/1.1 "FCGI_REDIRECT_RULES=$f" \
			    timeout 300 "$spawn_bin" "$IMAGE_CGI_RUNS" "$bin")" \
			    >>"$out/logs/image-cgi-rounds.txt"
		done
	done
	for spec in $image_kinds; do
		kind=${spec%:*} size=${spec#*:}
		line=$(awk -F'\t' -v k="$kind" -v s="$size" '
		    function med(col,   i, j, n, a, t) {
			n = 0
			for (i = 1; i <= r; i++) a[++n] = v[i, col]
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return a[int((n + 1) / 2)]
		    }
		    $1 == k && $2 == s && $3 == "runs" {
			r++; runs += $4
			for (i = 6; i <= NF; i += 2) v[r, i] = $i
		    }
		    END {
			if (r) printf "runs\t%d\tmedian_ms\t%s\tp10_ms\t%s\tp90_ms\t%s\tmin_ms\t-\tmax_ms\t-\tmax_rss_kib\t%s\n",
			    runs, med(6), med(8), med(10), med(16)
		    }' "$out/logs/image-cgi-rounds.txt")
		spawn_row "$kind" "$size" image "$line"
		log "image: CGI $kind $size: $(grep "^$kind,$size," "$out/image-cgi.csv" |
		    cut -d, -f3,5 | tr ',\n' '  ') (median ms)"
	done
}

# image_apache_one CONTENDER KIND SIZE: Apache mod_cgid serving a copy of
# www/ (as tests/e2e/apache.sh's e2e-apache-cgid does), either with the
# rule file and its image (fcgi-redirect) or with SIZE Redirect lines
# added to its .htaccess (Redirect); curl asks for the last rule, over one
# connection, and -w gives each request's time.
image_apache_one() {
	local contender=$1 kind=$2 size=$3 runs=100 path st loc www i
	read -r path st loc <<<"$(image_url "$kind" "$size")"
	E2E_DIR=$W/cgid-$contender-$kind-$size
	www=$E2E_DIR/www
	mkdir -p "$E2E_DIR"
	cp -a "$top/www" "$www"
	cp "$bin" "$www/fcgi-redirect"
	printf 'text/plain txt\n' >"$E2E_DIR/mime.types"
	if [ "$contender" = Redirect ]; then
		cp "$rules/fr-map-1.ini" "$www/redirects.ini"
		cat "$rules/ap-redirect-$size.conf" >>"$www/.htaccess"
		[ "$size" -gt 10000 ] && runs=20
		[ "$size" -gt 100000 ] && runs=$IMAGE_AP_LARGE_RUNS
	else
		cp "$rules/fr-$kind-$size.ini" "$www/redirects.ini"
	fi
	# Before compiling: a chmod changes the rule file's ctime, which
	# makes its image stale.
	chmod -R a+rX "$E2E_DIR"
	if [ "$contender" != Redirect ] &&
	    ! "$bin" --compile -c "$www/redirects.ini" \
	    >"$out/logs/cgid-compile-$kind-$size.txt" 2>&1; then
		log "ERROR image: --compile $kind $size: $(tail -1 "$out/logs/cgid-compile-$kind-$size.txt")"
		return
	fi
	if ! apache_start cgid >/dev/null; then
		log "ERROR image: Apache (mod_cgid, $contender $kind $size) did not start: $(tail -2 "$E2E_DIR/cgid/error.log" | tr '\n' ' ')"
		save_logs "$E2E_DIR/cgid"
		e2e_stop_all
		return
	fi
	for i in $(seq 1 $((runs + 1))); do
		printf 'url = "%s%s"\noutput = "/dev/null"\n' "$BASE" "$path"
	done >"$E2E_DIR/curl.conf"
	# The first request (warming the page cache and the connection) is
	# not counted.
	timeout $((runs * 60 + 60)) curl -s --max-time 60 -K "$E2E_DIR/curl.conf" \
	    -w '%{http_code} %{redirect_url} %{time_total}\n' \
	    >"$out/logs/cgid-$contender-$kind-$size.txt" 2>&1
	# Each answer checked (status, and the Location's end: Apache makes
	# a Redirect's absolute), then the times in ms, sorted.
	awk -v st="$st" -v loc="$loc" '
	    NR == 1 { next }
	    { n++; ok = $1 == st &&
		substr($2, length($2) - length(loc) + 1) == loc
	      print (ok ? "ok" : "bad"), $3 * 1000 }' \
	    "$out/logs/cgid-$contender-$kind-$size.txt" | sort -k2,2g |
	    awk -v c="$contender" -v kind="$kind" -v size="$size" -v runs="$runs" '
	    { n++; t[n] = $2; sum += $2; if ($1 != "ok") bad++ }
	    END {
		if (n != runs || bad) {
			printf "%s,%s,%s,%d,,,,\"%d of %d answers, %d wrong\"\n", c,
			    kind, size, n, n, runs, bad
			exit
		}
		printf "%s,%s,%s,%d,%.2f,%.2f,%.2f,\n", c, kind, size, n,
		    t[int(n / 2) + 1], sum / n, t[int(n * 9 / 10) + (n < 10)]
	    }' >>"$out/image-apache.csv"
	log "image: Apache mod_cgid $contender $kind $size: $(tail -1 "$out/image-apache.csv")"
	save_logs "$E2E_DIR/cgid"
	e2e_stop_all
	rm -rf "$E2E_DIR"
}

image_apache() {
	local spec size
	# tests/e2e/apache.sh, sourced, defines apache_start (and
	# apache_conf) and runs nothing.
	# shellcheck source=tests/e2e/apache.sh
	. "$top/tests/e2e/apache.sh" "$bin"
	E2E_USER=$run_user E2E_GROUP=$run_group
	echo "contender,kind,rules,requests,median_ms,mean_ms,p90_ms,note" \
	    >"$out/image-apache.csv"
	for spec in $image_kinds; do
		image_apache_one fcgi-redirect "${spec%:*}" "${spec#*:}"
	done
	for size in $IMAGE_AP_SIZES; do
		image_apache_one Redirect map "$size"
	done
}

# image_memory_one SERVER MODE N: SERVER (lighttpd or apache, with
# mod_fcgid) running N FastCGI processes at 1,000,000 entries, with the
# image or without (MODE off: FCGI_REDIRECT_IMAGE=off in their
# environment); after a warm-up that reaches every process, the sum of
# their Pss.
image_memory_one() {
	local server=$1 mode=$2 n=$3 id="mem|$1|$2|$3" d port t path st loc
	local url p env= i ticks0 ticks1 served=0 found pss rss each=
	local file=fr-map-1000000.ini
	declare -A before
	d=$W/mem-$server-$mode-$n
	mkdir -p "$d"
	cp "$W/bin/fcgi-redirect" "$d/fcgi-redirect"
	I_PROG[$id]=$d/fcgi-redirect
	[ "$mode" = off ] && env=FCGI_REDIRECT_IMAGE=off
	read -r path st loc <<<"$(image_url map 1000000)"
	port=$(free_port)
	url=http://127.0.0.1:$port$path
	t=$(date +%s.%N)
	START_PIDS=()
	case $server in
	lighttpd) LT_PROCS=$n FR_ENV=$env start_lighttpd "$id" "$d" "$port" fcgi "$file" ;;
	apache) APACHE_PROCS=$n FR_ENV=$env start_apache "$id" "$d" "$port" fcgi "$file" ;;
	esac
	if ! wait_ready "$id" "$url" "$st" "$t" "${START_PIDS[@]}"; then
		log "ERROR image: $server $mode $n processes did not answer: $(tail -2 "$d/error.log" | tr '\n' ' ')"
		save_logs "$d"
		stop_all
		return
	fi
	[ "$server" = apache ] && [ -s "$d/httpd.pid" ] && track "$(cat "$d/httpd.pid")"
	# mod_fcgid starts another process only for a request that finds
	# every one busy (and sleeps a second): bursts until N run.
	if [ "$server" = apache ]; then
		for i in $(seq 1 10); do
			[ "$(responder_pids "$id" | wc -l)" -ge "$n" ] && break
			timeout 30 wrk -t2 -c16 -d3s --timeout 10s "$url" >/dev/null 2>&1
		done
	fi
	for p in $(responder_pids "$id"); do
		before[$p]=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
	done
	timeout 30 wrk -t2 -c$((4 * n)) -d2s --timeout 10s "$url" >/dev/null 2>&1
	found=0 pss=0 rss=0
	for p in $(responder_pids "$id"); do
		ticks1=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
		ticks0=${before[$p]:-0}
		[ "$ticks1" -gt "$ticks0" ] && served=$((served + 1))
		read -r i t <<<"$(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 }
		    END { print p + 0, r + 0 }' "/proc/$p/smaps_rollup")"
		found=$((found + 1)) pss=$((pss + i)) rss=$((rss + t))
		each=$each${each:+ }$i
		if [ "$mode" = off ] && ! tr '\0' '\n' <"/proc/$p/environ" |
		    grep -qx FCGI_REDIRECT_IMAGE=off; then
			log "ERROR image: $server $mode: process $p has no FCGI_REDIRECT_IMAGE=off"
		fi
	done
	echo "$server,$mode,$n,$found,$served,$pss,$rss,$each" >>"$out/image-memory.csv"
	log "image: memory $server $mode $n: $found processes ($served served the last run), Pss $pss KiB ($each), Rss $rss KiB"
	save_logs "$d"
	stop_all
}

image_memory() {
	local server mode n
	echo "server,image,processes,found,served,pss_kib,rss_kib,pss_kib_each" \
	    >"$out/image-memory.csv"
	for server in lighttpd apache; do
		case " $SERVERS " in *" $server "*) ;; *) continue ;; esac
		for mode in image off; do
			for n in 1 2 4; do
				image_memory_one "$server" "$mode" "$n"
			done
		done
	done
}

image_part() {
	local spec kind size
	need lighttpd lighttpd
	need apache2 apache2
	[ -f "$MODULES/mod_fcgid.so" ] ||
	    die "mod_fcgid is missing (apt-get install libapache2-mod-fcgid)"
	[ -f "$MODULES/mod_cgid.so" ] || die "mod_cgid is missing (apache2)"
	for spec in $image_kinds; do
		kind=${spec%:*} size=${spec#*:}
		gen "$kind" "$size" fr
	done
	gen map 1 fr
	for size in $IMAGE_AP_SIZES; do
		gen map "$size" ap
	done
	log "image: rule files ready"
	setup_workdir
	for spec in $image_kinds; do
		cp "$rules/fr-${spec%:*}-${spec#*:}.ini" "$W/rules/"
	done
	chmod -R a+rX "$W"
	image_engine
	image_cgi
	image_apache
	image_memory
	rm -rf "$W"
	W=
	log "image: done"
}

case " $PARTS " in *" engine "*) engine_part ;; esac
case " $PARTS " in *" servers "*) servers_part ;; esac
case " $PARTS " in *" image "*) image_part ;; esac

BENCH_SECONDS=$DURATION BENCH_APACHE_CONNS=$APACHE_CONNS \
    python3 "$here/report.py" "$out" ||
    die "report.py failed"
gnuplot -e "dir='$out'" "$here/rps.gp" >"$out/logs/gnuplot.log" 2>&1 ||
    die "gnuplot failed: $(tail -3 "$out/logs/gnuplot.log")"
case " $PARTS " in
*" image "*)
	gnuplot -e "dir='$out'" "$here/image.gp" >"$out/logs/gnuplot-image.log" 2>&1 ||
	    die "gnuplot failed: $(tail -3 "$out/logs/gnuplot-image.log")"
	;;
esac
log "done: $out/results.csv, $out/rps.png, $out/report.md"

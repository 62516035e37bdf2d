#!/usr/bin/env bash
# tests/stats.sh BINARY: the hit counters (serve/stats.c) and their report
# (--stats), through real servers at once.
#
# One rule file, served at the same time by a real lighttpd (the
# etc/lighttpd recipe: two FastCGI processes), a real Apache with
# mod_fcgid (the etc/apache2 recipe, tests/e2e/apache.sh's fcgid-all
# setup, as its unprivileged user) and plain CGI runs of the binary; a
# known mix of requests sent to the three together, then:
#
#   - --stats --format csv: exact hits of each rule and map entry and of
#     the fallback, first and last hits set (RFC 3339), none for unused ones;
#   - --stats --format json: the statuses, exact, and the top missed paths;
#   - --stats --format prometheus: parsed by the Python client's own parser
#     (python3-prometheus-client), exact samples, labelled by rule or map
#     name and status only;
#   - --stats (text): the sections and the top missed path;
#   - a reload: the rule file replaced by one without [b]; once every server
#     has reloaded, [a] keeps its counts and goes on counting, [b] is gone;
#   - --listen with two workers counts in the same file;
#   - damage: the counters file cut short, then random bytes: the next CGI
#     request still answers, and counting starts afresh;
#   - --reset a: its counters only; --reset: all of them;
#   - a directory the server's user cannot write: answers, one line on
#     stderr, no counters file;
#   - stats = off: no counters file at all.
#
# Needs lighttpd, apache2 and libapache2-mod-fcgid, curl, python3 and
# python3-prometheus-client; a missing one skips its part (a failure when
# CI=true).  One FAIL line per failed check, then
# "stats: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/e2e/apache.sh"
PATH=$PATH:/usr/sbin:/sbin

RULES_V1='[defaults]
status = 307

[a]
path = /a
to = /to-a

[b]
prefix = /b
to = /to-b
status = 302

[map m]
/m/x = /to-mx
/m/y = /to-my
'
# V1 without [b], [a] moved down.
RULES_V2='[defaults]
status = 307

[map m]
/m/x = /to-mx
/m/y = /to-my

[a]
path = /a
to = /to-a
'

check() {	# check WHAT GOT EXPECTED
	if [ "$2" = "$3" ]; then
		e2e_pass
	else
		e2e_fail "$1: '$2', expected '$3'"
	fi
}

# get BASE PATH COUNT STATUS: COUNT requests, each answered STATUS.
get() {
	local i code
	for i in $(seq 1 "$3"); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1$2")
		[ "$code" = "$4" ] || echo "stats: GET $1$2: $code, expected $4"
	done
}

# cgi PATH COUNT STATUS: COUNT CGI runs of the binary, each answered STATUS.
cgi() {
	local i line
	for i in $(seq 1 "$2"); do
		line=$(env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
		    REQUEST_URI="$1" HTTP_HOST=www.example.re SERVER_NAME=x \
		    FCGI_REDIRECT_RULES="$E2E_DIR/rules.ini" \
		    "$E2E_DIR/bin/fcgi-redirect" 2>>"$E2E_DIR/cgi.log" | head -1)
		[ "${line:8:3}" = "$3" ] || echo "stats: CGI $1: '$line', expected $3"
	done
}

# csv_hits KIND NAME KEY: the hits column of that row ("" when none).
csv_hits() {
	"$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --format csv | awk -F, -v k="$1" -v n="$2" -v key="$3" \
	    '$1 == k && $2 == n && $5 == key { print $7 }'
}

lighttpd_start() {
	local port
	port=$(free_port)
	cat >"$E2E_DIR/lighttpd.conf" <<CONF
server.document-root = "$E2E_DIR/root"
server.bind          = "127.0.0.1"
server.port          = $port
server.errorlog      = "$E2E_DIR/lighttpd.log"
server.modules      += ( "mod_fastcgi" )
var.fcgi_redirect_bin    = "$E2E_DIR/bin/fcgi-redirect"
var.fcgi_redirect_rules  = "$E2E_DIR/rules.ini"
var.fcgi_redirect_socket = "$E2E_DIR/fcgi-redirect.socket"
include "$E2E_TOP/etc/lighttpd/fcgi-redirect.conf"
CONF
	lighttpd -D -f "$E2E_DIR/lighttpd.conf" &
	LPID=$!
	e2e_track "$LPID"
	LBASE=http://127.0.0.1:$port
	e2e_wait_http "$LBASE/"
}

main() {
	local have_apache=1 abase out json prom PY LPID

	for c in lighttpd curl python3; do
		e2e_need "$c" "$c" || { e2e_summary stats; return; }
	done
	# The Debian package's module is the system python3's (a python3
	# first in PATH, pyenv's say, may not see it).
	for PY in python3 /usr/bin/python3 ''; do
		[ -n "$PY" ] && "$PY" -c 'import prometheus_client' \
		    2>/dev/null && break
	done
	if [ -z "$PY" ]; then
		e2e_need python3-prometheus-client-parser \
		    python3-prometheus-client || { e2e_summary stats; return; }
	fi
	if ! command -v apache2 >/dev/null 2>&1 ||
	    ! [ -f "$MODULES/mod_fcgid.so" ]; then
		e2e_need mod_fcgid "apache2 libapache2-mod-fcgid"
		have_apache=0
	fi
	e2e_setup
	e2e_server_user
	mkdir "$E2E_DIR/bin"
	cp "$bin" "$E2E_DIR/bin/fcgi-redirect"
	cp -r "$E2E_TOP/tests/e2e/root" "$E2E_DIR/root"
	printf 'text/plain txt\n' >"$E2E_DIR/mime.types"
	printf '%s' "$RULES_V1" >"$E2E_DIR/rules.ini"
	chmod -R a+rX "$E2E_DIR"
	# Apache's user rebuilds the image and the counters after the reload
	# as well as root does: the directory is its.
	[ "$(id -u)" = 0 ] && chown "$E2E_USER:$E2E_GROUP" "$E2E_DIR"

	# The first answer makes the image and the counters file; as root,
	# give the counters file to Apache's user (root writes it anyway).
	cgi /a 1 307
	check "counters file made by the first answer" \
	    "$([ -f "$E2E_DIR/rules.ini.stats" ] && echo yes)" yes
	[ "$(id -u)" = 0 ] && chown "$E2E_USER:$E2E_GROUP" \
	    "$E2E_DIR/rules.ini.stats" "$E2E_DIR/rules.ini.img"

	lighttpd_start || { e2e_fail "lighttpd did not start"; e2e_summary stats; return; }
	if [ "$have_apache" = 1 ] && apache_start fcgid-all; then
		abase=$BASE
	else
		abase=
	fi
	check "lighttpd runs 2 FastCGI processes" "$(pgrep -c -P "$LPID")" 2

	# The mix, all three at once.  Expected:
	#   [a] 1 + 20 + 7 + 4 = 32    [b] 10 + 3 = 13
	#   [map m] /m/x 6 + 2 = 8     /m/y 0
	#   fallback: /missing-one 5 + 4 = 9, /missing-two 2, and lighttpd's
	#   start-up probe of / (e2e_wait_http): 12
	#   statuses: 307 40, 302 13, 404 12, 400 1
	(get "$LBASE" /a 20 307; get "$LBASE" /b/x 10 302
	 get "$LBASE" /m/x 6 307; get "$LBASE" /missing-one 5 404) \
	    >"$E2E_DIR/mix-lighttpd.log" &
	local p1=$!
	if [ -n "$abase" ]; then
		(get "$abase" /a 7 307; get "$abase" /b 3 302
		 get "$abase" /m/x 2 307; get "$abase" /missing-one 4 404) \
		    >"$E2E_DIR/mix-apache.log" &
	else
		# No Apache: its share through lighttpd, so the counts hold.
		(get "$LBASE" /a 7 307; get "$LBASE" /b 3 302
		 get "$LBASE" /m/x 2 307; get "$LBASE" /missing-one 4 404) \
		    >"$E2E_DIR/mix-apache.log" &
	fi
	local p2=$!
	(cgi /a 4 307; cgi /missing-two 2 404; cgi '/%00' 1 400) \
	    >"$E2E_DIR/mix-cgi.log" &
	local p3=$!
	wait "$p1" "$p2" "$p3"
	out=$(cat "$E2E_DIR"/mix-*.log)
	check "every answer of the mix as expected" "$out" ""
	if [ -n "$abase" ]; then
		check "Apache's mod_fcgid served its share" "$([ "$(pgrep -c \
		    -u "$E2E_USER" -f "^$E2E_DIR/bin/fcgi-redirect")" -ge 1 ] &&
		    echo yes)" yes
	fi

	check "csv: [a]" "$(csv_hits path a /a)" 32
	check "csv: [b]" "$(csv_hits prefix b /b)" 13
	check "csv: [map m] /m/x" "$(csv_hits map m /m/x)" 8
	check "csv: [map m] /m/y" "$(csv_hits map m /m/y)" 0
	check "csv: the fallback" "$(csv_hits fallback '(fallback)' '')" 12
	out=$("$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --format csv)
	check "csv: header" "$(head -1 <<<"$out")" \
	    "kind,name,file,line,key,status,hits,first,last"
	check "csv: [a]'s line, status and RFC 3339 times" \
	    "$(grep '^path,a,' <<<"$out" | cut -d, -f4,6 )$(grep '^path,a,' \
	    <<<"$out" | cut -d, -f8,9 | grep -Ec \
	    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$')" \
	    "4,3071"
	check "csv: an unused entry has no times" \
	    "$(grep '^map,m,.*,/m/y,' <<<"$out" | cut -d, -f8,9)" ","

	json=$("$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --format json)
	check "json: statuses and top misses" "$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
s = d["statuses"]
m = {x["path"]: x["count"] for x in d["misses"]}
print(s["307"], s["302"], s["404"], s["400"], s["other"],
      m.get("/missing-one"), m.get("/missing-two"), len(d["rules"]))
' <<<"$json")" "40 13 12 1 0 9 2 5"

	prom=$("$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --format prometheus)
	check "prometheus: parsed by the client's parser, exact" "$("$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
v = {}
labels = set()
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels |= set(s.labels)
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
print(int(v[("fcgi_redirect_rule_hits_total", (("rule", "a"), ("status", "307")))]),
      int(v[("fcgi_redirect_rule_hits_total", (("rule", "b"), ("status", "302")))]),
      int(v[("fcgi_redirect_map_hits_total", (("map", "m"), ("status", "307")))]),
      int(v[("fcgi_redirect_misses_total", (("status", "404"),))]),
      int(v[("fcgi_redirect_responses_total", (("status", "307"),))]),
      sorted(labels))
' <<<"$prom" 2>&1)" "32 13 8 12 40 ['map', 'rule', 'status']"

	out=$("$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini")
	check "text: summary" "$(sed -n 2p <<<"$out")" \
	    "Requests: 66; redirects: 53 (302: 13, 307: 40); misses: 12; other answers: 400: 1, 404: 12"
	check "text: the top missed path" \
	    "$(grep -A1 '^Top missed' <<<"$out" | tail -1 | awk '{print $1, $2}')" \
	    "9 /missing-one,"

	# The reload: [b] removed, [a] kept.  Each FastCGI process notices
	# within a second and loads once the file has settled (2 s).
	printf '%s' "$RULES_V2" >"$E2E_DIR/rules.ini.new"
	chmod a+r "$E2E_DIR/rules.ini.new"
	mv "$E2E_DIR/rules.ini.new" "$E2E_DIR/rules.ini"
	sleep 5
	get "$LBASE" /a 3 307
	[ -n "$abase" ] && get "$abase" /a 2 307
	[ -z "$abase" ] && get "$LBASE" /a 2 307
	cgi /a 1 307
	check "reload: [a] kept its counts and counts on" \
	    "$(csv_hits path a /a)" 38
	check "reload: [b] dropped" "$(csv_hits prefix b /b)" ""
	check "reload: [map m] /m/x kept" "$(csv_hits map m /m/x)" 8
	check "reload: the counters file counts the new image" \
	    "$(od -A n -t u4 -j 144 -N 4 "$E2E_DIR/rules.ini.stats" | tr -d ' ')" 4
	check "reload: nobody stopped counting" \
	    "$(cat "$E2E_DIR/lighttpd.log" "$E2E_DIR/cgi.log" \
	    ${abase:+"$E2E_DIR/fcgid-all/error.log"} 2>/dev/null |
	    grep -c 'not counting')" 0
	e2e_stop_all

	# --listen: two pre-forked workers count in the same file.
	if command -v cgi-fcgi >/dev/null 2>&1; then
		"$E2E_DIR/bin/fcgi-redirect" --listen "$E2E_DIR/listen.sock" \
		    --workers 2 -c "$E2E_DIR/rules.ini" 2>"$E2E_DIR/listen.log" &
		e2e_track $!
		for _ in $(seq 1 50); do
			[ -S "$E2E_DIR/listen.sock" ] && break
			sleep 0.1
		done
		for _ in $(seq 1 6); do
			env -i REQUEST_METHOD=GET REQUEST_URI=/a HTTP_HOST=x \
			    SERVER_NAME=x cgi-fcgi -bind -connect \
			    "$E2E_DIR/listen.sock" >/dev/null
		done
		check "--listen workers: [a] counted" "$(csv_hits path a /a)" 44
		e2e_stop_all
	else
		e2e_need cgi-fcgi libfcgi-bin
	fi

	# Damage: cut short, then random bytes; CGI answers and starts afresh.
	truncate -s 1000 "$E2E_DIR/rules.ini.stats"
	cgi /a 1 307
	check "cut short: afresh" "$(csv_hits path a /a)" 1
	head -c 200000 /dev/urandom >"$E2E_DIR/rules.ini.stats"
	cgi /a 1 307
	check "random bytes: afresh" "$(csv_hits path a /a)" 1

	# --reset RULE, then --reset.
	cgi /m/x 2 307
	"$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --reset a >/dev/null
	check "--reset a: [a]" "$(csv_hits path a /a)" 0
	check "--reset a: not [map m]" "$(csv_hits map m /m/x)" 2
	"$E2E_DIR/bin/fcgi-redirect" --stats -c "$E2E_DIR/rules.ini" \
	    --reset >/dev/null
	check "--reset: all" "$(csv_hits map m /m/x)" 0
	check "--reset nosuch: exit 1" "$("$E2E_DIR/bin/fcgi-redirect" \
	    --stats -c "$E2E_DIR/rules.ini" --reset nosuch 2>/dev/null
	    echo $?)" 1

	# A directory the server's user cannot write, its image compiled
	# there beforehand: the answer as ever, one line on stderr, no file.
	mkdir "$E2E_DIR/ro"
	printf '%s' "$RULES_V2" >"$E2E_DIR/ro/rules.ini"
	# Before the image: a chmod changes the rule file's ctime.
	chmod a+r "$E2E_DIR/ro/rules.ini"
	"$E2E_DIR/bin/fcgi-redirect" --compile -c "$E2E_DIR/ro/rules.ini" \
	    >/dev/null
	chmod 555 "$E2E_DIR/ro"
	local as=()
	[ "$(id -u)" = 0 ] && as=(setpriv --reuid=65534 --regid=65534 \
	    --clear-groups)
	out=$("${as[@]}" env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	    REQUEST_URI=/a HTTP_HOST=x SERVER_NAME=x \
	    FCGI_REDIRECT_RULES="$E2E_DIR/ro/rules.ini" \
	    "$E2E_DIR/bin/fcgi-redirect" 2>"$E2E_DIR/ro.err" | head -1 |
	    tr -d '\r')
	check "unwritable directory: answered" "$out" \
	    "Status: 307 Temporary Redirect"
	check "unwritable directory: one line on stderr" \
	    "$(wc -l <"$E2E_DIR/ro.err")$(grep -c "not counting: .*ro/rules.ini.stats cannot be created here" "$E2E_DIR/ro.err")" 11
	check "unwritable directory: no counters file" \
	    "$(ls "$E2E_DIR/ro" | grep -c stats)" 0
	chmod 755 "$E2E_DIR/ro"

	# stats = off: no counters file.
	rm -f "$E2E_DIR/rules.ini.stats"
	printf '%s' "$RULES_V2" | sed 's/^status = 307$/&\nstats = off/' \
	    >"$E2E_DIR/rules.ini.new"
	mv "$E2E_DIR/rules.ini.new" "$E2E_DIR/rules.ini"
	cgi /a 1 307
	check "stats = off: no counters file" \
	    "$([ -e "$E2E_DIR/rules.ini.stats" ] && echo made || echo none)" none
	check "stats = off: --stats says so" "$("$E2E_DIR/bin/fcgi-redirect" \
	    --stats -c "$E2E_DIR/rules.ini" 2>&1 | grep -c 'stats = off')" 1
	e2e_summary stats
}
main

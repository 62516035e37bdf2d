#!/usr/bin/env bash
# tests/import/nginx.sh: --import nginx.
#
# The examples under tests/import/nginx/ are imported and asked as a
# server would (imp_table); a garbage file must have every line reported;
# then the proof: a REAL nginx (Debian's nginx-light) is started on a free
# loopback port with a generated configuration, the same file is imported,
# and one set of requests is sent with curl to both, comparing the status
# and the Location.  nginx makes relative Locations absolute
# (absolute_redirect on, its default, kept because that is what users
# run): its own "http://HOST:PORT" is taken off before comparing, and the
# bytes that may not stand in a URI, which nginx sends raw from the decoded
# $uri or captures, are percent-encoded, as fcgi-redirect sends them.
# Where the two differ on purpose, the row says so and why (README, nginx).
# Last, a 100,000-entry map, imported and asked of both.
set -u
. "$(dirname "$0")/lib.sh"
. "$IMP_TOP/tests/proc.sh"
PATH=$PATH:/usr/sbin:/sbin
DATA=$IMP_TOP/tests/import/nginx
T=$IMP_TMP

# reported FILE ERR N...: each line N has its "not imported" report.
reported() {
	local file=$1 err=$2 n
	shift 2
	for n in "$@"; do
		if grep -q "^$file:$n: warning: not imported: " "$err"; then
			imp_pass
		else
			imp_fail "$file:$n is not reported: $(head -3 "$err")"
		fi
	done
}

# ---- the examples ----

imp_run nginx "$T/site.ini" "$T/site.err" "$DATA/site.conf"
imp_expect "site.conf: exit status" "$IMP_RC" 1
imp_check "$T/site.ini"
imp_table "$T/site.ini" "$DATA/site.tsv"
# What is reported: content, not redirects.
reported "$DATA/site.conf" "$T/site.err" 29 30 34
imp_expect "site.conf: reports" "$(grep -c 'not imported' "$T/site.err")" 3
# Each rule names its source line.
imp_expect "site.conf: comments" \
    "$(grep -c "^; $DATA/site.conf:[0-9]*: " "$T/site.ini")" \
    "$(grep -c '^\[' "$T/site.ini" | awk '{ print $1 - 1 }')"

imp_run nginx "$T/clean.ini" "$T/clean.err" "$DATA/clean.conf"
imp_expect "clean.conf: exit status" "$IMP_RC" 0
imp_check "$T/clean.ini"
imp_expect "clean.conf: /a" "$(imp_answer "$T/clean.ini" /a clean.example)" \
    "301 /b"
imp_expect "clean.conf: /c/x?y" \
    "$(imp_answer "$T/clean.ini" '/c/x?y=1' clean.example)" "301 /d/x?y=1"

imp_run nginx "$T/none.ini" "$T/none.err" "$T/does-not-exist.conf"
imp_expect "unreadable file: exit status" "$IMP_RC" 2

# ---- garbage: every line reported with its number, no crash ----

cp "$DATA/garbage.conf" "$T/garbage.conf"
printf 'return 301\0 /nul;\n\t\r\n}\n' >>"$T/garbage.conf"	# 22-24
imp_run nginx "$T/garbage.ini" "$T/garbage.err" "$T/garbage.conf"
imp_expect "garbage.conf: exit status" "$IMP_RC" 1
imp_check "$T/garbage.ini"
n=$(wc -l <"$T/garbage.conf")
# Line 23 is blank (a tab and a CR): nothing to report.
reported "$T/garbage.conf" "$T/garbage.err" $(seq 1 22) 24
imp_expect "garbage.conf: no rule written" \
    "$(grep -c '^\[' "$T/garbage.ini")" 0
imp_expect "garbage.conf: $n lines" "$n" 24
# Random bytes: never a crash, the output still passes --check.
head -c 200000 /dev/urandom | tr '\0' '{' >"$T/random.conf"
imp_run nginx "$T/random.ini" "$T/random.err" "$T/random.conf"
imp_expect "random bytes: exit status" "$IMP_RC" 1
imp_check "$T/random.ini"

# ---- the real nginx ----

# ngx_start NAME CONF: start nginx on CONF (its pid in NGX_PID), wait for
# PORT to answer.  1 when it does not start.
ngx_start() {
	local i
	if ! nginx -t -q -p "$T/" -c "$2" >"$T/$1-t.log" 2>&1; then
		imp_fail "nginx -t $1: $(tail -3 "$T/$1-t.log")"
		return 1
	fi
	nginx -p "$T/" -c "$2" -g 'daemon off;' 2>>"$T/$1-error.log" &
	NGX_PID=$!
	for i in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
		sleep 0.1
	done
	imp_fail "nginx $1 does not answer: $(tail -3 "$T/$1-error.log")"
	ngx_stop
	return 1
}

ngx_stop() {
	kill -TERM "$NGX_PID" 2>/dev/null
	wait "$NGX_PID" 2>/dev/null
}

# ngx_head: what the configuration needs around its servers.
ngx_head() {
	[ "$(id -u)" -eq 0 ] && echo "user $run_user $run_group;"
	cat <<CONF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/tmp/body;
    proxy_temp_path $T/tmp/proxy;
    fastcgi_temp_path $T/tmp/fastcgi;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    map_hash_max_size 1048576;
    map_hash_bucket_size 128;
CONF
}

# The configuration of the differential test: every kind of location,
# server-level rewrites, a map with if, two servers and their names.
ngx_conf() {
	ngx_head
	cat <<'CONF'
    # The bulk idiom: exact keys ignore case, regex keys in order.
    map $uri $new_uri {
        default            "";
        /old/a.html        /new/a;
        /Old/Mixed.HTML    /new/mixed;
        "/with space"      /space;
        /café              /cafe;
        /gone              "";
        ~^/maprx/(\d+)$    /num/$1;
        ~*^/MAPCI/(.+)$    /mapci/$1;
    }
    map $request_uri $by_ruri {
        /ru/a?x=1          /ruri-a;
        /ru/b              /ruri-b;
        /ru/c?x=1&y=2      /ruri-c;
    }
    server {
        listen 127.0.0.1:PORT;
        server_name example.org www.example.org;
        root ROOT;

        if ($new_uri) { return 301 $new_uri; }
        rewrite ^/srv/(.*)$ /server/$1 permanent;
        rewrite ^/abs/(.*)$ https://abs.example/$1;
        rewrite ^/dropq/(.*)$ /dq/$1? permanent;
        rewrite ^/addq/(.*)$ /aq/$1?x=1 redirect;
        rewrite ^/internal$ /exact last;

        location = /exact { return 301 /exact-new; }
        location = /exact/ { return 301 /exact-slash; }
        location /pre { return 302 /prefix; }
        location /pre/deeper { return 302 /deeper; }
        location ~ \.gif$ { return 301 /gif; }
        location = /pre/exact { return 301 /pre-exact; }
        location ^~ /static/ { return 404; }
        location /static/old { return 301 /static-old; }
        location ~ \.php$ { return 403; }
        location /php/old { return 301 /php/new; }
        location ~* ^/CI/(.*)$ { return 301 /ci/$1; }
        location ~ ^/rx/(\d+)/(.*)$ { return 301 /rx-new/$2/$1; }
        location /blog/ {
            return 301 https://blog.example.org$request_uri;
        }
        location /keep/ {
            rewrite ^/keep/(\w+)$ /kept/$1 redirect;
            return 301 /keep-fallback;
        }
        location /args { return 301 /a$is_args$args; }
        location /enc/ { return 301 /enc-new$uri; }
        location /files/ { try_files $uri =404; }
        location ^~ /nore/ { return 307 /nore-new; }
        location /nore/longer/ { try_files $uri =404; }
        location ~ ^/nore/ { return 308 /nore-regex; }
        location /sch { return 302 $scheme://$host/s; }
        location /nocode { return https://x.example/r; }
        location "/q uote" {
            return 301 '/q\'x';   # a quoted location, an escape
        }
        location / { try_files $uri =404; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name cond.example alias.example;
        if ($host = alias.example) {
            return 301 https://cond.example$request_uri;
        }
        if ($uri ~ ^/u/(\d+)$) { return 302 /user/$1; }
        location = / { return 302 /home; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name scheme.example;
        if ($scheme = https) { return 302 /never; }
        if ($scheme = http) { return 301 https://$host$request_uri; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name moved.example;
        rewrite ^(.*)$ https://new.example$1 permanent;
    }
    server {
        listen 127.0.0.1:PORT;
        server_name ruri.example;
        if ($by_ruri != "") { return 302 $by_ruri; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name old.example .wild.example;
        return 301 https://new.example$request_uri;
    }
    server {
        listen 127.0.0.1:PORT;
        server_name twice.example;
        # The map of example.org again, with another status.
        if ($new_uri) { return 302 $new_uri; }
    }
}
CONF
}

# ask_nginx URI HOST: "STATUS LOCATION" from nginx, as imp_answer prints
# them: a non-redirect status is "404 -" (fcgi-redirect's no-rule answer),
# the server's own http://HOST:PORT taken off, bytes that may not stand in
# a URI percent-encoded.
ask_nginx() {
	local status loc
	curl -s -o /dev/null -D "$T/h" --path-as-is -H "Host: $2" \
	    "http://127.0.0.1:$PORT$1" || { echo "curl-failed -"; return; }
	status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T/h")
	loc=$(sed -n 's/^[Ll]ocation: //p' "$T/h" | tr -d '\r')
	case $status in
	301|302|303|307|308) ;;
	*) echo "404 -"; return ;;
	esac
	loc=${loc#"http://${2,,}:$PORT"}
	printf '%s %s\n' "$status" "$(printf '%s' "${loc:--}" |
	    LC_ALL=C perl -pe 's/([^\x21-\x7e]|["<>\\^`{|}])/sprintf("%%%02X", ord($1))/ge')"
}

# same URI [HOST]: nginx and the imported file answer alike.
same() {
	local host=${2:-example.org} want got
	want=$(ask_nginx "$1" "$host")
	got=$(imp_answer "$T/diff.ini" "$1" "$host")
	imp_expect "nginx vs import: $1 (host $host)" "$got" "$want"
}

# differs URI HOST ANSWER WHY: a documented difference: the imported file
# answers ANSWER, and nginx does not (else the difference is gone).
differs() {
	local want got
	want=$(ask_nginx "$1" "$2")
	got=$(imp_answer "$T/diff.ini" "$1" "$2")
	imp_expect "expected difference ($4): $1: fcgi-redirect" "$got" "$3"
	if [ "$want" = "$3" ]; then
		imp_fail "expected difference ($4): $1: nginx agrees now"
	else
		imp_pass
	fi
}

differential() {
	local n
	mkdir -p "$T/tmp" "$T/root"
	ngx_conf | sed -e "s|PORT|$PORT|g" -e "s|ROOT|$T/root|g" \
	    >"$T/diff.conf"
	imp_run nginx "$T/diff.ini" "$T/diff.err" "$T/diff.conf"
	imp_expect "differential: exit status" "$IMP_RC" 1
	imp_check "$T/diff.ini"
	# Reported: the internal rewrite, the 404 and 403 returns, the
	# try_files and root lines, nothing else.
	for n in internal '404;' '403;' try_files 'root '; do
		imp_expect "differential: '$n' reported" "$(grep -c \
		    "^$T/diff.conf:$(grep -n -- "$n" "$T/diff.conf" |
		    head -1 | cut -d: -f1): warning: not imported" \
		    "$T/diff.err")" 1
	done
	imp_expect "differential: reports" \
	    "$(grep -c 'not imported' "$T/diff.err")" 7
	imp_expect "differential: the \$request_uri map is noted" \
	    "$(grep -c 'warning: a map of \$request_uri' "$T/diff.err")" 1
	ngx_start diff "$T/diff.conf" || return

	# The map: case, encoded bytes, query dropped, regex keys, "".
	same /old/a.html
	same '/old/a.html?x=1'
	same /OLD/A.HTML
	same /old/mixed.html
	same /with%20space
	same /caf%C3%A9
	same /CAF%C3%A9
	same /%6Fld/a.html
	same /gone
	same /maprx/12
	same /maprx/12x
	same /mapci/Abc
	# Server-level rewrites: query kept, appended, dropped.
	same '/srv/a/b?x=1'
	same '/abs/x?y=2'
	same '/dropq/a?x=1'
	same '/addq/a?y=2'
	# Exact, prefix (strings, not segments), longest prefix.
	same /exact
	same '/exact?q=1'
	same /exact/
	same /Exact
	same /pre
	same /prefix
	same /pre/x
	same /pre/deeper/x
	same /pre/deeperx
	same /pre/exact
	same /pre/exact/
	same /pre/a.gif
	same /pre/deeper/a.gif
	same /static/a.gif
	same /nore/a.gif
	# Precedence: ^~, regexes in file order, then the longest prefix.
	same /static/a
	same /static/a.php
	same /static/old
	same /static/old.php
	same /php/old
	same /php/old.php
	same /CI/Hat
	same /ci/hat
	same /CI/x.php
	same /rx/12/ab
	same /rx/12/a%20b
	same /nore/x
	same /nore/longer/x
	same /nore/longer/x.php
	# $request_uri, $is_args$args, $uri.
	same '/blog/2019/a?x=1'
	same /blog
	same /keep/abc
	same '/keep/abc?z=1'
	same /keep/a.b
	same '/args?a=1&b=2'
	same /args
	same /enc/a%20b
	same /files/none
	same /nothing
	same /a/../exact
	# Hosts: names, case, .name as both, the other server.
	same /exact www.example.org
	same /exact WWW.Example.ORG
	same '/x?y=1' old.example
	same /x wild.example
	same /x a.b.wild.example
	same /exact old.example
	# One map used by two servers: each its own section and status.
	same /old/a.html twice.example
	same /OLD/A.HTML twice.example
	same /maprx/12 twice.example
	same /exact twice.example
	# Server-level ifs: $host, $uri ~, $scheme; a map of $request_uri.
	same '/u/12?x=1' alias.example
	same '/u/12?x=1' cond.example
	same /u/12x cond.example
	same / cond.example
	same '/a?b=1' scheme.example
	same '/ru/a?x=1' ruri.example
	same /ru/b ruri.example
	same /ru/a ruri.example
	same '/ru/b?utm=1' ruri.example
	same '/ru/a?utm=1&x=1' ruri.example
	same '/ru/a?x=1&utm=1' ruri.example
	same '/ru/c?x=1&y=2' ruri.example
	same '/ru/c?x=1' ruri.example
	same /sch
	same '/nocode?x=1'
	same '/a/b%20c?d=e' moved.example
	same / moved.example
	same /q%20uote

	differs /internal example.org "404 -" \
	    "an internal rewrite (last) is reported, not followed"
	differs //exact example.org "404 -" \
	    "nginx merges slashes (merge_slashes on), fcgi-redirect keeps them"
	differs /old%2Fa.html example.org "404 -" \
	    "nginx decodes %2F in \$uri, fcgi-redirect keeps it encoded"
	differs /exact other.example "404 -" \
	    "nginx gives an unknown host to the default server, the import is for the server's names"
	differs /rx/1/a%3Fb example.org "301 /rx-new/a%3Fb/1" \
	    "nginx puts the decoded '?' of a capture raw into return's Location"
	differs '/ru/c?y=2&x=1' ruri.example "302 /ruri-c" \
	    "nginx compares \$request_uri as a string, the key's parameters in its order; fcgi-redirect in any order"
	differs '/ru/a?x=%31' ruri.example "302 /ruri-a" \
	    "nginx compares \$request_uri as sent; fcgi-redirect decodes %31 to 1"
	differs '/ru/b?' ruri.example "302 /ruri-b" \
	    "nginx's \$request_uri keeps an empty query's '?'; fcgi-redirect counts it as none"
	ngx_stop
}

# A 100,000-entry map: imported, --check'ed, asked of both for a sample.
bulk() {
	local i
	{
		ngx_head
		echo '    map $uri $bulk {'
		awk 'BEGIN { for (i = 1; i <= 100000; i++)
		    printf "        /old/page-%d.html /new/%d;\n", i, i }'
		echo '    }'
		echo "    server { listen 127.0.0.1:$PORT; server_name bulk.example;"
		echo '        if ($bulk) { return 301 $bulk; } }'
		echo '}'
	} >"$T/bulk.conf"
	imp_run nginx "$T/bulk.ini" "$T/bulk.err" "$T/bulk.conf"
	imp_expect "bulk: exit status" "$IMP_RC" 0
	imp_check "$T/bulk.ini"
	imp_expect "bulk: one map" "$(grep -c '^\[map ' "$T/bulk.ini")" 1
	imp_expect "bulk: entries" "$(grep -c '^/old/page-' "$T/bulk.ini")" \
	    100000
	for i in 1 2 77777 100000 100001 0; do
		imp_expect "bulk: /old/page-$i.html" \
		    "$(imp_answer "$T/bulk.ini" "/old/page-$i.html" bulk.example)" \
		    "$([ "$i" -ge 1 ] && [ "$i" -le 100000 ] &&
		    echo "301 /new/$i" || echo "404 -")"
	done
	command -v nginx >/dev/null || return
	ngx_start bulk "$T/bulk.conf" || return
	cp "$T/bulk.ini" "$T/diff.ini"
	for i in 1 50000 99999 100001 /OLD/PAGE-7.HTML; do
		case $i in /*) same "$i" bulk.example ;;
		*) same "/old/page-$i.html" bulk.example ;; esac
	done
	ngx_stop
}

server_user
chmod 755 "$T"
PORT=$(free_port)
if command -v nginx >/dev/null && command -v curl >/dev/null; then
	differential
elif [ -n "${CI:-}" ]; then
	imp_fail "nginx or curl missing (CI is set): apt-get install nginx-light curl"
else
	echo "nginx.sh: nginx or curl missing: the differential test is skipped"
fi
bulk
imp_summary import/nginx

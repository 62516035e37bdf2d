#!/usr/bin/env bash
# tests/import/apache.sh: --import apache, proved against a real Apache 2.4.
#
# The sources in tests/import/apache/ (a vhost file and an .htaccess) are
# imported, the rule files checked, and asked the requests of the *.requests
# tables twice: from a real apache2 (mod_alias, mod_rewrite) started here
# on a free loopback port with the source as its configuration, and from
# the imported rule file (imp_answer).  Status and Location must agree,
# Apache's "http://HOST[:PORT]" of a local target removed; a request marked
# "diff: why" is a documented difference and must differ.  Without apache2
# (IMP_APACHE names another binary) and with CI unset, only the tables of
# expected answers (*.table, the imported rules' answers) are checked.
# Then: a generated .htaccess of some 200 mixed lines, a garbage file whose
# every line must be reported, and a bulk import.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$IMP_TOP/tests/proc.sh"
DATA=$IMP_TOP/tests/import/apache
BIN=$IMP_BIN
PIDS=()
trap 'stop_started; rm -rf "$IMP_TMP"' EXIT
PATH=$PATH:/usr/sbin:/sbin
MODULES=/usr/lib/apache2/modules
APACHE=${IMP_APACHE:-apache2}	# the server binary
T=$IMP_TMP

# ap_conf DIR PORT DOCROOT INCLUDE: an apache2.conf serving DOCROOT with
# AllowOverride All, then INCLUDE (a vhost file, or nothing).
ap_conf() {
	local m
	cat <<CONF
ServerRoot "$1"
ServerName 127.0.0.1
Listen 127.0.0.1:$2
PidFile "$1/httpd.pid"
ErrorLog "$1/error.log"
LogLevel warn
CONF
	[ "$(id -u)" = 0 ] && printf 'User %s\nGroup %s\n' "$run_user" "$run_group"
	for m in mpm_event authz_core dir alias rewrite; do
		printf 'LoadModule %s_module "%s/mod_%s.so"\n' "$m" "$MODULES" "$m"
	done
	cat <<CONF
<Directory />
	AllowOverride None
	Require all denied
</Directory>
DocumentRoot "$3"
<Directory "$3">
	AllowOverride All
	Require all granted
</Directory>
CONF
	[ -n "$4" ] && printf 'Include "%s"\n' "$4"
}

# ap_start NAME PORT DOCROOT [INCLUDE]: start apache2 in $T/NAME on PORT.
ap_start() {
	local dir=$T/$1 i
	mkdir -p "$dir"
	PORT=$2
	ap_conf "$dir" "$PORT" "$3" "${4:-}" >"$dir/apache2.conf"
	chmod -R a+rX "$T"
	setsid "$APACHE" -DFOREGROUND -f "$dir/apache2.conf" </dev/null \
	    >>"$dir/error.log" 2>&1 &
	PIDS+=("$!")
	for i in $(seq 50); do
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" &&
		    [ -s "$dir/httpd.pid" ] && break
		sleep 0.1
	done
	if ! [ -s "$dir/httpd.pid" ]; then
		imp_fail "apache ($1) did not start: $(tail -3 "$dir/error.log")"
		return 1
	fi
	PIDS+=("$(cat "$dir/httpd.pid")")
	imp_pass
}

# ap_answer URI HOST: Apache's "STATUS LOCATION", its own
# http://HOST[:PORT] taken off a Location.
ap_answer() {
	local out status loc
	out=$(curl -sg --path-as-is --max-time 10 -o /dev/null -D - \
	    -H "Host: $2" "http://127.0.0.1:$PORT$1" | tr -d '\r')
	status=$(printf '%s\n' "$out" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
	loc=$(printf '%s\n' "$out" | sed -n 's/^[Ll]ocation: //p' | head -1)
	loc=${loc#"http://$2:$PORT"}
	loc=${loc#"http://$2"}
	printf '%s %s\n' "${status:-?}" "${loc:--}"
}

# ap_compare RULES REQUESTS: each line (tab-separated) URI HOST [diff: why]
# asked from Apache and from RULES.
ap_compare() {
	local rules=$1 uri host diff a f
	while IFS=$'\t' read -r uri host diff; do
		case $uri in ''|'#'*) continue ;; esac
		a=$(ap_answer "$uri" "$host")
		f=$(imp_answer "$rules" "$uri" "$host")
		case $diff in
		diff:*)
			if [ "$a" != "$f" ]; then
				imp_pass
			else
				imp_fail "$(basename "$2"): $uri (host $host): " \
				    "marked a difference (${diff#diff: }), but " \
				    "both answer '$a'"
			fi
			;;
		*)
			imp_expect "$(basename "$2"): $uri (host $host), fcgi-redirect vs apache" \
			    "$f" "$a"
			;;
		esac
	done <"$2"
}

# ap_table RULES REQUESTS TABLE: the answers the rule file gives to the
# requests, against the table of expected answers (URI HOST STATUS LOC).
ap_table() {
	local uri host status loc got
	while IFS=$'\t' read -r uri host status loc; do
		case $uri in ''|'#'*) continue ;; esac
		got=$(imp_answer "$1" "$uri" "$host")
		imp_expect "$(basename "$2"): $uri (host $host)" "$got" \
		    "$status $loc"
	done <"$2"
}

have_apache=1
if ! command -v "$APACHE" >/dev/null 2>&1 ||
    ! [ -f "$MODULES/mod_rewrite.so" ]; then
	have_apache=0
	if [ -n "${CI:-}" ]; then
		imp_fail "apache2 (with mod_alias and mod_rewrite) is missing"
	else
		echo "SKIP: apache2 is missing: the answers are checked against the tables only"
	fi
fi
server_user

# The vhost file, with the test's port in its <VirtualHost *:80>.
mkdir -p "$T/empty" "$T/www"
free=$(free_port)
sed "s/<VirtualHost \*:80>/<VirtualHost *:$free>/" "$DATA/vhost.conf" \
    >"$T/vhost.conf"
imp_run apache "$T/vhost.ini" "$T/vhost.err" "$T/vhost.conf"
imp_expect "vhost.conf: exit status (some lines not imported)" "$IMP_RC" 1
imp_check "$T/vhost.ini"
ap_table "$T/vhost.ini" "$DATA/vhost.table"
cp "$DATA/htaccess" "$T/www/.htaccess"
imp_run apache "$T/htaccess.ini" "$T/htaccess.err" "$T/www/.htaccess"
imp_expect "htaccess: exit status (some lines not imported)" "$IMP_RC" 1
imp_check "$T/htaccess.ini"
ap_table "$T/htaccess.ini" "$DATA/htaccess.table"

# What was reported, line by line: the reports of the source files.
for f in vhost htaccess; do
	sed "s|^$T/[^:]*:|$f:|" "$T/$f.err" >"$T/$f.report"
	if cmp -s "$T/$f.report" "$DATA/$f.report"; then
		imp_pass
	else
		imp_fail "$f: the report differs from $f.report:" \
		    "$(diff "$DATA/$f.report" "$T/$f.report" | head -20)"
	fi
done

if [ "$have_apache" = 1 ]; then
	# (a) The vhost file, as the server's configuration.
	if ap_start vhost "$free" "$T/empty" "$T/vhost.conf"; then
		ap_compare "$T/vhost.ini" "$DATA/vhost.requests"
		stop_started
	fi
	# (b) The .htaccess, at the DocumentRoot with AllowOverride All.
	if ap_start htaccess "$(free_port)" "$T/www"; then
		ap_compare "$T/htaccess.ini" "$DATA/htaccess.requests"
		stop_started
	fi
fi
# A garbage file: every line reported, with its number.
{
	cat <<'GARBAGE'
Redirect
Redirect /a
Redirect 999 /a http://x.test/
Redirect permanent /a
Redirect /a http://x.test/ extra
Redirect gone /a
Redirect 404 /a
Redirect 300 /a http://x.test/
Redirect /a relative
Redirect a http://x.test/
Redirect "/a http://x.test/
RedirectMatch ( http://x.test/
RedirectMatch ^/a ftp://x.test/
RedirectMatch ^/a$ http://x.test/$0
RedirectMatch ^/a$ http://x.test/$3
RedirectTemp /a
RewriteRule
RewriteRule ^a$
RewriteRule ^a$ /b [R=301,L] extra
RewriteRule ^a$ /b [R=404]
RewriteRule ^a$ /b [R=abc]
RewriteRule ^a$ /b [X]
RewriteRule ^a$ /b R
RewriteRule !^a$ /b [R]
RewriteRule ^a$ - [R]
RewriteRule ^a$ /b%1 [R]
RewriteRule ^a$ /${map:x} [R]
RewriteRule ^a$ /%{REMOTE_ADDR} [R]
RewriteRule ^a$ /b [R,QSA,QSD]
RewriteRule ^a$ /b [R,C]
RewriteCond %{HTTP_HOST}
RewriteCond %{REMOTE_ADDR} ^1
RewriteRule ^a$ /b [R]
RewriteCond %{HTTP_HOST} ^(a|b$ [NC]
RewriteRule ^a$ /b [R]
RewriteCond %{QUERY_STRING} id=1 [OR]
RewriteRule ^a$ /b [R]
RewriteCond %{HTTPS} maybe
RewriteEngine maybe
RewriteBase /x
RewriteOptions MaxRedirects=10
ServerName x.test
ServerAlias y.test
<Location /
</NoSuch>
<Directory />
Redirect /in http://x.test/
</Directory>
<If "true">
</If>
"quoted
Options All
RewriteCond %{HTTP_HOST} ^x\.test$
GARBAGE
	printf '\001\002 binary\n\303\251t\303\251 garbage\n'
	printf 'Redirect /nul\000 http://x.test/\n'
	printf '<IfModule x>\n'
} >"$T/garbage.conf"
imp_run apache "$T/garbage.ini" "$T/garbage.err" "$T/garbage.conf"
imp_expect "garbage: exit status" "$IMP_RC" 1
imp_check "$T/garbage.ini"
n=$(wc -l <"$T/garbage.conf")
missing=
for i in $(seq 1 "$n"); do
	grep -q "^$T/garbage.conf:$i: warning: not imported:" "$T/garbage.err" ||
	    missing="$missing $i"
done
imp_expect "garbage: lines not reported" "${missing# }" ""
imp_expect "garbage: rules written" "$(grep -c '^\[' "$T/garbage.ini")" 0

# An exact QUERY_STRING condition (^...$) is other-params = refuse; with a
# second QUERY_STRING condition the note says what differs.
cat >"$T/exactq.htaccess" <<'EOF'
RewriteEngine On
RewriteCond %{QUERY_STRING} ^id=([^&]*)$
RewriteRule ^one$ /one-%1? [R=301,L]
RewriteCond %{QUERY_STRING} ^id=1$
RewriteCond %{QUERY_STRING} (^|&)x=2(&|$)
RewriteRule ^two$ /two? [R=301,L]
EOF
imp_run apache "$T/exactq.ini" "$T/exactq.err" "$T/exactq.htaccess"
imp_expect "exactq: exit status" "$IMP_RC" 0
imp_check "$T/exactq.ini"
imp_expect "exactq: refuse twice" \
    "$(grep -c '^other-params = refuse$' "$T/exactq.ini")" 2
imp_expect "exactq: the note" "$(grep -c 'exactq.htaccess:6: warning: Apache asks for a query that is exactly one condition' "$T/exactq.err")" 1
imp_expect "exactq: no other note" "$(grep -c 'warning' "$T/exactq.err")" 1
imp_expect "exactq: /one?id=5" "$(imp_answer "$T/exactq.ini" '/one?id=5')" \
    "301 /one-5"
imp_expect "exactq: /one?id=5&x" "$(imp_answer "$T/exactq.ini" '/one?id=5&x')" \
    "404 -"
imp_expect "exactq: /one" "$(imp_answer "$T/exactq.ini" /one)" "404 -"

# Bulk: 100,000 lines, exact RewriteRules (one [map]) and Redirects.
awk 'BEGIN {
	print "RewriteEngine On"
	for (i = 1; i <= 50000; i++)
		printf "RewriteRule ^p/%d\\.html$ /q/%d [R=301,L]\n", i, i
	for (i = 1; i <= 50000; i++)
		printf "Redirect 301 /old/%d http://new.example.test/n/%d\n", i, i
}' >"$T/bulk.htaccess"
imp_run apache "$T/bulk.ini" "$T/bulk.err" "$T/bulk.htaccess"
imp_expect "bulk: exit status" "$IMP_RC" 0
imp_expect "bulk: one map" "$(grep -c '^\[map ' "$T/bulk.ini")" 1
imp_check "$T/bulk.ini"
imp_expect "bulk: /p/49999.html" "$(imp_answer "$T/bulk.ini" /p/49999.html?x=1)" \
    "301 /q/49999?x=1"
imp_expect "bulk: /old/777/a" "$(imp_answer "$T/bulk.ini" /old/777/a)" \
    "301 http://new.example.test/n/777/a"
imp_expect "bulk: /old/7770" "$(imp_answer "$T/bulk.ini" /old/7770)" \
    "301 http://new.example.test/n/7770"

# A new user's .htaccess: some 200 mixed lines, imported, checked, and a
# sample of its requests answered as Apache answers them.
mkdir -p "$T/new"
awk 'BEGIN {
	print "<IfModule mod_rewrite.c>"
	print "RewriteEngine On"
	print "RewriteBase /"
	for (i = 1; i <= 50; i++) {
		printf "RewriteRule ^article-%d\\.html$ articles/%d [R=301,L]\n", i, i
		printf "RewriteRule ^prod/%d/?$ https://shop.example.test/p/%d [R=302,L,NC]\n", i, i
	}
	print "</IfModule>"
	for (i = 1; i <= 50; i++) {
		printf "Redirect 301 /page-%d http://www.example.test/pages/%d\n", i, i
		printf "RedirectMatch 301 ^/cat/%d/(.*)$ /category/%d/$1\n", i, i
	}
}' >"$T/new/.htaccess"
imp_run apache "$T/new.ini" "$T/new.err" "$T/new/.htaccess"
imp_expect "new user: exit status" "$IMP_RC" 0
imp_check "$T/new.ini"
for i in 1 7 23 50; do
	printf '/article-%s.html?utm=x\t127.0.0.1\n/article-%s.htm\t127.0.0.1\n' "$i" "$i"
	printf '/prod/%s\t127.0.0.1\n/PROD/%s/\t127.0.0.1\n/prod/%s/x\t127.0.0.1\n' "$i" "$i" "$i"
	printf '/page-%s\t127.0.0.1\n/page-%s/a?b=1\t127.0.0.1\n/page-%sx\t127.0.0.1\n' "$i" "$i" "$i"
	printf '/cat/%s/a/b\t127.0.0.1\n/cat/%s\t127.0.0.1\n' "$i" "$i"
done >"$T/new.requests"
if [ "$have_apache" = 1 ] && ap_start new "$(free_port)" "$T/new"; then
	ap_compare "$T/new.ini" "$T/new.requests"
	stop_started
fi

imp_summary import/apache

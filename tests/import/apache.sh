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
# (and CI unset) only the tables of expected answers (*.table) are checked.
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
	setsid apache2 -DFOREGROUND -f "$dir/apache2.conf" </dev/null \
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
if ! command -v apache2 >/dev/null 2>&1 ||
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
imp_summary import-apache

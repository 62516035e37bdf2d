#!/usr/bin/env bash
# tests/e2e/lighttpd.sh BINARY: fcgi-redirect behind a real lighttpd
# (fastcgi.server with bin-path), in both mountings of etc/lighttpd/.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
bin=$(realpath "$1")

# lighttpd_conf MOUNTING PORT: a configuration that includes the recipe.
# The echo endpoint (CGI) sits beside it under /e2e/.
lighttpd_conf() {
	local recipe=fcgi-redirect.conf
	[ "$1" = misses ] && recipe=fcgi-redirect-misses.conf
	cat <<CONF
server.document-root = "$E2E_DIR/root"
server.bind          = "127.0.0.1"
server.port          = $2
server.errorlog      = "$E2E_DIR/lighttpd-$1.log"
server.upload-dirs   = ( "$E2E_DIR" )
server.modules      += ( "mod_rewrite", "mod_cgi", "mod_fastcgi" )
var.fcgi_redirect_bin    = "$bin"
var.fcgi_redirect_rules  = "$E2E_TOP/tests/e2e/rules.ini"
var.fcgi_redirect_socket = "$E2E_DIR/fcgi-redirect-$1.socket"
\$HTTP["url"] =~ "^/e2e/" { cgi.assign = ( ".cgi" => "" ) }
else \$HTTP["url"] =~ "" { include "$E2E_TOP/etc/lighttpd/$recipe" }
CONF
}

main() {
	local mounting port
	e2e_need lighttpd lighttpd || { e2e_summary e2e-lighttpd; return; }
	e2e_setup
	cp -r "$E2E_TOP/tests/e2e/root" "$E2E_DIR/root"
	for mounting in all misses; do
		port=$(free_port)
		lighttpd_conf "$mounting" "$port" >"$E2E_DIR/lighttpd-$mounting.conf"
		lighttpd -D -f "$E2E_DIR/lighttpd-$mounting.conf" &
		e2e_track $!
		if ! e2e_wait_http "http://127.0.0.1:$port/"; then
			e2e_fail "lighttpd ($mounting) did not start: $(tail -3 "$E2E_DIR/lighttpd-$mounting.log")"
			continue
		fi
		e2e_checks e2e-lighttpd "http://127.0.0.1:$port" "$mounting" 307
		e2e_stop_all
	done
	e2e_summary e2e-lighttpd
}
main

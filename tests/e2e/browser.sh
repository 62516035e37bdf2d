#!/usr/bin/env bash
# tests/e2e/browser.sh BINARY: a real browser through fcgi-redirect.
#
# Starts lighttpd as tests/e2e/lighttpd.sh does for the "all" mounting
# (etc/lighttpd/fcgi-redirect.conf, the echo CGI under /e2e/), then loads
# /e2e/browser.html in Debian's headless Chromium.  The page sends fetch()
# POST and PUT requests and submits POST forms through the 303, 307 and
# 308 rules of rules.ini, and writes one "PASS name" or "FAIL name:
# details" line per check into the DOM; --dump-dom prints that DOM once
# the page has settled (--virtual-time-budget).  The page's own timeouts
# end every check, and Chromium as a whole is killed after CHROMIUM_SECS.
set -u
. "$(dirname "$0")/lib.sh"
bin=$(realpath "$1")

CHECKS=11		# the checks browser.html runs
CHROMIUM_SECS=50

# browser_conf PORT: lighttpd.sh's "all" configuration, plus a MIME type
# for the page: without mimetype.assign lighttpd 1.4.69 serves .html as
# application/octet-stream, which Chromium would download, not render.
browser_conf() {
	cat <<CONF
server.document-root = "$E2E_DIR/root"
server.bind          = "127.0.0.1"
server.port          = $1
server.errorlog      = "$E2E_DIR/lighttpd-browser.log"
server.upload-dirs   = ( "$E2E_DIR" )
server.modules      += ( "mod_rewrite", "mod_cgi", "mod_fastcgi" )
mimetype.assign      = ( ".html" => "text/html; charset=utf-8" )
var.fcgi_redirect_bin    = "$bin"
var.fcgi_redirect_rules  = "$E2E_TOP/tests/e2e/rules.ini"
var.fcgi_redirect_socket = "$E2E_DIR/fcgi-redirect-browser.socket"
\$HTTP["url"] =~ "^/e2e/" { cgi.assign = ( ".cgi" => "" ) }
else \$HTTP["url"] =~ "" { include "$E2E_TOP/etc/lighttpd/fcgi-redirect.conf" }
CONF
}

# browser_dump URL: the page's DOM after it settled, into dom.html, and
# Chromium's exit status in chromium_status.  The background-networking
# flags matter on a closed network: without them Chromium's own
# connections fail and the page's with them.  Virtual time stands still
# while a request or a frame's navigation is pending and jumps ahead when
# the page is idle, so the budget costs no real time and only bounds the
# page's timers: it is longer than the page's own per-check timeout (15 s)
# so that a check that never ends still gets its FAIL line.  A request that
# hangs stops virtual time: then timeout(1) kills Chromium's whole process
# group after CHROMIUM_SECS of real time.
# HOME is the work directory: Chromium's crash handler writes to
# ~/.config/chromium whatever --user-data-dir says.
browser_dump() {
	local pid
	HOME=$E2E_DIR timeout -k 5 "$CHROMIUM_SECS" "$chromium" \
	    --headless --no-sandbox --disable-gpu --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --disable-quic \
	    --user-data-dir="$E2E_DIR/chromium-profile" \
	    --enable-logging=stderr --virtual-time-budget=30000 \
	    --dump-dom "$1" \
	    >"$E2E_DIR/dom.html" 2>"$E2E_DIR/chromium.log" &
	pid=$!
	e2e_track "$pid"
	wait "$pid"
	chromium_status=$?
}

main() {
	local port base line name n why
	e2e_need lighttpd lighttpd || { e2e_summary e2e-browser; return; }
	e2e_need chromium chromium || { e2e_summary e2e-browser; return; }
	chromium=$(command -v chromium)
	e2e_setup
	cp -r "$E2E_TOP/tests/e2e/root" "$E2E_DIR/root"
	port=$(free_port)
	base=http://127.0.0.1:$port
	browser_conf "$port" >"$E2E_DIR/lighttpd-browser.conf"
	lighttpd -D -f "$E2E_DIR/lighttpd-browser.conf" &
	e2e_track $!
	if ! e2e_wait_http "$base/"; then
		e2e_fail "e2e-browser: lighttpd did not start: $(tail -3 "$E2E_DIR/lighttpd-browser.log")"
		e2e_summary e2e-browser
		return
	fi

	browser_dump "$base/e2e/browser.html"
	# The results are the lines of <pre id="results">.
	awk '!inside && sub(/.*<pre id="results">/, "") { inside = 1 }
	    inside { last = sub(/<\/pre>.*/, ""); print; if (last) exit }' \
	    "$E2E_DIR/dom.html" >"$E2E_DIR/results"
	n=0
	while IFS= read -r line; do
		case $line in
		"PASS "*) e2e_pass; n=$((n + 1)) ;;
		"FAIL "*) name=${line#FAIL }
			e2e_fail "e2e-browser: $(printf '%s' "$name" |
			    sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g')"
			n=$((n + 1)) ;;
		esac
	done <"$E2E_DIR/results"
	if ! grep -q "<p id=\"done\">done $CHECKS</p>" "$E2E_DIR/dom.html" ||
	    [ "$n" -ne "$CHECKS" ]; then
		# The page's console (a script error) says why, else the end of
		# Chromium's log without its D-Bus complaints, which are not news.
		why=$(grep -m 3 ':CONSOLE' "$E2E_DIR/chromium.log" ||
		    grep -v -i -e '^/usr/bin/chromium:' -e 'd-\?bus' \
		    "$E2E_DIR/chromium.log" | tail -2)
		[ "$chromium_status" -eq 124 ] &&
		    why="killed after $CHROMIUM_SECS s; $why"
		e2e_fail "e2e-browser: the page reported $n of $CHECKS checks;" \
		    "Chromium exited with $chromium_status: $(printf '%s' "$why" |
		    tr '\n' ' ')"
	fi
	e2e_summary e2e-browser
}
main

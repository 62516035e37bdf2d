#!/bin/sh
# www/fcgi-redirect.fcgi: the program Apache runs for www/ (see .htaccess
# and README).  It names the rule file beside it, redirects.ini, and runs
# the fcgi-redirect binary beside it, else the one installed in
# /usr/local/bin or /usr/bin.  exec keeps fd 0 as Apache gave it, so
# fcgi-redirect answers FastCGI under mod_fcgid and CGI under
# mod_cgi/mod_cgid.  To keep the rules outside the document root, write
# their absolute path below.
case $0 in
*/*)	here=${0%/*} ;;
*)	here=. ;;
esac
FCGI_REDIRECT_RULES=$here/redirects.ini
export FCGI_REDIRECT_RULES

for bin in "$here/fcgi-redirect" /usr/local/bin/fcgi-redirect \
    /usr/bin/fcgi-redirect; do
	[ -x "$bin" ] && exec "$bin"
done
echo "fcgi-redirect.fcgi: no executable fcgi-redirect beside $0," \
    "in /usr/local/bin or /usr/bin" >&2
printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n'
printf 'fcgi-redirect is not installed.\n'
exit 1

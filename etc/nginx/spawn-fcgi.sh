#!/bin/sh
# etc/nginx/spawn-fcgi.sh: starts fcgi-redirect as a FastCGI server on a
# Unix socket for nginx, with spawn-fcgi (Debian package spawn-fcgi).
# nginx cannot start FastCGI programs itself.  Run it as root, at boot
# (from your init system) and before nginx needs it; it returns once the
# processes run.  The variables below are the defaults; CHANGE them here or
# set them in the environment.  With the defaults it runs:
#
#   spawn-fcgi -s /run/fcgi-redirect/fcgi-redirect.sock -M 0660 -U www-data -G www-data \
#       -u www-data -g www-data -F 2 -P /run/fcgi-redirect.pid \
#       -- /usr/local/bin/fcgi-redirect \
#          -c /usr/local/etc/fcgi-redirect/redirects.ini
#
#   -s  the socket; the same path as `server unix:...` in
#       fcgi-redirect-upstream.conf.  spawn-fcgi removes a stale one and
#       refuses to start while another server listens on it.
#   -M 0660 -U -G  the socket's mode and owner: nginx's worker processes
#       (nginx.conf `user`, www-data on Debian) must be able to connect;
#       no other user needs to.
#   -u -g  the user fcgi-redirect runs as: any unprivileged user that can
#       read the rule file.  It needs no other file.
#   -F  how many processes; each answers one request at a time.
#   -P  a file with their PIDs, one a line: stop them with
#       kill $(cat /run/fcgi-redirect.pid)
#   -c  is read as fcgi-redirect's option because spawn-fcgi does not set
#       GATEWAY_INTERFACE (where it is set, arguments are ignored and
#       FCGI_REDIRECT_RULES in the environment names the rule file).
#
# Rule changes: check them first with fcgi-redirect --check -c FILE.  No
# restart is needed: each process checks the file between requests, at
# most once a second (at once after SIGHUP), and loads a changed one; an
# invalid file changes nothing.
# Test: tests/e2e/nginx.sh runs this script with its own paths and users.
set -eu

: "${FCGI_REDIRECT_BIN:=/usr/local/bin/fcgi-redirect}"
: "${FCGI_REDIRECT_RULES:=/usr/local/etc/fcgi-redirect/redirects.ini}"
: "${FCGI_REDIRECT_SOCKET:=/run/fcgi-redirect/fcgi-redirect.sock}"
: "${FCGI_REDIRECT_PIDFILE:=/run/fcgi-redirect.pid}"
: "${FCGI_REDIRECT_PROCS:=2}"
# nginx's worker user and group: the socket's owner.
: "${NGINX_USER:=www-data}"
: "${NGINX_GROUP:=www-data}"
# The user and group fcgi-redirect runs as.
: "${FCGI_REDIRECT_USER:=www-data}"
: "${FCGI_REDIRECT_GROUP:=www-data}"

# The socket's directory (/run is emptied at boot): nginx's workers need to
# traverse it.
mkdir -p "$(dirname "$FCGI_REDIRECT_SOCKET")"
chmod 755 "$(dirname "$FCGI_REDIRECT_SOCKET")"

exec spawn-fcgi -s "$FCGI_REDIRECT_SOCKET" -M 0660 \
    -U "$NGINX_USER" -G "$NGINX_GROUP" \
    -u "$FCGI_REDIRECT_USER" -g "$FCGI_REDIRECT_GROUP" \
    -F "$FCGI_REDIRECT_PROCS" -P "$FCGI_REDIRECT_PIDFILE" \
    -- "$FCGI_REDIRECT_BIN" -c "$FCGI_REDIRECT_RULES"

#!/bin/sh
# echo.cgi: the end-to-end tests' target.  Reports what arrived after a
# redirect: the method, the body's length and SHA-256, and the query.
len=${CONTENT_LENGTH:-0}
case $len in *[!0-9]*|'') len=0 ;; esac
sum=$(head -c "$len" | sha256sum | cut -d' ' -f1)
printf 'Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n'
printf 'method=%s\nlength=%s\nsha256=%s\nquery=%s\n' \
    "$REQUEST_METHOD" "$len" "$sum" "$QUERY_STRING"

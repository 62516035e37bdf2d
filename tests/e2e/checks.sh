# tests/e2e/checks.sh: the checks every server and mounting must pass
# (sourced after lib.sh).  All requests go to loopback, bounded in time.

# e2e_expect WHAT STATUS LOCATION CURL-ARGS...: the first answer's status
# and Location ("-": none).
e2e_expect() {
	local what=$1 want_status=$2 want_loc=$3 head status loc
	shift 3
	head=$(curl -s -o /dev/null -D - --max-time 20 "$@" | tr -d '\r')
	status=$(printf '%s\n' "$head" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
	loc=$(printf '%s\n' "$head" | sed -n 's/^[Ll]ocation: //p')
	[ -n "$loc" ] || loc=-
	if [ "$status" = "$want_status" ] && [ "$loc" = "$want_loc" ]; then
		e2e_pass
	else
		e2e_fail "$E2E_NAME: $what: got $status $loc, want $want_status $want_loc"
	fi
}

# e2e_follow WHAT URL METHOD SIZE WANT-METHOD: send METHOD with a body of
# SIZE random bytes, follow the redirect with curl -L, and require that the
# echo endpoint got WANT-METHOD and (unless it is GET) the same body.
e2e_follow() {
	local what=$1 url=$2 method=$3 size=$4 want=$5 body sum out m s
	body=$E2E_DIR/body.$size
	[ -f "$body" ] || head -c "$size" /dev/urandom >"$body"
	sum=$(sha256sum <"$body" | cut -d' ' -f1)
	if [ "$want" = GET ]; then
		# No -X: curl turns a POST into a GET on a 303, as browsers do.
		out=$(curl -s -L --max-time 60 --data-binary @"$body" "$url")
	else
		out=$(curl -s -L --max-time 60 -X "$method" \
		    -H 'Content-Type: application/octet-stream' \
		    --data-binary @"$body" "$url")
	fi
	m=$(printf '%s\n' "$out" | sed -n 's/^method=//p')
	s=$(printf '%s\n' "$out" | sed -n 's/^sha256=//p')
	if [ "$want" = GET ] && [ "$m" = GET ] &&
	    [ "$(printf '%s\n' "$out" | sed -n 's/^length=//p')" = 0 ]; then
		e2e_pass
	elif [ "$want" != GET ] && [ "$m" = "$want" ] && [ "$s" = "$sum" ]; then
		e2e_pass
	else
		e2e_fail "$E2E_NAME: $what: echo got method '$m' sha256 '${s:0:12}', want $want ${sum:0:12}"
	fi
}

# e2e_query_checks BASE: rules on the query string (issue 11).  The query
# must reach fcgi-redirect raw: %26, %2B, + and %3D as the client sent them
# (a server that decoded them would change the parameters and the kept
# query), repeated names (the last counts), tracking parameters kept.
e2e_query_checks() {
	local base=$1 n=https://new.example.re

	e2e_expect "query key" 307 "$n/about" "$base/q/index.php?id=42"
	e2e_expect "query key, tracking parameters kept raw" 307 \
	    "$n/about?utm_source=a%26b&gclid=x+y&fbclid=%2B&_gl=1%3D2" \
	    "$base/q/index.php?utm_source=a%26b&id=%34%32&gclid=x+y&fbclid=%2B&_gl=1%3D2"
	e2e_expect "query key, a repeated name: the last" 307 "$n/about" \
	    "$base/q/index.php?id=1&id=42"
	e2e_expect "query key, a repeated name: not the first" 307 \
	    "$n/home?id=42&id=1" "$base/q/index.php?id=42&id=1"
	e2e_expect "query key, + is %20" 307 "$n/cat?z" \
	    "$base/q/index.php?id=7&z&cat=a%20b"
	e2e_expect "query key, %2B is not +" 307 "$n/home?id=7&cat=a%2Bb" \
	    "$base/q/index.php?id=7&cat=a%2Bb"
	e2e_expect "query key, %26 is not &" 307 "$n/home?id=42%26cat=a+b" \
	    "$base/q/index.php?id=42%26cat=a+b"
	e2e_expect "\${param:v} encoded" 307 "$n/v/a%26b%3Dc%2B%20" \
	    "$base/q/p.php?v=a%26b%3Dc%2B+"
	e2e_expect "a capture in a query" 307 "$n/find?q=a%26b%3Dc%2Bd" \
	    "$base/q/s/a%26b%3Dc+d"
	e2e_expect "a map key on a directory" 307 "$n/post-123?utm_source=x" \
	    "$base/q/?utm_source=x&p=123"
}

# e2e_checks NAME BASE MOUNTING BIG-STATUS: every check against the server
# at BASE (http://127.0.0.1:PORT) serving tests/e2e/rules.ini.  MOUNTING is
# "all" (every request) or "misses" (only requests for no existing file);
# BIG-STATUS is what the recipe documents for a 10 MiB POST to a 307 rule.
e2e_checks() {
	local base=$2 mounting=$3 big=$4 code m size
	E2E_NAME="$1 ($3)"

	for code in 301 302 303 307 308; do
		e2e_expect "GET $code" "$code" /e2e/echo.cgi "$base/s/$code"
	done
	e2e_expect "HEAD 307" 307 /e2e/echo.cgi -I "$base/s/307"
	e2e_expect "query kept" 307 'https://new.example.re/k?x=1&a=1&b=2' \
	    "$base/q/keep?a=1&b=2"
	e2e_expect "query dropped" 307 https://new.example.re/d \
	    "$base/q/drop?a=1"
	e2e_expect "prefix rest" 307 'https://new.example.re/moved/a/b?z=1' \
	    "$base/p/a/b?z=1"
	e2e_expect "regex capture" 307 'https://shop.example.re/item?id=42' \
	    "$base/item/42"
	e2e_expect "host rule" 307 https://shop.example.re/christmas-sale \
	    -H 'Host: Shop.Example.re' "$base/sale"
	e2e_expect "host rule, other host" 404 - -H 'Host: www.example.re' \
	    "$base/sale"
	e2e_query_checks "$base"
	e2e_expect "404 fallback" 404 - "$base/nothing/here"
	e2e_expect "400 bad escape" 400 - --path-as-is "$base/bad%zz"

	for code in 307 308; do
		for m in POST PUT; do
			for size in 1024 1048576; do
				e2e_follow "$m $size bytes through $code" \
				    "$base/s/$code/x?y=1" "$m" "$size" "$m"
			done
		done
	done
	e2e_follow "POST through 303" "$base/s/303" POST 1024 GET

	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary @<(head -c 10485760 /dev/zero) "$base/s/307")
	if [ "$code" = "$big" ]; then
		e2e_pass
	else
		e2e_fail "$E2E_NAME: 10 MiB POST: got $code, want $big"
	fi

	if [ "$mounting" = misses ]; then
		if [ "$(curl -s --max-time 10 "$base/exists.txt")" = \
		    "a file that exists" ]; then
			e2e_pass
		else
			e2e_fail "$E2E_NAME: an existing file is not served"
		fi
		e2e_follow "POST to a missing file" "$base/s/307/missing.html" \
		    POST 1024 POST
	else
		e2e_expect "existing file answered too" 404 - "$base/exists.txt"
	fi
}

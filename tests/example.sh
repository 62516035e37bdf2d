#!/usr/bin/env bash
# tests/example.sh BINARY: every "; e.g. METHOD URL [@TIME] -> STATUS
# [LOCATION]" line of etc/redirects.ini must be what --explain answers, so
# the documented example cannot drift from the behaviour.
set -u
bin=$1 rules=etc/redirects.ini pass=0 fail=0
while read -r method url at arrow status location; do
	if [ "$at" = "->" ]; then	# no @TIME: shift the words
		location=$status status=$arrow at=
	fi
	args=(--explain -c "$rules" -X "$method")
	[ -n "$at" ] && args+=(--at "${at#@}")
	out=$("$bin" "${args[@]}" "$url" 2>&1)
	got_status=$(printf '%s\n' "$out" | sed -n '1s/ .*//p')
	got_loc=$(printf '%s\n' "$out" | sed -n 's/^Location: //p')
	if [ "$got_status" = "$status" ] && [ "$got_loc" = "$location" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL: %s %s %s: got %s %s, want %s %s\n' "$method" "$url" \
		    "$at" "$got_status" "$got_loc" "$status" "$location"
	fi
done < <(sed -n 's/^; e\.g\. //p' "$rules")
[ $((pass + fail)) -gt 0 ] || { echo "example: no '; e.g.' lines found"; fail=1; }
echo "example: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# tests/import/redirection.sh: --import redirection, the WordPress
# Redirection plugin's CSV and JSON exports (src/import/redirection.c).
#
# There is no WordPress here: the tables tests/import/redirection/*.tsv hold
# the answers the plugin gives, each row with the part of its source
# (johngodley/redirection) or documentation it comes from, and the rows
# where fcgi-redirect answers otherwise say so (DIFFERS).
# shellcheck source=tests/import/lib.sh
. "$(dirname "$0")/lib.sh"

D=$IMP_TOP/tests/import/redirection
T=$IMP_TMP

# Every line of $2 (a list of numbers) has its "FILE:N: warning: not
# imported:" report in the stderr file $1, for the source named $3.
each_reported() {
	local err=$1 lines=$2 name=$3 n missing=
	for n in $lines; do
		grep -q "^$name:$n: warning: not imported:" "$err" ||
		    missing="$missing $n"
	done
	imp_expect "$name: lines without their report" "${missing# }" ""
}

# The table on standard input (imp_table's form) against the rule file $1.
tab() {
	cat >"$T/table.tsv"
	imp_table "$1" "$T/table.tsv"
}

# Does the stderr file $1 hold the line $2 (a fixed string)?
has_line() {
	if grep -qxF -- "$2" "$1"; then
		imp_pass
	else
		imp_fail "$(basename "$1"): no line '$2'"
	fi
}

# ---- The CSV export: the answers, the reports, the notes ----
cd "$D" || exit 2
imp_run redirection "$T/csv.ini" "$T/csv.err" export.csv
imp_expect "export.csv: exit status" "$IMP_RC" 1
imp_check "$T/csv.ini"
imp_table "$T/csv.ini" "$D/export-csv.tsv"
has_line "$T/csv.err" "export.csv:11: warning: not imported: disabled in the plugin"
has_line "$T/csv.err" "export.csv:12: warning: not imported: action type \"error\" is not a redirect to a URL"
has_line "$T/csv.err" "export.csv:14: warning: not imported: action type \"pass\" is not a redirect to a URL"
has_line "$T/csv.err" "export.csv:20: warning: not imported: 304 Not Modified is not a redirect fcgi-redirect sends"
has_line "$T/csv.err" "export.csv:27: warning: not imported: the source is its own target (the plugin refuses it)"
imp_expect "export.csv: reports" "$(grep -c 'not imported' "$T/csv.err")" 5
# The notes: none on "exact" (other-params = refuse says it), the regex's
# query once, the rest per line.
imp_expect "export.csv: exact not noted" \
    "$(grep -c 'flag_query "exact' "$T/csv.err")" 0
grep -q '^other-params = refuse$' "$T/csv.ini" &&
    imp_pass || imp_fail "export.csv: no map with other-params = refuse"
grep -q '^export.csv:9: warning: anchored at the start' "$T/csv.err" &&
    imp_pass || imp_fail "export.csv:9: no note on the absolute target"
grep -q '^export.csv:31: warning: the target /unknown' "$T/csv.err" &&
    imp_pass || imp_fail "export.csv:31: no note on /unknown"
# Each rule names its source line; the two-line record stands at its first.
grep -q '^; export.csv:7: "/shop/(\.\*)"' "$T/csv.ini" &&
    imp_pass || imp_fail "export.csv: no comment naming line 7"
grep -q '^/multi = /multi-line  ; export.csv:17$' "$T/csv.ini" &&
    imp_pass || imp_fail "export.csv: the record of lines 17-18"

# The same export with a byte order mark, CRLF, and ';' between fields.
printf '\357\273\277' >"$T/crlf.csv"
sed 's/$/\r/' export.csv >>"$T/crlf.csv"
imp_run redirection "$T/crlf.ini" "$T/crlf.err" "$T/crlf.csv"
imp_check "$T/crlf.ini"
imp_table "$T/crlf.ini" "$D/export-csv.tsv"
printf 'source;target;regex;code\n"/semi";"/colon";0;302\n"/a,b";"/c";0;301\n' \
    >"$T/semi.csv"
imp_run redirection "$T/semi.ini" "$T/semi.err" "$T/semi.csv"
imp_expect "semi.csv: exit status" "$IMP_RC" 0
tab "$T/semi.ini" <<'EOF'
/semi	302	/colon
/a,b	301	/c
EOF
# A ';' export without a header: its first record is read with ';' from
# its first line on, like the others (a '"' after a ',' in a field opens
# no quote there; read with ',' it swallowed the rest of the file).
printf '/a;/b;0;301;url;0;Title,"one;active\n/c;/d;0;302\n' >"$T/semi1.csv"
imp_run redirection "$T/semi1.ini" "$T/semi1.err" "$T/semi1.csv"
imp_expect "semi1.csv: exit status" "$IMP_RC" 0
tab "$T/semi1.ini" <<'EOF'
/a	301	/b
/c	302	/d
EOF

# ---- The JSON export ----
imp_run redirection "$T/json.ini" "$T/json.err" export.json
imp_expect "export.json: exit status" "$IMP_RC" 1
imp_check "$T/json.ini"
imp_table "$T/json.ini" "$D/export-json.tsv"
# Reported at the line of the entry's '{', with its index.
each_reported "$T/json.err" "163 189 215 244 270 497 576 602 628" export.json
has_line "$T/json.err" "export.json:163: warning: not imported: redirect 5: disabled in the plugin"
has_line "$T/json.err" "export.json:189: warning: not imported: redirect 6: its group 3 is disabled in the plugin"
grep -q '^export.json:393: warning: redirect 14: flag_query "exactorder" asks for the source.s parameters in the source.s order' \
    "$T/json.err" && imp_pass || imp_fail "export.json:393: no note on exactorder"
imp_expect "export.json: exactorder noted once" \
    "$(grep -c 'exactorder' "$T/json.err")" 1
imp_expect "export.json: reports" "$(grep -c 'not imported' "$T/json.err")" 9
# Standard input, and the whole export on one line: the same rules; the
# reports all name line 1, and the entry's index tells them apart.
"$IMP_BIN" --import redirection <export.json >"$T/stdin.ini" 2>/dev/null
imp_table "$T/stdin.ini" "$D/export-json.tsv"
tr -d '\n' <export.json >"$T/one.json"
imp_run redirection "$T/one.ini" "$T/one.err" "$T/one.json"
imp_table "$T/one.ini" "$D/export-json.tsv"
has_line "$T/one.err" "$T/one.json:1: warning: not imported: redirect 22: 304 Not Modified is not a redirect fcgi-redirect sends"

# ---- Order: the first entry of the export wins, regex or exact ----
cat >"$T/order.csv" <<'EOF'
source,target,regex,code
/first/exact,/exact,0,301
^/first/(.*)$,/regex/$1,1,302
/first/after,/never,0,301
/q?id=1,/with-id,0,301
/q,/without,0,301
EOF
imp_run redirection "$T/order.ini" "$T/order.err" "$T/order.csv"
imp_check "$T/order.ini"
tab "$T/order.ini" <<'EOF'
# exact before the regex, the regex before the exact entry after it
/first/exact	301	/exact
/first/after	302	/regex/after
# a source with a query, then the same path without; "exact" (the CSV's
# default) refuses parameters the source does not name
/q?id=1	301	/with-id
/q	301	/without
/q?id=2	404	-
EOF

# ---- Garbage: every line reported with its number ----
# garbage.csv (lines 1-19), then a NUL byte, an overlong line, and a quote
# that never closes (lines 22-23, one record for RFC 4180).
cp garbage.csv "$T/garbage.csv"
printf '/w,/x\0y,0,301\n' >>"$T/garbage.csv"
awk 'BEGIN { printf "/long,/"; for (i = 0; i < 70000; i++) printf "x"; print "" }' \
    >>"$T/garbage.csv"
printf '"never closed,/x\nstill inside the quote,/y\n' >>"$T/garbage.csv"
imp_run redirection "$T/garbage.ini" "$T/garbage.err" "$T/garbage.csv"
imp_expect "garbage.csv: exit status" "$IMP_RC" 1
imp_check "$T/garbage.ini"
each_reported "$T/garbage.err" "$(seq 1 23)" "$T/garbage.csv"
imp_expect "garbage.csv: an empty target" "$(grep -c '^[^:]*:19: warning: not imported: an empty target' "$T/garbage.err")" 1
imp_expect "garbage.csv: nothing imported" "$(grep -c '^/' "$T/garbage.ini")" 0

imp_run redirection "$T/broken.ini" "$T/broken.err" broken.json
imp_expect "broken.json: exit status" "$IMP_RC" 1
imp_check "$T/broken.ini"
each_reported "$T/broken.err" "$(seq 5 18) 20" broken.json
for n in $(seq 5 18); do
	grep -q "^broken.json:$n: warning: not imported: redirect $((n - 5)): " \
	    "$T/broken.err" || imp_fail "broken.json:$n: not named redirect $((n - 5))"
done
grep -q '^broken.json:20: warning: not imported: malformed JSON: .*the rest of the file is not read$' \
    "$T/broken.err" && imp_pass || imp_fail "broken.json:20: no report of the break"
tab "$T/broken.ini" <<'EOF'
# the good entry before the break, and one after it
/ok	301	/fine
/never	404	-
EOF
printf '{\n  "redirects": [\n    {"url": "/a",\n' >"$T/cut.json"
imp_run redirection "$T/cut.ini" "$T/cut.err" "$T/cut.json"
imp_expect "cut.json: exit status" "$IMP_RC" 1
has_line "$T/cut.err" "$T/cut.json:3: warning: not imported: entry 0: the file ends inside it"
printf '[{"url": "/a"}]\n' >"$T/array.json"
imp_run redirection "$T/array.ini" "$T/array.err" "$T/array.json"
grep -q "^$T/array.json:1: warning: not imported: malformed JSON: the export is an object" \
    "$T/array.err" && imp_pass || imp_fail "array.json: not reported"
imp_run redirection "$T/none.ini" "$T/none.err" "$T/does-not-exist.json"
imp_expect "a missing file: exit status" "$IMP_RC" 2

# ---- Bulk: 50,000 redirects, in bounded maps, in a few seconds ----
awk 'BEGIN {
	print "{\n    \"groups\": [],\n    \"redirects\": ["
	n = 50000
	for (i = 1; i <= n; i++) {
		q = i % 3 == 0 ? "ignore" : (i % 3 == 1 ? "exact" : "pass")
		re = i % 10000 == 0
		printf "        {\n            \"id\": %d,\n", i
		if (re)
			printf "            \"url\": \"^/re%d/(.*)$\",\n", i
		else
			printf "            \"url\": \"/old/%d\",\n", i
		printf "            \"match_data\": {\"source\": {\"flag_query\": \"%s\", \"flag_case\": %s, \"flag_trailing\": false, \"flag_regex\": %s}},\n", q, i % 2 ? "true" : "false", re ? "true" : "false"
		printf "            \"action_code\": %d,\n            \"action_type\": \"url\",\n", i % 5 == 0 ? 302 : 301
		printf "            \"action_data\": {\"url\": \"/new/%d%s\"},\n", i, re ? "/$1" : ""
		printf "            \"match_type\": \"url\",\n            \"regex\": %s,\n            \"group_id\": 1,\n            \"enabled\": true\n        }%s\n", re ? "true" : "false", i < n ? "," : ""
	}
	print "    ]\n}"
}' >"$T/bulk.json"
imp_run redirection "$T/bulk.ini" "$T/bulk.err" "$T/bulk.json"
imp_expect "bulk.json: exit status" "$IMP_RC" 0
imp_check "$T/bulk.ini"
imp_expect "bulk.json: entries" "$(grep -c '^/old/' "$T/bulk.ini")" 49995
imp_expect "bulk.json: regex rules" "$(grep -c '^regex = ' "$T/bulk.ini")" 5
imp_expect "bulk.json: at most 60 maps" "$(( $(grep -c '^\[map ' "$T/bulk.ini") <= 60 ))" 1
tab "$T/bulk.ini" <<'EOF'
# exact with flag_case (no other parameter); exact with 302; ignore; pass;
# a regex
/OLD/1	301	/new/1
/OLD/1?x=1	404	-
/old/25	302	/new/25
/old/49999?a=b	404	-
/old/49998?a=b	301	/new/49998
/old/49997?a=b	301	/new/49997?a=b
/re30000/x/y	302	/new/30000/x/y
EOF
awk 'BEGIN { print "source,target,regex,code,type,hits,title,status"
	for (i = 1; i <= 50000; i++)
		printf "\"/p/%d\",\"/q/%d\",0,301,\"url\",%d,\"Title, %d\",\"active\"\n", i, i, i % 7, i }' \
    >"$T/bulk.csv"
imp_run redirection "$T/bulkc.ini" "$T/bulkc.err" "$T/bulk.csv"
imp_expect "bulk.csv: exit status" "$IMP_RC" 0
imp_check "$T/bulkc.ini"
imp_expect "bulk.csv: one map" "$(grep -c '^\[map ' "$T/bulkc.ini")" 1
tab "$T/bulkc.ini" <<'EOF'
/p/31337	301	/q/31337
/p/50001	404	-
EOF

imp_summary import/redirection

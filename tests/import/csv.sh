#!/bin/bash
# tests/import/csv.sh: --import csv, Cloudflare Bulk Redirects lists and
# from,to[,status] spreadsheets.  The expected answers of the Cloudflare
# files come from Cloudflare's documentation (each table names its page).
. "$(dirname "$0")/lib.sh"
D=$IMP_TOP/tests/import/csv
T=$IMP_TMP

# The documentation's examples, each file with its table of answers.
for f in cf-format cf-rules excel; do
	imp_run csv "$T/$f.ini" "$T/$f.err" "$D/$f.csv"
	imp_expect "$f: exit status" "$IMP_RC" 0
	imp_expect "$f: nothing reported" "$(cat "$T/$f.err")" ""
	imp_check "$T/$f.ini"
	imp_table "$T/$f.ini" "$D/$f.tsv"
done

# The exact rows of a list are [map] sections, its subpath rows rules in
# Cloudflare's order: the longest path first, whatever the list's order.
imp_expect "cf-rules: maps" "$(grep -c '^\[map ' "$T/cf-rules.ini")" 9
imp_expect "cf-rules: /folder/subfolder before /folder" \
    "$(grep -E '^prefix = /folder' "$T/cf-rules.ini" | tr '\n' ' ')" \
    "prefix = /folder/subfolder prefix = /folder "
imp_expect "cf-rules: each rule names its line" \
    "$(grep -c '^; .*cf-rules.csv:[0-9]*$' "$T/cf-rules.ini")" 9

# Garbage: every line is reported with its number, and the exit status is 1.
n=$(wc -l <"$D/garbage.csv")
imp_run csv "$T/g.ini" "$T/g.err" "$D/garbage.csv"
imp_expect "garbage: exit status" "$IMP_RC" 1
imp_check "$T/g.ini"
missing=
for i in $(seq 1 "$n"); do
	grep -q "^$D/garbage.csv:$i: warning: not imported: " "$T/g.err" ||
	    missing="$missing $i"
done
imp_expect "garbage: lines not reported" "$missing" ""
imp_expect "garbage: nothing imported" "$(grep -c ' = ' "$T/g.ini")" 0

# Good rows among bad ones are imported; each row is judged on its own.
printf '%s\n' 'example.com/ok,https://example.net/ok' \
    'example.com/bad,https://example.net/,999' \
    '/old,/new,302' \
    'https://example.com/full,/full' >"$T/mixed.csv"
imp_run csv "$T/mixed.ini" "$T/mixed.err" "$T/mixed.csv"
imp_expect "mixed: exit status" "$IMP_RC" 1
imp_expect "mixed: the bad row" "$(cut -d: -f1-3 "$T/mixed.err")" \
    "$T/mixed.csv:2: warning"
imp_check "$T/mixed.ini"
imp_expect "mixed: a Cloudflare row" \
    "$(imp_answer "$T/mixed.ini" /ok example.com)" "301 https://example.net/ok"
imp_expect "mixed: a spreadsheet row" \
    "$(imp_answer "$T/mixed.ini" /old?x=1 any.example)" "302 /new"
# A full URL after a /path row is a spreadsheet's: either scheme.
imp_expect "mixed: a full URL after a /path row" \
    "$(imp_answer "$T/mixed.ini" /full example.com off)" "301 /full"

# A full URL in a comma file without a header is Cloudflare's: its scheme.
printf 'https://example.com/full,/full\n' >"$T/cf.csv"
imp_run csv "$T/cf.ini" "$T/cf.err" "$T/cf.csv"
imp_expect "scheme: https" "$(imp_answer "$T/cf.ini" /full example.com on)" \
    "301 /full"
imp_expect "scheme: not http" \
    "$(imp_answer "$T/cf.ini" /full example.com off)" "404 -"

# A Cloudflare list with a header row (which Cloudflare's page forbids):
# the header is skipped, its seven-field rows stay Cloudflare's.  A quoted
# URL may hold a comma ("CSV file format for Bulk Redirects").
printf '%s\n' 'Source URL,Target URL,Status,Preserve query string,Include subdomains,Subpath matching,Preserve path suffix' \
    '"example.com/a,b","https://example.net/x,y",307,TRUE,FALSE,TRUE,TRUE' >"$T/hdr.csv"
imp_run csv "$T/hdr.ini" "$T/hdr.err" "$T/hdr.csv"
imp_expect "header: exit status" "$IMP_RC" 0
imp_check "$T/hdr.ini"
imp_expect "header: a quoted comma, subpath" \
    "$(imp_answer "$T/hdr.ini" '/a,b/c?q=1' example.com)" \
    "307 https://example.net/x,y/c?q=1"

# Tab-separated with a header, from standard input.
printf 'source\ttarget\tcode\n/t\t/tab\t308\n' |
    "$IMP_BIN" --import csv >"$T/tab.ini" 2>"$T/tab.err"
imp_expect "tab: exit status" "$?" 0
imp_expect "tab: header not reported" "$(cat "$T/tab.err")" ""
imp_expect "tab: answer" "$(imp_answer "$T/tab.ini" /t)" "308 /tab"

# A ';' file is a spreadsheet's even when its first row is malformed
# (reported): a later host/path row may say 303, which Cloudflare refuses.
printf '"a"b;c\nexample.com/z;/w;303\n' >"$T/semibad.csv"
imp_run csv "$T/semibad.ini" "$T/semibad.err" "$T/semibad.csv"
imp_expect "semibad: only the first row reported" \
    "$(cut -d: -f2 "$T/semibad.err" | tr '\n' ' ')" "1 "
imp_expect "semibad: a spreadsheet's 303" \
    "$(imp_answer "$T/semibad.ini" /z example.com)" "303 /w"

# A missing file is exit status 2.
imp_run csv "$T/none.ini" "$T/none.err" "$T/does-not-exist.csv"
imp_expect "missing file: exit status" "$IMP_RC" 2

# More hosts than maps open at once: single-host maps are written in
# batches, the include_subdomains map stays after them all.
awk 'BEGIN { printf "example.com/x,https://e.net/sub,,,TRUE\n"
	for (i = 1; i <= 600; i++) printf "h%d.example.com/x,https://e.net/h%d\n", i, i }' >"$T/hosts.csv"
imp_run csv "$T/hosts.ini" "$T/hosts.err" "$T/hosts.csv"
imp_expect "hosts: exit status" "$IMP_RC" 0
imp_check "$T/hosts.ini"
imp_expect "hosts: noted" "$(grep -c 'warning: more than 256' "$T/hosts.err")" 1
imp_expect "hosts: a late exact host" \
    "$(imp_answer "$T/hosts.ini" /x h550.example.com)" "301 https://e.net/h550"
imp_expect "hosts: a subdomain" \
    "$(imp_answer "$T/hosts.ini" /x h9999.example.com)" "301 https://e.net/sub"

# Bulk: 100,000 rows, exact rows of two hosts and options and some
# subpath rows, as a few maps.
awk 'BEGIN {
	for (i = 1; i <= 100000; i++) {
		if (i % 1000 == 0)
			printf "example.com/dir%d,https://example.net/d%d/,,,,TRUE\n", i, i
		else if (i % 2)
			printf "example.com/p/%d.html,https://example.net/n/%d\n", i, i
		else
			printf "www.example.org/q/%d,https://example.net/q/%d,302,TRUE\n", i, i
	}
}' >"$T/bulk.csv"
imp_run csv "$T/bulk.ini" "$T/bulk.err" "$T/bulk.csv"
imp_expect "bulk: exit status" "$IMP_RC" 0
imp_expect "bulk: maps" "$(grep -c '^\[map ' "$T/bulk.ini")" 2
imp_check "$T/bulk.ini"
imp_expect "bulk: first" "$(imp_answer "$T/bulk.ini" /p/1.html example.com)" \
    "301 https://example.net/n/1"
imp_expect "bulk: last odd" \
    "$(imp_answer "$T/bulk.ini" /p/99999.html example.com)" \
    "301 https://example.net/n/99999"
imp_expect "bulk: query kept" \
    "$(imp_answer "$T/bulk.ini" '/q/50002?a=b' www.example.org)" \
    "302 https://example.net/q/50002?a=b"
imp_expect "bulk: subpath" \
    "$(imp_answer "$T/bulk.ini" /dir7000/x/y example.com)" \
    "301 https://example.net/d7000/x/y"
imp_expect "bulk: other host" \
    "$(imp_answer "$T/bulk.ini" /p/1.html www.example.org)" "404 -"

# --import takes no other option: any is a usage error (exit 2).
for opt in "-c x.ini" "-X POST" "--at 2026-01-01T00:00:00Z" "--check"; do
	# shellcheck disable=SC2086
	"$IMP_BIN" --import csv $opt "$T/bulk.csv" >/dev/null 2>&1
	imp_expect "--import with $opt" "$?" 2
done

imp_summary import/csv

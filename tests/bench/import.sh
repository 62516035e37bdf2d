#!/usr/bin/env bash
# tests/bench/import.sh BINARY [OUTDIR]: what --import costs on bulk sources.
#
# For each format, a generated source of BENCH_IMPORT_N lines (default
# 1,000,000; the Redirection plugin's JSON export a tenth of that, since a
# million entries are 370 MB of JSON, and Apache's .htaccess a tenth too, as
# it is held whole until its end: nginx's and Netlify's files, Cloudflare's
# and a spreadsheet's CSV, the plugin's CSV export) is imported with
# /usr/bin/time -v: wall time and peak resident memory; then the rule file
# it wrote is checked with --check, also timed.  The import must exit 0 and
# the check must accept the file.  Prints a Markdown table and writes it to
# OUTDIR/import.md (default build/bench).  Needs /usr/bin/time (Debian:
# time) and python3 (the generators).
set -u
export LC_ALL=C
bin=$(realpath "$1")
out=${2:-build/bench}
N=${BENCH_IMPORT_N:-1000000}
mkdir -p "$out"
dir=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-bench-import.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT

# gen FORMAT-KIND N FILE: a source of N redirects.
gen() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w", newline="") as f:
    w = f.write
    if kind == "nginx":
        w("map $uri $new {\n")
        for i in range(n):
            w("    /old/page-%d.html /new/page-%d;\n" % (i, i))
        w("}\nserver {\n    listen 80;\n    server_name example.org;\n"
          "    if ($new) { return 301 $new; }\n}\n")
    elif kind == "netlify":
        for i in range(n):
            w("/old/page-%d.html /new/page-%d\n" % (i, i))
    elif kind == "cloudflare":
        for i in range(n):
            w("example.org/old/page-%d.html,https://www.example.org/new/%d,301,"
              "FALSE,FALSE,FALSE,FALSE\n" % (i, i))
    elif kind == "excel":
        w("\ufeff\"Old URL\";\"New URL\";\"Status\"\r\n")
        for i in range(n):
            w("\"/old/page-%d.html\";\"/new/page-%d\";301\r\n" % (i, i))
    elif kind == "redirection-csv":
        w("source,target,regex,code,type,hits,title,status\n")
        for i in range(n):
            w("\"/old/page-%d.html\",\"/new/page-%d\",0,301,\"url\",0,\"\","
              "\"active\"\n" % (i, i))
    elif kind == "redirection-json":
        w('{"plugin":{"version":"5.4"},"groups":[{"id":1,"name":"Redirections",'
          '"enabled":true}],"redirects":[\n')
        for i in range(n):
            w(("," if i else "") + json.dumps({
                "id": i + 1, "url": "/old/page-%d.html" % i,
                "match_url": "/old/page-%d.html" % i,
                "match_data": {"source": {"flag_query": "ignore",
                    "flag_case": False, "flag_trailing": False,
                    "flag_regex": False}},
                "action_code": 301, "action_type": "url",
                "action_data": {"url": "/new/page-%d" % i},
                "match_type": "url", "title": "", "hits": 0, "regex": False,
                "group_id": 1, "position": i, "enabled": True}) + "\n")
        w("]}\n")
    elif kind == "apache":
        w("RewriteEngine On\n")
        for i in range(n):
            if i % 2:
                w("Redirect 301 /old/dir-%d https://www.example.org/new/%d\n"
                  % (i, i))
            else:
                w("RewriteRule ^old/page-%d\\.html$ /new/page-%d [R=301,L]\n"
                  % (i, i))
EOF
}

# seconds and kB of a /usr/bin/time -v report
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":");
	s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }

rc=0
table=$out/import.md
{
	echo "| format | source | lines | import (s) | peak (MB) | rule file (MB) | --check (s) |"
	echo "|---|---|---:|---:|---:|---:|---:|"
} >"$table"
while read -r fmt kind n name; do
	src=$dir/$name
	gen "$kind" "$n" "$src" || { echo "bench-import: FAIL generating $kind"; rc=1; continue; }
	/usr/bin/time -v "$bin" --import "$fmt" "$src" >"$dir/out.ini" \
	    2>"$dir/time" || { echo "bench-import: FAIL $kind: exit $? ($(grep -m1 warning "$dir/time"))"; rc=1; continue; }
	/usr/bin/time -v "$bin" --check -c "$dir/out.ini" >/dev/null \
	    2>"$dir/check" || { echo "bench-import: FAIL $kind: --check refuses it"; rc=1; continue; }
	printf '| %s | %s | %d | %s | %s | %s | %s |\n' "$fmt" "$kind" "$n" \
	    "$(wall "$dir/time")" "$(rss "$dir/time")" \
	    "$(awk -v b="$(stat -c %s "$dir/out.ini")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
	    "$(wall "$dir/check")" >>"$table"
	rm -f "$src" "$dir/out.ini"
done <<EOF
nginx nginx $N site.conf
netlify netlify $N _redirects
csv cloudflare $N list.csv
csv excel $N sheet.csv
redirection redirection-csv $N export.csv
redirection redirection-json $((N / 10)) export.json
apache apache $((N / 10)) .htaccess
EOF
cat "$table"
[ $rc -eq 0 ] && echo "bench-import: ok" || echo "bench-import: FAIL"
exit $rc

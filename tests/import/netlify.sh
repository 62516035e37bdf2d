#!/bin/bash
# tests/import/netlify.sh: --import netlify, a Netlify _redirects file.
#
# There is no Netlify here: each file of netlify/docs/ holds examples of
# Netlify's documentation, and its .tsv the answers that documentation
# gives (each says which section; "# exit:" is the import's exit status,
# "# skipped:" the lines reported not imported).  Then a realistic site's
# _redirects, a file of lines that must each be reported, and a bulk
# import of 100,000 lines.
. "$(dirname "$0")/lib.sh"
D=$IMP_TOP/tests/import/netlify

# The line numbers reported "not imported" for source $1 in stderr file $2.
skipped() {
	sed -n "s|^$1:\\([0-9]*\\): warning: not imported: .*|\\1|p" "$2" |
	    tr '\n' ' ' | sed 's/ $//'
}

# Import source $1 and judge it by its table $2.
judge() {
	local src=$1 table=$2 name
	name=$(basename "$src" .redirects)
	imp_run netlify "$IMP_TMP/$name.ini" "$IMP_TMP/$name.err" "$src"
	imp_expect "$name: exit status" "$IMP_RC" \
	    "$(sed -n 's/^# exit: *//p' "$table")"
	imp_expect "$name: lines reported" "$(skipped "$src" \
	    "$IMP_TMP/$name.err")" "$(sed -n 's/^# skipped: *//p' "$table")"
	imp_check "$IMP_TMP/$name.ini"
	imp_table "$IMP_TMP/$name.ini" "$table"
}

for src in "$D"/docs/*.redirects; do
	judge "$src" "${src%.redirects}.tsv"
done

# A realistic site, every kind of line mixed.
judge "$D/site.redirects" "$D/site.tsv"
imp_expect "site: each rule names its line" \
    "$(grep -c "^; $D/site.redirects:[0-9]*: " "$IMP_TMP/site.ini")" \
    "$(grep '^\[' "$IMP_TMP/site.ini" | grep -vc '^\[map ')"
imp_expect "site: each map entry names its line" \
    "$(grep -c "^/.*  ; $D/site.redirects:[0-9]*\$" "$IMP_TMP/site.ini")" 16
imp_expect "site: the shadowing note, once" \
    "$(grep -c "without '!' is shadowed" "$IMP_TMP/site.err")" 1

# Interleaved: /a/* goes before the waiting map (it cannot match its
# paths), /c/:p and /d/:p after the entries that they could match.
judge "$D/interleave.redirects" "$D/interleave.tsv"
imp_expect "interleave: sections" "$(grep '^\[' "$IMP_TMP/interleave.ini" |
    sed 's/-[0-9]*\]$/]/' | tr '\n' ' ')" \
    "[interleave.redirects] [map interleave.redirects] [interleave.redirects] [map interleave.redirects] [interleave.redirects] "

# Garbage: every line reported, with its number.
G=$IMP_TMP/garbage
cp "$D/garbage.redirects" "$G"
printf '/nul\000byte /x\n' >>"$G"
awk 'BEGIN { s = "/"; while (length(s) < 70000) s = s "a"; print s " /b" }' \
    >>"$G"
printf '/no-newline-at-the-end\n' >>"$G"
imp_run netlify "$IMP_TMP/garbage.ini" "$IMP_TMP/garbage.err" "$G"
imp_expect "garbage: exit status" "$IMP_RC" 1
n=$(wc -l <"$G")
want=$(seq 1 "$n" | tr '\n' ' ' | sed 's/ $//')
imp_expect "garbage: every line reported" "$(skipped "$G" \
    "$IMP_TMP/garbage.err")" "$want"
imp_expect "garbage: no rule written" "$(grep -c '^\[' "$IMP_TMP/garbage.ini")" 0

# A missing file: exit 2.
imp_run netlify "$IMP_TMP/none.ini" "$IMP_TMP/none.err" "$IMP_TMP/none"
imp_expect "missing file: exit status" "$IMP_RC" 2

# Bulk: 100,000 lines, exact paths with a splat rule and a 302 run among
# them: a few [map] sections, never a section a line (the splat rule
# cannot match the paths of the entries before it: it splits no map).
B=$IMP_TMP/bulk
awk 'BEGIN {
	print "# bulk"
	for (i = 1; i <= 100000; i++) {
		if (i == 50000)
			print "/section/* /area/:splat 301"
		else if (i >= 70000 && i < 70010)
			printf "/tmp/page-%d /temp/%d 302\n", i, i
		else
			printf "/old/page-%d   /new/page-%d\n", i, i
	}
}' >"$B"
imp_run netlify "$IMP_TMP/bulk.ini" "$IMP_TMP/bulk.err" "$B"
imp_expect "bulk: exit status" "$IMP_RC" 0
imp_expect "bulk: sections" "$(grep -c '^\[' "$IMP_TMP/bulk.ini")" 4
imp_check "$IMP_TMP/bulk.ini"
printf '%s\t%s\t%s\n' /old/page-1 301 /new/page-1 /old/page-99999/ 301 \
    /new/page-99999 /old/page-50000 404 - /section/a/b 301 /area/a/b \
    /tmp/page-70003 302 /temp/70003 '/old/page-42?x=1' 301 \
    '/new/page-42?x=1' >"$IMP_TMP/bulk.tsv"
imp_table "$IMP_TMP/bulk.ini" "$IMP_TMP/bulk.tsv"

imp_summary import/netlify

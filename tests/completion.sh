#!/usr/bin/env bash
# tests/completion.sh BINARY: the bash completion,
# etc/bash-completion/fcgi-redirect.
#
#   tests/completion.sh build/fcgi-redirect
#
# Sources it in a bash without start-up files and runs its function on the
# command lines of the table below, as bash would (COMP_WORDS split at
# COMP_WORDBREAKS, so "--config=x" is three words); the replies, sorted,
# must be the row's.  Then the options offered for "--" and "-" must be
# exactly those of `BINARY --help`.  When bash-completion's own script is
# installed, the table runs a second time with it loaded (then _filedir
# completes file names; BASH_COMPLETION_SCRIPT names another copy of it).
# The bash-completion package is not needed.
#
# One line per failed check, then "completion: N passed, N failed".
set -u
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: tests/completion.sh BINARY" >&2
	exit 2
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 2
script=etc/bash-completion/fcgi-redirect
bashcomp=${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'completion: FAIL %s\n' "$*"; }

# complete_words [--with-bash-completion] WORD...: the sorted replies, one
# a line, of completing the last WORD (COMP_CWORD) of fcgi-redirect WORD...
complete_words() {
	local pre=:
	if [ "$1" = --with-bash-completion ]; then
		pre=". $bashcomp"
		shift
	fi
	bash --norc --noprofile -c "$pre"'
	    . "$0" || exit 1
	    COMP_WORDS=(fcgi-redirect "$@")
	    COMP_CWORD=$#
	    COMP_LINE="${COMP_WORDS[*]}"
	    COMP_POINT=${#COMP_LINE}
	    _fcgi_redirect fcgi-redirect "${COMP_WORDS[COMP_CWORD]}" \
	        "${COMP_WORDS[COMP_CWORD - 1]}"
	    for w in "${COMPREPLY[@]}"; do
	    	printf "%s\n" "$w"
	    done' "$script" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# The table: the words after "fcgi-redirect" | the replies, sorted.
rows=(
	'--wor|--workers'
	'--conf|--config'
	'--s|--settle --socket-mode --stats'
	'--stats --format |csv json prometheus text'
	'--stats --format = p|prometheus'
	'--stats --top |'
	'--stats --re|--reset'
	'--import |apache csv netlify nginx redirection'
	'--import n|netlify nginx'
	'--ex|--explain'
	'--he|--help'
	'--ve|--version'
	'--check --al|--allow'
	'-X P|PATCH POST PUT'
	'--method |DELETE GET HEAD OPTIONS PATCH POST PUT'
	'--method = H|HEAD'
	'--socket-mode 06|0600 0660 0666'
	'-c tests/rules/goo|tests/rules/good'
	'--config etc/lighttpd/fcgi-redirect-m|etc/lighttpd/fcgi-redirect-misses.conf'
	'--config = etc/lighttpd/fcgi-redirect-m|etc/lighttpd/fcgi-redirect-misses.conf'
	'--workers |'
	'--allow uid|'
	'--timeout |'
	'--explain http|'
	'--nonsense|'
)

run_table() {
	local how=$1 row words want got
	local -a argv
	for row in "${rows[@]}"; do
		words=${row%%|*}
		want=${row#*|}
		read -r -a argv <<<"$words"
		[[ $words == *' ' ]] && argv+=('')
		if [ "$how" = plain ]; then
			got=$(complete_words "${argv[@]}")
		else
			got=$(complete_words --with-bash-completion "${argv[@]}")
		fi
		if [ "$got" = "$want" ]; then
			pass
		else
			fail "($how) fcgi-redirect $words<TAB>: '$got', not '$want'"
		fi
	done
}

run_table plain
if [ -r "$bashcomp" ]; then
	run_table with-bash-completion
else
	echo "completion: (bash-completion is not installed: the table ran" \
	    "without its _filedir)"
fi

# The options offered are those of --help.
help=$("$bin" --help | grep -oE -- '(^|[] [,|(])--?[A-Za-z][a-z-]*' |
    sed 's/^[] [,|(]//' | sort -u | tr '\n' ' ' | sed 's/ $//')
offered=$(printf '%s %s' "$(complete_words --)" "$(complete_words -)" |
    tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ //; s/ $//')
if [ -n "$help" ] && [ "$help" = "$offered" ]; then
	pass
else
	fail "the options offered, '$offered', are not those of --help, '$help'"
fi

echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

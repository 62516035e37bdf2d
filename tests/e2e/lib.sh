# tests/e2e/lib.sh: shared by the end-to-end drivers (sourced, not run).
#
# Each driver starts one real server from Debian's packages on a free
# loopback port, as an unprivileged process with a configuration generated
# from the recipe in etc/, runs the checks of checks.sh against it and stops
# what it started.  Counters: E2E_PASS, E2E_FAIL, E2E_SKIP; e2e_summary
# prints the closing line "NAME: N passed, N failed, N skipped".

E2E_PASS=0 E2E_FAIL=0 E2E_SKIP=0
E2E_PIDS=()
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/proc.sh
. "$E2E_TOP/tests/proc.sh"	# free_port, server_user

e2e_pass() { E2E_PASS=$((E2E_PASS + 1)); }
e2e_fail() { E2E_FAIL=$((E2E_FAIL + 1)); printf 'FAIL: %s\n' "$*"; }
e2e_skip() { E2E_SKIP=$((E2E_SKIP + ${2:-1})); printf 'SKIPPED: %s\n' "$1"; }

# e2e_need CMD PACKAGE: 0 when CMD exists; otherwise a skip (a failure on CI).
e2e_need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		e2e_fail "$1 is missing (install $2)"
	else
		e2e_skip "$1 is missing (install $2)"
	fi
	return 1
}

# e2e_wait_http URL: wait up to 10 s for any HTTP answer.
e2e_wait_http() {
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# e2e_track PID: stop it (and its group) on exit.
e2e_track() { E2E_PIDS+=("$1"); }

e2e_stop_all() {
	local p
	for p in "${E2E_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${E2E_PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	E2E_PIDS=()
}

# A private work directory, removed on exit with everything started.
e2e_setup() {
	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-redirect-e2e.XXXXXX")
	chmod 755 "$E2E_DIR"
	trap 'e2e_stop_all; rm -rf "$E2E_DIR"' EXIT
	trap 'exit 130' INT TERM
}

# The user a server started as root serves as: www-data, else nobody;
# into E2E_USER and E2E_GROUP.
e2e_server_user() {
	E2E_USER=www-data
	id -u "$E2E_USER" >/dev/null 2>&1 || E2E_USER=nobody
	E2E_GROUP=$(id -gn "$E2E_USER")
}

e2e_summary() {
	printf '%s: %d passed, %d failed, %d skipped\n' "$1" "$E2E_PASS" \
	    "$E2E_FAIL" "$E2E_SKIP"
	[ "$E2E_FAIL" -eq 0 ]
}

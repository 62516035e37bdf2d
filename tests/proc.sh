# shellcheck shell=bash
# tests/proc.sh: processes, ports and users for the tests that start
# servers (tests/ops.sh, tests/load.sh, tests/e2e/, tests/bench/run.sh).
# Sourced, not run.  Processes are read from /proc, so no procps is
# needed.  PIDS is the caller's array of the processes it started, BIN the
# fcgi-redirect binary under test.

# The state letter of process $1 ("" when gone).
proc_state() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 0
	s=${s##*) }
	printf '%s' "${s%% *}"
}

# Whether $1 runs (a zombie has exited).
running() {
	local s
	s=$(proc_state "$1")
	[ -n "$s" ] && [ "$s" != Z ]
}

# The live children of process $1, one PID a line.
children() {
	local f s p state pp
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		s=${s##*) }
		read -r state pp _ <<<"$s"
		if [ "$pp" = "$1" ] && [ "$state" != Z ]; then
			p=${f#/proc/}
			echo "${p%/stat}"
		fi
	done
}

# forget PID: it has been reaped (its number may be reused): cleanup must
# not signal it.
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# stop_pids PID...: TERM, a bounded wait (5 s), KILL; each is reaped and
# forgotten.
stop_pids() {
	local p i
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		for i in $(seq 50); do
			running "$p" || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		forget "$p"
	done
}

# stop_started: stop every process in PIDS, then the children (standalone
# workers, a server's FastCGI processes) a parent left behind, if they
# still run BIN (a PID may be reused).
stop_started() {
	local p kids=()
	for p in "${PIDS[@]}"; do
		mapfile -t -O "${#kids[@]}" kids < <(children "$p")
	done
	stop_pids "${PIDS[@]}"
	for p in "${kids[@]}"; do
		running "$p" && grep -qaF -- "$BIN" "/proc/$p/cmdline" 2>/dev/null &&
		    kill -KILL "$p" 2>/dev/null
	done
}

# A TCP port nobody listens on, from the kernel's ephemeral range.
free_port() {
	python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Set run_user and run_group: who a server's workers and FastCGI processes
# run as.  A root master hands them to www-data (else nobody); otherwise
# everything runs as we do.
server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		run_user=www-data
		id "$run_user" >/dev/null 2>&1 || run_user=nobody
	else
		run_user=$(id -un)
	fi
	run_group=$(id -gn "$run_user")
}

# Shell functions shared by scripts/demo.sh and bench/run.sh: a work
# directory cleaned up on exit, process control by pid, free loopback
# ports, and configurations generated from lighttpd.conf.sample.  Source
# it after setting "prog" (the name that starts every message).  Linux
# only: ports are read from /proc/net.

: "${prog:?set prog before sourcing scripts/lib.sh}"

# Makes $work, a temporary directory whose name starts with $1.  When the
# script ends, stops the servers in $lighttpd_pid and $nats_pid and
# removes $work.
make_work_dir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
	nats_pid=
	lighttpd_pid=
	trap remove_work_dir EXIT
	# A reader that goes away (demo.sh | head) sends SIGPIPE, which would
	# end the script without the EXIT trap and leave the servers running.
	trap 'exit 130' INT TERM HUP PIPE
}

remove_work_dir() {
	stop_web
	stop_pid "$nats_pid"
	rm -rf "$work"
}

# Prints the pids of the processes whose parent is pid $1.  Sets the
# variables child_status, child_ppid, key, value and rest.
children_of() {
	for child_status in /proc/[0-9]*/status; do
		# (A process may end between the glob and the read: skip it.)
		child_ppid=
		{ while read -r key value rest; do
			if [ "$key" = "PPid:" ]; then
				child_ppid=$value
				break
			fi
		done <"$child_status"; } 2>/dev/null || continue
		if [ "$child_ppid" = "$1" ]; then
			child_status=${child_status#/proc/}
			echo "${child_status%/status}"
		fi
	done
}

# Stops lighttpd ($lighttpd_pid) and waits up to 10 s more for the
# handlers it started, because they finish their requests before they
# exit.  Sends SIGKILL to those still running after that.
stop_web() {
	[ -n "$lighttpd_pid" ] || return 0
	handlers=$(children_of "$lighttpd_pid")
	stop_pid "$lighttpd_pid"
	lighttpd_pid=
	tries=0
	for handler in $handlers; do
		while kill -0 "$handler" 2>/dev/null && [ "$tries" -lt 100 ]; do
			sleep 0.1
			tries=$((tries + 1))
		done
		# (The cmdline check guards against a pid that was reused.)
		if kill -0 "$handler" 2>/dev/null &&
		    grep -q fcgi "/proc/$handler/cmdline" 2>/dev/null; then
			echo "$prog: handler pid $handler still runs 10 s after" \
				"lighttpd stopped, sending SIGKILL" >&2
			kill -KILL "$handler" 2>/dev/null || true
		fi
	done
}

# Sends SIGTERM to pid $1, waits up to 10 s, then sends SIGKILL.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	tries=0
	while kill -0 "$1" 2>/dev/null && [ "$tries" -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "$prog: pid $1 ignored SIGTERM, sending SIGKILL" >&2
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

# Succeeds when something listens on TCP port $1 (IPv4 table, state 0A).
listening() {
	hex=$(printf '%04X' "$1")
	grep -Eq "^ *[0-9]+: [0-9A-F]{8}:$hex [0-9A-F]{8}:[0-9A-F]{4} 0A " \
		/proc/net/tcp
}

# Succeeds when port $1 appears in no IPv4 or IPv6 socket entry.
port_unused() {
	hex=$(printf '%04X' "$1")
	! grep -q ":$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Prints a port in 20000-59999 that no socket uses; another process may
# still take it before the server binds it.
free_port() {
	tries=0
	while [ "$tries" -lt 50 ]; do
		n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		port=$((20000 + n % 40000))
		if port_unused "$port"; then
			echo "$port"
			return 0
		fi
		tries=$((tries + 1))
	done
	echo "$prog: found no free port" >&2
	return 1
}

# Waits up to 15 s for "listening $2" while pid $1 runs; prints log $3,
# and the end of log $4 when given, if not.
wait_listening() {
	tries=0
	until listening "$2"; do
		if ! kill -0 "$1" 2>/dev/null || [ "$tries" -ge 150 ]; then
			echo "$prog: nothing listens on port $2; log $3:" >&2
			cat "$3" >&2
			if [ -n "${4:-}" ] && [ -s "$4" ]; then
				echo "$prog: log $4:" >&2
				tail -n 40 "$4" >&2
			fi
			return 1
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
}

# Prints sample $1 with each "var.NAME = ..." line replaced by the
# NAME=VALUE arguments that follow.  Fails when a NAME is on no line or on
# more than one, so a changed sample cannot be half applied.
sample_config() {
	sample_file=$1
	shift
	script=
	for setting in "$@"; do
		name=${setting%%=*}
		count=$(grep -c "^var\.$name *=" "$sample_file" || true)
		if [ "$count" -ne 1 ]; then
			echo "$prog: $sample_file has $count lines \"var.$name =\"," \
				"expected 1" >&2
			return 1
		fi
		script="$script
s|^var\.$name *=.*|var.$name = ${setting#*=}|"
	done
	sed "$script" "$sample_file"
}

#!/bin/sh
# Benchmarks the handlers behind lighttpd against an empty FastCGI
# responder under the same lighttpd settings ("make bench").
#
# Starts nats-server (JetStream, file storage) and lighttpd configured from
# lighttpd.conf.sample, on free 127.0.0.1 ports with their files in a
# temporary directory, and drives POSTs of Voter.VoterRegistered events
# to /voter/ with bench/pv_load (one event id per request).  Prints, for
# the suite and for the empty responder: req/s, p50/p99 latency, the 200
# responses against the messages the stream gained, CPU time per request
# of the handlers, lighttpd, nats-server and the whole machine, the share
# of the cores in use, and handler RSS; the same for bench/go_peer, a Go
# net/http server with nats.go that does the handlers' work without a web
# server in front (BENCH_PEER=no skips it).  Then bench/pv_pubprobe, the
# handlers' publish path alone (no HTTP) with as many events in flight as
# the suite's rows had in the handlers, against the empty responder's
# p50 and p99 at 32 connections.  Then the CPU time per request
# that 90% of the empty responder's req/s allows, the empty responder
# once more, closing connections as the handlers do (PV_BENCH_DETACH), and
# an estimate of the best share of its req/s any handler could reach.
# Then req/s at 1, 2, 4 and 8 voter.fcgi processes and at 200 B, 4 KiB
# and 60 KiB bodies.  Everything it started is stopped by process id on
# exit.  Exits 1 when a measurement failed, a response was not 200, or
# the stream did not gain one message per 200 response.
#
# Usage: bench/run.sh BUILD_DIR
#   BUILD_DIR has the *.fcgi and bench/pv_load, bench/empty_responder,
#   bench/pv_pubprobe, bench/go_peer.
# Environment (all optional):
#   BENCH_SECONDS        seconds of each main measurement (10)
#   BENCH_SWEEP_SECONDS  seconds of each other measurement (5)
#   BENCH_THREADS        PHOTOVOTE_THREADS for the handlers (the sample's)
#   BENCH_PROCS          max-procs of the /voter entry (the sample's)
# Whole numbers: seconds from 1 to 600, threads to 256, processes to 64.
#   BENCH_SCALING        "no" skips the scaling measurements
#   BENCH_PEER           "no" skips the Go peer
# Needs nats-server, lighttpd and curl in PATH, and Linux (/proc).

set -eu

if [ "$#" -ne 1 ] || [ ! -x "$1/voter.fcgi" ] || [ ! -x "$1/bench/pv_load" ]
then
	echo "usage: $0 BUILD_DIR (with voter.fcgi and bench/pv_load; run" \
		"\"make bench\")" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
sample="$source_dir/lighttpd.conf.sample"
load="$build/bench/pv_load"
seconds=${BENCH_SECONDS:-10}
sweep_seconds=${BENCH_SWEEP_SECONDS:-5}
threads=${BENCH_THREADS:-}
procs=${BENCH_PROCS:-}
tick=$(getconf CLK_TCK)

# Stops unless $2 is empty or a whole number from 1 to $3.
check_count() {
	case $2 in
	'') return 0 ;;
	*[!0-9]* | 0*) ;;
	?????*) ;;
	*) [ "$2" -le "$3" ] && return 0 ;;
	esac
	echo "bench: $1=\"$2\" is not a whole number from 1 to $3" >&2
	exit 2
}
# (pv_load runs at most 600 s, and PHOTOVOTE_THREADS allows at most 256.)
check_count BENCH_SECONDS "$seconds" 600
check_count BENCH_SWEEP_SECONDS "$sweep_seconds" 600
check_count BENCH_THREADS "$threads" 256
check_count BENCH_PROCS "$procs" 64

prog=bench
# shellcheck source=scripts/lib.sh
. "$source_dir/scripts/lib.sh"

make_work_dir pv-bench
peer_pid=
trap 'stop_peer; remove_work_dir' EXIT

# Prints the number of messages the broker stores (one stream in use).
stored_messages() {
	count=$(curl -sS --max-time 10 "http://127.0.0.1:$monitor_port/jsz" |
		sed -n 's/^ *"messages": *\([0-9]*\).*/\1/p' | head -n 1)
	if [ -z "$count" ]; then
		echo "bench: no message count from nats-server's monitoring" \
			"port $monitor_port (see $work/nats-server.log)" >&2
		return 1
	fi
	echo "$count"
}

# Prints utime+stime, in clock ticks, of the pids given.
cpu_ticks() {
	total=0
	for pid in "$@"; do
		# Fields after the ")" that ends the command name: 12 utime, 13 stime.
		t=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
		total=$((total + t))
	done
	echo "$total"
}

# Prints the busy and the total clock ticks of all cores (/proc/stat).
machine_ticks() {
	awk '$1 == "cpu" { total = 0; for (i = 2; i <= NF; i++) total += $i;
		print total - $5 - $6, total }' /proc/stat
}

# Prints the pids of lighttpd's children that listen on the /voter socket.
voter_pids() {
	for pid in $(children_of "$lighttpd_pid"); do
		inode=$(readlink "/proc/$pid/fd/0" 2>/dev/null |
			sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
		[ -n "$inode" ] || continue
		if awk -v i="$inode" '$7 == i && $8 ~ /\/voter\.sock-/ \
		    { found = 1 } END { exit !found }' /proc/net/unix; then
			echo "$pid"
		fi
	done
}

# Prints the largest VmRSS, in KiB, of the pids given.
max_rss_kib() {
	max=0
	for pid in "$@"; do
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
		[ "$rss" -gt "$max" ] && max=$rss
	done
	echo "$max"
}

# Writes lighttpd.conf for handlers in $1, with max-procs $2 for /voter
# ("" keeps the sample's) and PHOTOVOTE_THREADS $3 ("" keeps the sample's).
write_config() {
	dir="$work/web-$instance"
	mkdir -p "$dir/run" "$dir/log" "$dir/www"
	config=$(sample_config "$sample" \
		"bind_address=\"127.0.0.1\"" \
		"port=$http_port" \
		"server_user=\"\"" \
		"server_group=\"\"" \
		"handler_dir=\"$1\"" \
		"handler_wrapper=\"\"" \
		"run_dir=\"$dir/run\"" \
		"log_dir=\"$dir/log\"" \
		"document_root=\"$dir/www\"" \
		"error_dir=\"$source_dir/lighttpd-errors\"" \
		"nats_url=\"nats://127.0.0.1:$nats_port\"" \
		"streams=\"election\"") || return 1
	if [ -n "$3" ]; then
		config=$(printf '%s\n' "$config" | sed "s|\"PHOTOVOTE_THREADS\" => \"[0-9]*\"|\"PHOTOVOTE_THREADS\" => \"$3\"|")
	fi
	printf '%s\n' "$config" | awk -v procs="$2" '
		/^\t"\/voter" => / { in_voter = 1 }
		in_voter && procs != "" && /"max-procs" =>/ {
			sub(/=> [0-9]+/, "=> " procs); in_voter = 0 }
		{ print }' >"$dir/lighttpd.conf"
}

# Starts lighttpd with handlers from dir $1, max-procs $2, threads $3.
start_web() {
	stop_web
	instance=$((instance + 1))
	http_port=$(free_port)
	write_config "$1" "$2" "$3"
	lighttpd -D -f "$dir/lighttpd.conf" >"$dir/lighttpd.out" 2>&1 &
	lighttpd_pid=$!
	wait_listening "$lighttpd_pid" "$http_port" "$dir/lighttpd.out"
	# The handlers connect to the broker and bind the stream on first use.
	# With 1 s of warm-up the first row after a start measured up to 20%
	# fewer req/s than later rows.  3 s narrows that gap but leaves some.
	# (Failed requests of the warm-up show in the rows that follow.)
	"$load" "$http_port" 32 3 200 /voter/ >/dev/null || true
}

# Starts bench/go_peer on a free port in place of lighttpd.
start_peer() {
	stop_web
	http_port=$(free_port)
	"$build/bench/go_peer" -listen "127.0.0.1:$http_port" \
		-nats "nats://127.0.0.1:$nats_port" >"$work/go_peer.log" 2>&1 &
	peer_pid=$!
	wait_listening "$peer_pid" "$http_port" "$work/go_peer.log"
	"$load" "$http_port" 32 3 200 /voter/ >/dev/null || true
}

stop_peer() {
	stop_pid "$peer_pid"
	peer_pid=
}

# Prints the pids that serve the load: the Go peer, or the voter.fcgi
# processes of lighttpd.
target_pids() {
	if [ -n "$peer_pid" ]; then
		echo "$peer_pid"
		return 0
	fi
	pids=$(voter_pids)
	if [ -z "$pids" ]; then
		echo "bench: lighttpd (pid $lighttpd_pid) runs no voter.fcgi;" \
			"see $dir/log and $dir/lighttpd.out" >&2
		return 1
	fi
	echo "$pids"
}

# Stops the run when process $1 ($2, log in $3) has ended.
check_alive() {
	kill -0 "$1" 2>/dev/null && return 0
	echo "bench: $2 (pid $1) ended during the measurement; see $3" >&2
	exit 1
}

# Runs one measurement: $1 connections, $2 seconds, $3 body bytes.
# Sets rps, p50, p99 (ms), ok, other, errors, stored, handler_us,
# lighttpd_us, nats_us, all_us (CPU per request), busy and rss_mib.
# Stops the run when the load generator or a server fails.
measure() {
	requests='' ok='' other='' errors='' unanswered='' rps='' p50='' p99=''
	pids=$(target_pids) || exit 1
	before=$(stored_messages)
	h0=$(cpu_ticks $pids)
	l0=$(cpu_ticks $lighttpd_pid)
	n0=$(cpu_ticks "$nats_pid")
	m0=$(machine_ticks)
	load_status=0
	out=$("$load" "$http_port" "$1" "$2" "$3" /voter/) || load_status=$?
	m1=$(machine_ticks)
	check_alive "$nats_pid" nats-server "$work/nats-server.log"
	if [ -n "$peer_pid" ]; then
		check_alive "$peer_pid" go_peer "$work/go_peer.log"
	else
		check_alive "$lighttpd_pid" lighttpd "$dir/lighttpd.out"
		for pid in $pids; do
			check_alive "$pid" voter.fcgi "$dir/log"
		done
	fi
	h1=$(cpu_ticks $pids)
	l1=$(cpu_ticks $lighttpd_pid)
	n1=$(cpu_ticks "$nats_pid")
	after=$(stored_messages)
	stored=$((after - before))
	rss_mib=$(awk -v k="$(max_rss_kib $pids)" 'BEGIN { printf "%.1f", k / 1024 }')

	for pair in $out; do
		case $pair in
		requests=*) requests=${pair#*=} ;;
		ok=*) ok=${pair#*=} ;;
		other=*) other=${pair#*=} ;;
		errors=*) errors=${pair#*=} ;;
		unanswered=*) unanswered=${pair#*=} ;;
		rps=*) rps=${pair#*=} ;;
		p50_us=*) p50=${pair#*=} ;;
		p99_us=*) p99=${pair#*=} ;;
		esac
	done
	# pv_load exits 1 after failed requests, which the results count.
	if [ "$load_status" -gt 1 ] || [ -z "$p99" ] || [ -z "$unanswered" ]
	then
		echo "bench: pv_load failed (exit $load_status) at $1" \
			"connections" >&2
		exit 1
	fi
	[ "$requests" -gt 0 ] || requests=1
	per_request() {
		awk -v d="$1" -v n="$requests" -v t="$tick" \
			'BEGIN { printf "%.1f", d * 1000000 / t / n }'
	}
	handler_us=$(per_request $((h1 - h0)))
	lighttpd_us=$(per_request $((l1 - l0)))
	[ -z "$peer_pid" ] || lighttpd_us=-
	nats_us=$(per_request $((n1 - n0)))
	all_us=$(per_request $((${m1% *} - ${m0% *})))
	busy=$(awk -v b=$((${m1% *} - ${m0% *})) -v t=$((${m1#* } - ${m0#* })) \
		'BEGIN { printf "%.0f%%", (t > 0 ? 100 * b / t : 0) }')
	p50=$(awk -v u="$p50" 'BEGIN { printf "%.2f", u / 1000 }')
	p99=$(awk -v u="$p99" 'BEGIN { printf "%.2f", u / 1000 }')
	errors=$((errors + unanswered))
}

# Runs bench/pv_pubprobe, the publish path without HTTP, with $1 broker
# connections of $2 threads each for $3 seconds.  Sets probe_rate,
# probe_p50 and probe_p99 (ms); notes a failed publish (failed=1) and an
# acknowledged event the stream did not gain (mismatch=1).
measure_probe() {
	probe_rate='' probe_p50='' probe_p99='' probe_failed='' probe_acked=''
	before=$(stored_messages)
	probe_status=0
	out=$(NATS_URL="nats://127.0.0.1:$nats_port" \
		PHOTOVOTE_ENV_FILE=/dev/null PHOTOVOTE_STREAMS=election \
		"$build/bench/pv_pubprobe" "$1" "$2" "$3" \
		2>"$work/pv_pubprobe.log") || probe_status=$?
	after=$(stored_messages)
	for pair in $out; do
		case $pair in
		failed=*) probe_failed=${pair#*=} ;;
		rate=*) probe_rate=${pair#*=} ;;
		p50_us=*) probe_p50=${pair#*=} ;;
		p99_us=*) probe_p99=${pair#*=} ;;
		acknowledged=*) probe_acked=${pair#*=} ;;
		esac
	done
	if [ "$probe_status" -gt 1 ] || [ -z "$probe_acked" ]; then
		echo "bench: pv_pubprobe failed (exit $probe_status)" >&2
		cat "$work/pv_pubprobe.log" >&2
		exit 1
	fi
	[ "$probe_failed" -eq 0 ] || failed=1
	[ "$probe_acked" -eq $((after - before)) ] || mismatch=1
	probe_p50=$(awk -v u="$probe_p50" 'BEGIN { printf "%.2f", u / 1000 }')
	probe_p99=$(awk -v u="$probe_p99" 'BEGIN { printf "%.2f", u / 1000 }')
}

# Notes a response other than 200 or a failed request (failed=1), and a
# 200 response the stream did not gain (mismatch=1), of the last
# measurement.  stored is "-" for the empty responder.
check_results() {
	[ "$other" -eq 0 ] && [ "$errors" -eq 0 ] || failed=1
	[ "$stored" = - ] || [ "$ok" -eq "$stored" ] || mismatch=1
}

# Prints label $1 with the shares of req/s and the p99 ratios of two
# targets: $2/$3 req/s and $4/$5 p99 at 32 connections, $6/$7 and $8/$9
# at 128.
ratio_line() {
	awk -v l="$1" -v a="$2" -v b="$3" -v c="$4" -v d="$5" -v e="$6" \
		-v f="$7" -v g="$8" -v h="$9" 'BEGIN {
		printf "%s: 32 conns %.0f%% of req/s, p99 %.2fx; " \
		    "128 conns %.0f%% of req/s, p99 %.2fx\n",
		    l, 100 * a / b, c / d, 100 * e / f, g / h }'
}

# Prints a table row for target $1 at $2 connections.
row() {
	printf '%-6s %5s %8s %7s %7s %8s %8s %5s %6s %7s %7s %7s %7s %5s %7s\n' \
		"$1" "$2" "$rps" "$p50" "$p99" "$ok" "$stored" "$other" \
		"$errors" "$handler_us" "$lighttpd_us" "$nats_us" "$all_us" \
		"$busy" "$rss_mib"
}

for tool in nats-server lighttpd curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool not found; run \"make deps\" first" >&2
		exit 1
	fi
done
peer=${BENCH_PEER:-yes}
if [ "$peer" != no ] && [ ! -x "$build/bench/go_peer" ]; then
	echo "bench: $build/bench/go_peer not found; run \"make bench\"" \
		"or set BENCH_PEER=no" >&2
	exit 1
fi

instance=0
nats_port=$(free_port)
monitor_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -m "$monitor_port" \
	-sd "$work/jetstream" >"$work/nats-server.log" 2>&1 &
nats_pid=$!
wait_listening "$nats_pid" "$nats_port" "$work/nats-server.log"
wait_listening "$nats_pid" "$monitor_port" "$work/nats-server.log"

mkdir -p "$work/empty"
for name in ballot candidate competition election voter; do
	ln -s "$build/bench/empty_responder" "$work/empty/$name.fcgi"
done

echo "photovote-fcgi benchmark, one run, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' \
	/proc/cpuinfo | head -n 1), Linux $(uname -r); load average before:" \
	"$(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "versions: $(lighttpd -v 2>&1 | head -n 1 | cut -d ' ' -f 1)," \
	"nats-server $(nats-server --version | sed 's/.* v//')," \
	"nats.c $(pkg-config --modversion libnats 2>/dev/null || echo '?')," \
	"libfcgi $(dpkg-query -W -f '${Version}' libfcgi0ldbl 2>/dev/null ||
	echo '?')"
if [ "$peer" != no ]; then
	echo "Go peer: $(go version "$build/bench/go_peer" 2>/dev/null |
		sed 's/.*: //' || echo '?'), nats.go" \
		"$(dpkg-query -W -f '${Version}' \
		golang-github-nats-io-go-nats-dev 2>/dev/null || echo '?')"
fi
echo "settings: /voter max-procs ${procs:-as in sample}," \
	"PHOTOVOTE_THREADS ${threads:-as in sample}; 200 B" \
	"Voter.VoterRegistered bodies; ${seconds} s per row"
echo
echo "other: responses with a status other than 200; errors: connection" \
	"errors, unparsable and unanswered responses"
echo "CPU/req: CPU time per request in microseconds (handlers, lighttpd," \
	"nats-server, all processes of the machine); busy: share of the cores" \
	"in use; RSS: largest voter.fcgi process"
if [ "$peer" != no ]; then
	echo "gopeer: hnd and RSS are the Go peer's one process, and no" \
		"lighttpd runs"
fi
printf '%-6s %5s %8s %7s %7s %8s %8s %5s %6s %7s %7s %7s %7s %5s %7s\n' \
	target conns 'req/s' 'p50 ms' 'p99 ms' '200s' stored other errors \
	'hnd us' 'lig us' 'nats us' 'all us' busy 'RSS MiB'

cores=$(nproc)
failed=0
mismatch=0

start_web "$work/empty" "$procs" "$threads"
measure 32 "$seconds" 200
empty_rps32=$rps empty_p99_32=$p99 empty_all32=$all_us stored=-
empty_p50_32=$p50
check_results
row empty 32
measure 128 "$seconds" 200
empty_rps128=$rps empty_p99_128=$p99 empty_all128=$all_us stored=-
check_results
row empty 128

start_web "$build" "$procs" "$threads"
measure 32 "$seconds" 200
suite_rps32=$rps suite_p99_32=$p99 suite_all32=$all_us suite_nats32=$nats_us
check_results
row suite 32
measure 128 "$seconds" 200
suite_rps128=$rps suite_p99_128=$p99 suite_all128=$all_us
suite_nats128=$nats_us
check_results
row suite 128
policies=$(for pid in $(voter_pids); do
	chrt -p "$pid" | sed -n 's/.*current scheduling policy: //p'
done | sort -u | tr '\n' ' ')
policies=${policies% }
# The suite's publishes in flight: PHOTOVOTE_THREADS on each broker
# connection, one connection per voter.fcgi process.
probe_conns=$(voter_pids | wc -w)
probe_threads=$(sed -n 's/.*"PHOTOVOTE_THREADS" => "\([0-9]*\)".*/\1/p' \
	"$dir/lighttpd.conf" | head -n 1)

if [ "$peer" != no ]; then
	start_peer
	measure 32 "$seconds" 200
	peer_rps32=$rps peer_p99_32=$p99
	check_results
	row gopeer 32
	measure 128 "$seconds" 200
	peer_rps128=$rps peer_p99_128=$p99
	check_results
	row gopeer 128
	stop_peer
fi

# The publish path alone, under the suite's scheduling policy, with no
# web server running: how long a handler's request waits for the broker.
stop_web
measure_probe "$probe_conns" "$probe_threads" "$sweep_seconds"
probe_line="publish path alone (bench/pv_pubprobe, no HTTP, $probe_conns"
probe_line="$probe_line connection(s) x $probe_threads thread(s),"
probe_line="$probe_line ${sweep_seconds} s): $probe_rate events/s, p50"
probe_line="$probe_line $probe_p50 ms, p99 $probe_p99 ms; the empty"
probe_line="$probe_line responder's whole request at 32 conns: p50"
probe_line="$probe_line $empty_p50_32 ms, p99 $empty_p99_32 ms"

echo
echo "scheduling policy of the voter.fcgi processes: ${policies:-unknown}"
echo "$probe_line"
ratio_line suite/empty "$suite_rps32" "$empty_rps32" "$suite_p99_32" \
	"$empty_p99_32" "$suite_rps128" "$empty_rps128" "$suite_p99_128" \
	"$empty_p99_128"
if [ "$peer" != no ]; then
	ratio_line suite/gopeer "$suite_rps32" "$peer_rps32" "$suite_p99_32" \
		"$peer_p99_32" "$suite_rps128" "$peer_rps128" \
		"$suite_p99_128" "$peer_p99_128"
	ratio_line gopeer/empty "$peer_rps32" "$empty_rps32" "$peer_p99_32" \
		"$empty_p99_32" "$peer_rps128" "$empty_rps128" \
		"$peer_p99_128" "$empty_p99_128"
fi
# With the cores as busy as in the empty responder's run, 90% of its req/s
# leaves the suite 1/0.9 of the empty responder's CPU per request.
awk -v a="$empty_all32" -v b="$suite_all32" -v c="$suite_nats32" \
	-v d="$empty_all128" -v e="$suite_all128" -v f="$suite_nats128" \
	'BEGIN {
	printf "CPU budget for 90%% of the empty responder'"'"'s req/s: 32 " \
	    "conns %.1f us/req, used %.1f (nats-server %.1f); 128 conns " \
	    "%.1f us/req, used %.1f (nats-server %.1f)\n", a / 0.9, b, c,
	    d / 0.9, e, f }'

# The empty responder again, closing connections as the handlers do.
export PV_BENCH_DETACH=1
start_web "$work/empty" "$procs" "$threads"
unset PV_BENCH_DETACH
measure 32 "$sweep_seconds" 200
stored=-
check_results
detached_rps32=$rps detached_p99_32=$p99 detached_all32=$all_us
measure 128 "$sweep_seconds" 200
stored=-
check_results
awk -v a="$detached_rps32" -v b="$detached_p99_32" -v c="$rps" \
	-v d="$p99" -v e="$suite_rps32" -v f="$suite_rps128" \
	-v secs="$sweep_seconds" 'BEGIN {
	printf "empty responder closing without libfcgi'"'"'s wait (%s s " \
	    "each): 32 conns %d req/s, p99 %.2f ms; 128 conns %d req/s, " \
	    "p99 %.2f ms; suite at %.0f%% and %.0f%% of it\n", secs, a, b,
	    c, d, 100 * e / a, 100 * f / c }'
# An estimate of the best share of the empty responder's req/s that any
# handler could reach.  Such a handler costs what the empty responder
# costs when it closes like the handlers (lighttpd and the load generator
# included).  nats-server adds its CPU per event, and every core is in use.
# (The cost of lighttpd per request also changes with the load.)
awk -v a="$detached_all32" -v b="$suite_nats32" -v c="$empty_rps32" \
	-v d="$all_us" -v e="$suite_nats128" -v f="$empty_rps128" \
	-v n="$cores" 'BEGIN {
	printf "ceiling estimate (CPU per request of the empty responder " \
	    "closing like the handlers, plus nats-server, all cores in use): " \
	    "32 conns %.0f%%, 128 conns %.0f%% of the empty responder'"'"'s " \
	    "req/s\n", 100 * n * 1000000 / (a + b) / c,
	    100 * n * 1000000 / (d + e) / f }'

if [ "${BENCH_SCALING:-yes}" != no ]; then
	line="scaling (32 conns, ${sweep_seconds} s each), req/s:"
	for n in 1 2 4 8; do
		start_web "$build" "$n" "$threads"
		measure 32 "$sweep_seconds" 200
		check_results
		line="$line procs $n: $rps ($ok/$stored),"
	done
	start_web "$build" "$procs" "$threads"
	for size in 200 4096 61440; do
		measure 32 "$sweep_seconds" "$size"
		check_results
		line="$line body $size B: $rps ($ok/$stored),"
	done
	echo "${line%,}"
	echo "(x/y: 200 responses/messages stored)"
fi

if [ "$failed" -eq 0 ]; then
	echo "responses: every request got 200"
else
	echo "responses: FAILED: some requests got another status or none" \
		"(see the other and errors columns)"
fi
if [ "$mismatch" -eq 0 ]; then
	echo "stored: every 200 response is one stored message"
else
	echo "stored: MISMATCH between 200 responses and stored messages"
fi
echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
[ "$failed" -eq 0 ] && [ "$mismatch" -eq 0 ]

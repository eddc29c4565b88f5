#!/bin/sh
# Runs photovote-fcgi locally: a nats-server with JetStream and lighttpd
# configured from lighttpd.conf.sample, both on free 127.0.0.1 ports with
# their files in a temporary directory.  Sends one valid event to each of
# the 19 routes, prints each status and body, then prints what the stream
# stored.  Everything it started is stopped, by process id, on exit.  It
# exits 1, after the handlers' log, when a request did not get 200.
#
# Usage: scripts/demo.sh [BUILD_DIR]
#   BUILD_DIR contains ballot.fcgi ... voter.fcgi and pv-stream-dump ("make").
#   Without it, the script installs the missing Debian packages, runs make,
#   and uses ./build.
# Needs nats-server, lighttpd and curl in PATH, and Linux (/proc/net/tcp).

set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
if [ "$#" -eq 0 ]; then
	sh "$source_dir/scripts/deps.sh"
	make -C "$source_dir" -j2 all >/dev/null
	set -- "$source_dir/build"
fi
if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 [BUILD_DIR] (the directory with the *.fcgi, from make)" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
sample="$source_dir/lighttpd.conf.sample"
prog=demo
# shellcheck source=scripts/lib.sh
. "$source_dir/scripts/lib.sh"
stream=election
election=01HV6Z3R8Y5A0B9C7D2E4F6G8H

make_work_dir pv-demo

# Writes the configuration: the sample with its site settings replaced.
write_config() {
	mkdir -p "$work/run" "$work/log" "$work/www"
	sample_config "$sample" \
		"bind_address=\"127.0.0.1\"" \
		"port=$http_port" \
		"server_user=\"\"" \
		"server_group=\"\"" \
		"handler_dir=\"$build\"" \
		"handler_wrapper=\"\"" \
		"run_dir=\"$work/run\"" \
		"log_dir=\"$work/log\"" \
		"document_root=\"$work/www\"" \
		"error_dir=\"$source_dir/lighttpd-errors\"" \
		"nats_url=\"nats://127.0.0.1:$nats_port\"" \
		"streams=\"$stream\"" >"$work/lighttpd.conf"
}

# Sends one event: $1 method, $2 path, $3 JSON body.  Counts non-200s.
failed=0
send() {
	: >"$work/response"
	status=$(curl -sS -o "$work/response" -w '%{http_code}' -X "$1" \
		-H 'Content-Type: application/json' --data-binary "$3" \
		"http://127.0.0.1:$http_port$2") || status=000
	printf '%-6s %-34s %s %s\n' "$1" "$2" "$status" "$(cat "$work/response")"
	[ "$status" = 200 ] || failed=$((failed + 1))
}

# The handlers take only the sample's settings: not the caller's, and
# not a .env file in BUILD_DIR, which is their working directory.
for name in $(env | sed -n 's/^\(PHOTOVOTE_[A-Za-z0-9_]*\)=.*/\1/p
	s/^\(NATS_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(MEMPHIS_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$name"
done
: >"$work/demo.env"
chmod 600 "$work/demo.env"
export PHOTOVOTE_ENV_FILE="$work/demo.env"

nats_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/jetstream" \
	>"$work/nats-server.log" 2>&1 &
nats_pid=$!
wait_listening "$nats_pid" "$nats_port" "$work/nats-server.log"
echo "nats-server (pid $nats_pid) on nats://127.0.0.1:$nats_port"

http_port=$(free_port)
write_config
lighttpd -D -f "$work/lighttpd.conf" >"$work/lighttpd.out" 2>&1 &
lighttpd_pid=$!
wait_listening "$lighttpd_pid" "$http_port" "$work/lighttpd.out" \
    "$work/log/handlers.log"
echo "lighttpd (pid $lighttpd_pid) on http://127.0.0.1:$http_port"
echo

e=$election
u=6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e
send POST /ballot/ "{\"id\":\"${u}01\",\"election_id\":\"$e\",\"ballot_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6BA7\",\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\"}"
send PUT /ballot/candidate-rated "{\"id\":\"${u}02\",\"ballot_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6BA7\",\"election_id\":\"$e\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"rating\":5}"
send POST /ballot/cast "{\"id\":\"${u}03\",\"ballot_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6BA7\",\"election_id\":\"$e\"}"
send POST /candidate/ "{\"id\":\"${u}04\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"name\":\"Harbour\",\"image_url\":\"https://photos.example.org/harbour.jpg\",\"image_caption\":\"Harbour at dawn\"}"
send DELETE /candidate/ "{\"id\":\"${u}05\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\"}"
send PUT /candidate/name-changed "{\"id\":\"${u}06\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"name\":\"Harbour at Dawn\"}"
send PUT /candidate/description-changed "{\"id\":\"${u}07\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"description\":\"Shot on film.\"}"
send PUT /candidate/image-changed "{\"id\":\"${u}08\",\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CND\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"url\":\"https://photos.example.org/harbour-2.jpg\"}"
send POST /competition/ "{\"id\":\"${u}09\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"name\":\"Landscapes\"}"
send DELETE /competition/ "{\"id\":\"${u}10\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\"}"
send PUT /competition/name-changed "{\"id\":\"${u}11\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"name\":\"Seascapes\"}"
send PUT /competition/description-changed "{\"id\":\"${u}12\",\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6CMP\",\"election_id\":\"$e\",\"description\":\"Sea and coast\"}"
send POST /election/ "{\"id\":\"${u}13\",\"election_id\":\"$e\",\"name\":\"Photo Contest\",\"description\":\"Club photo contest\"}"
send DELETE /election/ "{\"id\":\"${u}14\",\"election_id\":\"$e\"}"
send PUT /election/name-changed "{\"id\":\"${u}15\",\"election_id\":\"$e\",\"name\":\"Photo Contest 2025\"}"
send PUT /election/description-changed "{\"id\":\"${u}16\",\"election_id\":\"$e\",\"description\":null}"
send PUT /election/opened "{\"id\":\"${u}17\",\"election_id\":\"$e\",\"open_date\":\"2025-05-01T09:00:00Z\"}"
send PUT /election/closed "{\"id\":\"${u}18\",\"election_id\":\"$e\",\"close_date\":\"2025-05-31T18:00:00+02:00\"}"
send POST /voter/ "{\"id\":\"${u}19\",\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\",\"election_id\":\"$e\",\"name\":\"Zoë\",\"email\":\"zoe@example.org\"}"

echo
echo "Stream $stream:"
dump_status=0
"$build/pv-stream-dump" "nats://127.0.0.1:$nats_port" "$stream" ||
	dump_status=$?

if [ "$dump_status" -ne 0 ]; then
	echo "demo: pv-stream-dump failed (exit status $dump_status)"
fi
if [ "$failed" -gt 0 ] || [ "$dump_status" -ne 0 ]; then
	echo
	echo "demo: $failed of 19 requests did not get 200; the handlers' log:"
	tail -n 40 "$work/log/handlers.log"
	exit 1
fi

#!/bin/sh
# The test command: installs what is missing, builds, and runs the unit,
# integration and hosting tests (which start their own nats-server,
# lighttpd, Apache, nginx and spawn-fcgi on free loopback ports and stop
# them).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -j2 all
make check-unit check-integration check-hosting
make check-auth
# Broker, stream and handler faults under load, then a 3-node cluster.
make check-faults check-cluster
# The sanitizer and valgrind runs and a short fuzzing run (20 s per target).
make check-asan
make check-tsan
make check-valgrind
make check-fuzz FUZZ_CHECK_SECONDS=20
echo "check.sh: every test suite passed"

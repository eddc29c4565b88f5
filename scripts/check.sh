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

#!/bin/sh
# Installs the Debian packages that building, testing and the demo need,
# when any of them is missing; with the argument "bench", also those of the
# benchmark's Go peer.  Needs root (or sudo) only to install.
set -eu

packages="gcc make pkg-config libc6-dev libfcgi-dev libjson-c-dev \
libnats-dev uuid-dev libcriterion-dev nats-server lighttpd curl valgrind \
apache2 libapache2-mod-fcgid spawn-fcgi nginx"

# The auth tests make certificates with openssl and credentials with
# python3; the fuzz targets need clang and its libFuzzer runtime.
packages="$packages openssl python3 clang libclang-rt-14-dev"
if [ "${1:-}" = bench ]; then
	packages="$packages golang-go golang-github-nats-io-go-nats-dev"
fi

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

# apache2 and nginx would each start a system service on port 80 when
# installed, and the second would fail to bind and fail its install.  The
# tests start their own servers, so no service is started during this
# install (policy-rc.d exit 101), unless the system already has a policy.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap '$sudo rm -f "$policy"' EXIT
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 0755 "$policy"
fi

$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing

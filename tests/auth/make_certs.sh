#!/bin/sh
# Writes the TLS files of the auth tests into DIR with the openssl CLI:
#   ca.pem, ca.key              the CA that signs the others
#   server.pem, server.key      nats-server, for 127.0.0.1 and localhost
#   client.pem, client.key      the handler's client certificate
#   other-ca.pem, other-ca.key  a second CA that signed nothing here
# Keys are EC P-256 and mode 0600; certificates are valid for one day.
set -eu
dir=$1
cd "$dir"
umask 077

make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 1 -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
	    2>/dev/null
}

# make_leaf NAME CN EXTENSIONS: a key and a certificate signed by ca.
make_leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
	printf '%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

make_ca ca "photovote test CA"
make_ca other-ca "photovote other CA"
make_leaf server "127.0.0.1" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
make_leaf client "photovote-handler" "extendedKeyUsage=clientAuth"

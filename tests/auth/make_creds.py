#!/usr/bin/env python3
"""Writes NATS operator-mode credentials for the auth tests into DIR.

There is no nsc in Debian, so this makes the NKeys and JWTs itself:
ed25519 keys and signatures come from the openssl CLI, and the NKey
text encoding (a prefix byte, the key, a CRC-16/XMODEM in little-endian
order, all in unpadded base32) is done here.  The JWTs follow the NATS
v2 claim format (header alg "ed25519-nkey").

Files written:
  resolver.conf  operator, system_account, resolver MEMORY and preloaded
                 account JWTs, to include in a nats-server configuration
  user.creds     a user of the account APP (JetStream enabled)
  other.creds    a user signed by an account the server does not know
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

# NKey prefix bytes (github.com/nats-io/nkeys, prefix constants).
PREFIX_SEED = 18 << 3
PREFIX_OPERATOR = 14 << 3
PREFIX_ACCOUNT = 0
PREFIX_USER = 20 << 3


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def encode(prefix, key):
    raw = bytes(prefix) + key
    raw += crc16(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class KeyPair:
    """An ed25519 key held by openssl in a PEM file."""

    def __init__(self, workdir, prefix):
        fd, self.pem = tempfile.mkstemp(dir=workdir, suffix=".pem")
        os.close(fd)
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519",
                        "-out", self.pem], check=True)
        private = subprocess.run(["openssl", "pkey", "-in", self.pem,
                                  "-outform", "DER"], check=True,
                                 capture_output=True).stdout
        public = subprocess.run(["openssl", "pkey", "-in", self.pem,
                                 "-pubout", "-outform", "DER"], check=True,
                                capture_output=True).stdout
        # The raw keys are the last 32 bytes of the PKCS#8 / SPKI DER.
        self.public = encode([prefix], public[-32:])
        self.seed = encode([PREFIX_SEED | prefix >> 5, (prefix & 31) << 3],
                           private[-32:])

    def sign(self, data):
        # openssl 3.0 signs ed25519 in one shot and so needs a file.
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(self.pem)) as f:
            f.write(data)
            f.flush()
            return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey",
                                   self.pem, "-rawin", "-in", f.name],
                                  check=True, capture_output=True).stdout


def jwt(issuer, subject, name, nats):
    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name,
              "sub": subject.public, "nats": dict(nats, version=2),
              "jti": ""}
    digest = hashlib.sha256(json.dumps(claims).encode()).digest()
    claims["jti"] = base64.b32encode(digest).decode().rstrip("=")
    header = b64url(json.dumps({"typ": "JWT",
                                "alg": "ed25519-nkey"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    return f"{header}.{payload}.{b64url(issuer.sign(signing_input))}"


UNLIMITED = {"subs": -1, "data": -1, "payload": -1, "imports": -1,
             "exports": -1, "wildcards": True, "conn": -1, "leaf": -1}
JETSTREAM = {"mem_storage": -1, "disk_storage": -1, "streams": -1,
             "consumer": -1}


def account_jwt(operator, account, name, jetstream):
    limits = dict(UNLIMITED, **(JETSTREAM if jetstream else {}))
    return jwt(operator, account, name, {"type": "account",
                                         "limits": limits})


def creds_file(path, account, user, name):
    token = jwt(account, user, name, {"type": "user", "pub": {}, "sub": {},
                                      "subs": -1, "data": -1,
                                      "payload": -1})
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              "w") as f:
        f.write("-----BEGIN NATS USER JWT-----\n" + token +
                "\n------END NATS USER JWT------\n\n"
                "-----BEGIN USER NKEY SEED-----\n" + user.seed +
                "\n------END USER NKEY SEED------\n")


def main(outdir):
    with tempfile.TemporaryDirectory(dir=outdir) as keys:
        operator = KeyPair(keys, PREFIX_OPERATOR)
        system = KeyPair(keys, PREFIX_ACCOUNT)
        app = KeyPair(keys, PREFIX_ACCOUNT)
        unknown = KeyPair(keys, PREFIX_ACCOUNT)
        user = KeyPair(keys, PREFIX_USER)
        other = KeyPair(keys, PREFIX_USER)

        operator_jwt = jwt(operator, operator, "photovote-test",
                           {"type": "operator"})
        with open(os.path.join(outdir, "resolver.conf"), "w") as f:
            f.write(f"operator: {operator_jwt}\n"
                    f"system_account: {system.public}\n"
                    "resolver: MEMORY\n"
                    "resolver_preload: {\n"
                    f"  {system.public}: "
                    f"{account_jwt(operator, system, 'SYS', False)}\n"
                    f"  {app.public}: "
                    f"{account_jwt(operator, app, 'APP', True)}\n"
                    "}\n")
        creds_file(os.path.join(outdir, "user.creds"), app, user, "handler")
        creds_file(os.path.join(outdir, "other.creds"), unknown, other,
                   "stranger")


if __name__ == "__main__":
    main(sys.argv[1])

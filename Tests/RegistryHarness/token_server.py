#!/usr/bin/env python3
"""A minimal token server for the distribution registry's `auth.token` mode (loopback only).

Usage: token_server.py --key KEY.pem --cert CERT.pem --issuer ISS --service SVC
                       [--user NAME:PASSWORD ...] [--refresh-token TOKEN] [--anonymous-pull]
                       [--ttl SECONDS] [--claimed-expires-in SECONDS] [--port-file F] [--timeout S]

GET /token?service=…&scope=repository:NAME:pull[,push] with HTTP Basic credentials (or none
when --anonymous-pull allows it) returns {"token": JWT, "expires_in": N}. POST /token with a
form `grant_type=refresh_token&refresh_token=…` (Docker's identitytoken flow) returns
{"access_token": JWT}. The JWT is ES256-signed with KEY, carrying CERT in `x5c` so the registry
checks it against its `rootcertbundle`.

--ttl sets the real `exp` of the JWT; --claimed-expires-in is what the response tells the client
(default: the ttl). Claiming longer than the ttl simulates a token that expires server-side
while the client still thinks it is valid. GET /stats returns {"token_requests": N}.
"""
import argparse
import base64
import json
import os
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt  # PyJWT (installed with sigstore)
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ARGS = None
KEY = None
X5C = None
COUNT = {"token_requests": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def grant(self, subject, scopes, may_push):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            actions = [a for a in parts[-1].split(",") if a == "pull" or (a == "push" and may_push)]
            access.append({"type": "repository", "name": ":".join(parts[1:-1]), "actions": actions})
        now = int(time.time())
        claims = {
            "iss": ARGS.issuer, "sub": subject, "aud": ARGS.service, "exp": now + ARGS.ttl,
            "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access,
        }
        return jwt.encode(claims, KEY, algorithm="ES256", headers={"x5c": X5C})

    def authenticate(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except Exception:
            return False
        for entry in ARGS.user or []:
            u, _, p = entry.partition(":")
            if u == user and p == password:
                return user
        return False

    def do_GET(self):
        parsed = urllib.parse.urlparse(self.path)
        if parsed.path == "/stats":
            with LOCK:
                return self.reply(200, dict(COUNT))
        if parsed.path != "/token":
            return self.reply(404, {"error": "not found"})
        with LOCK:
            COUNT["token_requests"] += 1
        q = urllib.parse.parse_qs(parsed.query)
        if q.get("service", [""])[0] != ARGS.service:
            return self.reply(400, {"error": "unknown service"})
        user = self.authenticate()
        if user is False or (user is None and not ARGS.anonymous_pull):
            return self.reply(401, {"error": "bad credentials"}, {"WWW-Authenticate": 'Basic realm="token"'})
        token = self.grant(user or "", q.get("scope", []), may_push=user is not None)
        expires = ARGS.claimed_expires_in if ARGS.claimed_expires_in is not None else ARGS.ttl
        self.reply(200, {"token": token, "access_token": token, "expires_in": expires,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def do_POST(self):
        parsed = urllib.parse.urlparse(self.path)
        if parsed.path != "/token":
            return self.reply(404, {"error": "not found"})
        with LOCK:
            COUNT["token_requests"] += 1
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if (form.get("grant_type", [""])[0] != "refresh_token" or not ARGS.refresh_token
                or form.get("refresh_token", [""])[0] != ARGS.refresh_token):
            return self.reply(401, {"error": "invalid_grant"})
        token = self.grant("refresh-user", form.get("scope", []), may_push=True)
        expires = ARGS.claimed_expires_in if ARGS.claimed_expires_in is not None else ARGS.ttl
        self.reply(200, {"access_token": token, "expires_in": expires})


def main():
    global ARGS, KEY, X5C
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user", action="append")
    ap.add_argument("--refresh-token")
    ap.add_argument("--anonymous-pull", action="store_true")
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--claimed-expires-in", type=int)
    ap.add_argument("--port-file")
    ap.add_argument("--timeout", type=float, default=600)
    ARGS = ap.parse_args()
    KEY = open(ARGS.key, "rb").read()
    cert = x509.load_pem_x509_certificate(open(ARGS.cert, "rb").read())
    X5C = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    print(port, flush=True)
    threading.Timer(ARGS.timeout, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

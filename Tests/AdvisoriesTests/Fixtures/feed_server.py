#!/usr/bin/env python3
"""Loopback HTTP server for `db update` tests. Binds 127.0.0.1 on a free port, prints the
port on stdout, and exits by itself after --lifetime seconds.

usage: feed_server.py --root PREFIX=DIR [--root PREFIX=DIR ...] [--lifetime 120]

GET /PREFIX/rel/path serves DIR/rel/path with ETag and Last-Modified; If-None-Match /
If-Modified-Since answer 304. Fault injection by path prefix:
  /fault/truncate/...   announce the full Content-Length, send half the body, close
  /fault/500/...        always 500
  /fault/500once/...    500 on the first request for that path, then normal
  /fault/404/...        404
"""
import argparse, email.utils, hashlib, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    roots = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        fault = None
        if path.startswith("/fault/"):
            _, _, fault, rest = path.split("/", 3)
            path = "/" + rest
        if fault == "500" or fault == "404":
            return self.send_simple(int(fault))
        if fault == "500once":
            with lock:
                first = self.path not in seen
                seen.add(self.path)
            if first:
                return self.send_simple(500)
        parts = path.lstrip("/").split("/", 1)
        if len(parts) != 2 or parts[0] not in self.roots:
            return self.send_simple(404)
        from urllib.parse import unquote
        full = os.path.realpath(os.path.join(self.roots[parts[0]], unquote(parts[1])))
        if not full.startswith(os.path.realpath(self.roots[parts[0]])) or not os.path.isfile(full):
            return self.send_simple(404)
        body = open(full, "rb").read()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        mtime = email.utils.formatdate(os.path.getmtime(full), usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", mtime)
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def send_simple(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    # The parent may have spawned us with SIGTERM blocked; make sure it can stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", action="append", default=[])
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    Handler.roots = dict(r.split("=", 1) for r in a.root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Timer(a.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fault-injecting HTTP proxy in front of a test registry (loopback only).

Usage: fault_proxy.py --upstream http://127.0.0.1:PORT [--port-file F] [--timeout SECONDS]

Listens on 127.0.0.1 on a free port (written to --port-file and printed on stdout) and forwards
every request to the upstream registry. Faults are armed through control endpoints:

  POST /__fault?mode=M&count=N[&match=SUBSTRING][&retry_after=S][&delay=S]
      429        answer 429 with Retry-After (retry_after, default 1) instead of forwarding
      503        answer 503 (with Retry-After when retry_after is given)
      drop       forward, send about half the body, then close the connection
      reset      close the connection without answering
      slow       forward, send about half the body, stall `delay` seconds (default 5), close
      corrupt    forward with one body byte flipped (same length)
      baddigest  forward with a wrong Docker-Content-Digest header
      redirect   answer 307 to http://localhost:PROXYPORT/__cdn/ID (another origin, like a blob
                 CDN); that URL is served with the Authorization of the redirected request, as a
                 pre-signed URL would be, and records whether the client sent one itself
    Only requests whose path contains `match` (default: any /v2/ path) count against N.
  GET  /__stats   JSON: every forwarded request as {method, path, status, range, fault}
  POST /__reset   clears faults and stats

The process exits by itself after --timeout seconds (default 600) so a crashed test never
leaves it running.
"""
import argparse
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
FAULTS = []  # list of dicts: mode, count, match, retry_after, delay
STATS = []
CDN = {}  # id -> (path, authorization) for redirect mode
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def take_fault(path):
    with LOCK:
        for f in FAULTS:
            if f["count"] > 0 and f["match"] in path:
                f["count"] -= 1
                return dict(f)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def control(self):
        parsed = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(parsed.query))
        if parsed.path == "/__fault":
            f = {
                "mode": q.get("mode", "429"),
                "count": int(q.get("count", "1")),
                "match": q.get("match", "/v2/"),
                "retry_after": q.get("retry_after"),
                "delay": float(q.get("delay", "5")),
            }
            with LOCK:
                FAULTS.append(f)
            body = b"{}"
        elif parsed.path == "/__stats":
            with LOCK:
                body = json.dumps({"requests": STATS}).encode()
        elif parsed.path == "/__reset":
            with LOCK:
                FAULTS.clear()
                STATS.clear()
            body = b"{}"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, status, fault):
        with LOCK:
            STATS.append({
                "method": self.command, "path": self.path, "status": status,
                "range": self.headers.get("Range"), "fault": fault,
                "host": self.headers.get("Host"), "auth": self.headers.get("Authorization") is not None,
            })

    def handle_any(self):
        if self.path.startswith("/__"):
            return self.control()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream_path = self.path
        upstream_auth = self.headers.get("Authorization")
        if self.path.startswith("/cdn/"):
            with LOCK:
                entry = CDN.get(self.path[len("/cdn/"):])
            if entry is None:
                self.send_error(404)
                return
            upstream_path, upstream_auth = entry
            fault = None
        else:
            fault = take_fault(self.path)
        mode = fault["mode"] if fault else None
        if mode == "redirect":
            cdn_id = str(len(CDN) + 1) + "-" + str(int(time.time() * 1000))
            with LOCK:
                CDN[cdn_id] = (self.path, self.headers.get("Authorization"))
            port = self.server.server_address[1]
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d/cdn/%s" % (port, cdn_id))
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record(307, mode)
            return
        if mode == "reset":
            self.record(0, mode)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True
            return
        if mode in ("429", "503"):
            payload = json.dumps({"errors": [{"code": "TOOMANYREQUESTS" if mode == "429" else "UNAVAILABLE",
                                              "message": "injected by fault_proxy"}]}).encode()
            self.send_response(int(mode))
            if fault.get("retry_after") is not None:
                self.send_header("Retry-After", fault["retry_after"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.record(int(mode), mode)
            return
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "authorization"}
        if upstream_auth:
            headers["Authorization"] = upstream_auth
        conn.request(self.command, upstream_path, body=body, headers=headers)
        resp = conn.getresponse()
        self.record(resp.status, mode)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            kl = k.lower()
            if kl in HOP or kl == "content-length":
                continue
            if mode == "baddigest" and kl == "docker-content-digest":
                v = "sha256:" + "0" * 64
            self.send_header(k, v)
        if self.command == "HEAD":
            cl = resp.getheader("Content-Length")
            if cl is not None:
                self.send_header("Content-Length", cl)
            self.end_headers()
            conn.close()
            return
        # Stream the body through in 256 KiB pieces (a large layer must not be buffered: the
        # client's read timeout would fire while the proxy reads it).
        length = resp.getheader("Content-Length")
        if length is None:
            data = resp.read()
            length = len(data)
            chunks = iter([data])
        else:
            length = int(length)
            chunks = iter(lambda: resp.read(262144), b"")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        cut = length // 2 if mode in ("drop", "slow") and length > 1 else None
        flip = length // 2 if mode == "corrupt" and length > 0 else None
        sent = 0
        for chunk in chunks:
            if flip is not None and sent <= flip < sent + len(chunk):
                b = bytearray(chunk)
                b[flip - sent] ^= 0xFF
                chunk = bytes(b)
            if cut is not None and sent + len(chunk) >= cut:
                self.wfile.write(chunk[: cut - sent])
                self.wfile.flush()
                if mode == "slow":
                    time.sleep(fault["delay"])
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.close_connection = True
                conn.close()
                return
            self.wfile.write(chunk)
            sent += len(chunk)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    Handler.upstream = urllib.parse.urlparse(args.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    threading.Timer(args.timeout, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

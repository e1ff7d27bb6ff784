#!/usr/bin/python3
"""An HTTP API whose behaviour a test changes while it runs, and a steady
client for it (tests/e2e/test_alerts_more.sh). Standard library only.

  mode_api.py serve ADDR PORT MODEFILE
      GET /users/<id>, GET /items/<id>: answer after the delay and fail
      (500) the share of requests MODEFILE gives for "users" or "items":
      {"users": {"delay_ms": 5, "fail_pct": 0}, ...}, read at every
      request (every k-th request fails, k = 100 / fail_pct, so the share
      is exact). GET /bulk/<mb>: <mb> MiB of zeros.
  mode_api.py load HOST PORT PREFIX RATE THREADS
      GET PREFIX/<n> about RATE times a second in all over THREADS
      keep-alive connections, until killed.
"""
import http.client
import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNT = itertools.count()


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    modefile = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, data):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = [p for p in self.path.split("/") if p]
        if len(parts) == 2 and parts[0] == "bulk":
            n = min(int(parts[1]), 256) << 20
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"\0" * 65536
            for _ in range(n // len(chunk)):
                self.wfile.write(chunk)
            return
        if len(parts) != 2 or parts[0] not in ("users", "items"):
            self.reply(404, b'{"error":"not found"}')
            return
        try:
            with open(self.modefile, encoding="utf-8") as f:
                mode = json.load(f).get(parts[0], {})
        except (OSError, ValueError):
            mode = {}
        time.sleep(mode.get("delay_ms", 5) / 1000)
        pct = mode.get("fail_pct", 0)
        if pct and next(COUNT) % round(100 / pct) == 0:
            self.reply(500, b'{"error":"boom"}')
        else:
            self.reply(200, json.dumps({"id": parts[1]}).encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def load(host, port, prefix, rate, threads):
    gap = threads / rate

    def run(k):
        conn = None
        for n in itertools.count():
            t = time.time()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", "%s/%d" % (prefix, 1000 + (k * 7919 + n) % 500))
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                conn = None
            time.sleep(max(0.0, gap - (time.time() - t)))

    for k in range(threads):
        threading.Thread(target=run, args=(k,), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        Api.modefile = sys.argv[4]
        Server((sys.argv[2], int(sys.argv[3])), Api).serve_forever()
    else:
        load(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))

#!/usr/bin/env python3
"""A small HTTP/1.1 JSON API for rxray's demo and tests.

  demo_api.py ADDR PORT

GET /health, GET /users/<id>, POST /orders, GET /slow?ms=N (sleeps N ms,
at most 2000), GET /d0, /d20, /d100 (answer after 0, 20, 100 ms), GET /error
(500). Standard library only.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the demo shows rxray's view
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        if url.path == "/health":
            self.reply(200, {"status": "ok"})
        elif len(parts) == 2 and parts[0] == "users":
            self.reply(200, {"id": parts[1], "name": "user" + parts[1]})
        elif url.path == "/slow":
            ms = min(int(parse_qs(url.query).get("ms", ["50"])[0]), 2000)
            time.sleep(ms / 1000)
            self.reply(200, {"slept_ms": ms})
        elif url.path in ("/d0", "/d20", "/d100"):
            time.sleep(int(url.path[2:]) / 1000)
            self.reply(200, {"delay_ms": int(url.path[2:])})
        elif url.path == "/error":
            self.reply(500, {"error": "boom"})
        else:
            self.reply(404, {"error": "not found"})

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n) if n else b""
        if self.path == "/orders":
            self.reply(201, {"received": len(body)})
        else:
            self.reply(404, {"error": "not found"})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a load generator closing its connections mid-request (wrk at the
        # end of its run) is not an error of the API's
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    Server((sys.argv[1], int(sys.argv[2])), Api).serve_forever()

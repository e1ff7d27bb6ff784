#!/usr/bin/python3
"""A webhook receiver for Alertmanager in the tests: every POST's body, as
one JSON line {"t": receive time (epoch seconds), "body": ...}, appended to
FILE. Standard library only.

  webhook_sink.py ADDR PORT FILE
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

ADDR, PORT, FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Sink(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        t = time.time()
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {"unparsed": body.decode("utf-8", "replace")}
        with open(FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps({"t": t, "body": doc}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


HTTPServer((ADDR, PORT), Sink).serve_forever()

#!/usr/bin/env python3
"""Route cardinality: a capture of 1,000,000 requests with random paths
(and their responses) keeps the routes within the per-port budget, with
every request past it counted on the overflow route.

  test_http_routes.py BUILD
"""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import check, fails  # noqa: E402

N = int(os.environ.get("RXRAY_ROUTES_N", "1000000"))
BUDGET = 128  # RX_ROUTES_PER_SERVICE

rng = random.Random(7)
letters = "ghijklmnopqrstuvwxyz"  # never hex, never digits: every path its own route
resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "routes.pcap")
    with rxtest.Pcap(path) as pcap:
        cseq, sseq = 1000, 5000
        for i in range(N):
            req = b"GET /p/%s HTTP/1.1\r\nHost: h\r\n\r\n" % "".join(rng.choices(letters, k=10)).encode()
            cseq, sseq = rxtest.http_exchange(pcap, 80, cseq, sseq, req, resp)
    s = rxtest.stats_json(path, "--top", "5")

eps = s["endpoints"]
routes = {e["http.route"] for e in eps}
check("requests", s["http"]["requests"], N)
check("transactions counted", sum(e["count"] for e in eps), N)
check("distinct routes (budget + overflow)", len(routes), BUDGET + 1)
check("overflow route present", "{overflow}" in routes, True)
check("routes_overflow", s["lost"]["routes_overflow"], N - BUDGET)
check("overflow route count", next((e["count"] for e in eps if e["http.route"] == "{overflow}"), None), N - BUDGET)
rxtest.finish("routes: %d requests, %d routes, %d on the overflow route; %d checks failed"
              % (N, len(routes), s["lost"]["routes_overflow"], len(fails)))

#!/usr/bin/env python3
"""Route cardinality: a capture of 1,000,000 requests with random paths
(and their responses) keeps the routes within the per-port budget, with
every request past it counted on the overflow route.

  test_http_routes.py BUILD
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
N = int(os.environ.get("RXRAY_ROUTES_N", "1000000"))
BUDGET = 128  # RX_ROUTES_PER_SERVICE
fails = []


def check(what, got, want):
    if got != want:
        fails.append(f"{what}: got {got!r}, want {want!r}")


def frame(src, dst, sport, dport, seq, ack, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 20 + len(payload), 1, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    return eth + ip + tcp + payload


rng = random.Random(7)
letters = "ghijklmnopqrstuvwxyz"  # never hex, never digits: every path its own route
C, S = [192, 0, 2, 10], [198, 51, 100, 1]
resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "routes.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        cseq, sseq, t = 1000, 5000, 1700000000 * 1000000
        for i in range(N):
            req = b"GET /p/%s HTTP/1.1\r\nHost: h\r\n\r\n" % "".join(rng.choices(letters, k=10)).encode()
            for fr in (frame(C, S, 40000, 80, cseq, sseq, req), frame(S, C, 80, 40000, sseq, cseq + len(req), resp)):
                t += 10
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)))
                f.write(fr)
            cseq += len(req)
            sseq += len(resp)
    out = subprocess.run([os.path.join(BUILD, "rxray"), "stats", "-r", path, "--json", "--top", "5"],
                         capture_output=True, text=True, timeout=300)
    if out.returncode:
        print("rxray stats failed:", out.stderr)
        sys.exit(1)
    s = json.loads(out.stdout)

eps = s["endpoints"]
routes = {e["http.route"] for e in eps}
check("requests", s["http"]["requests"], N)
check("transactions counted", sum(e["count"] for e in eps), N)
check("distinct routes (budget + overflow)", len(routes), BUDGET + 1)
check("overflow route present", "{overflow}" in routes, True)
check("routes_overflow", s["lost"]["routes_overflow"], N - BUDGET)
check("overflow route count", next((e["count"] for e in eps if e["http.route"] == "{overflow}"), None), N - BUDGET)
for f in fails:
    print("FAIL", f)
print("routes: %d requests, %d routes, %d on the overflow route; %d checks failed"
      % (N, len(routes), s["lost"]["routes_overflow"], len(fails)))
sys.exit(1 if fails else 0)

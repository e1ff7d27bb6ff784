#!/usr/bin/env python3
"""Routes as their requests name them (issue 15, section 3), offline:
a '%XX' in a path stays as sent (not %25XX), with and without --route;
an absolute-form target ("GET http://host/path") is routed by its path
(one route for every host, its authority as server.address when there is
no Host); "OPTIONS *" gets the route "*", not "/*"; a route cut in the
stats table ends in "..."; requests -r on a capture that holds the
server's SYN-ACK and RST but no response says so, not "one direction".

  test_route_text.py BUILD
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, TCP, Raw, wrpcap  # noqa: E402
from rxtest import RXRAY, check, fails  # noqa: E402

E = rxtest.eth
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
LONG = "/" + "abcdefghij" * 5
# routes longer than the datapath keeps (RX_ROUTE_MAX, 64 bytes): cut, and marked
LONGER = "/" + "abcdefghij" * 8                      # 81 bytes: cut at 64
SEG_CUT = "/" + "g" * 60 + "/123456"                 # "/a{60}/{id}", 66 bytes: cut
SEG_FITS = "/" + "k" * 50 + "/" + "1" * 30           # digits past 64, but "{id}" fits: not cut
HUGE = "/x/" + "z" * 140                             # longer than the path kept (128)
DIGITS = "/" + "1" * 200                              # /{id}, cut: its path was longer than 128
DOTS = "/{id}..."                                     # a whole route that reads like that cut one


def capture(path, reqs, port=80):
    """Each request and its 200 on a connection of its own (handshake included)."""
    pkts, t = [], 1700000000.0
    for i, req in enumerate(reqs):
        cp = 30000 + i
        c2s = E() / IP(src=rxtest.C, dst=rxtest.S)
        s2c = E() / IP(src=rxtest.S, dst=rxtest.C)
        for p in (c2s / TCP(sport=cp, dport=port, flags="S", seq=99),
                  s2c / TCP(sport=port, dport=cp, flags="SA", seq=499, ack=100),
                  c2s / TCP(sport=cp, dport=port, flags="A", seq=100, ack=500),
                  c2s / TCP(sport=cp, dport=port, flags="PA", seq=100, ack=500) / Raw(req),
                  s2c / TCP(sport=port, dport=cp, flags="PA", seq=500, ack=100 + len(req)) / Raw(RESP)):
            t += 0.001
            p.time = t
            pkts.append(p)
    wrpcap(path, pkts)


def requests(path, *args):
    out = subprocess.run([RXRAY, "requests", "-r", path, "--json", *args], capture_output=True,
                         text=True, timeout=60)
    check(f"requests {args} exit", out.returncode, 0)
    return [json.loads(line) for line in out.stdout.splitlines()]


tmp = tempfile.mkdtemp()
f = os.path.join(tmp, "routes.pcap")
capture(f, [
    b"GET /files/a%20b HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET http://one.example/users/7 HTTP/1.1\r\n\r\n",
    b"GET http://two.example:8080/users/8?q=1 HTTP/1.1\r\nHost: two.example:8080\r\n\r\n",
    b"GET HTTP://User:pw@three.example HTTP/1.1\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + LONG.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + LONGER.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + SEG_CUT.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + SEG_FITS.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + HUGE.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + DIGITS.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + DOTS.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET " + DOTS.encode() + b" HTTP/1.1\r\nHost: h\r\n\r\n",
])
txns = requests(f)
got = [(t.get("url.path"), t.get("http.route"), t.get("server.address")) for t in txns[:6]]
check("routes, paths and server.address", got, [
    ("/files/a%20b", "/files/a%20b", "h"),
    ("/users/7", "/users/{id}", "one.example"),
    ("/users/8", "/users/{id}", "two.example"),
    ("/", "/", "three.example"),
    ("*", "*", "h"),
    (LONG, LONG, "h"),
])
# the datapath's cut is marked: the route's first 64 bytes, then "..."
check("route cut at 64 bytes ends in ...", [t.get("http.route") for t in txns[6:]], [
    LONGER[:64] + "...",
    ("/" + "g" * 60 + "/{id}")[:64] + "...",
    "/" + "k" * 50 + "/{id}",
    (HUGE[:64]) + "...",
    "/{id}...",
    "/{id}..\\x2E",
    "/{id}..\\x2E",
])
# two routes never print the same: stats keeps them apart, every status counted
eps = {e["http.route"]: e for e in rxtest.stats_json(f)["endpoints"]}
check("cut /{id}... and whole /{id}..\\x2E apart",
      [(eps[r]["count"], eps[r]["status"]) for r in ("/{id}...", "/{id}..\\x2E")],
      [(1, {"200": 1}), (2, {"200": 2})])
# --route names a path with a '%': its text as written
txns = requests(f, "--route", "/files/a%20b", "--route", "/users/{uid}")
check("--route texts", [t.get("http.route") for t in txns][:3],
      ["/files/a%20b", "/users/{uid}", "/users/{uid}"])

# stats: the endpoints table cuts the long route with a mark; JSON keeps it whole
out = subprocess.run([RXRAY, "stats", "-r", f], capture_output=True, text=True, timeout=60)
rows = [line for line in out.stdout.splitlines() if line.startswith("  80 ")]
check("stats: a cut route ends in ...", any(LONG[:29] + "... " in r for r in rows), True)
check("stats: no route printed cut without the mark", any(LONG[:32] in r for r in rows), False)
eps = rxtest.stats_json(f)["endpoints"]
check("stats --json: the route whole", LONG in [e["http.route"] for e in eps], True)
check("stats --json: one route for both hosts",
      sum(1 for e in eps if e["http.route"] == "/users/{id}"), 1)

# the server answered the handshake and reset the connection: not "one direction"
c2s = E() / IP(src=rxtest.C, dst=rxtest.S)
s2c = E() / IP(src=rxtest.S, dst=rxtest.C)
req = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"
pkts = [c2s / TCP(sport=31000, dport=80, flags="S", seq=99),
        s2c / TCP(sport=80, dport=31000, flags="SA", seq=499, ack=100),
        c2s / TCP(sport=31000, dport=80, flags="A", seq=100, ack=500),
        c2s / TCP(sport=31000, dport=80, flags="PA", seq=100, ack=500) / Raw(req),
        s2c / TCP(sport=80, dport=31000, flags="R", seq=500)]
for i, p in enumerate(pkts):
    p.time = 1700000000.0 + i * 0.001
rst = os.path.join(tmp, "rst.pcap")
wrpcap(rst, pkts)
out = subprocess.run([RXRAY, "requests", "-r", rst], capture_output=True, text=True, timeout=60)
check("SYN-ACK and RST: hint names the server's side", "server's side is there" in out.stderr, True)
check("SYN-ACK and RST: no 'both directions' hint", "need both directions" in out.stderr, False)
wrpcap(rst, pkts[0:1] + pkts[2:4])
out = subprocess.run([RXRAY, "requests", "-r", rst], capture_output=True, text=True, timeout=60)
check("client side only: the one-direction hint", "need both directions" in out.stderr, True)

rxtest.finish("route texts: %d checks failed" % len(fails))

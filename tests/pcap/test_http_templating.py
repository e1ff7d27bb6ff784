#!/usr/bin/env python3
"""Route templating in the datapath against a reference written from the
README's rules, on paths made to hit every edge: digits -> {id}; UUIDs
(36 bytes, '-' at 8/13/18/23, hex elsewhere, any case) -> {uuid}; hex of
16 or more -> {hex}; one byte off each rule; bytes >= 0x80 and controls;
long paths (a route keeps 64 bytes, url.path 128; a cut route ends in ...); path parameters
(dropped, tests/lib/httppath.py); and 2,000 random paths from a hostile
alphabet. Offline (native build) and, through BPF, the same
code: what this pins is the word-at-a-time walk in datapath/route.h and
http.h.

  test_http_templating.py BUILD
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from httppath import kept_path  # noqa: E402
import rxtest  # noqa: E402

rxtest.need_scapy()
from scapy.all import Ether, IP, TCP, Raw, wrpcap  # noqa: E402
from rxtest import RXRAY  # noqa: E402

HEX = b"0123456789abcdefABCDEF"


def classify(seg):
    if not seg:
        return seg
    if all(0x30 <= c <= 0x39 for c in seg):
        return b"{id}"
    if len(seg) == 36 and all((c == 0x2d) if i in (8, 13, 18, 23) else (c in HEX) for i, c in enumerate(seg)):
        return b"{uuid}"
    if len(seg) >= 16 and all(c in HEX for c in seg):
        return b"{hex}"
    return seg


def route_of(path, cut=False):
    """The reference: path (no query, at most 128 bytes; cut: it was longer)
    -> route text. A route longer than 64 bytes is cut there and, as a path
    that was cut, ends in "..."."""
    parts = path.split(b"/")  # every path here starts with '/'
    out = b"".join(b"/" + classify(p) for p in parts[1:])
    cut = cut or len(out) > 64
    out = out[:64] or b"/"
    return text(out if out[:1] == b"/" else b"/" + out) + ("..." if cut else "")


def text(b):
    """A route's text: printable ASCII but '\\' kept ('%' too), else \\xHH."""
    return "".join(chr(c) if 0x20 <= c < 0x7f and c != 0x5c else "\\x%02X" % c for c in b)


def path_text(b):
    """url.path: printable ASCII kept ('%' too: the path is percent-encoded already), else %XX."""
    return "".join(chr(c) if 0x20 <= c < 0x7f else "%%%02X" % c for c in b)


def paths():
    u = b"123e4567-e89b-12d3-a456-426614174000"
    yield from [
        b"/", b"/users/42", b"/users/42/", b"/users/4a2", b"/0", b"/users/" + b"9" * 40,
        b"/u/" + u, b"/u/" + u.upper(), b"/u/" + u[:-1], b"/u/" + u + b"0",
        b"/u/" + u.replace(b"-", b"x", 1), b"/u/" + u[:8] + b"0" + u[9:],
        b"/h/" + b"a" * 15, b"/h/" + b"a" * 16, b"/h/" + b"F" * 17, b"/h/" + b"0123456789abcdeg",
        b"/h/0123456789ABCDEF/x", b"/a-b_c.d~e/%20/x", b"/caf\xc3\xa9/12", b"/\x01\x7f/9",
        b"/:/;/@/9/8/7/6/5/4/3/2/1", b"/" + b"x" * 70, b"/" + b"1234567/" * 15,
        b"/a/" + b"b" * 58 + b"/123", b"/" + b"a" * 59 + b"/123", b"/" + b"a" * 60 + b"/" + u,
        b"//double//slash", b"/trailing/", b"/a/b/c/d/e/f/g/h/i/j",
        b"/a;jsessionid=0123/b/42;v=2", b"/;x/7", b"/p;" + b"s" * 200 + b"/12", b"/" + b"q" * 124 + b";z/9",
    ]
    rnd = random.Random(7)
    alphabet = b"/0123456789abcdefABCDEF-xyz%\x80\xff"
    for _ in range(2000):
        n = rnd.randint(1, 120)
        yield b"/" + bytes(rnd.choice(alphabet) for _ in range(n))


def main():
    tmp = tempfile.mkdtemp()
    pkts, want, cseq, sseq, t = [], [], 1000, 5000, 0.0
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    for i, p in enumerate(paths()):
        req = b"GET " + p + b" HTTP/1.1\r\nHost: t\r\n\r\n"
        sport = 20000 + i  # a connection per request
        port = 1000 + i // 100  # at most 100 routes per server port: within its budget
        for data, src, dst, sp, dp, seq, ack in ((req, "192.0.2.10", "198.51.100.1", sport, port, cseq, sseq),
                                                 (resp, "198.51.100.1", "192.0.2.10", port, sport, sseq, cseq + len(req))):
            t += 0.0001
            pk = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) /
                  TCP(sport=sp, dport=dp, flags="PA", seq=seq, ack=ack) / Raw(data))
            pk.time = 1700000000 + t
            pkts.append(pk)
        want.append((path_text(kept_path(p)), route_of(kept_path(p), len(kept_path(p, None)) > 128)))
    f = os.path.join(tmp, "t.pcap")
    wrpcap(f, pkts)
    out = subprocess.run([RXRAY, "requests", "-r", f, "--json"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        print(out.stderr)
        return 1
    got = [json.loads(line) for line in out.stdout.splitlines()]
    fails, seen = [], set()
    if any(g["http.route"] == "{overflow}" for g in got):
        fails.append("a route overflowed its port's budget")
    if len(got) != len(want):
        fails.append(f"{len(got)} transactions, {len(want)} sent")
    for g, (path, route) in zip(got, want):
        if g.get("url.path") != path and not (len(path) > 128 and path.startswith(g.get("url.path", "\0"))):
            fails.append(f"url.path {g.get('url.path')!r} != {path!r}")
        r = g["http.route"]
        seen.add(route)
        if r != route:
            fails.append(f"{path!r}: route {r!r}, reference {route!r}")
    for x in fails[:15]:
        print(x)
    print(f"{len(want)} paths: {len(want) - len(fails)} agree with the reference; {len(seen)} routes")
    return 1 if fails else 0


sys.exit(main())

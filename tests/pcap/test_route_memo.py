#!/usr/bin/env python3
"""The route memo (datapath/route.h) gives exactly what the route walk gives.

A capture of 12,000 requests: 100 words x 30 numeric ids = 3,000 distinct
raw paths (three times the memo's 1,024 slots per CPU, so slots are taken
over again and again), each sent twice in shuffled order, on two server
ports, plus paths that differ only in their last byte, past the first
8-byte word, and two paths longer than the 128 bytes kept that differ only
after them. Every request must count on its own route: /w/<word>/{id} on
its own port, 2 x 30 requests each; and a path memoized on one port still
finds the other port's route budget full.

  test_route_memo.py BUILD
"""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import check, fails  # noqa: E402

rng = random.Random(11)
letters = "ghijklmnopqrstuvwxyz"  # never hex, never digits: each word its own route
words = sorted({"".join(rng.choices(letters, k=rng.randint(3, 14))) for _ in range(120)})[:100]
reqs = [(port, "/w/%s/%d" % (w, 1000 + rng.randrange(10**6) * 30 + i))
        for port in (8080, 8081) for w in words for i in range(30)]
reqs = reqs * 2
rng.shuffle(reqs)
M64 = (1 << 64) - 1


def memo_slot(p, port, npat=0):
    """rx_route_memo_slot() of datapath/route.h, to build collisions on purpose."""
    x = 0xcbf29ce484222325 ^ (port << 16) ^ (npat << 40)
    b = p.encode()[:128]
    for i in range(0, len(b), 8):
        v = int.from_bytes(b[i:i + 8], "little")
        x = ((x ^ v) * 0x100000001b3) & M64
        x ^= x >> 29
    x ^= len(b)
    return ((x ^ (x >> 32)) & 0xffffffff) & 1023


def colliding(make, n=200000):
    """Two different paths from make(i) that share a memo slot on port 8080."""
    seen = {}
    for i in range(n):
        p = make(i)
        k = memo_slot(p, 8080)
        if k in seen:
            return seen[k], p
        seen[k] = p
    raise SystemExit("no collision found")


# the same slot: two paths alike in their first 9 bytes (past the first
# word), and one path whose slot is the same on both ports
a1, a2 = colliding(lambda i: "/abcdefgh%dX" % i if i % 2 else "/abcdefgh%dY" % (i - 1))
same_port = next("/sp%d" % i for i in range(100000)
                 if memo_slot("/sp%d" % i, 8080) == memo_slot("/sp%d" % i, 8081))
# port 8081's budget filled up (100 routes + 28), then a path memoized on
# 8080 must still find 8081 full: the overflow route, as the walk says
fill = ["/f/" + "".join(rng.choices(letters, k=12)) for _ in range(28)]
extra = [(8080, a1), (8080, a2), (8080, a1)] + [(8081, f) for f in fill] + [
         (8080, same_port), (8081, same_port), (8081, same_port),
         # long paths alike in their first 128 bytes
         (8080, "/long/" + "q" * 140 + "/a"), (8080, "/long/" + "q" * 140 + "/b")]
reqs += extra

resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "memo.pcap")
    with rxtest.Pcap(path) as pcap:
        seqs = {8080: [1000, 5000], 8081: [1000, 5000]}
        for port, p in reqs:
            req = b"GET %s HTTP/1.1\r\nHost: h\r\n\r\n" % p.encode()
            seqs[port] = rxtest.http_exchange(pcap, port, *seqs[port], req, resp)
    s = rxtest.stats_json(path, "--top", "1000")

eps = s["endpoints"]
got = {}
for e in eps:
    key = (e["server.port"], e["http.route"])
    got[key] = got.get(key, 0) + e["count"]
want = {(port, "/w/%s/{id}" % w): 60 for port in (8080, 8081) for w in words}
want[(8080, a1)] = 2
want[(8080, a2)] = 1
want[(8080, same_port)] = 1
want[(8081, "{overflow}")] = 2
want.update({(8081, f): 1 for f in fill})
want[(8080, "/long/" + "q" * 122)] = 2  # the walk keeps 128 path bytes; route 64: checked below
check("requests", s["http"]["requests"], len(reqs))
check("routes_overflow", s["lost"]["routes_overflow"], 2)
for k, v in want.items():
    if k[1].startswith("/long/"):
        continue
    check(f"count of {k}", got.get(k), v)
longs = [v for k, v in got.items() if k[1].startswith("/long/")]
check("the two long paths: one route, both requests", longs, [2])
check("no other route", sorted(set(got) - set(want)) if not longs else
      sorted(k for k in set(got) - set(want) if not k[1].startswith("/long/")), [])
rxtest.finish("route memo: %d requests, %d routes; %d checks failed" % (len(reqs), len(got), len(fails)), 20)

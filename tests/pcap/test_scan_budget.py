#!/usr/bin/env python3
"""The port-scan accounting's budget (datapath/scan.h, RX_SCAN_NEW_PER_S:
20,000 new targets a second per CPU; the native build is one CPU), over a
crafted capture in the capture's time. A flood of spoofed sources makes
every probe a new target; past the budget a probe is counted in
lost.scan_overflow instead of being tracked, and nothing is lost:

  1. 25,000 UDP probes from 198.51.100.30 to 25,000 ports of 192.0.2.1,
     all within one second of the capture's clock: 20,000 tracked, 5,000
     in scan_overflow;
  1a. still in that second, its budget spent: a probe of the last port
     tracked (its tag in the known-targets cache: nothing counted) and one
     of a port tracked earlier whose cache slot a later port took (not
     looked up while the budget is spent: one more in scan_overflow, and
     not counted twice);
  2. 100 probes of new ports two seconds later: a new second, all tracked;
  3. one probe of a port of the first second again (tracked then: a known
     target, nothing new, no overflow), one of a port that overflowed
     (a new target now: tracked);
  4. a last datagram at 40 s, so that the alert resolves and shows its
     final count.

Expected: the source's port_scan alert resolves with distinct_ports 20,101
(20,000 + 100 + 1), where without the budget it would be 25,100; and
scan_overflow counts the 5,000 probes past the budget plus, as before, every
tracked probe whose (source, port) record found the native table full
(RX_SCAN_SOURCES_MAX 4,096 records, one of them the (source, host) record),
and the uncached probe of 1a: 5,000 + 20,101 - 4,095 + 1 = 21,007.

  test_scan_budget.py BUILD
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import RXRAY, check  # noqa: E402

T0 = 1700000000
SRC, HOST = (198, 51, 100, 30), (192, 0, 2, 1)

def abi(name):
    """A #define of datapath/abi.h, as an integer."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datapath", "abi.h")
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[0] == "#define" and w[1] == name:
                return int(w[2].rstrip("uUlL"))
    raise SystemExit(f"{name} not in datapath/abi.h")


BUDGET = abi("RX_SCAN_NEW_PER_S")  # 20,000
RECORDS = abi("RX_SCAN_SOURCES_MAX")  # 4,096
SEEN = abi("RX_SCAN_SEEN")  # the known-targets cache's slots


def seen_slot(src, dst, port, proto):
    """A target's slot in the known-targets cache, as datapath/scan.h rx_scan_tag."""
    m = 0xffffffff
    k = (bytes(10) + b"\xff\xff" + bytes(src) + bytes(10) + b"\xff\xff" + bytes(dst) +
         struct.pack("<HB", port, proto) + bytes(1)) + bytes(4)
    x = 0x6a09e667f3bcc908
    for w in struct.unpack("<5Q", k):  # the words two at a time (the last alone)
        x = ((x ^ w) * 0x9e3779b97f4a7c15) & (2**64 - 1)
        h = x >> 32  # the product's high half, folded into its low half
        x ^= h
    h ^= h >> 16
    h = (h * 0x85ebca6b) & m
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & m
    return (h ^ (h >> 16)) & (SEEN - 1)


# a port tracked in the first second whose slot a later tracked port took
owner = {}
for port in range(1, BUDGET + 1):
    owner[seen_slot(SRC, HOST, port, 17)] = port
EVICTED = next(p for p in range(1, BUDGET + 1) if owner[seen_slot(SRC, HOST, p, 17)] != p)


def udp(src, dst, sport, dport):
    payload = b"x"
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, bytes(src),
                     bytes(dst))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + u


tmp = tempfile.mkdtemp(prefix="rxray-scanbudget.")
pcap = os.path.join(tmp, "budget.pcap")
frames = []
for i in range(25000):  # 1: within [T0, T0 + 0.5 s)
    frames.append((T0 * 10**6 + i * 20, udp(SRC, HOST, 40000, 1 + i)))
# 1a: the same second, its budget spent: the last port tracked (cached), one uncached
frames.append((T0 * 10**6 + 600000, udp(SRC, HOST, 40000, BUDGET)))
frames.append((T0 * 10**6 + 600020, udp(SRC, HOST, 40000, EVICTED)))
for i in range(100):  # 2: two seconds later
    frames.append(((T0 + 2) * 10**6 + i * 100, udp(SRC, HOST, 40000, 25001 + i)))
# 3: a port tracked in the first second (known), one that overflowed (new now)
frames.append(((T0 + 3) * 10**6, udp(SRC, HOST, 40000, 1)))
frames.append(((T0 + 3) * 10**6 + 100, udp(SRC, HOST, 40000, 24000)))
# 4: no probe (from a port below 1024), past the alert's hysteresis
frames.append(((T0 + 40) * 10**6, udp((192, 0, 2, 50), HOST, 53, 40000)))
with open(pcap, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t, fr in frames:
        f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(fr), len(fr)))
        f.write(fr)

st = rxtest.stats_json(pcap)
over = st["lost"]["scan_overflow"]
tracked = BUDGET + 100 + 1
check("scan_overflow: past the budget, port records past the native table, one uncached "
      f"known target (port {EVICTED})", over, (25000 - BUDGET) + (tracked - (RECORDS - 1)) + 1)

out = subprocess.run([RXRAY, "alerts", "-r", pcap, "--json"], capture_output=True, text=True,
                     timeout=300)
check("alerts: exit", out.returncode, 0)
alerts = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
mine = [a for a in alerts if a.get("alert") == "port_scan"
        and a.get("subject", {}).get("source") == "198.51.100.30"]
check("port_scan: firing, then resolved", [a["state"] for a in mine], ["firing", "resolved"])
if mine:
    n = mine[-1]["evidence"]["distinct_ports"]
    check("distinct ports tracked: the budget, the next second's 100, the overflowed one",
          n, tracked)
    check("first ports", mine[-1]["evidence"]["first_ports"], list(range(1, 9)))

# A clock that steps back and forth across a second (a merged capture): a
# step back within a second keeps the count, so the flips give no fresh
# budget: the first probe is T0's, the next BUDGET are T0 + 1's, the rest
# overflow (distinct ports BUDGET + 1, not all 25,000).
flip = os.path.join(tmp, "flip.pcap")
with open(flip, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(25000):
        t = T0 * 10**6 + (999999 if i % 2 == 0 else 1000000)
        fr = udp(SRC, HOST, 40000, 1 + i)
        f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(fr), len(fr)) + fr)
    t = (T0 + 40) * 10**6
    fr = udp((192, 0, 2, 50), HOST, 53, 40000)
    f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(fr), len(fr)) + fr)
out = subprocess.run([RXRAY, "alerts", "-r", flip, "--json"], capture_output=True, text=True,
                     timeout=300)
flips = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
flips = [a for a in flips if a.get("alert") == "port_scan"]
check("a clock flipping across a second: distinct ports",
      flips[-1]["evidence"]["distinct_ports"] if flips else None, BUDGET + 1)
os.unlink(flip)

os.unlink(pcap)
os.rmdir(tmp)
rxtest.finish(f"scan budget: {len(frames)} frames, overflow {over}, "
              f"{len(mine)} port_scan lines")

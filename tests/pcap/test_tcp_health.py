#!/usr/bin/env python3
"""TCP health from a two-way capture (rxray stats -r, native build): exact
handshakes with their SYN-ACK delay and handshake RTT, SYN retransmits,
data retransmissions, zero windows and RSTs by side, on a pcap whose
timing and events are known.

  test_tcp_health.py BUILD
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, IPv6, TCP, Raw, wrpcap  # noqa: E402
from rxtest import BUILD, fails, check  # noqa: E402

pkts = []
T0 = 1700000000.0

E = rxtest.eth


def at(t, p):
    p.time = T0 + t
    pkts.append(p)


def conn(t, cport, syn_delay, rtt, v6=False, syn_twice=False):
    """A handshake: SYN at t, SYN-ACK syn_delay later, ACK rtt after that."""
    if v6:
        c2s = E() / IPv6(src="2001:db8::10", dst="2001:db8::1")
        s2c = E() / IPv6(src="2001:db8::1", dst="2001:db8::10")
    else:
        c2s = E() / IP(src="192.0.2.10", dst="198.51.100.1")
        s2c = E() / IP(src="198.51.100.1", dst="192.0.2.10")
    at(t, c2s / TCP(sport=cport, dport=80, flags="S", seq=1000))
    if syn_twice:
        t += 1.0
        at(t, c2s / TCP(sport=cport, dport=80, flags="S", seq=1000))
    at(t + syn_delay, s2c / TCP(sport=80, dport=cport, flags="SA", seq=5000, ack=1001))
    at(t + syn_delay + rtt, c2s / TCP(sport=cport, dport=80, flags="A", seq=1001, ack=5001))
    return c2s, s2c


# 10 IPv4 handshakes: SYN-ACK after 2 ms, ACK 5 ms later
for i in range(10):
    conn(i * 0.1, 40000 + i, 0.002, 0.005)
# 2 IPv6 handshakes: 0.5 ms and 30 ms
conn(2.0, 41000, 0.0005, 0.030, v6=True)
conn(2.1, 41001, 0.0005, 0.030, v6=True)
# one SYN sent twice before the answer
c2s, s2c = conn(3.0, 42000, 0.002, 0.005, syn_twice=True)
# data, then the same data again (a retransmission), then new data
at(5.0, c2s / TCP(sport=42000, dport=80, flags="PA", seq=1001, ack=5001) / Raw(b"x" * 100))
at(5.2, c2s / TCP(sport=42000, dport=80, flags="PA", seq=1001, ack=5001) / Raw(b"x" * 100))
at(5.3, c2s / TCP(sport=42000, dport=80, flags="PA", seq=1101, ack=5001) / Raw(b"y" * 50))
# the server advertises a zero window, then resets
at(5.4, s2c / TCP(sport=80, dport=42000, flags="A", seq=5001, ack=1151, window=0))
at(5.5, s2c / TCP(sport=80, dport=42000, flags="R", seq=5001))
# a client resets another connection
at(5.6, E() / IP(src="192.0.2.10", dst="198.51.100.1") / TCP(sport=40001, dport=80, flags="RA", seq=1001, ack=5001))
# a connection open before the capture began: data, the same data again and
# a server RST. Only a handshake creates a flow entry, so it is no flow and
# no retransmission, but its RST counts, by side (the higher port is the client).
mid_c = E() / IP(src="192.0.2.11", dst="198.51.100.1")
at(6.0, mid_c / TCP(sport=43000, dport=80, flags="PA", seq=7001, ack=9001) / Raw(b"z" * 10))
at(6.1, mid_c / TCP(sport=43000, dport=80, flags="PA", seq=7001, ack=9001) / Raw(b"z" * 10))
at(6.2, E() / IP(src="198.51.100.1", dst="192.0.2.11") / TCP(sport=80, dport=43000, flags="R", seq=9001))

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "tcp.pcap")
    wrpcap(path, pkts)
    out = subprocess.run([os.path.join(BUILD, "rxray"), "stats", "-r", path, "--json"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode:
        print("rxray stats failed:", out.stderr)
        sys.exit(1)
    tcp = json.loads(out.stdout)["tcp"]

for k, v in (("handshakes", 13), ("syn_retransmits", 1), ("retransmits", 1), ("zero_windows", 1),
             ("rst_from_server", 2), ("rst_from_client", 1), ("flows", 13), ("flows_overflow", 0)):
    check(f"tcp.{k}", tcp.get(k), v)
sd, rtt = tcp.get("synack_delay_s", {}), tcp.get("handshake_rtt_s", {})
check("synack_delay count", sd.get("count"), 13)
check("handshake_rtt count", rtt.get("count"), 13)
# means are exact: (11 * 2 ms + 2 * 0.5 ms) / 13 and (11 * 5 ms + 2 * 30 ms) / 13
check("synack_delay mean (us)", round(sd.get("mean", 0) * 1e6), round((11 * 2000 + 2 * 500) / 13))
check("handshake_rtt mean (us)", round(rtt.get("mean", 0) * 1e6), round((11 * 5000 + 2 * 30000) / 13))
# p50 falls in the right histogram bucket: (1, 2.5] ms and (2.5, 5] ms
check("synack_delay p50 in (1ms, 2.5ms]", 0.001 < sd.get("p50", 0) <= 0.0025, True)
check("handshake_rtt p50 in (2.5ms, 5ms]", 0.0025 < rtt.get("p50", 0) <= 0.005, True)
check("handshake_rtt p99 in (25ms, 50ms]", 0.025 < rtt.get("p99", 0) <= 0.050, True)


# One handshake whose SYN-ACK comes 272.554 ms after its SYN, and whose ACK
# 40 us later: each percentile is that one value (narrowed to the histogram's
# min and max), not the middle of its bucket (250-500 ms: 375 ms).
pkts = []
conn(0.0, 44000, 0.272554, 0.000040)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "one.pcap")
    wrpcap(path, pkts)
    one = rxtest.stats_json(path)["tcp"]
for key, want in (("synack_delay_s", 0.272554), ("handshake_rtt_s", 0.000040)):
    h = one.get(key, {})
    check(f"one sample: {key} count", h.get("count"), 1)
    for q in ("p50", "p90", "p99", "min", "max"):
        check(f"one sample: {key} {q} (us)", round(h.get(q, 0) * 1e6), round(want * 1e6))

rxtest.finish("tcp health: %d checks failed" % len(fails))

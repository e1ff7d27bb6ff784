#!/usr/bin/env python3
"""rxray stats -r: exact counts for a pcap with known per-source, per-port,
per-protocol, per-size and per-TCP-kind numbers, and the overflow of the
bounded talkers table counted exactly.

  test_stats.py BUILD
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, IPv6, TCP, UDP, ICMP, ARP, Raw, wrpcap, PcapWriter  # noqa: E402
from rxtest import RXRAY, fails, check  # noqa: E402

TALKERS_MAX = 8192


def stats(path, *extra):
    out = subprocess.run([RXRAY, "stats", "-r", path, "--json", *extra], capture_output=True,
                         text=True, timeout=120)
    if out.returncode != 0:
        fails.append(f"rxray stats exited {out.returncode}: {out.stderr.strip()}")
        return {}
    return json.loads(out.stdout)

eth = rxtest.eth


with tempfile.TemporaryDirectory() as tmp:
    # --- known traffic -----------------------------------------------------
    pkts, want_src, want_svc = [], {}, {}

    def add(p, src, svc=None):
        p.time = 1700000000 + len(pkts) * 0.001
        pkts.append(p)
        n = len(bytes(p))
        c = want_src.setdefault(src, [0, 0])
        c[0] += 1
        c[1] += n
        if svc:
            c = want_svc.setdefault(svc, [0, 0])
            c[0] += 1
            c[1] += n

    for i in range(30):  # 30 SYNs from .1 to :80
        add(eth() / IP(src="192.0.2.1", dst="198.51.100.1") / TCP(sport=1000 + i, dport=80, flags="S"),
            "192.0.2.1", (80, "tcp"))
    for i in range(20):  # 20 SYN-ACKs from .2 to :443 (as if answering)
        add(eth() / IP(src="192.0.2.2", dst="198.51.100.1") / TCP(sport=443, dport=443, flags="SA"),
            "192.0.2.2", (443, "tcp"))
    for i in range(7):   # 7 RSTs, 5 FINs
        add(eth() / IP(src="192.0.2.3", dst="198.51.100.1") / TCP(dport=80, flags="R"), "192.0.2.3", (80, "tcp"))
    for i in range(5):
        add(eth() / IP(src="192.0.2.3", dst="198.51.100.1") / TCP(dport=80, flags="FA"), "192.0.2.3", (80, "tcp"))
    for i in range(12):  # UDP DNS over IPv6, 1000-byte payloads
        add(eth() / IPv6(src="2001:db8::7", dst="2001:db8::1") / UDP(sport=5353, dport=53) / Raw(b"q" * 1000),
            "2001:db8::7", (53, "udp"))
    for i in range(4):   # ICMP: a talker but no service
        add(eth() / IP(src="203.0.113.9", dst="198.51.100.1") / ICMP(), "203.0.113.9")
    for i in range(3):   # ARP: counted, no talker
        p = eth() / ARP()
        p.time = 1700000000 + len(pkts) * 0.001
        pkts.append(p)
    path = os.path.join(tmp, "known.pcap")
    wrpcap(path, pkts)
    s = stats(path, "--top", "100")

    check("packets", s.get("packets"), len(pkts))
    check("bytes", s.get("bytes"), sum(len(bytes(p)) for p in pkts))
    check("protocols.tcp", s.get("protocols", {}).get("tcp"), 62)
    check("protocols.udp", s.get("protocols", {}).get("udp"), 12)
    check("protocols.icmp", s.get("protocols", {}).get("icmp"), 4)
    check("protocols.arp", s.get("protocols", {}).get("arp"), 3)
    got_src = {t["address"]: [t["packets"], t["bytes"]] for t in s.get("talkers", [])}
    check("talkers", got_src, want_src)
    got_svc = {(v["port"], v["proto"]): [v["packets"], v["bytes"]] for v in s.get("services", [])}
    check("services", got_svc, want_svc)
    order = [t["packets"] for t in s.get("talkers", [])]
    check("talkers sorted descending", order, sorted(order, reverse=True))
    tcp = s.get("tcp", {})
    for k, v in (("syn", 30), ("synack", 20), ("rst", 7), ("fin", 5), ("segments", 62)):
        check(f"tcp.{k}", tcp.get(k), v)
    sizes = {b["le"]: b["packets"] for b in s.get("sizes", [])}
    check("sizes <=64", sizes.get(64), 30 + 20 + 12 + 4 + 3)
    check("sizes <=1518", sizes.get(1518), 12)
    check("duration_s", round(s.get("duration_s", -1), 3), round((len(pkts) - 1) * 0.001, 3))
    lost = s.get("lost", {})
    check("lost keys", {"records", "talkers_overflow", "services_overflow"} <= set(lost), True)
    check("lost all zero", {k: v for k, v in lost.items() if v}, {})
    top2 = stats(path, "--top", "2")
    check("--top 2 talkers", len(top2.get("talkers", [])), 2)

    # --- bounded cardinality: more sources than the table holds ------------
    n_src = TALKERS_MAX + 500
    path = os.path.join(tmp, "many.pcap")
    w = PcapWriter(path, linktype=1, sync=False)
    base = bytes(eth() / IP(src="10.0.0.0", dst="198.51.100.1") / UDP(sport=1, dport=9))
    for i in range(n_src):
        b = bytearray(base)
        b[26:30] = bytes([198, 18 + (i >> 16), (i >> 8) & 255, i & 255])  # 198.18.0.0/15 benchmark range
        b[24:26] = b"\0\0"
        w.write(bytes(b))
    w.close()
    s = stats(path, "--top", "100000")
    check("many: talkers listed", len(s.get("talkers", [])), TALKERS_MAX)
    check("many: talkers_overflow", s.get("lost", {}).get("talkers_overflow"), n_src - TALKERS_MAX)
    check("many: packets", s.get("packets"), n_src)

rxtest.finish("stats: %d checks failed" % len(fails))

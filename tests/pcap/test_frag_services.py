#!/usr/bin/env python3
"""The first fragment of a fragmented UDP datagram counts under its service
(issue 15, section 3), as tshark counts it with reassembly off: IPv4 with
and without options, a first fragment of 8 bytes of UDP, VLAN, IPv6 with
the Fragment header first, after Hop-by-Hop, before Destination Options;
non-first fragments carry no ports and count under none. `stats --json`
services against tshark's udp.dstport per frame.

  test_frag_services.py BUILD
"""
import collections
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import (IP, IPv6, UDP, Dot1Q, IPOption_RR, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,  # noqa: E402
                       IPv6ExtHdrHopByHop, Raw, fragment, fragment6, wrpcap)
from rxtest import check, fails  # noqa: E402

if not shutil.which("tshark"):
    print("tshark is missing (Debian tshark)")
    sys.exit(77)
E = rxtest.eth
C6, S6 = "2001:db8::10", "2001:db8::1"
pkts = []
data = Raw(b"x" * 3000)
pkts += fragment(E() / IP(src=rxtest.C, dst=rxtest.S, id=1) / UDP(sport=5000, dport=1001) / data, 1400)
pkts += fragment(E() / IP(src=rxtest.C, dst=rxtest.S, id=2) / UDP(sport=5000, dport=1002) / data, 8)[:3]
pkts += fragment(E() / IP(src=rxtest.C, dst=rxtest.S, id=3, options=[IPOption_RR()]) /
                 UDP(sport=5000, dport=1003) / data, 1400)
pkts += fragment(E() / Dot1Q(vlan=5) / IP(src=rxtest.C, dst=rxtest.S, id=4) / UDP(sport=5000, dport=1004) / data,
                 1400)
pkts += fragment6(E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=5) / UDP(sport=5000, dport=1005) / data, 1400)
pkts += fragment6(E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=6) /
                  UDP(sport=5000, dport=1006) / data, 1400)
pkts += fragment6(E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=7) / IPv6ExtHdrDestOpt() /
                  UDP(sport=5000, dport=1007) / data, 1400)
# the last fragment first, as Linux may send them
pkts += list(reversed(fragment(E() / IP(src=rxtest.C, dst=rxtest.S, id=8) / UDP(sport=5000, dport=1008) / data,
                               1400)))
for i, p in enumerate(pkts):
    p.time = 1700000000 + i * 0.001

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "frag.pcap")
    wrpcap(path, pkts)
    t = subprocess.run(["tshark", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                        "-T", "fields", "-e", "udp.dstport"], capture_output=True, text=True, timeout=60)
    want = collections.Counter(int(x) for x in t.stdout.split())
    s = rxtest.stats_json(path, "--top", "100")
got = collections.Counter({e["port"]: e["packets"] for e in s["services"] if e["proto"] == "udp"})
check("UDP services (port: packets), rxray against tshark", dict(sorted(got.items())), dict(sorted(want.items())))
check("every first fragment counted", sorted(got), list(range(1001, 1009)))
rxtest.finish("fragmented UDP services: %d frames, %d checks failed" % (len(pkts), len(fails)))

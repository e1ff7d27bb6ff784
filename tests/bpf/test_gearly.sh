#!/usr/bin/env bash
# The guard's early check at XDP entry (datapath/guard_early.h) decides as
# the guard stage does (tests/bpf/gearly_check.c): frames from listed and
# unlisted sources, IPv4 and IPv6, behind 0, 1 and 2 VLAN tags (802.1Q,
# QinQ 802.1ad, 0x9100) and 3 (too deep: not IP), IPv4 with options, a bad
# header length, later and first fragments, IPv6 behind hop-by-hop,
# routing, fragment and destination-option headers, ARP, a version that
# contradicts the EtherType, and every truncation of several of them; then
# the whole generated corpus (tests/pcap/gen_corpus.py). Per frame the
# verdicts are equal, each rule's hits are equal, the stage never ran.
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-/usr/bin/python3}" - "$tmp/edge.pcap" <<'PY'
import sys
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, UDP, TCP, ICMP, ARP, Raw, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, IPv6ExtHdrFragment, IPv6ExtHdrDestOpt, wrpcap, raw)
V4 = ["198.51.100.9", "198.51.100.7", "203.0.113.70", "203.0.113.5", "192.0.2.1"]
V6 = ["2001:db8:dead::9", "2001:db8:dead::7", "2001:db8:beef::1", "2001:db8::2"]
vlans = [lambda p: p, lambda p: Dot1Q(vlan=5) / p, lambda p: Dot1AD(vlan=6) / Dot1Q(vlan=7) / p,
         lambda p: Dot1Q(type=0x9100, vlan=8) / p,
         lambda p: Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / p]  # the last: too deep
l4s = [lambda: UDP(sport=4000, dport=53) / b"guard", lambda: TCP(sport=4000, dport=80, flags="S"),
       lambda: ICMP()]
def E(**kw):  # (fixed addresses: no lookup of the route to each destination)
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", **kw)


frames = []
for tag in vlans:
    for s in V4:
        for l4 in l4s:
            frames.append(E() / tag(IP(src=s, dst="192.0.2.2") / l4()))
        frames.append(E() / tag(IP(src=s, dst="192.0.2.2", options=b"\x01\x01\x01\x00") / UDP()))
        frames.append(E() / tag(IP(src=s, dst="192.0.2.2", frag=100, proto=17) / Raw(b"x" * 16)))
        frames.append(E() / tag(IP(src=s, dst="192.0.2.2", flags="MF", frag=0) / UDP() / (b"y" * 20)))
    for s in V6:
        base = IPv6(src=s, dst="2001:db8::2")
        for l4 in l4s[:2]:
            frames.append(E() / tag(base / l4()))
        frames.append(E() / tag(base / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() /
                                    IPv6ExtHdrDestOpt() / UDP() / b"ext"))
        frames.append(E() / tag(base / IPv6ExtHdrFragment(offset=0, m=1) / UDP() / b"f0"))
        frames.append(E() / tag(base / IPv6ExtHdrFragment(offset=10, nh=17) / Raw(b"f1" * 8)))
        frames.append(E() / tag(base / IPv6ExtHdrHopByHop() / IPv6ExtHdrHopByHop() /
                                    IPv6ExtHdrHopByHop() / IPv6ExtHdrHopByHop() / UDP()))
frames.append(E() / ARP(psrc="198.51.100.9"))
# a bad header length (IHL 4), and versions that contradict the EtherType
b = bytearray(raw(E() / IP(src="198.51.100.9", dst="192.0.2.2") / UDP()))
b[14] = 0x44
frames.append(Ether(bytes(b)))
frames.append(E(type=0x0800) / raw(IPv6(src="2001:db8:dead::9", dst="2001:db8::2") / UDP()))
frames.append(E(type=0x86dd) / raw(IP(src="198.51.100.9", dst="192.0.2.2") / UDP()) / (b"z" * 40))
# a header length past the frame
b = bytearray(raw(E() / IP(src="198.51.100.9", dst="192.0.2.2") / UDP()))
b[14] = 0x4f
frames.append(Ether(bytes(b)))
# every truncation (from 14 bytes, what an XDP test run takes) of some of them
for p in [E() / IP(src="198.51.100.9", dst="192.0.2.2", options=b"\x01" * 8) / TCP(),
          E() / Dot1AD(vlan=6) / Dot1Q(vlan=7) / IP(src="198.51.100.9", dst="192.0.2.2") / UDP(),
          E() / Dot1Q(vlan=5) / IPv6(src="2001:db8:dead::9", dst="2001:db8::2") / TCP(),
          E() / IPv6(src="2001:db8:beef::1", dst="2001:db8::2") / UDP()]:
    r = raw(p)
    frames += [Ether(r[:n]) for n in range(14, len(r) + 1)]
wrpcap(sys.argv[1], frames)
print(len(frames), "frames")
PY
"$BUILD"/tests/gearly_check "$tmp/edge.pcap" >"$tmp/out" 2>&1 || { cat "$tmp/out"; echo "FAIL: edge frames"; exit 1; }
cat "$tmp/out"
grep -q ", 0 rules never matched," "$tmp/out" || { echo "FAIL: a rule matched no edge frame"; exit 1; }
mkdir "$tmp/corpus"
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp/corpus" >/dev/null
"$BUILD"/tests/gearly_check "$tmp"/corpus/*.pcap "$tmp"/corpus/*.pcapng >"$tmp/out2" 2>&1 ||
	{ grep -v '^rule' "$tmp/out2" | tail -20; echo "FAIL: corpus"; exit 1; }
tail -n 1 "$tmp/out2"
echo "ok: the early check decides as the guard stage, on every frame"

#!/usr/bin/python3
"""Write rxray's tshark-oracle pcap corpus into OUTDIR.

    /usr/bin/python3 tests/pcap/gen_corpus.py OUTDIR

Deterministic: no randomness, fixed addresses and fixed timestamps, so two
runs write byte-identical files. Every frame is Ethernet (DLT_EN10MB).
Packets are built with scapy where scapy builds them faithfully and from raw
bytes where the point is a header scapy would "fix" (malformed lengths).

Files (one theme each, so a failure points at a protocol):

  l2.pcap            0..4 VLAN tags (0x8100, 0x88a8, 0x9100), PCP/DEI/VID
                     values, ARP, LLDP, 802.3 length frames, unknown types
  ipv4.pcap          IPv4 options, flags, fragments, TOS/TTL/id, padding
  ipv6.pcap          IPv6 extension chains of 1..10 headers, fragments,
                     traffic class, flow label, address text forms
  tcp.pcap           TCP options, all 256 flag combinations, payloads, HTTP,
                     TLS ClientHello
  http.pcap          HTTP/1.x conversations over whole connections: keep-alive,
                     pipelining, responses split over segments, chunked
                     bodies, retransmissions, FIN/RST with a request in
                     flight, 100-continue, a lost segment (a millisecond
                     apart: no request times out)
  udp_icmp.pcap      UDP (DNS and other), ICMP echo/errors, ICMPv6
  trunc_snaplen.pcap full frames cut at every length (caplen < len)
  trunc_short.pcap   the same prefixes as short frames (caplen == len)
  malformed.pcap     impossible header lengths and option lengths
  nanosec.pcap       nanosecond-resolution pcap (timestamp edge cases)
  mixed.pcapng       a few packets in pcapng (incl. a snaplen-cut one)

Next to them, manifest.json maps each file to one description per packet,
in order, so a test failure can say what the packet was meant to be.
"""

import json
import os
import struct
import subprocess
import sys
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tlshello  # noqa: E402

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror, TCPerror  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RS,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    IPerror6,
    IPv6,
)
from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.l2 import ARP, LLC, SNAP, Dot1AD, Dot1Q, Dot3, Ether  # noqa: E402
from scapy.packet import Padding, Raw  # noqa: E402

BASE_SEC = 1700000000

MAC_A = "0a:bc:de:f0:12:34"  # hex letters: rxray must print lower case
MAC_B = "02:00:5e:00:53:01"
V4_A = "192.0.2.1"
V4_B = "198.51.100.2"
V6_A = "2001:db8::1"
V6_B = "2001:db8:0:0:1:0:0:2"  # printed 2001:db8::1:0:0:2


def eth(**kw):
    kw.setdefault("src", MAC_A)
    kw.setdefault("dst", MAC_B)
    return Ether(**kw)


def ip4(**kw):
    kw.setdefault("src", V4_A)
    kw.setdefault("dst", V4_B)
    return IP(**kw)


def ip6(**kw):
    kw.setdefault("src", V6_A)
    kw.setdefault("dst", V6_B)
    return IPv6(**kw)


def tcp(**kw):
    kw.setdefault("sport", 40000)
    kw.setdefault("dport", 5001)
    kw.setdefault("seq", 1000)
    kw.setdefault("window", 64240)
    return TCP(**kw)


def udp(**kw):
    kw.setdefault("sport", 40000)
    kw.setdefault("dport", 5002)
    return UDP(**kw)


class Capture:
    """A list of (description, bytes, wire length, (sec, subsec)) records."""

    def __init__(self, name, nano=False, snaplen=262144, step_us=None):
        self.name = name
        self.step_us = step_us
        self.nano = nano
        self.snaplen = snaplen
        self.recs = []

    def add(self, desc, pkt, wirelen=None, ts=None):
        data = bytes(pkt)
        if wirelen is None:
            wirelen = len(data)
        assert wirelen >= len(data), desc
        if ts is None:
            i = len(self.recs)
            # Fixed, distinct, and with non-trivial sub-second digits.
            if self.step_us:
                # conversations: close together (a second apart would time requests out)
                us = i * self.step_us + 123
                ts = (BASE_SEC + 200 + us // 1000000, us % 1000000)
            elif self.nano:
                ts = (BASE_SEC + i, (i * 123456789 + 1) % 1000000000)
            else:
                ts = (BASE_SEC + i, (i * 123457 + 1) % 1000000)
        self.recs.append((desc, data, wirelen, ts))

    def write_pcap(self, path):
        magic = 0xA1B23C4D if self.nano else 0xA1B2C3D4
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, self.snaplen, 1))
            for _desc, data, wirelen, (sec, sub) in self.recs:
                f.write(struct.pack("<IIII", sec, sub, len(data), wirelen))
                f.write(data)


# ---------------------------------------------------------------- L2

def gen_l2():
    c = Capture("l2.pcap")
    pl = Raw(b"L2 test payload!")
    c.add("untagged IPv4/UDP", eth() / ip4() / udp() / pl)
    c.add("ARP request", eth(dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B))
    c.add("ARP reply", eth(src=MAC_B, dst=MAC_A) / ARP(
        op=2, hwsrc=MAC_B, psrc=V4_B, hwdst=MAC_A, pdst=V4_A))
    c.add("untagged IPv6/ICMPv6 echo", eth() / ip6() / ICMPv6EchoRequest(id=1, seq=1))
    c.add("LLDP ethertype 0x88cc", eth(dst="01:80:c2:00:00:0e", type=0x88CC) /
          Raw(bytes.fromhex("0207040abcdef0123404030201ab0602007800000000")))
    c.add("local experimental ethertype 0x88b5", eth(type=0x88B5) / Raw(b"\x01\x02\x03\x04" * 8))
    c.add("802.3 length frame with LLC (STP-like)",
          Dot3(src=MAC_A, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) /
          Raw(bytes(35)))
    c.add("802.3 length frame with LLC/SNAP",
          Dot3(src=MAC_A, dst="01:00:0c:cc:cc:cc") / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) /
          SNAP(OUI=0x00000C, code=0x2000) / Raw(bytes(20)))
    c.add("PPPoE discovery ethertype 0x8863", eth(type=0x8863) / Raw(bytes.fromhex("1109000000000000")))
    # One tag, every PCP, DEI alternating, edge VIDs.
    vids = [0, 1, 10, 100, 1000, 2048, 4094, 4095]
    for pcp in range(8):
        dei = pcp & 1
        vid = vids[pcp]
        c.add(f"1 tag 0x8100 pcp={pcp} dei={dei} vid={vid} IPv4/TCP SYN",
              eth() / Dot1Q(prio=pcp, id=dei, vlan=vid) / ip4() / tcp(flags="S"))
    c.add("1 tag 0x8100 dei=1 pcp=7 vid=4095 IPv6/UDP",
          eth() / Dot1Q(prio=7, id=1, vlan=4095) / ip6() / udp() / pl)
    c.add("1 tag 0x8100 ARP", eth(dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=20) /
          ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B))
    c.add("1 tag 0x8100 unknown inner type 0x88b5", eth() / Dot1Q(vlan=21, type=0x88B5) / Raw(bytes(30)))
    c.add("1 tag 0x88a8 (S-tag only) IPv4/UDP",
          eth() / Dot1AD(prio=2, id=1, vlan=300) / ip4() / udp() / pl)
    c.add("1 tag 0x9100 (pre-standard QinQ) IPv4/UDP",
          eth(type=0x9100) / Dot1Q(prio=1, vlan=301) / ip4() / udp() / pl)
    c.add("2 tags 0x88a8/0x8100 IPv4/TCP",
          eth() / Dot1AD(prio=5, id=1, vlan=100) / Dot1Q(prio=3, id=0, vlan=10) / ip4() / tcp(flags="S"))
    c.add("2 tags 0x88a8/0x8100 pcp 7/0 dei 0/1 IPv6/TCP",
          eth() / Dot1AD(prio=7, id=0, vlan=4094) / Dot1Q(prio=0, id=1, vlan=1) / ip6() / tcp(flags="SA"))
    c.add("2 tags 0x8100/0x8100 IPv6/TCP",
          eth() / Dot1Q(prio=4, vlan=200) / Dot1Q(prio=6, id=1, vlan=201) / ip6() / tcp(flags="A"))
    c.add("2 tags 0x88a8/0x8100 ARP",
          eth(dst="ff:ff:ff:ff:ff:ff") / Dot1AD(vlan=5) / Dot1Q(vlan=6) /
          ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B))
    c.add("2 tags 0x8100/0x88a8 (reverse order) IPv4/UDP",
          eth() / Dot1Q(vlan=7, type=0x88A8) / Dot1AD(vlan=8) / ip4() / udp() / pl)
    c.add("2 tags 0x9100/0x8100 IPv4/UDP",
          eth(type=0x9100) / Dot1Q(prio=2, vlan=400) / Dot1Q(prio=5, vlan=401) / ip4() / udp() / pl)
    c.add("3 tags 0x88a8/0x8100/0x8100 IPv4/UDP (too deep)",
          eth() / Dot1AD(vlan=100) / Dot1Q(vlan=10) / Dot1Q(vlan=11) / ip4() / udp() / pl)
    c.add("3 tags 0x8100 x3 IPv6/TCP (too deep)",
          eth() / Dot1Q(prio=1, vlan=1) / Dot1Q(prio=2, id=1, vlan=2) / Dot1Q(prio=3, vlan=3) /
          ip6() / tcp(flags="S"))
    c.add("4 tags 0x88a8/0x8100 x3 IPv4/TCP (too deep)",
          eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / Dot1Q(vlan=4) / ip4() / tcp())
    return c


# ---------------------------------------------------------------- IPv4

def ipopt(*chunks):
    return b"".join(chunks)


OPT_NOP = b"\x01"
OPT_EOL = b"\x00"
OPT_RA = bytes([148, 4, 0, 0])                                  # router alert
OPT_RR = bytes([7, 11, 4]) + bytes(8)                           # record route, 2 slots
OPT_RR1 = bytes([7, 7, 8]) + bytes([10, 0, 0, 1])               # record route, full
OPT_TS = bytes([68, 12, 5, 0]) + struct.pack(">II", 1000, 0)    # timestamp, 2 slots
OPT_TS_ADDR = bytes([68, 12, 13, 1]) + bytes([10, 0, 0, 1]) + struct.pack(">I", 123456)
OPT_LSRR = bytes([131, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2])
OPT_SSRR = bytes([137, 7, 4, 10, 0, 0, 3])
OPT_SEC = bytes([130, 11]) + bytes(9)                           # RFC 791 security


def v4opts(raw):
    """Pad an option block with EOL to a multiple of 4, as a sender would."""
    return raw + b"\x00" * (-len(raw) % 4)


def gen_ipv4():
    c = Capture("ipv4.pcap")
    pl = Raw(b"0123456789abcdef")
    c.add("IPv4 no options TCP", eth() / ip4(id=0x1234, flags="DF", ttl=64) / tcp(flags="PA") / pl)
    c.add("IPv4 no options UDP", eth() / ip4(id=0, ttl=1) / udp() / pl)
    c.add("IPv4 no options ICMP echo", eth() / ip4(id=0xFFFF, ttl=255) / ICMP(id=7, seq=9) / pl)
    for tos in (0x00, 0x01, 0x02, 0x03, 0x10, 0xB8, 0xFC, 0xFF):
        c.add(f"IPv4 tos=0x{tos:02x}", eth() / ip4(tos=tos, id=tos * 257) / udp() / pl)
    for ttl in (0, 1, 2, 127, 128, 255):
        c.add(f"IPv4 ttl={ttl}", eth() / ip4(ttl=ttl, id=0x8000 + ttl) / tcp(flags="S"))
    c.add("IPv4 flags none", eth() / ip4(flags=0) / udp() / pl)
    c.add("IPv4 flags DF", eth() / ip4(flags="DF") / udp() / pl)
    c.add("IPv4 flags reserved(evil) bit", eth() / ip4(flags="evil") / udp() / pl)
    c.add("IPv4 flags reserved+DF", eth() / ip4(flags="evil+DF") / udp() / pl)
    # Options, alone and in combination, each block padded to 4n.
    opts = [
        ("NOP x4", OPT_NOP * 4),
        ("EOL then zeros", OPT_EOL + bytes(3)),
        ("NOP NOP NOP EOL", OPT_NOP * 3 + OPT_EOL),
        ("router alert", OPT_RA),
        ("record route 2 slots", v4opts(OPT_RR)),
        ("record route full", v4opts(OPT_RR1)),
        ("timestamp", OPT_TS),
        ("timestamp with address", OPT_TS_ADDR),
        ("LSRR", v4opts(OPT_LSRR)),
        ("SSRR", v4opts(OPT_SSRR)),
        ("security", v4opts(OPT_SEC)),
        ("NOP RA NOP NOP RR", v4opts(OPT_NOP + OPT_RA + OPT_NOP * 2 + OPT_RR)),
        ("RA TS LSRR", v4opts(OPT_RA + OPT_TS + OPT_LSRR)),
        ("RA EOL then padding", v4opts(OPT_RA + OPT_EOL)),
        ("40 bytes: NOP x40", OPT_NOP * 40),
        ("40 bytes: RR with 9 slots", bytes([7, 39, 4]) + bytes(36) + OPT_EOL),
        ("40 bytes: TS RA LSRR SSRR NOP x2", OPT_TS + OPT_RA + OPT_LSRR + OPT_SSRR + OPT_NOP * 2),
    ]
    for name, raw in opts:
        assert len(raw) % 4 == 0 and len(raw) <= 40, name
        c.add(f"IPv4 options {name} / TCP", with_v4opts(
            eth() / ip4(id=len(c.recs)) / tcp(flags="S", options=[("MSS", 1460)]), raw))
    c.add("IPv4 options router alert / UDP", with_v4opts(eth() / ip4() / udp() / pl, OPT_RA))
    c.add("IPv4 options RR / ICMP echo reply", with_v4opts(eth() / ip4() / ICMP(type=0, id=1, seq=2) / pl,
                                                           v4opts(OPT_RR1)))
    # Fragments. frag is in 8-byte units.
    tcp_seg = bytes(ip4() / tcp(flags="PA") / Raw(bytes(range(48))))[20:]
    c.add("IPv4 first fragment (MF, off 0) TCP", eth() / ip4(id=0x4242, flags="MF", frag=0, proto=6) /
          Raw(tcp_seg[:40]))
    c.add("IPv4 middle fragment (MF, off 5) proto TCP", eth() / ip4(id=0x4242, flags="MF", frag=5, proto=6) /
          Raw(tcp_seg[40:56]))
    c.add("IPv4 last fragment (off 7) proto TCP", eth() / ip4(id=0x4242, flags=0, frag=7, proto=6) /
          Raw(tcp_seg[56:]))
    udp_dgram = bytes(ip4() / udp() / Raw(bytes(range(100))))[20:]
    c.add("IPv4 first fragment UDP", eth() / ip4(id=0x5151, flags="MF", frag=0, proto=17) / Raw(udp_dgram[:56]))
    c.add("IPv4 middle fragment UDP off 185", eth() / ip4(id=0x5151, flags="MF", frag=185, proto=17) /
          Raw(udp_dgram[56:96]))
    c.add("IPv4 last fragment UDP off 370", eth() / ip4(id=0x5151, flags=0, frag=370, proto=17) /
          Raw(udp_dgram[96:]))
    c.add("IPv4 non-first fragment ICMP off 1", eth() / ip4(id=9, flags=0, frag=1, proto=1) / Raw(bytes(16)))
    c.add("IPv4 fragment max offset 8191", eth() / ip4(id=10, flags=0, frag=8191, proto=17) / Raw(bytes(8)))
    c.add("IPv4 fragment DF+MF off 0 UDP", eth() / ip4(id=11, flags="DF+MF", frag=0) / udp() / pl)
    c.add("IPv4 tiny first fragment: 8 bytes of TCP", eth() / ip4(id=12, flags="MF", frag=0, proto=6) /
          Raw(tcp_seg[:8]))
    c.add("IPv4 non-first fragment with options", with_v4opts(
        eth() / ip4(id=13, frag=3, proto=6) / Raw(bytes(24)), OPT_RA))
    # Ethernet padding: the IP total length, not the frame, bounds the payload.
    c.add("IPv4/UDP 1-byte payload, zero-padded to 60", eth() / ip4() / udp() / Raw(b"x") / Padding(bytes(17)))
    c.add("IPv4/TCP no payload, trailer bytes to 60", eth() / ip4() / tcp(flags="A") /
          Padding(b"\xde\xad\xbe\xef\x01\x02"))
    c.add("IPv4/ICMP echo padded", eth() / ip4() / ICMP() / Padding(bytes(18)))
    c.add("IPv4 unknown protocol 253", eth() / ip4(proto=253) / Raw(b"experimental"))
    c.add("IPv4 protocol GRE 47", eth() / ip4(proto=47) / Raw(bytes(8)))
    c.add("IPv4 protocol ESP 50", eth() / ip4(proto=50) / Raw(bytes(24)))
    return c


def with_v4opts(pkt, raw, l2len=14):
    """Insert an IPv4 option block into a built frame; fix ihl, length, checksum.

    The L4 checksum does not cover IP options, so scapy's stays valid.
    """
    b = bytearray(bytes(pkt))
    o = l2len
    assert b[o] == 0x45 and len(raw) % 4 == 0
    b[o + 20:o + 20] = raw
    b[o] = 0x40 | (5 + len(raw) // 4)
    total = struct.unpack(">H", b[o + 2:o + 4])[0] + len(raw)
    b[o + 2:o + 4] = struct.pack(">H", total)
    b[o + 10:o + 12] = b"\x00\x00"
    ihl = (b[o] & 0xF) * 4
    b[o + 10:o + 12] = struct.pack(">H", inet_csum(bytes(b[o:o + ihl])))
    return bytes(b)


def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---------------------------------------------------------------- IPv6

# IPv6 extension headers are written as raw bytes (RFC 8200 section 4, RFC
# 4302 for AH) so that every length and next-header byte is exactly what the
# test intends; scapy's AH, for one, does not link its next header.
NH = {"hop": 0, "rt": 43, "frag": 44, "ah": 51, "dst": 60}


def ext_bytes(spec, nxt):
    """One extension header. spec: (kind, *args); nxt: its next-header byte."""
    kind, args = spec[0], spec[1:]
    if kind in ("hop", "dst"):
        n_oct = args[0] if args else 0
        if kind == "hop" and n_oct == "ra":            # router alert + Pad1 x2
            return bytes([nxt, 0, 5, 2, 0, 0, 0, 0])
        r = (n_oct + 1) * 8 - 2
        return bytes([nxt, n_oct, 1, r - 2]) + bytes(r - 2)  # one PadN
    if kind == "rt":                                   # type 0, k addresses
        k = args[0] if args else 1
        addrs = b"".join(bytes.fromhex("20010db8ffff0000000000000000%04x" % (a + 1)) for a in range(k))
        return bytes([nxt, 2 * k, 0, k, 0, 0, 0, 0]) + addrs
    if kind == "rt2":                                  # type 2 (Mobile IPv6)
        return bytes([nxt, 2, 2, 1, 0, 0, 0, 0]) + bytes.fromhex("20010db8000000000000000000000099")
    if kind == "frag":
        off, m, ident = (args + (0, 0, 0x01020304)[len(args):])
        return struct.pack(">BBHI", nxt, 0, (off << 3) | m, ident)
    if kind == "ah":                                   # 12 bytes + ICV of w words
        w = args[0] if args else 3
        return struct.pack(">BBHII", nxt, 1 + w, 0, 0x1000, 1) + bytes(range(4 * w))
    raise ValueError(kind)


def nh_of(spec):
    return NH["rt"] if spec[0] == "rt2" else NH[spec[0]]


def v6(specs, l4=None, last_nh=None, **kw):
    """Ether / IPv6 / raw extension chain / l4 (a scapy layer or bytes)."""
    if last_nh is None:
        last_nh = {TCP: 6, UDP: 17}.get(type(l4), 58 if l4 is not None and "ICMPv6" in type(l4).__name__ else 59)
    chain_b = b""
    for k, spec in enumerate(specs):
        nxt = nh_of(specs[k + 1]) if k + 1 < len(specs) else last_nh
        chain_b += ext_bytes(spec, nxt)
    first = nh_of(specs[0]) if specs else last_nh
    p = eth() / ip6(nh=first, **kw)
    if chain_b:
        p = p / Raw(chain_b)
    if isinstance(l4, bytes):
        p = p / Raw(l4)
    elif l4 is not None:
        # Build L4 over a bare IPv6 header so scapy's checksum sees the
        # pseudo-header, then splice its bytes in after the chain.
        p = p / Raw(bytes(ip6(**kw) / l4)[40:])
    return p


EXT = {"hop": ("hop",), "hop16": ("hop", 1), "hopra": ("hop", "ra"), "dst": ("dst",), "dst16": ("dst", 1),
       "rt": ("rt", 1), "rt2": ("rt", 2), "frag": ("frag", 0, 0, 0x01020304), "ah": ("ah", 3), "ah4": ("ah", 1)}


def gen_ipv6():
    c = Capture("ipv6.pcap")
    pl = Raw(b"payload-v6-0123456789")
    c.add("IPv6 plain TCP", eth() / ip6(hlim=64) / tcp(flags="S", options=[("MSS", 1440)]))
    c.add("IPv6 plain UDP", eth() / ip6() / udp() / pl)
    c.add("IPv6 plain ICMPv6 echo", eth() / ip6() / ICMPv6EchoRequest(id=3, seq=4) / pl)
    for tc, fl in ((0, 0), (0xB8, 1), (0xFF, 0xFFFFF), (0x03, 0x12345), (0x01, 0x80000), (0x80, 0xABCDE)):
        c.add(f"IPv6 tclass=0x{tc:02x} flow=0x{fl:05x}", eth() / ip6(tc=tc, fl=fl) / udp() / pl)
    for hl in (0, 1, 255):
        c.add(f"IPv6 hlim={hl}", eth() / ip6(hlim=hl) / udp() / pl)
    addrs = [
        ("::", "::1"),
        ("fe80::1", "ff02::1:ff00:1"),
        ("2001:db8:1:2:3:4:5:6", "2001:0:0:1::1"),
        ("1:0:0:2:0:0:0:3", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:192.0.2.1", "64:ff9b::c000:201"),
        ("::1:0:0:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("2001:db8::", "2001:db8:0:0:0:0:2:0"),
    ]
    for a, b in addrs:
        c.add(f"IPv6 addresses {a} -> {b}", eth() / IPv6(src=a, dst=b) / udp() / pl)
    # Extension header chains, 1..10 long. rxray decodes at most 8.
    chains = [
        ["hop"],
        ["dst"],
        ["rt"],
        ["frag"],
        ["ah"],
        ["hopra", "dst"],
        ["hop16", "rt2", "dst16"],
        ["hop", "dst", "rt", "frag"],
        ["hop", "dst", "rt", "frag", "ah"],
        ["hop", "dst", "rt", "frag", "ah", "dst16"],
        ["hop", "dst", "rt2", "dst", "frag", "ah4", "dst"],
        ["hop", "dst", "rt", "dst", "rt", "frag", "ah", "dst"],
        ["hop", "dst", "rt", "dst", "rt", "frag", "ah", "dst", "dst"],
        ["hop", "dst", "rt", "dst", "rt", "dst", "frag", "ah", "dst", "dst16"],
    ]
    for names in chains:
        n = len(names)
        for l4name, l4 in (("TCP", tcp(flags="S", options=[("MSS", 1400)])), ("UDP", udp() / pl),
                           ("ICMPv6", ICMPv6EchoRequest() / pl)):
            if l4name != "TCP" and n not in (1, 4, 8, 9):
                continue
            c.add(f"IPv6 ext x{n} {'/'.join(names)} / {l4name}", v6([EXT[x] for x in names], l4))
    c.add("IPv6 hop / no next header (59)", v6([EXT["hop"]], last_nh=59))
    c.add("IPv6 plain no next header (59)", v6([], last_nh=59))
    c.add("IPv6 dst / unknown next header 253", v6([EXT["dst"]], b"experimental", last_nh=253))
    c.add("IPv6 ESP 50", v6([], bytes(32), last_nh=50))
    c.add("IPv6 routing type 2 (MIPv6) / UDP", v6([("rt2",)], udp() / pl))
    # Fragments (offset in 8-byte units).
    seg = bytes(ip6() / tcp(flags="PA") / Raw(bytes(range(64))))[40:]
    c.add("IPv6 first fragment (off 0, M) TCP", v6([("frag", 0, 1, 0xAABBCCDD)], seg[:48], last_nh=6))
    c.add("IPv6 middle fragment (off 6, M) proto TCP", v6([("frag", 6, 1, 0xAABBCCDD)], seg[48:64], last_nh=6))
    c.add("IPv6 last fragment (off 8) proto TCP", v6([("frag", 8, 0, 0xAABBCCDD)], seg[64:], last_nh=6))
    useg = bytes(ip6() / udp() / Raw(bytes(40)))[40:]
    c.add("IPv6 first fragment UDP", v6([("frag", 0, 1, 7)], useg[:24], last_nh=17))
    c.add("IPv6 last fragment UDP off 3", v6([("frag", 3, 0, 7)], useg[24:], last_nh=17))
    c.add("IPv6 atomic fragment (off 0, no M) UDP", v6([("frag", 0, 0, 8)], udp() / pl))
    c.add("IPv6 hop / frag first / dst / TCP", v6([EXT["hop"], ("frag", 0, 1, 9), EXT["dst"]], tcp(flags="S")))
    c.add("IPv6 hop / frag non-first / proto dst", v6([EXT["hop"], ("frag", 100, 1, 9)], bytes(24), last_nh=60))
    c.add("IPv6 fragment max offset 8191 proto UDP", v6([("frag", 8191, 0, 10)], bytes(8), last_nh=17))
    c.add("IPv6 fragment non-first proto ICMPv6", v6([("frag", 2, 0, 11)], bytes(8), last_nh=58))
    c.add("IPv6/UDP 1 byte, 8-byte trailer after plen", eth() / ip6() / udp() / Raw(b"y") / Padding(b"TRAILER!"))
    return c


# ---------------------------------------------------------------- TCP

FLAG_NAMES = "FSRPAUEC"


def http_get():
    return (b"GET /api/v1/users/123?expand=1&q=a%20b HTTP/1.1\r\n"
            b"Host: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")


def tls_client_hello(sni=b"example.com", alpn=(b"h2", b"http/1.1")):
    def ext(t, body):
        return struct.pack(">HH", t, len(body)) + body
    sni_list = struct.pack(">BH", 0, len(sni)) + sni
    e_sni = ext(0, struct.pack(">H", len(sni_list)) + sni_list)
    alpn_list = b"".join(struct.pack(">B", len(p)) + p for p in alpn)
    e_alpn = ext(16, struct.pack(">H", len(alpn_list)) + alpn_list)
    e_groups = ext(10, struct.pack(">HHH", 4, 0x001D, 0x0017))
    e_sigalgs = ext(13, struct.pack(">HHH", 4, 0x0403, 0x0804))
    e_versions = ext(43, struct.pack(">BHH", 4, 0x0304, 0x0303))
    exts = e_sni + e_groups + e_sigalgs + e_alpn + e_versions
    ciphers = struct.pack(">HHHH", 0x1301, 0x1302, 0xC02F, 0xC030)
    body = (struct.pack(">H", 0x0303) + bytes(range(32)) + b"\x00" +
            struct.pack(">H", len(ciphers)) + ciphers + b"\x01\x00" +
            struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def gen_tls():
    """TLS hellos (datapath/tls.h): GREASE, with and without SNI and ALPN,
    ServerHellos of TLS 1.2 and 1.3, a name with non-ASCII bytes, lists
    longer than rxray keeps, a hello over two segments, a length that lies."""
    c = Capture("tls.pcap")
    cli = eth() / ip4() / tcp(sport=41000, dport=443, flags="PA")
    srv = eth(src=MAC_B, dst=MAC_A) / ip4(src=V4_B, dst=V4_A) / tcp(sport=443, dport=41000, flags="PA")
    c.add("ClientHello GREASE, SNI, ALPN h2,http/1.1", cli / Raw(tlshello.chrome_like()))
    c.add("ClientHello TLS 1.2, no SNI, no ALPN, no supported_versions",
          cli / Raw(tlshello.client_hello([0xC02F, 0xC030, 0x009E, 0x00FF],
                                          [tlshello.groups([0x0017, 0x0018]), tlshello.ecpf([0, 1, 2]),
                                           tlshello.sigalgs([0x0401, 0x0501])])))
    c.add("ClientHello without extensions", cli / Raw(tlshello.client_hello([0x002F, 0x0035], None)))
    c.add("ClientHello ALPN odd bytes", cli / Raw(tlshello.client_hello(
        [0x1301], [tlshello.sni(b"a.example"), tlshello.alpn([b"\x01x-", b"h2"]),
                   tlshello.versions([0x0304])])))
    c.add("ClientHello non-ASCII SNI", cli / Raw(tlshello.client_hello(
        [0x1301, 0x1302], [tlshello.sni(b"caf\xc3\xa9.example\x01"), tlshello.versions([0x0304])])))
    c.add("ClientHello 100 ciphers, 40 extensions (more than kept)", cli / Raw(tlshello.client_hello(
        list(range(0x0001, 0x0065)), [tlshello.ext(0x1000 + i, b"") for i in range(40)])))
    c.add("ClientHello IPv6", eth(type=0x86DD) / ip6() / tcp(sport=41001, dport=8443, flags="PA") /
          Raw(tlshello.chrome_like(b"v6.example.net")))
    c.add("ServerHello TLS 1.3", srv / Raw(tlshello.server_hello(
        0x1301, [tlshello.ext(43, b"\x03\x04"), tlshello.ext(51, b"\x00\x1d\x00\x00")])))
    c.add("ServerHello TLS 1.2 ALPN h2", srv / Raw(tlshello.server_hello(
        0xC02F, [tlshello.ext(0xFF01, b"\x00"), tlshello.alpn([b"h2"]), tlshello.ecpf([0])])))
    c.add("ServerHello TLS 1.2 without extensions", srv / Raw(tlshello.server_hello(0x009C, [])))
    big = tlshello.chrome_like(b"split.example.com")
    c.add("ClientHello over two segments: the first", eth() / ip4() / tcp(sport=41002, dport=443, flags="A", seq=1000) /
          Raw(big[:150]))
    c.add("ClientHello over two segments: the rest", eth() / ip4() / tcp(sport=41002, dport=443, flags="PA",
                                                                         seq=1150) / Raw(big[150:]))
    return c


def gen_tcp():
    c = Capture("tcp.pcap")
    # Options.
    optsets = [
        ("MSS", [("MSS", 1460)]),
        ("MSS 0", [("MSS", 0)]),
        ("MSS 65535", [("MSS", 65535)]),
        ("WS 0", [("NOP", None), ("WScale", 0)]),
        ("WS 14", [("NOP", None), ("WScale", 14)]),
        ("SACK-permitted", [("SAckOK", b""), ("NOP", None), ("NOP", None)]),
        ("timestamps", [("NOP", None), ("NOP", None), ("Timestamp", (0xFFFFFFFF, 0x80000000))]),
        ("Linux SYN set", [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456789, 0)), ("NOP", None),
                           ("WScale", 7)]),
        ("BSD SYN set", [("MSS", 1460), ("NOP", None), ("WScale", 6), ("NOP", None), ("NOP", None),
                         ("Timestamp", (42, 0)), ("SAckOK", b""), ("EOL", None), ("EOL", None)]),
        ("EOL only", [("EOL", None)]),
        ("NOP x3 EOL", [("NOP", None)] * 3 + [("EOL", None)]),
        ("MSS EOL then garbage", None),
        ("40 bytes of NOP", [("NOP", None)] * 40),
        ("unknown kind 254 len 4 + MSS", [(254, b"\x12\x34"), ("MSS", 536)]),
        ("TCP fast open cookie + MSS", [("MSS", 1460), (34, b"\x01\x02\x03\x04\x05\x06\x07\x08")]),
        ("MD5 signature", [(19, bytes(16)), ("EOL", None), ("EOL", None)]),
    ]
    for name, opts in optsets:
        if opts is None:
            raw = bytes([2, 4, 5, 0xB4, 0, 3, 3, 7])  # MSS, EOL, then a WS after EOL
            p = eth() / ip4() / TCP(sport=40000, dport=5001, seq=1, flags="S", dataofs=7) / Raw(raw)
        else:
            p = eth() / ip4() / tcp(flags="S", options=opts)
        c.add(f"TCP SYN options {name}", p)
    for nblk, with_ts in ((1, False), (2, False), (3, False), (4, False), (1, True), (2, True), (3, True)):
        blocks = tuple(x for i in range(nblk) for x in (5000 + 1000 * i, 5500 + 1000 * i))
        opts = [("NOP", None), ("NOP", None)]
        if with_ts:
            opts += [("Timestamp", (1111, 2222)), ("NOP", None), ("NOP", None)]
        opts += [("SAck", blocks)]
        c.add(f"TCP ACK SACK {nblk} block(s){' + TS' if with_ts else ''}",
              eth() / ip4() / tcp(flags="A", seq=100, ack=4000, options=opts))
    c.add("TCP SACK edges near 2^32", eth() / ip4() / tcp(flags="A", seq=1, ack=0xFFFFFF00, options=[
        ("NOP", None), ("NOP", None), ("SAck", (0xFFFFFFF0, 0x00000010))]))
    c.add("TCP SACK D-SACK (left edge below ack)", eth() / ip4() / tcp(flags="A", seq=1, ack=9000, options=[
        ("NOP", None), ("NOP", None), ("SAck", (8000, 8500, 10000, 11000))]))
    c.add("TCP over IPv6 Linux SYN set", eth() / ip6() / tcp(flags="S", options=[
        ("MSS", 1440), ("SAckOK", b""), ("Timestamp", (7, 0)), ("NOP", None), ("WScale", 10)]))
    # Every combination of the eight classic flags; URG ones carry an urgent pointer.
    for f in range(256):
        name = ",".join(FLAG_NAMES[i] for i in range(8) if f >> i & 1) or "none"
        urg = 0x1234 if f & 0x20 else 0
        c.add(f"TCP flags 0x{f:02x} {name}", eth() / ip4() / tcp(flags=f, urgptr=urg, seq=f * 1000,
                                                              ack=(f * 7919) & 0xFFFFFFFF, sport=1024 + f))
    c.add("TCP urgent pointer without URG", eth() / ip4() / tcp(flags="A", urgptr=0xFFFF))
    for f, name in ((0x102, "AE (NS) bit + SYN"), (0x1C2, "AE + ECE + CWR + SYN"),
                    (0xE10, "reserved bits 0xe00 + ACK"), (0xFFF, "all 12 flag bits")):
        c.add(f"TCP flags 0x{f:03x} {name}", eth() / ip4() / tcp(reserved=f >> 9, flags=f & 0x1FF,
                                                             urgptr=1 if f & 0x20 else 0))
    for sp, dp in ((0, 0), (65535, 65535), (1, 2)):
        c.add(f"TCP ports {sp}->{dp}", eth() / ip4() / tcp(sport=sp, dport=dp, flags="R"))
    for seq, ack, win in ((0, 0, 0), (0xFFFFFFFF, 0xFFFFFFFF, 65535), (0x80000000, 0x7FFFFFFF, 1)):
        c.add(f"TCP seq={seq:#x} ack={ack:#x} win={win}", eth() / ip4() / tcp(seq=seq, ack=ack, window=win, flags="A"))
    # Payloads.
    for n in (1, 100, 1400):
        c.add(f"TCP data {n} bytes", eth() / ip4() / tcp(flags="PA", seq=77, ack=88) / Raw(bytes(i & 0xFF for i in range(n))))
    c.add("TCP data 700 bytes over IPv6 with TS", eth() / ip6() / tcp(flags="PA", options=[
        ("NOP", None), ("NOP", None), ("Timestamp", (5, 6))]) / Raw(bytes(700)))
    # HTTP. tshark dissects HTTP on port 80 and 8080 by default.
    c.add("HTTP GET with query", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(http_get()))
    c.add("HTTP POST HTTP/1.0 port 8080", eth() / ip4() / tcp(dport=8080, flags="PA") / Raw(
        b"POST /submit HTTP/1.0\r\nHost: 10.0.0.1:8080\r\nContent-Length: 5\r\n\r\nhello"))
    # Secrets (masked in place under --payload; see tests/bpf/test_diff.sh).
    c.add("HTTP GET with secret headers and a folded cookie", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(
        b"GET /a?token=SECRET1&x=2 HTTP/1.1\r\nHost: s.example\r\nAuthorization: Bearer SECRET2\r\n"
        b"cookie: a=SECRET3\r\n  b=SECRET4\r\nX-Api-Key:SECRET5\r\nAccept: */*\r\n\r\n"
        b"GET /b?SECRET6 HTTP/1.1\r\nHost: s.example\r\n\r\n"))
    c.add("HTTP GET with a path parameter and userinfo", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(
        b"GET http://alice:SECRET9@s.example/a;jsessionid=SECRET10/b HTTP/1.1\r\nHost: s.example\r\n\r\n"))
    c.add("HTTP response with Set-Cookie", eth() / ip4() / tcp(sport=80, dport=40000, flags="PA") / Raw(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=SECRET7; Path=/\r\nContent-Length: 2\r\n\r\nok"))
    c.add("HTTP headers past the decoder's window", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(
        b"GET /big HTTP/1.1\r\nHost: s.example\r\nX-Pad: " + b"p" * 600 + b"\r\nCookie: SECRET8\r\n\r\n"))
    c.add("HTTP HEAD lower-case host header", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(
        b"HEAD / HTTP/1.1\r\nhost: lower.example\r\n\r\n"))
    for m in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        c.add(f"HTTP {m}", eth() / ip6() / tcp(dport=80, flags="PA") / Raw(
            m.encode() + b" /r/" + m.lower().encode() + b" HTTP/1.1\r\nHost: v6.example\r\n\r\n"))
    c.add("HTTP GET headers cut before the blank line", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(
        b"GET /partial HTTP/1.1\r\nHost: part.example\r\n"))
    c.add("HTTP GET with options/TS", eth() / ip4() / tcp(dport=80, flags="PA", options=[
        ("NOP", None), ("NOP", None), ("Timestamp", (1, 2))]) / Raw(b"GET /ts HTTP/1.1\r\nHost: ts\r\n\r\n"))
    c.add("HTTP 200 response", eth() / ip4(src=V4_B, dst=V4_A) / tcp(sport=80, dport=40000, flags="PA") / Raw(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"))
    c.add("HTTP 404 response", eth() / ip4(src=V4_B, dst=V4_A) / tcp(sport=80, dport=40000, flags="PA") / Raw(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    c.add("HTTP/1.0 503 response port 8080", eth() / ip4(src=V4_B, dst=V4_A) / tcp(sport=8080, dport=40001, flags="PA") / Raw(
        b"HTTP/1.0 503 Service Unavailable\r\n\r\n"))
    c.add("TLS ClientHello SNI+ALPN port 443", eth() / ip4() / tcp(dport=443, flags="PA") / Raw(tls_client_hello()))
    c.add("TLS ClientHello SNI only over IPv6", eth() / ip6() / tcp(dport=443, flags="PA") / Raw(
        tls_client_hello(sni=b"api.example.org", alpn=(b"http/1.1",))))
    return c


# ---------------------------------------------------------------- HTTP conversations

# Their own addresses: no flow of another file shares a connection with them.
HC4, HS4 = "192.0.2.20", "198.51.100.20"
HC6, HS6 = "2001:db8::20", "2001:db8::80"


class Conn:
    """One TCP connection of a capture: frames whose sequence numbers follow.

    c()/s() send from the client/server; seq= sends at an older position
    (a retransmission) or a newer one (a segment the capture lost), without
    moving the sender's stream position unless advance=True.
    """

    def __init__(self, cap, name, cport, sport, v6=False, cseq=1000, sseq=9000):
        self.cap, self.name, self.cport, self.sport, self.v6 = cap, name, cport, sport, v6
        self.cseq, self.sseq = cseq, sseq

    def _ip(self, client):
        src, dst = ((HC6, HS6) if self.v6 else (HC4, HS4))
        if not client:
            src, dst = dst, src
        return ip6(src=src, dst=dst) if self.v6 else ip4(src=src, dst=dst)

    def _send(self, client, desc, data, flags, seq, advance):
        mine = self.cseq if client else self.sseq
        theirs = self.sseq if client else self.cseq
        at = mine if seq is None else seq
        sp, dp = (self.cport, self.sport) if client else (self.sport, self.cport)
        e = eth() if client else eth(src=MAC_B, dst=MAC_A)
        t = TCP(sport=sp, dport=dp, seq=at, ack=theirs if "A" in flags else 0, flags=flags, window=64240)
        p = e / self._ip(client) / t
        if data:
            p = p / Raw(data)
        self.cap.add(f"{self.name}: {'client' if client else 'server'} {desc}", p)
        if seq is None or advance:
            end = at + len(data) + (1 if "S" in flags else 0) + (1 if "F" in flags else 0)
            if client:
                self.cseq = end
            else:
                self.sseq = end

    def c(self, desc, data=b"", flags="PA", seq=None, advance=False):
        self._send(True, desc, data, flags, seq, advance)

    def s(self, desc, data=b"", flags="PA", seq=None, advance=False):
        self._send(False, desc, data, flags, seq, advance)

    def handshake(self):
        self.c("SYN", flags="S")
        self.s("SYN-ACK", flags="SA")
        self.c("ACK", flags="A")

    def close(self):
        self.c("FIN", flags="FA")
        self.s("FIN", flags="FA")
        self.c("ACK of FIN", flags="A")


def req(method, path, headers=(), body=b"", ua=b"rxray-corpus/1.0"):
    h = method + b" " + path + b" HTTP/1.1\r\nHost: api.example\r\n"
    if ua:
        h += b"User-Agent: " + ua + b"\r\n"
    for line in headers:
        h += line + b"\r\n"
    return h + b"\r\n" + body


def resp(code, reason, headers=(), body=b"", clen=True, minor=b"1"):
    h = b"HTTP/1." + minor + b" " + str(code).encode() + b" " + reason + b"\r\n"
    if clen:
        h += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    for line in headers:
        h += line + b"\r\n"
    return h + b"\r\n" + body


def gen_http():
    """HTTP/1.x conversations for the trackers (TCP health, transactions).

    Short in capture time (a millisecond between frames): an answer comes
    well within the datapath's request timeout in pcap time as in run time,
    so bpf_diff can compare the native and BPF trackers on it.
    """
    c = Capture("http.pcap", step_us=1000)
    # keep-alive: two transactions, query string, templated ids
    k = Conn(c, "keep-alive", 41001, 80)
    k.handshake()
    k.c("GET /users/42", req(b"GET", b"/users/42"))
    k.s("200 with Content-Length", resp(200, b"OK", (b"Content-Type: application/json",), b'{"id": 42}'))
    k.c("ACK", flags="A")
    k.c("GET /users/43?fields=name", req(b"GET", b"/users/43?fields=name"))
    k.s("404", resp(404, b"Not Found"))
    k.c("GET /static/css/site.css", req(b"GET", b"/static/css/site.css"))
    k.s("304, no body", resp(304, b"Not Modified", clen=False))
    k.close()
    # pipelining: three requests in one segment, three responses in one
    p = Conn(c, "pipelined", 41002, 80)
    p.handshake()
    p.c("3 requests in one segment", req(b"GET", b"/a") +
        req(b"GET", b"/orders/550e8400-e29b-41d4-a716-446655440000") +
        req(b"HEAD", b"/files/deadbeefcafe1234"))
    p.s("3 responses in one segment (the last to HEAD: no body)", resp(200, b"OK", body=b"ok") +
        resp(200, b"OK", body=b"order") + resp(200, b"OK", (b"Content-Length: 1000",), clen=False))
    # two requests in their own segments, the first answer split: body then the second answer
    p.c("GET /b (pipelined)", req(b"GET", b"/b"))
    p.c("GET /c (pipelined)", req(b"GET", b"/c"))
    p.s("200 headers of /b, body to follow", resp(200, b"OK", (b"Content-Length: 10",), clen=False))
    p.s("body of /b, then the answer to /c in the same segment",
        b"0123456789" + resp(204, b"No Content", clen=False))
    p.c("FIN", flags="FA")
    p.s("FIN, /c never answered where the tracker looks", flags="FA")
    p.c("ACK of FIN", flags="A")
    # a response split over segments: headers cut, then a status line cut
    sp = Conn(c, "split", 41003, 8080)
    sp.handshake()
    sp.c("GET /big", req(b"GET", b"/big"))
    sp.s("200, headers cut before Content-Length ends",
         b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Le")
    sp.s("rest of the headers and the body", b"ngth: 20\r\n\r\n" + b"x" * 20)
    sp.c("GET /cut", req(b"GET", b"/cut"))
    sp.s("a status line cut after 10 bytes", b"HTTP/1.1 2")
    sp.s("the rest of that status line", b"00 OK\r\nContent-Length: 0\r\n\r\n")
    sp.c("GET /next", req(b"GET", b"/next", ua=b""))
    sp.s("200, short", resp(200, b"OK", body=b"k"))
    sp.close()
    # not cut responses: a one-byte body "H" in a segment of its own (a
    # prefix of "HTTP/1."), and a cut interim "HTTP/1.1 10" (100 Continue):
    # neither may give up a request; both requests pair with their answers
    nc = Conn(c, "notcut", 41013, 8080)
    nc.handshake()
    nc.c("GET /h1 and GET /h2, pipelined", req(b"GET", b"/h1") + req(b"GET", b"/h2", ua=b""))
    nc.s("200 headers, Content-Length 1", b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n")
    nc.s("its body: one byte 'H'", b"H")
    nc.s("200 for /h2", resp(200, b"OK", body=b"k"))
    nc.c("POST /up, Expect: 100-continue",
         req(b"POST", b"/up", headers=(b"Content-Length: 2", b"Expect: 100-continue"), ua=b""))
    nc.s("an interim status line cut: HTTP/1.1 10", b"HTTP/1.1 10")
    nc.s("the rest of it", b"0 Continue\r\n\r\n")
    nc.c("the body", b"ok")
    nc.s("201 for /up", resp(201, b"Created", body=b""))
    nc.close()
    # chunked bodies both ways, a body to the close
    ch = Conn(c, "chunked", 41004, 80)
    ch.handshake()
    ch.c("POST /upload chunked, first chunk in the head's segment",
         req(b"POST", b"/upload", (b"Transfer-Encoding: chunked",), b"5\r\nhello\r\n"))
    ch.c("second chunk", b"6\r\n world\r\n")
    ch.c("last chunk", b"0\r\n\r\n")
    ch.s("200 chunked, first chunk", resp(200, b"OK", (b"Transfer-Encoding: chunked",), b"4\r\nabcd\r\n",
                                          clen=False))
    ch.s("last chunks", b"3\r\nefg\r\n0\r\n\r\n")
    ch.c("GET /after (keep-alive)", req(b"GET", b"/after"))
    ch.s("200 to the close, no length", resp(200, b"OK", (b"Connection: close",), b"bye", clen=False))
    ch.s("more body and FIN", b"!!", flags="FPA")
    ch.c("FIN", flags="FA")
    ch.s("ACK of FIN", flags="A")
    # retransmissions: a SYN, a request, a response
    r = Conn(c, "retransmit", 41005, 80)
    r.c("SYN", flags="S")
    r.c("SYN again", flags="S", seq=r.cseq - 1)
    r.s("SYN-ACK", flags="SA")
    r.c("ACK", flags="A")
    g = req(b"GET", b"/retry")
    r.c("GET /retry", g)
    r.c("GET /retry again", g, seq=r.cseq - len(g))
    d = resp(200, b"OK", body=b"done")
    r.s("200", d)
    r.s("200 again", d, seq=r.sseq - len(d))
    r.close()
    # the end of a connection with a request in flight
    f = Conn(c, "client-fin", 41006, 80)
    f.handshake()
    f.c("GET /slow with FIN (half-close)", req(b"GET", b"/slow"), flags="FPA")
    f.s("200 after the client's FIN", resp(200, b"OK", body=b"ok"))
    f.s("FIN", flags="FA")
    f.c("ACK of FIN", flags="A")
    f = Conn(c, "server-fin", 41007, 80)
    f.handshake()
    f.c("GET /never", req(b"GET", b"/never"))
    f.s("FIN, no answer", flags="FA")
    f.c("FIN", flags="FA")
    f = Conn(c, "client-rst", 41008, 80)
    f.handshake()
    f.c("GET /abort", req(b"GET", b"/abort"))
    f.c("RST", flags="R")
    f = Conn(c, "server-rst", 41009, 80)
    f.handshake()
    f.c("GET /reset", req(b"GET", b"/reset"))
    f.s("RST", flags="RA")
    # IPv6: request bodies, a long User-Agent, 100-continue, errors
    v = Conn(c, "v6", 41010, 8080, v6=True)
    v.handshake()
    v.c("POST /api/v2/items with a body", req(b"POST", b"/api/v2/items", (b"Content-Length: 11",), b"name=widget",
                                              ua=b"Mozilla/5.0 (X11; Linux x86_64) " + b"corpus-" * 20))
    v.s("500", resp(500, b"Internal Server Error", body=b"oops!"))
    v.c("PUT /api/v2/items/77, Expect: 100-continue",
        req(b"PUT", b"/api/v2/items/77", (b"Content-Length: 4", b"Expect: 100-continue")))
    v.s("100 Continue", resp(100, b"Continue", clen=False))
    v.c("the PUT's body", b"data")
    v.s("200, empty", resp(200, b"OK"))
    v.c("DELETE /api/v2/items/77", req(b"DELETE", b"/api/v2/items/77"))
    v.s("204", resp(204, b"No Content", clen=False))
    v.c("OPTIONS *", b"OPTIONS * HTTP/1.1\r\nHost: api.example\r\n\r\n")
    v.s("200 HTTP/1.0", resp(200, b"OK", body=b"", minor=b"0"))
    v.close()
    # seen mid-stream (no handshake), the client on the lower port; an answer with no request
    m = Conn(c, "mid-stream", 443, 8080)
    m.c("GET /mid", req(b"GET", b"/mid"))
    m.s("200", resp(200, b"OK", body=b"mid"))
    m.s("a second 200 that nothing asked for", resp(200, b"OK", body=b"extra"))
    m.c("ACK", flags="A")
    # 17 requests in flight: one more than the tracker holds
    q = Conn(c, "pipe-full", 41011, 80)
    q.handshake()
    q.c("10 requests", b"".join(req(b"GET", b"/p/%d" % i, ua=b"") for i in range(10)))
    q.c("7 requests", b"".join(req(b"GET", b"/p/%d" % i, ua=b"") for i in range(10, 17)))
    ok = resp(200, b"OK")
    q.s("8 responses", ok * 8)
    q.s("8 responses", ok * 8)
    q.s("the 17th response", ok)
    q.close()
    # a server segment the capture lost: the requests in flight are given up
    g = Conn(c, "gap", 41012, 80)
    g.handshake()
    g.c("GET /g1", req(b"GET", b"/g1"))
    g.s("200", resp(200, b"OK"))
    g.c("GET /g2", req(b"GET", b"/g2"))
    g.c("GET /g3", req(b"GET", b"/g3"))
    lost = resp(200, b"OK", body=b"lost")
    g.s("200 to /g3, after the lost answer to /g2", resp(200, b"OK", body=b"g3"), seq=g.sseq + len(lost),
        advance=True)
    g.c("GET /g4, acknowledging all of it", req(b"GET", b"/g4"))
    g.s("200 to /g4", resp(200, b"OK"))
    g.close()
    return c


# ---------------------------------------------------------------- UDP / ICMP

def gen_udp_icmp():
    c = Capture("udp_icmp.pcap")
    c.add("UDP DNS query A example.com", eth() / ip4() / UDP(sport=53000, dport=53) /
          DNS(id=0x1234, rd=1, qd=DNSQR(qname="example.com", qtype="A")))
    c.add("UDP DNS response", eth() / ip4(src=V4_B, dst=V4_A) / UDP(sport=53, dport=53000) /
          DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com"),
              an=DNSRR(rrname="example.com", ttl=300, rdata="93.184.216.34")))
    c.add("UDP DNS query AAAA over IPv6", eth() / ip6() / UDP(sport=53001, dport=53) /
          DNS(id=7, rd=1, qd=DNSQR(qname="example.org", qtype="AAAA")))
    c.add("UDP empty payload (length 8)", eth() / ip4() / udp())
    c.add("UDP checksum zero", eth() / ip4() / udp(chksum=0) / Raw(b"nochecksum"))
    c.add("UDP ports 0 -> 65535", eth() / ip4() / UDP(sport=0, dport=65535) / Raw(b"edge"))
    c.add("UDP 1200-byte payload", eth() / ip4() / udp() / Raw(bytes(1200)))
    c.add("UDP over IPv6", eth() / ip6() / udp() / Raw(b"v6 udp"))
    c.add("UDP length smaller than IP payload (trailing bytes)",
          eth() / ip4() / udp(len=12) / Raw(b"abcdEXTRAEXTRA"))
    c.add("ICMP echo request", eth() / ip4() / ICMP(type=8, id=0x1111, seq=1) / Raw(b"ping-data-0123456789"))
    c.add("ICMP echo reply", eth() / ip4(src=V4_B, dst=V4_A) / ICMP(type=0, id=0x1111, seq=1) / Raw(b"ping-data-0123456789"))
    c.add("ICMP dest unreachable port (3/3) quoting IP/UDP", eth() / ip4(src=V4_B, dst=V4_A) / ICMP(type=3, code=3) /
          IPerror(src=V4_A, dst=V4_B, id=77) / UDPerror(sport=40000, dport=5002, len=16) / Raw(b"quoted!!"))
    c.add("ICMP dest unreachable frag needed (3/4)", eth() / ip4(src=V4_B, dst=V4_A) / ICMP(type=3, code=4, nexthopmtu=1400) /
          IPerror(src=V4_A, dst=V4_B, flags="DF") / TCPerror(sport=40000, dport=80, seq=1))
    c.add("ICMP time exceeded (11/0) quoting IP/TCP", eth() / ip4(src="203.0.113.9", dst=V4_A) / ICMP(type=11, code=0) /
          IPerror(src=V4_A, dst=V4_B, ttl=1) / TCPerror(sport=40000, dport=443, flags="S"))
    c.add("ICMP timestamp request (13)", eth() / ip4() / ICMP(type=13, id=1, seq=1, ts_ori=1000, ts_rx=0, ts_tx=0))
    c.add("ICMP unknown type 42 code 5", eth() / ip4() / ICMP(type=42, code=5) / Raw(bytes(8)))
    c.add("ICMPv6 echo request", eth() / ip6() / ICMPv6EchoRequest(id=0x2222, seq=3) / Raw(b"ping6"))
    c.add("ICMPv6 echo reply", eth() / ip6(src=V6_B, dst=V6_A) / ICMPv6EchoReply(id=0x2222, seq=3) / Raw(b"ping6"))
    c.add("ICMPv6 neighbour solicitation", eth(dst="33:33:ff:00:00:02") / IPv6(
        src=V6_A, dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=V6_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    c.add("ICMPv6 neighbour advertisement", eth(src=MAC_B, dst=MAC_A) / IPv6(src=V6_B, dst=V6_A, hlim=255) /
          ICMPv6ND_NA(tgt=V6_B, R=0, S=1, O=1))
    c.add("ICMPv6 router solicitation", eth(dst="33:33:00:00:00:02") / IPv6(src="fe80::1", dst="ff02::2", hlim=255) /
          ICMPv6ND_RS())
    c.add("ICMPv6 dest unreachable quoting IPv6/UDP", eth() / ip6(src=V6_B, dst=V6_A) / ICMPv6DestUnreach(code=4) /
          IPerror6(src=V6_A, dst=V6_B) / UDPerror(sport=40000, dport=5002) / Raw(b"q6"))
    c.add("ICMPv6 packet too big quoting IPv6/TCP", eth() / ip6(src=V6_B, dst=V6_A) / ICMPv6PacketTooBig(mtu=1280) /
          IPerror6(src=V6_A, dst=V6_B) / TCPerror(sport=40000, dport=80))
    c.add("ICMPv6 after hop-by-hop with router alert", v6([EXT["hopra"]], ICMPv6EchoRequest(), dst="ff02::16", hlim=1))
    return c


# ---------------------------------------------------------------- truncation

TRUNC_BASES = [
    ("eth/IPv6/TCP+opts", lambda: eth() / ip6(tc=0x28, fl=0x54321, hlim=57) / tcp(
        flags="PA", seq=0x01020304, ack=0x0A0B0C0D, options=[
            ("MSS", 1440), ("SAckOK", b""), ("Timestamp", (0x11223344, 0x55667788)), ("NOP", None),
            ("WScale", 7), ("NOP", None), ("NOP", None), ("SAck", (1, 2))]) / Raw(b"0123456789")),
    ("eth/IPv4+opts/TCP+opts", lambda: with_v4opts(eth() / ip4(id=0x2345, flags="DF", ttl=63, tos=0x10) / tcp(
        flags="S", options=[("MSS", 1460), ("NOP", None), ("WScale", 8), ("SAckOK", b""),
                            ("Timestamp", (1, 0))]) / Raw(b"abcdef"), OPT_RA + OPT_NOP * 4)),
    ("eth/QinQ/IPv6/hop+frag/UDP", lambda: eth() / Dot1AD(prio=1, vlan=10) / Dot1Q(prio=2, id=1, vlan=20) /
        Ether(bytes(v6([EXT["hop"], ("frag", 0, 0, 0x77)], udp() / Raw(b"xyz"))))[IPv6]),
    ("eth/IPv4/ICMP echo", lambda: eth() / ip4() / ICMP(id=1, seq=1) / Raw(b"abcd")),
]


def gen_trunc():
    snap = Capture("trunc_snaplen.pcap")
    short = Capture("trunc_short.pcap")
    for name, mk in TRUNC_BASES:
        full = bytes(mk())
        for n in range(len(full) + 1):
            snap.add(f"{name} ({len(full)} B) captured {n} B (snaplen cut)", full[:n], wirelen=len(full))
            short.add(f"{name} ({len(full)} B) short frame of {n} B", full[:n])
    return [snap, short]


# ---------------------------------------------------------------- malformed

def raw_ip4(ihl_field, total_len, proto, payload, opts=b"", ver=4, frag=0):
    hdr = struct.pack(">BBHHHBBH4s4s", (ver << 4) | ihl_field, 0, total_len, 0x0BAD, frag, 64, proto, 0,
                      bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2])) + opts
    return hdr + payload


def raw_tcp(doff, flags=0x02, opts=b"", payload=b""):
    return struct.pack(">HHIIBBHHH", 40000, 5001, 1, 0, doff << 4, flags, 1024, 0, 0) + opts + payload


def gen_malformed():
    c = Capture("malformed.pcap")
    E = bytes(eth(type=0x0800))
    E6 = bytes(eth(type=0x86DD))
    t20 = raw_tcp(5)
    for ihl in range(5):
        c.add(f"IPv4 ihl={ihl} (<5)", E + raw_ip4(ihl, 40, 6, t20))
    c.add("IPv4 ihl=15 but frame ends after 20 bytes of header", E + raw_ip4(15, 60, 6, b""))
    for tl in (0, 10, 19):
        c.add(f"IPv4 total length {tl} < 20", E + raw_ip4(5, tl, 6, t20))
    c.add("IPv4 total length 23 < ihl 24 (with options)", E + raw_ip4(6, 23, 6, t20, opts=OPT_RA))
    c.add("IPv4 total length exceeds frame", E + raw_ip4(5, 1000, 6, t20))
    c.add("IPv4 total length cuts TCP header (ip.len=30)", E + raw_ip4(5, 30, 6, t20))
    c.add("IPv4 version 0 in 0x0800 frame", E + raw_ip4(5, 40, 6, t20, ver=0))
    c.add("IPv4 version 5 in 0x0800 frame", E + raw_ip4(5, 40, 6, t20, ver=5))
    # IPv4 option lengths.
    for name, o in (("len 0", bytes([7, 0, 4, 0])), ("len 1", bytes([148, 1, 0, 0])),
                    ("len past header", bytes([7, 11, 4, 0])),
                    ("RA then len past header", OPT_RA + bytes([131, 20, 4, 0])),
                    ("type only at last byte", OPT_NOP * 3 + bytes([148]))):
        c.add(f"IPv4 option {name}", E + raw_ip4(5 + len(o) // 4, 20 + len(o) + 20, 6, t20, opts=o))
    # TCP data offset.
    for doff in range(5):
        c.add(f"TCP data offset {doff} (<5)", E + raw_ip4(5, 40, 6, raw_tcp(doff)))
    c.add("TCP data offset 15 but only 20 bytes of TCP", E + raw_ip4(5, 40, 6, raw_tcp(15)))
    c.add("TCP data offset 8 past ip.len (frame has the bytes)", E + raw_ip4(5, 40, 6, raw_tcp(8, opts=bytes(12))))
    # TCP option lengths.
    tcpopts = [
        ("MSS len 0", bytes([2, 0, 5, 0xB4])),
        ("MSS len 1", bytes([2, 1, 5, 0xB4])),
        ("MSS len 3", bytes([2, 3, 5, 0xB4])),
        ("MSS len 5", bytes([2, 5, 5, 0xB4, 0, 0, 0, 0])),
        ("unknown kind len 0", bytes([99, 0, 1, 1])),
        ("unknown kind len 1", bytes([99, 1, 1, 1])),
        ("timestamps running past header", bytes([1, 1, 8, 10, 0, 0, 0, 1])),
        ("SACK len 3", bytes([1, 1, 5, 3])),
        ("SACK len 11 (not 2+8n)", bytes([1, 5, 11]) + bytes(9)),
        ("SACK len 42 past header", bytes([1, 1, 5, 42]) + bytes(8)),
        ("kind at last byte (no length)", bytes([1, 1, 1, 2])),
        ("WS len 2", bytes([3, 2, 1, 1])),
        ("WS shift 15 (>14)", bytes([1, 3, 3, 15])),
        ("SACK-permitted len 3", bytes([4, 3, 0, 1])),
        ("TS len 8", bytes([8, 8, 0, 0, 0, 1, 0, 0])),
        ("valid MSS then len 0", bytes([2, 4, 5, 0xB4, 3, 0, 0, 0])),
    ]
    for name, o in tcpopts:
        assert len(o) % 4 == 0
        seg = raw_tcp(5 + len(o) // 4, 0x02, o)
        c.add(f"TCP option {name}", E + raw_ip4(5, 20 + len(seg), 6, seg))
    # UDP length.
    for ul in (0, 1, 7):
        u = struct.pack(">HHHH", 40000, 5002, ul, 0) + b"data"
        c.add(f"UDP length {ul} (<8)", E + raw_ip4(5, 20 + len(u), 17, u))
    u = struct.pack(">HHHH", 40000, 5002, 500, 0) + b"data"
    c.add("UDP length 500 > IP payload 12", E + raw_ip4(5, 20 + len(u), 17, u))
    c.add("UDP header cut by ip.len (ip.len=24)", E + raw_ip4(5, 24, 17, struct.pack(">HHHH", 1, 2, 8, 0)))
    # IPv6.
    ip6h = bytes(ip6(nh=6, plen=20))
    c.add("IPv6 version 4 in 0x86dd frame", E6 + bytes([0x40]) + ip6h[1:] + t20)
    c.add("IPv6 plen 0 with TCP after", E6 + bytes(ip6(nh=6, plen=0)) + t20)
    c.add("IPv6 plen 1000 exceeds frame", E6 + bytes(ip6(nh=6, plen=1000)) + t20)
    c.add("IPv6 plen 10 < hop-by-hop + UDP", E6 + bytes(ip6(nh=0, plen=10)) + ext_bytes(EXT["hop"], 17) +
          struct.pack(">HHHH", 40000, 5002, 8, 0))
    c.add("IPv6 hop-by-hop length past frame", E6 + bytes(ip6(nh=0, plen=16)) + bytes([17, 5]) + bytes(14))
    c.add("IPv6 AH length past frame", E6 + bytes(ip6(nh=51, plen=12)) + bytes([6, 20]) + bytes(10))
    # ICMP.
    c.add("ICMP 1 byte only", E + raw_ip4(5, 21, 1, b"\x08"))
    c.add("ICMP 4 bytes (type code checksum)", E + raw_ip4(5, 24, 1, b"\x08\x00\xf7\xff"))
    c.add("ICMP error quoting 4 bytes of IP", bytes(eth() / ip4() / ICMP(type=3, code=1)) + bytes(4))
    # VLAN.
    vl = bytes(eth() / Dot1Q(vlan=9, prio=4) / ip4() / udp())
    c.add("VLAN tag cut after 2 bytes of TCI", vl[:16])
    c.add("VLAN tag cut after TCI (no inner type)", vl[:17])
    c.add("VLAN tag complete, nothing after", vl[:18])
    c.add("QinQ second tag cut", bytes(eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / ip4())[:20])
    c.add("Ethernet 13 bytes", bytes(eth() / ip4())[:13])
    return c


# ---------------------------------------------------------------- timestamps / pcapng

def gen_nanosec():
    c = Capture("nanosec.pcap", nano=True)
    p = eth() / ip4() / udp() / Raw(b"ns")
    for sec, ns in ((BASE_SEC, 0), (BASE_SEC, 1), (BASE_SEC, 123456789), (BASE_SEC, 999999999),
                    (BASE_SEC + 1, 500000000), (0, 1), (2000000000, 999999999)):
        c.add(f"nanosecond timestamp {sec}.{ns:09d}", p, ts=(sec, ns))
    return c


def gen_pcapng(outdir, manifest):
    """A few packets as pcapng: scapy's PcapNgWriter, else editcap -F pcapng."""
    pkts = [
        ("pcapng IPv4/TCP SYN with options", eth() / ip4() / tcp(flags="S", options=[("MSS", 1460), ("WScale", 3)])),
        ("pcapng IPv6/UDP", eth() / ip6() / udp() / Raw(b"ng")),
        ("pcapng 1 VLAN tag IPv4/ICMP", eth() / Dot1Q(vlan=42, prio=6) / ip4() / ICMP()),
        ("pcapng ARP", eth(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_A, psrc=V4_A,
                                                           hwdst="00:00:00:00:00:00", pdst=V4_B)),
        ("pcapng HTTP GET", eth() / ip4() / tcp(dport=80, flags="PA") / Raw(http_get())),
        ("pcapng snaplen-cut IPv4/TCP (caplen 60 < len)", eth() / ip4() / tcp(flags="PA") / Raw(bytes(200))),
    ]
    recs = []
    for i, (desc, p) in enumerate(pkts):
        data = bytes(p)
        cap = data[:60] if "snaplen-cut" in desc else data
        recs.append((desc, cap, len(data), (BASE_SEC + 100 + i, (i * 250001) % 1000000)))
    path = os.path.join(outdir, "mixed.pcapng")
    manifest["mixed.pcapng"] = [d for d, _ in pkts]
    w = None
    try:
        from scapy.utils import PcapNgWriter
        w = PcapNgWriter(path)
        w._write_header(None)  # SHB + IDB (DLT_EN10MB, microsecond resolution)
        for _desc, cap, wirelen, (sec, usec) in recs:
            # A Decimal keeps the microseconds exact through scapy's ts * 1e6.
            w._write_packet(cap, sec=Decimal(sec) + Decimal(usec) / 1000000, caplen=len(cap), wirelen=wirelen)
        w.close()
    except (ImportError, AttributeError, TypeError):
        # scapy 2.6 (Debian 13) changed these private methods and fails after
        # buffering the section header: close it now, or its late flush
        # overwrites the start of the file editcap writes below.
        if w is not None:
            w.close()
        tmp = Capture("mixed.tmp.pcap")
        tmp.recs = recs
        tmp.write_pcap(path + ".tmp.pcap")
        subprocess.run(["editcap", "-F", "pcapng", path + ".tmp.pcap", path], check=True)
        os.unlink(path + ".tmp.pcap")


def main(argv):
    if len(argv) != 2:
        print("usage: gen_corpus.py OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    caps = [gen_l2(), gen_ipv4(), gen_ipv6(), gen_tcp(), gen_http(), gen_udp_icmp()] + gen_trunc() + \
        [gen_malformed(), gen_nanosec(), gen_tls()]
    manifest = {}
    for c in caps:
        c.write_pcap(os.path.join(outdir, c.name))
        manifest[c.name] = [d for d, _, _, _ in c.recs]
    gen_pcapng(outdir, manifest)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

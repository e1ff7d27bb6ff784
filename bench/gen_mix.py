#!/usr/bin/python3
"""Write a large mixed-traffic pcap for bench/offline.sh.

    /usr/bin/python3 bench/gen_mix.py OUT.pcap [PACKETS] [DISTINCT]

Builds DISTINCT (default 2000) different frames with scapy, then writes
PACKETS (default 200000) records by cycling through them with struct: scapy
would take minutes for 200k packets, the replication takes a second.
Deterministic: a fixed seed and fixed timestamps, so two runs write
byte-identical files. Classic pcap, microseconds, DLT_EN10MB.

The mix, by share of distinct frames (the replicated file keeps it):

  TCP over IPv4   SYN / SYN-ACK with Linux's options, ACKs with timestamps,
                  SACK ACKs, HTTP/1.1 GET/POST requests and responses
  UDP over IPv4   DNS queries and answers, other datagrams
  IPv6            TCP (SYN with options, HTTP, ACK), UDP DNS, ICMPv6 echo,
                  extension header chains
  VLAN            802.1Q and QinQ (802.1ad + 802.1Q) tagged IPv4 TCP/UDP
  other           ICMP echo, IPv4 fragments, ARP
"""

import logging
import random
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
)
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

BASE_SEC = 1700000000
MAC_C = "02:00:00:00:00:01"
MAC_S = "02:00:00:00:00:02"

PATHS = ["/api/v1/users/{}", "/api/v1/orders/{}/items", "/health", "/api/v2/search?q=item{}",
         "/static/app.{}.js", "/api/v1/users/{}/settings", "/metrics", "/login"]
AGENTS = ["curl/7.88.1", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/115.0",
          "python-requests/2.28.1", "Go-http-client/1.1", "wrk"]
NAMES = ["www.example.com", "api.example.org", "cdn.example.net", "mail.example.com",
         "db.internal.example", "auth.example.io"]


def syn_opts(rng):
    return [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (rng.getrandbits(32), 0)),
            ("NOP", None), ("WScale", 7)]


def ts_opts(rng):
    return [("NOP", None), ("NOP", None),
            ("Timestamp", (rng.getrandbits(32), rng.getrandbits(32)))]


def http_request(rng, i):
    path = rng.choice(PATHS).format(rng.randrange(1, 100000))
    method = "POST" if i % 5 == 0 else "GET"
    body = b""
    if method == "POST":
        body = b'{"name":"item%d","qty":%d}' % (i, rng.randrange(1, 50))
    head = (f"{method} {path} HTTP/1.1\r\nHost: api.example.com\r\n"
            f"User-Agent: {rng.choice(AGENTS)}\r\nAccept: application/json\r\n"
            f"X-Request-Id: {rng.getrandbits(64):016x}\r\n")
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def http_response(rng, i):
    status = rng.choice(["200 OK"] * 8 + ["404 Not Found", "500 Internal Server Error"])
    body = b'{"id":%d,"items":[%s]}' % (i, b",".join(b"%d" % rng.randrange(1000)
                                                     for _ in range(rng.randrange(1, 300))))
    head = (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nServer: nginx/1.22.1\r\n\r\n")
    return (head.encode() + body)[:1400]


def ipv4_tcp(rng, i, ip_cls=IP):
    c = f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    s = f"192.0.2.{rng.randrange(1, 20)}"
    sp = rng.randrange(32768, 61000)
    kind = rng.randrange(10)
    if kind == 0:
        return ip_cls(src=c, dst=s) / TCP(sport=sp, dport=80, flags="S", options=syn_opts(rng))
    if kind == 1:
        return ip_cls(src=s, dst=c) / TCP(sport=80, dport=sp, flags="SA", ack=1,
                                          options=syn_opts(rng))
    if kind in (2, 3, 4):
        return ip_cls(src=c, dst=s) / TCP(sport=sp, dport=80, flags="PA", seq=rng.getrandbits(32),
                                          ack=rng.getrandbits(32), options=ts_opts(rng)) / \
            Raw(http_request(rng, i))
    if kind in (5, 6):
        return ip_cls(src=s, dst=c) / TCP(sport=80, dport=sp, flags="PA", seq=rng.getrandbits(32),
                                          ack=rng.getrandbits(32), options=ts_opts(rng)) / \
            Raw(http_response(rng, i))
    if kind == 7:
        a = rng.getrandbits(31)
        return ip_cls(src=c, dst=s) / TCP(sport=sp, dport=80, flags="A", ack=a,
                                          options=[("NOP", None), ("NOP", None),
                                                   ("SAck", (a + 1000, a + 2448))])
    return ip_cls(src=c, dst=s) / TCP(sport=sp, dport=443, flags="A", seq=rng.getrandbits(32),
                                      ack=rng.getrandbits(32), options=ts_opts(rng))


def ipv4_udp(rng, i):
    c = f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    name = rng.choice(NAMES)
    qid = rng.getrandbits(16)
    kind = rng.randrange(4)
    if kind == 0:
        return IP(src=c, dst="192.0.2.53") / UDP(sport=rng.randrange(1024, 65535), dport=53) / \
            DNS(id=qid, rd=1, qd=DNSQR(qname=name))
    if kind == 1:
        return IP(src="192.0.2.53", dst=c) / UDP(sport=53, dport=rng.randrange(1024, 65535)) / \
            DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name),
                an=DNSRR(rrname=name, rdata=f"198.51.100.{rng.randrange(1, 255)}"))
    return IP(src=c, dst="192.0.2.9") / UDP(sport=rng.randrange(1024, 65535), dport=9999) / \
        Raw(bytes(rng.getrandbits(8) for _ in range(rng.randrange(8, 400))))


def ipv6(rng, i):
    c = f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(1, 65535):x}"
    s = "2001:db8::80"
    sp = rng.randrange(32768, 61000)
    kind = rng.randrange(8)
    if kind == 0:
        return IPv6(src=c, dst=s) / TCP(sport=sp, dport=80, flags="S", options=syn_opts(rng))
    if kind in (1, 2):
        return IPv6(src=c, dst=s) / TCP(sport=sp, dport=80, flags="PA", options=ts_opts(rng)) / \
            Raw(http_request(rng, i))
    if kind == 3:
        return IPv6(src=c, dst=s) / TCP(sport=sp, dport=443, flags="A", options=ts_opts(rng))
    if kind == 4:
        return IPv6(src=c, dst="2001:db8::53") / UDP(sport=sp, dport=53) / \
            DNS(id=rng.getrandbits(16), rd=1, qd=DNSQR(qname=rng.choice(NAMES), qtype="AAAA"))
    if kind == 5:
        return IPv6(src=c, dst=s) / ICMPv6EchoRequest(id=rng.getrandbits(16), seq=i & 0xffff,
                                                      data=b"x" * 56)
    if kind == 6:
        return IPv6(src=c, dst=s) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=[s]) / \
            IPv6ExtHdrDestOpt() / TCP(sport=sp, dport=80, flags="A", options=ts_opts(rng))
    return IPv6(src=c, dst=s) / IPv6ExtHdrFragment(offset=0, m=1, id=rng.getrandbits(32)) / \
        UDP(sport=sp, dport=9999) / Raw(b"y" * 200)


def other(rng, i):
    c = f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    kind = rng.randrange(3)
    if kind == 0:
        return Ether(src=MAC_C, dst=MAC_S) / IP(src=c, dst="192.0.2.1") / \
            ICMP(id=rng.getrandbits(16), seq=i & 0xffff) / Raw(b"p" * 56)
    if kind == 1:
        return Ether(src=MAC_C, dst=MAC_S) / IP(src=c, dst="192.0.2.9", proto=17, id=i & 0xffff,
                                                frag=185) / Raw(b"f" * 300)
    return Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=c, pdst="10.0.0.1",
                                                           hwsrc=MAC_C)


def frame(rng, i):
    r = rng.random()
    if r < 0.55:
        return Ether(src=MAC_C, dst=MAC_S) / ipv4_tcp(rng, i)
    if r < 0.70:
        return Ether(src=MAC_C, dst=MAC_S) / ipv4_udp(rng, i)
    if r < 0.85:
        return Ether(src=MAC_C, dst=MAC_S) / ipv6(rng, i)
    if r < 0.90:
        return Ether(src=MAC_C, dst=MAC_S) / Dot1Q(vlan=100 + i % 10) / ipv4_tcp(rng, i)
    if r < 0.95:
        return Ether(src=MAC_C, dst=MAC_S) / Dot1AD(vlan=10) / Dot1Q(vlan=200 + i % 10) / \
            (ipv4_tcp(rng, i) if i % 2 else ipv4_udp(rng, i))
    return other(rng, i)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    distinct = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rng = random.Random(20240501)
    frames = [bytes(frame(rng, i)) for i in range(distinct)]
    rec = struct.Struct("<IIII")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(total):
            b = frames[i % distinct]
            usec = i * 10  # 100k packets/s of capture time
            f.write(rec.pack(BASE_SEC + usec // 1000000, usec % 1000000, len(b), len(b)))
            f.write(b)
    print(f"{out}: {total} packets ({distinct} distinct)", file=sys.stderr)


if __name__ == "__main__":
    main()

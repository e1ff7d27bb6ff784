#!/usr/bin/python3
"""Write samples/sample.pcap, the capture the README's first steps read.

    /usr/bin/python3 samples/make_sample.py [OUT]     (default: samples/sample.pcap)

A few seconds of a small JSON API's traffic, as a capture on the server's
side would hold it (Ethernet, microsecond pcap), with documentation
addresses only:

  - HTTP/1.1 over IPv4 to 192.0.2.10:8080, two keep-alive connections:
    GET /users/42, /users/7 and /users/42/orders (the routes /users/{id}
    and /users/{id}/orders), a 404, a POST with a JSON body (201) and a
    GET that fails with a 500;
  - HTTP/1.1 over IPv6 to [2001:db8::10]:8080: GET /users/1001, /health;
  - a TLS ClientHello to port 443 with SNI api.example and ALPN h2,
    http/1.1 (its ServerHello is left out: opaque bytes either way);
  - DNS over UDP: a query and its answer, a query on VLAN 100 and one on
    QinQ (outer 802.1ad tag 10, inner 802.1Q tag 20);
  - ICMP echo request and reply, ICMPv6 echo request and reply;
  - a UDP datagram in two IPv4 fragments (the second has no ports).

Every TCP connection opens with a three-way handshake (Linux's SYN options)
and closes with FIN/ACK, so `rxray requests` and `rxray stats` show
transactions with latencies and TCP health its handshakes.

Deterministic: no randomness, fixed timestamps (from 2024-12-05 12:00:00
UTC), fixed IP ids, sequence numbers and TCP timestamps, so running it again
writes the same file byte for byte (tests/pcap/test_sample.sh checks that).
"""

import logging
import os
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6  # noqa: E402
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

START_US = 1733400000 * 1000000  # 2024-12-05 12:00:00 UTC

MAC_CLIENT = "02:00:5e:10:00:20"  # the router's side (every client comes through it)
MAC_SERVER = "02:00:5e:10:00:10"
SERVER4, CLIENT4, CLIENT4B = "192.0.2.10", "198.51.100.7", "203.0.113.5"
SERVER6, CLIENT6 = "2001:db8::10", "2001:db8:1::20"
RESOLVER4 = "192.0.2.53"


class Capture:
    """Frames with a clock that the conversations move forward (microseconds)."""

    def __init__(self):
        self.now = START_US
        self.frames = []
        self.ipid = 0x4000

    def wait_ms(self, ms):
        self.now += int(round(ms * 1000))

    def add(self, pkt):
        if IP in pkt and pkt[IP].id == 1:
            # scapy's default id is 1 for every packet: give each its own, as a host does
            self.ipid += 1
            pkt[IP].id = self.ipid
        self.frames.append((self.now, bytes(pkt)))

    def write(self, path):
        with open(path, "wb") as f:
            # pcap, microseconds, snaplen 262144, DLT_EN10MB
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            for us, data in self.frames:
                f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(data), len(data)))
                f.write(data)


class Conn:
    """One TCP connection whose sequence numbers, ACKs and TCP timestamps follow."""

    def __init__(self, cap, client, server, cport, sport, isn=(1000000, 3000000), vlan=None):
        self.cap, self.client, self.server = cap, client, server
        self.cport, self.sport = cport, sport
        self.cseq, self.sseq = isn
        self.v6 = ":" in server
        self.ts = {True: 2000000 + cport, False: 7000000 + sport}

    def _send(self, from_client, flags, data=b""):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seq = self.cseq if from_client else self.sseq
        ack = self.sseq if from_client else self.cseq
        self.ts[from_client] += 1
        # (a SYN echoes no timestamp yet)
        tsopt = ("Timestamp", (self.ts[from_client], 0 if flags == "S" else self.ts[not from_client]))
        if "S" in flags:
            opts = [("MSS", 1460), ("SAckOK", b""), tsopt, ("NOP", None), ("WScale", 7)]
        else:
            opts = [("NOP", None), ("NOP", None), tsopt]
        l2 = (Ether(src=MAC_CLIENT, dst=MAC_SERVER) if from_client
              else Ether(src=MAC_SERVER, dst=MAC_CLIENT))
        l3 = IPv6(src=src, dst=dst, hlim=64) if self.v6 else IP(src=src, dst=dst, ttl=64, flags="DF")
        tcp = TCP(sport=sp, dport=dp, seq=seq, ack=ack if "A" in flags else 0, flags=flags,
                  window=64240 if "S" in flags else 502, options=opts)
        pkt = l2 / l3 / tcp
        if data:
            pkt = pkt / Raw(data)
        self.cap.add(pkt)
        end = seq + len(data) + ("S" in flags) + ("F" in flags)
        if from_client:
            self.cseq = end
        else:
            self.sseq = end

    def handshake(self, synack_ms=0.04, rtt_ms=0.3):
        self._send(True, "S")
        self.cap.wait_ms(synack_ms)
        self._send(False, "SA")
        self.cap.wait_ms(rtt_ms)
        self._send(True, "A")

    def exchange(self, request, response, latency_ms):
        """The client's request, the server's response latency_ms later, the client's ACK."""
        self.cap.wait_ms(0.2)
        self._send(True, "PA", request)
        self.cap.wait_ms(latency_ms)
        self._send(False, "PA", response)
        self.cap.wait_ms(0.1)
        self._send(True, "A")

    def close(self):
        self.cap.wait_ms(5)
        self._send(True, "FA")
        self.cap.wait_ms(0.05)
        self._send(False, "FA")
        self.cap.wait_ms(0.1)
        self._send(True, "A")


def request(method, path, body=b"", headers=()):
    h = [method + b" " + path + b" HTTP/1.1", b"Host: api.example:8080",
         b"User-Agent: curl/8.5.0", b"Accept: application/json"]
    h += list(headers)
    if body:
        h += [b"Content-Type: application/json", b"Content-Length: " + str(len(body)).encode()]
    return b"\r\n".join(h) + b"\r\n\r\n" + body


def response(code, reason, body=b""):
    h = [b"HTTP/1.1 " + str(code).encode() + b" " + reason,
         b"Date: Thu, 05 Dec 2024 12:00:00 GMT", b"Server: sample-api/1.0",
         b"Content-Type: application/json", b"Content-Length: " + str(len(body)).encode()]
    return b"\r\n".join(h) + b"\r\n\r\n" + body


def tls_client_hello(sni=b"api.example", alpn=(b"h2", b"http/1.1")):
    """A TLS 1.3 ClientHello record (RFC 8446 4.1.2) with SNI and ALPN."""
    def ext(t, body):
        return struct.pack(">HH", t, len(body)) + body
    names = struct.pack(">BH", 0, len(sni)) + sni
    protos = b"".join(struct.pack(">B", len(p)) + p for p in alpn)
    exts = (ext(0, struct.pack(">H", len(names)) + names) +
            ext(10, struct.pack(">HHH", 4, 0x001D, 0x0017)) +
            ext(13, struct.pack(">HHH", 4, 0x0403, 0x0804)) +
            ext(16, struct.pack(">H", len(protos)) + protos) +
            ext(43, struct.pack(">BHH", 4, 0x0304, 0x0303)))
    ciphers = struct.pack(">HHH", 0x1301, 0x1302, 0x1303)
    body = (struct.pack(">H", 0x0303) + bytes(range(32)) + b"\x00" +
            struct.pack(">H", len(ciphers)) + ciphers + b"\x01\x00" +
            struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def dns(cap, client, sport, qid, name, l2=None, answer="192.0.2.10"):
    """A query for NAME and its answer 2 ms later, optionally VLAN-tagged (l2: the tags)."""
    def frame(src_mac, dst_mac, ip, udp):
        e = Ether(src=src_mac, dst=dst_mac)
        return (e / l2() / ip / udp) if l2 else (e / ip / udp)
    q = DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype="A"))
    cap.add(frame(MAC_CLIENT, MAC_SERVER, IP(src=client, dst=RESOLVER4), UDP(sport=sport, dport=53) / q))
    cap.wait_ms(2)
    a = DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype="A"),
            an=DNSRR(rrname=name, ttl=300, rdata=answer))
    cap.add(frame(MAC_SERVER, MAC_CLIENT, IP(src=RESOLVER4, dst=client), UDP(sport=53, dport=sport) / a))


def build():
    cap = Capture()
    # the client looks the API up, pings it
    dns(cap, CLIENT4, 53001, 0x5a01, "api.example")
    cap.wait_ms(10)
    cap.add(Ether(src=MAC_CLIENT, dst=MAC_SERVER) / IP(src=CLIENT4, dst=SERVER4) /
            ICMP(type=8, id=0x0101, seq=1) / Raw(b"rxray-sample-ping"))
    cap.wait_ms(0.25)
    cap.add(Ether(src=MAC_SERVER, dst=MAC_CLIENT) / IP(src=SERVER4, dst=CLIENT4) /
            ICMP(type=0, id=0x0101, seq=1) / Raw(b"rxray-sample-ping"))

    # IPv4, keep-alive: three routes of two templates, a 404
    cap.wait_ms(40)
    a = Conn(cap, CLIENT4, SERVER4, 51000, 8080)
    a.handshake()
    a.exchange(request(b"GET", b"/users/42"),
               response(200, b"OK", b'{"id":42,"name":"Ada"}'), 1.9)
    a.exchange(request(b"GET", b"/users/7"),
               response(200, b"OK", b'{"id":7,"name":"Grace"}'), 2.4)
    a.exchange(request(b"GET", b"/users/42/orders"),
               response(200, b"OK", b'[{"order":1001},{"order":1002}]'), 12.5)
    a.exchange(request(b"GET", b"/nope"),
               response(404, b"Not Found", b'{"error":"not found"}'), 0.6)
    a.close()

    # IPv4, another client: a POST with a body, then a 500
    cap.wait_ms(30)
    b = Conn(cap, CLIENT4B, SERVER4, 51001, 8080, isn=(4000000, 6000000))
    b.handshake(synack_ms=0.05, rtt_ms=0.9)
    b.exchange(request(b"POST", b"/users", b'{"name":"Linus"}',
                       headers=(b"Authorization: Bearer sample-token-not-a-secret",)),
               response(201, b"Created", b'{"id":43,"name":"Linus"}'), 8.2)
    b.exchange(request(b"GET", b"/reports/2024"),
               response(500, b"Internal Server Error", b'{"error":"database timeout"}'), 250.0)
    b.close()

    # IPv6
    cap.wait_ms(20)
    c = Conn(cap, CLIENT6, SERVER6, 52000, 8080, isn=(7000000, 9000000))
    c.handshake(rtt_ms=0.4)
    c.exchange(request(b"GET", b"/users/1001"),
               response(200, b"OK", b'{"id":1001,"name":"Margaret"}'), 3.1)
    c.exchange(request(b"GET", b"/health"), response(200, b"OK", b'{"ok":true}'), 0.3)
    c.close()

    # TLS: a ClientHello with SNI and ALPN, then the connection closes
    cap.wait_ms(15)
    t = Conn(cap, CLIENT4, SERVER4, 51002, 443, isn=(11000000, 13000000))
    t.handshake()
    cap.wait_ms(0.2)
    t._send(True, "PA", tls_client_hello())
    cap.wait_ms(0.1)
    t._send(False, "A")
    t.close()

    # DNS on VLAN 100, and on QinQ (802.1ad tag 10 outside, 802.1Q tag 20 inside)
    cap.wait_ms(25)
    dns(cap, "198.51.100.8", 53002, 0x5a02, "api.example", l2=lambda: Dot1Q(vlan=100))
    cap.wait_ms(5)
    dns(cap, "198.51.100.9", 53003, 0x5a03, "db.example",
        l2=lambda: Dot1AD(vlan=10) / Dot1Q(vlan=20), answer="192.0.2.54")

    # ICMPv6 echo
    cap.wait_ms(10)
    cap.add(Ether(src=MAC_CLIENT, dst=MAC_SERVER) / IPv6(src=CLIENT6, dst=SERVER6) /
            ICMPv6EchoRequest(id=0x0202, seq=1) / Raw(b"rxray-sample-ping6"))
    cap.wait_ms(0.3)
    cap.add(Ether(src=MAC_SERVER, dst=MAC_CLIENT) / IPv6(src=SERVER6, dst=CLIENT6) /
            ICMPv6EchoReply(id=0x0202, seq=1) / Raw(b"rxray-sample-ping6"))

    # a 1,600-byte UDP datagram in two IPv4 fragments: the second carries no ports
    cap.wait_ms(10)
    dgram = bytes(UDP(sport=40000, dport=9999) / Raw(bytes(i % 251 for i in range(1600))))
    frag = dict(src=CLIENT4, dst=SERVER4, id=0x7a7a, proto=17)
    cap.add(Ether(src=MAC_CLIENT, dst=MAC_SERVER) / IP(flags="MF", frag=0, **frag) / Raw(dgram[:1480]))
    cap.add(Ether(src=MAC_CLIENT, dst=MAC_SERVER) / IP(frag=1480 // 8, **frag) / Raw(dgram[1480:]))
    return cap


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "sample.pcap")
    cap = build()
    cap.write(out)
    print(f"{out}: {len(cap.frames)} packets, {os.path.getsize(out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

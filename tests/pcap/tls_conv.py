#!/usr/bin/python3
"""TLS conversations for the TLS stage (datapath/tlsconn.h), written to a pcap:

    /usr/bin/python3 tests/pcap/tls_conv.py OUT.pcap

Three TLS 1.3 connections to d20.example with 4 exchanges each (the
first, the Finished's, answered by session tickets), a response record
that spans two segments and a segment holding two records; one TLS 1.2
connection to plain.example (ALPN h2,http/1.1) with 3 exchanges; one
ClientHello answered by an alert and one ended by an RST (failed
handshakes). Times step by 1 ms, the server answering after 20 ms.
"""
import struct
import sys
from scapy.all import Ether, IP, TCP, Raw, wrpcap


def rec(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


def client_hello(sni, alpn):
    name = sni.encode()
    exts = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    if alpn:
        lst = b"".join(bytes([len(a)]) + a.encode() for a in alpn)
        exts += ext(16, struct.pack("!H", len(lst)) + lst)
    exts += ext(43, b"\x04\x03\x04\x03\x03")
    body = struct.pack("!H", 0x0303) + b"\x11" * 32 + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return rec(22, hs)


def server_hello(v13):
    exts = ext(43, b"\x03\x04") if v13 else b""
    body = struct.pack("!H", 0x0303) + b"\x22" * 32 + b"\x00" + b"\x13\x01" + b"\x00"
    body += struct.pack("!H", len(exts)) + exts
    return rec(22, b"\x02" + struct.pack("!I", len(body))[1:] + body)


class Conn:
    def __init__(self, frames, cport, t):
        self.f, self.cport, self.t = frames, cport, t
        self.cseq, self.sseq = 1000, 5000
        self.c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="198.51.100.1")
        self.s = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src="198.51.100.1", dst="192.0.2.10")
        self.seg(0, "S", b"")
        self.seg(1, "SA", b"")
        self.seg(0, "A", b"")

    def seg(self, server, flags, data, dt=0.001):
        self.t += dt
        if server:
            p = self.s / TCP(sport=443, dport=self.cport, flags=flags, seq=self.sseq, ack=self.cseq)
            self.sseq += len(data) + (1 if "S" in flags else 0)
        else:
            p = self.c / TCP(sport=self.cport, dport=443, flags=flags, seq=self.cseq, ack=self.sseq)
            self.cseq += len(data) + (1 if "S" in flags else 0)
        if data:
            p = p / Raw(data)
        p.time = self.t
        self.f.append(p)


def main(out):
    frames = []
    for i in range(3):  # TLS 1.3, 4 exchanges (the first: tickets)
        c = Conn(frames, 40000 + i, 1700000000.0 + i)
        c.seg(0, "PA", client_hello("d20.example", ["http/1.1"]))
        c.seg(1, "PA", server_hello(True) + rec(20, b"\x01") + rec(23, b"E" * 900))
        c.seg(0, "PA", rec(20, b"\x01") + rec(23, b"F" * 53))
        c.seg(1, "PA", rec(23, b"T" * 200) + rec(23, b"T" * 200))
        for _ in range(3):
            c.seg(0, "PA", rec(23, b"Q" * 90))
            big = rec(23, b"R" * 2000)  # one record over two segments
            c.seg(1, "PA", big[:1200], dt=0.020)
            c.seg(1, "PA", big[1200:])
        c.seg(0, "PA", rec(21, b"\x01\x00"))
        c.seg(0, "FA", b"")
    c = Conn(frames, 41000, 1700000010.0)  # TLS 1.2, 3 exchanges
    c.seg(0, "PA", client_hello("plain.example", ["h2", "http/1.1"]))
    c.seg(1, "PA", server_hello(False) + rec(22, b"\x0b" + b"\x00" * 700))
    c.seg(0, "PA", rec(22, b"\x10" + b"\x00" * 40) + rec(20, b"\x01") + rec(22, b"\x00" * 40))
    c.seg(1, "PA", rec(20, b"\x01") + rec(22, b"\x00" * 40))
    for _ in range(3):
        c.seg(0, "PA", rec(23, b"Q" * 90))
        c.seg(1, "PA", rec(23, b"R" * 300), dt=0.020)
    c = Conn(frames, 42000, 1700000020.0)  # an alert answers the hello
    c.seg(0, "PA", client_hello("bad.example", []))
    c.seg(1, "PA", rec(21, b"\x02\x28"))
    c = Conn(frames, 42001, 1700000021.0)  # an RST ends it
    c.seg(0, "PA", client_hello("bad.example", []))
    c.seg(0, "RA", b"")
    wrpcap(out, frames)


if __name__ == "__main__":
    main(sys.argv[1])

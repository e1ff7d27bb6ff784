#!/usr/bin/python3
"""The frames bench/tls_cost times (scapy, tests/lib/tlshello.py), in this
order, each a shape of bench/tls_cost.c (TC_*):

  0 a browser's ClientHello (306 bytes) whole in one segment
  1 a non-TLS segment of as many payload bytes (TLS application data)
  2 the first piece (1448 bytes, an MSS) of a 1,800-byte ClientHello (a
    post-quantum key share's size: padding)
  3 its second piece (352 bytes), in sequence on the same connection
  4, 5 non-TLS segments as long as the two pieces

Each on a connection of its own (the pieces share one).

    /usr/bin/python3 bench/gen_tls.py OUT.pcap
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import tlshello  # noqa: E402

MSS = 1448
BIG = 1800


def main(argv):
    from scapy.all import Ether, IP, TCP, Raw, wrpcap
    hello = tlshello.chrome_like(b"bench.example.com")
    pad = BIG - len(tlshello.client_hello([0x1301, 0x1302], [tlshello.sni(b"big.example.com"),
                                                             tlshello.ext(21, b"")]))
    big = tlshello.client_hello([0x1301, 0x1302], [tlshello.sni(b"big.example.com"), tlshello.ext(21, bytes(pad))])
    assert len(big) == BIG

    def seg(sport, seq, payload):
        return (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="198.51.100.1") /
                TCP(sport=sport, dport=443, flags="PA", seq=seq, ack=1) / Raw(payload))
    def data(n):
        return b"\x17\x03\x03" + bytes(n - 3)  # application data, not a hello
    frames = [seg(41000, 1, hello), seg(41001, 1, data(len(hello))),
              seg(41002, 1, big[:MSS]), seg(41002, 1 + MSS, big[MSS:]),
              seg(41003, 1, data(MSS)), seg(41004, 1, data(BIG - MSS))]
    wrpcap(argv[1], frames)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

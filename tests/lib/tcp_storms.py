#!/usr/bin/python3
"""Storms for the alert tests (scapy, layer 2 on IFACE to DSTMAC): only to
and from documentation addresses, bounded counts.

  tcp_storms.py IFACE DSTMAC SRC DST rst|zerowin RATE SECONDS
      TCP RSTs, or ACKs advertising window 0, from SRC to DST (ports 40000+
      to 9) at about RATE a second for SECONDS.
  tcp_storms.py IFACE DSTMAC - DST surge N 0
      one UDP datagram to DST:5353 from each of N never-seen sources, half
      in 198.51.100.0/24, half in 203.0.113.0/24 (N <= 500), in one go.
Prints the time of the first frame (epoch seconds) and the number sent.
"""
import sys
import time

from scapy.all import IP, TCP, UDP, Ether, conf, get_if_hwaddr

IFACE, DSTMAC, SRC, DST, KIND = sys.argv[1:6]
RATE, SECS = float(sys.argv[6]), float(sys.argv[7])
eth = Ether(src=get_if_hwaddr(IFACE), dst=DSTMAC)
sock = conf.L2socket(iface=IFACE)
sent = 0
t0 = time.time()
if KIND == "surge":
    n = min(int(RATE), 500)
    srcs = ["198.51.100.%d" % (i + 1) for i in range(n // 2)] + \
        ["203.0.113.%d" % (i + 1) for i in range(n - n // 2)]
    frames = [bytes(eth / IP(src=s, dst=DST) / UDP(sport=33000, dport=5353) / b"hello")
              for s in srcs]
    t0 = time.time()
    for f in frames:
        sock.send(f)
        sent += 1
else:
    flags, win = ("R", 1024) if KIND == "rst" else ("A", 0)
    total = int(RATE * SECS)
    for i in range(total):
        sock.send(bytes(eth / IP(src=SRC, dst=DST) /
                        TCP(sport=40000 + i % 1000, dport=9, flags=flags, window=win,
                            seq=1000 + i, ack=1)))
        sent += 1
        # pace: frame i leaves at t0 + i / RATE
        lag = t0 + (i + 1) / RATE - time.time()
        if lag > 0:
            time.sleep(lag)
sock.close()
print("%.6f %d" % (t0, sent))

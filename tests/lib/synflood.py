#!/usr/bin/python3
"""A SYN flood for the tests (scapy): ROUNDS SYNs from each of 1,008
documentation addresses (198.51.100.1-254, 203.0.113.1-254,
2001:db8:5::1-1f4) to DST:PORT (DST6 for IPv6), sent on IFACE. Prints the
time of the first packet (epoch seconds), the number sent and the seconds
it took. With RATE, paced at RATE SYNs a second (else as fast as it can).

  synflood.py IFACE DSTMAC DST DST6 PORT ROUNDS [RATE]
"""
import sys
import time

from scapy.all import IP, IPv6, TCP, Ether, conf, get_if_hwaddr

IFACE, DSTMAC, DST, DST6 = sys.argv[1:5]
PORT, ROUNDS = int(sys.argv[5]), int(sys.argv[6])
RATE = float(sys.argv[7]) if len(sys.argv) > 7 else 0
SRC4 = ["198.51.100.%d" % i for i in range(1, 255)] + ["203.0.113.%d" % i for i in range(1, 255)]
SRC6 = ["2001:db8:5::%x" % i for i in range(1, 501)]
mac = get_if_hwaddr(IFACE)
eth = Ether(src=mac, dst=DSTMAC)
frames = []
for r in range(ROUNDS):
    for i, s in enumerate(SRC4):
        frames.append(bytes(eth / IP(src=s, dst=DST) / TCP(sport=10000 + r * 1000 + i % 1000,
                                                           dport=PORT, flags="S", seq=i)))
    for i, s in enumerate(SRC6):
        frames.append(bytes(eth / IPv6(src=s, dst=DST6) /
                            TCP(sport=10000 + r * 1000 + i % 1000, dport=PORT, flags="S", seq=i)))
sock = conf.L2socket(iface=IFACE)
t0 = time.time()
for i, f in enumerate(frames):
    if RATE:
        ahead = t0 + i / RATE - time.time()
        if ahead > 0:
            time.sleep(ahead)
    sock.send(f)
sock.close()
print("%.6f %d %.3f" % (t0, len(frames), time.time() - t0))

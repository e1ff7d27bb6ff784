#!/usr/bin/python3
"""The live tests' known traffic: known_pcap.py OUT.pcap DST_MAC

Sources 198.51.100.1..6 send i*7 packets each to 192.0.2.2, spread over UDP
ports 5000..5003 and TCP port 80 (SYNs), for tcpreplay onto a test veth.
"""
import sys
from scapy.all import Ether, IP, UDP, TCP, Raw, wrpcap

path, mac = sys.argv[1:3]
pkts = []
for i in range(1, 7):
    for j in range(i * 7):
        e = Ether(src="02:00:00:00:00:aa", dst=mac) / IP(src=f"198.51.100.{i}", dst="192.0.2.2")
        if j % 5 == 4:
            p = e / TCP(sport=30000 + j, dport=80, flags="S")
        else:
            p = e / UDP(sport=40000 + j, dport=5000 + j % 4) / Raw(b"k" * (j % 50))
        pkts.append(p)
wrpcap(path, pkts)

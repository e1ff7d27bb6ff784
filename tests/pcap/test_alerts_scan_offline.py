#!/usr/bin/env python3
"""rxray alerts -r: port_scan over a crafted capture, in the capture's time
(the native build of the datapath's scan maps, datapath/scan.h). The
capture: a client making 200 answered connections to one port (then one a
second to the end, at 100 s), UDP replies
to this host's own queries (30 ephemeral ports), then
  A. a slow SYN scan (one probe every 0.4 s, as nmap -T2) of 30 ports of
     192.0.2.1 from 198.51.100.7; ports 7 and 22 answer SYN-ACK (they do
     not count), the rest RST;
  B. a FIN scan of 30 ports from 198.51.100.8, a NULL and an Xmas probe;
  C. a UDP scan of 30 ports from 198.51.100.9;
  D. a sweep of 25 hosts on port 445 from 203.0.113.5;
  E. a UDP client of 30 ports of 192.0.2.1 from 198.51.100.20, every
     datagram answered from its port (a UDP service: answered, no scan).
Expected: exactly four port_scan alerts, one per scanning source, each
firing at the end of the second of its 15th unanswered port (25th host),
with evidence (distinct ports or hosts, first ports, kinds, first and last
seen exact in capture time) and resolved alert-resolve-after (30 s) after
its last probe's window; no alert from the client, the UDP replies or the
answered UDP client E.

  test_alerts_scan_offline.py BUILD
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, TCP, UDP, wrpcap  # noqa: E402
from rxtest import RXRAY, fails, check  # noqa: E402

T0 = 1700000000
HOST = "192.0.2.1"
pkts = []
E = rxtest.eth


def at(t, p):
    p.time = T0 + t
    pkts.append(p)


# the client: 200 answered connections to port 80, 20 a second
for i in range(200):
    t = i / 20
    c, sp = "192.0.2.10", 30000 + i
    at(t, E() / IP(src=c, dst=HOST) / TCP(sport=sp, dport=80, flags="S"))
    at(t + 0.001, E() / IP(src=HOST, dst=c) / TCP(sport=80, dport=sp, flags="SA"))
    at(t + 0.002, E() / IP(src=c, dst=HOST) / TCP(sport=sp, dport=80, flags="A"))
# then one a second to the end (the capture goes on past every hysteresis)
for i in range(10, 100):
    c, sp = "192.0.2.11", 31000 + i
    at(i + 0.5, E() / IP(src=c, dst=HOST) / TCP(sport=sp, dport=80, flags="S"))
    at(i + 0.501, E() / IP(src=HOST, dst=c) / TCP(sport=80, dport=sp, flags="SA"))
# replies to this host's own DNS queries: source port 53, ephemeral destinations
for i in range(30):
    at(0.3 * i, E() / IP(src="192.0.2.53", dst=HOST) / UDP(sport=53, dport=40000 + i))

scans = {}  # source -> (times of the unanswered probes, all probe times, ports)


def probe(src, t, dport, flags=None, host=HOST, answer=False):
    l4 = UDP(sport=50000, dport=dport) if flags is None else TCP(sport=50000, dport=dport, flags=flags)
    at(t, E() / IP(src=src, dst=host) / l4)
    s = scans.setdefault(src, ([], [], []))
    s[1].append(t)
    s[2].append(dport)
    if flags is None:
        s[0].append(t)
        return
    if answer:
        at(t + 0.0005, E() / IP(src=host, dst=src) / TCP(sport=dport, dport=50000, flags="SA"))
        at(t + 0.001, E() / IP(src=src, dst=host) / TCP(sport=50000, dport=dport, flags="R"))
    else:
        s[0].append(t)
        at(t + 0.0005, E() / IP(src=host, dst=src) / TCP(sport=dport, dport=50000, flags="RA"))


A, B, C, D = "198.51.100.7", "198.51.100.8", "198.51.100.9", "203.0.113.5"
for i in range(30):  # A: slow SYN scan, from 10.3 s
    probe(A, 10.3 + 0.4 * i, 1 + i, "S", answer=(1 + i) in (7, 22))
for i in range(28):  # B: FIN scan, from 40.5 s
    probe(B, 40.5 + 0.01 * i, 100 + i, "F")
probe(B, 40.9, 200, "")
probe(B, 40.95, 201, "FPU")
for i in range(30):  # C: UDP scan, from 45.2 s
    probe(C, 45.2 + 0.05 * i, 1 + i)
for i in range(25):  # D: 25 hosts on port 445, from 50.1 s
    probe(D, 50.1 + 0.02 * i, 445, "S", host="192.0.2.%d" % (100 + i))
for i in range(30):  # E: a UDP service's client, every datagram answered, from 60.1 s
    t = 60.1 + 0.05 * i
    at(t, E() / IP(src="198.51.100.20", dst=HOST) / UDP(sport=40123, dport=2000 + i))
    at(t + 0.001, E() / IP(src=HOST, dst="198.51.100.20") / UDP(sport=2000 + i, dport=40123))
pkts.sort(key=lambda p: p.time)

tmp = tempfile.mkdtemp(prefix="rxray-scan-")
pcap = os.path.join(tmp, "scan.pcap")
wrpcap(pcap, pkts)

out = subprocess.run([RXRAY, "alerts", "-r", pcap, "--json"], capture_output=True, text=True,
                     timeout=120)
check("exit", out.returncode, 0)
lines = [json.loads(x) for x in out.stdout.splitlines()]
check("only port_scan", sorted({a["alert"] for a in lines}), ["port_scan"])
by_src = {}
for a in lines:
    by_src.setdefault(a["subject"].get("source"), []).append(a)
check("sources", sorted(by_src), sorted([A, B, C, D]))


def near(what, got, want):
    check(what, abs(got - want) < 1e-3, True)
    if abs(got - want) >= 1e-3:
        print(f"  {what}: got {got}, want {want}")


for src, th in ((A, 15), (B, 15), (C, 15), (D, 25)):
    got = by_src.get(src, [])
    check(f"{src}: firing then resolved", [a["state"] for a in got], ["firing", "resolved"])
    if len(got) != 2:
        continue
    f, r = got
    unanswered, times, ports = scans[src]
    since = T0 + math.floor(unanswered[th - 1]) + 1
    check(f"{src}: since = the end of the second of the threshold's probe", f["since"], since)
    check(f"{src}: subject", f["subject"], {"interface": pcap, "source": src})
    check(f"{src}: labels", (f["labels"]["alertname"], f["labels"]["source"], f["severity"]),
          ("port_scan", src, "warning"))
    ev = f["evidence"]
    near(f"{src}: first_seen", ev["first_seen"], T0 + times[0])
    check(f"{src}: last_seen in the firing window", since - 1 <= ev["last_seen"] < since, True)
    check(f"{src}: ends after the hysteresis", r["ends"], T0 + math.floor(times[-1]) + 1 + 30)
    check(f"{src}: fingerprint kept", r["fingerprint"], f["fingerprint"])
    if src == D:
        check("D: scope, port, hosts", (ev["scope"], ev["port"], ev["distinct_hosts"] >= 25),
              ("port", 445, True))
        continue
    check(f"{src}: scope, host", (ev["scope"], ev["host"]), ("host", HOST))
    check(f"{src}: first ports", ev["first_ports"], ports[:8])
    check(f"{src}: unanswered over the threshold", ev["unanswered"] >= th, True)
    if src == A:
        # port 7 answered: the 16th port is the 15th unanswered; the window ends 0.4 s later
        n = len([t for t in times if T0 + t < since])
        check("A: distinct ports at the crossing", (ev["distinct_ports"], ev["answered"]), (n, 1))
        check("A: 17 of them", n, 17)
        check("A: kinds", ev["kinds"], ["syn"])
        rr = r["evidence"]
        check("A: all 30 ports by the end", (rr["distinct_ports"], rr["answered"]), (30, 2))
    if src == B:
        check("B: kinds", by_src[B][1]["evidence"]["kinds"], ["fin", "null", "xmas"])
    if src == C:
        check("C: kinds", ev["kinds"], ["udp"])

# the threshold from --config: 31 ports is more than any scan here
conf = os.path.join(tmp, "rxray.conf")
with open(conf, "w") as fh:
    fh.write("alert-scan-ports = 31\nalert-scan-hosts = 26\n")
quiet = subprocess.run([RXRAY, "alerts", "-r", pcap, "--json", "--config", conf],
                       capture_output=True, text=True, timeout=120)
check("thresholds from --config", (quiet.returncode, quiet.stdout), (0, ""))
with open(conf, "w") as fh:
    fh.write("alert-scan-ports = 1\n")
bad = subprocess.run([RXRAY, "alerts", "-r", pcap, "--config", conf], capture_output=True,
                     text=True, timeout=120)
check("out of range: exit 2, one line", (bad.returncode, bad.stderr),
      (2, f"rxray: {conf}:1: alert-scan-ports 1: expected 2..65536 ports\n"))

# stats -r runs the same detectors
st = subprocess.run([RXRAY, "stats", "-r", pcap, "--json"], capture_output=True, text=True,
                    timeout=120)
check("stats -r exit", st.returncode, 0)
sa = json.loads(st.stdout).get("alerts", []) if st.returncode == 0 else []
check("stats -r: four port_scan, resolved", sorted((a["alert"], a["state"]) for a in sa),
      [("port_scan", "resolved")] * 4)

shutil.rmtree(tmp)
rxtest.finish(f"alerts -r port_scan: {len(pkts)} packets, {len(lines)} changes, {len(fails)} failed")

#!/usr/bin/env python3
"""rxray alerts -r: the detectors over a capture's per-second windows, in
the capture's time (native build). A crafted capture: 20 s of normal
handshakes, then 3 s of a SYN flood from 500 addresses in 198.51.100.0/24
and 203.0.113.0/24 (no handshake completes), then normal again. Expected:
syn_flood fires at the end of the flood's first second (capture time),
names the sources' subnets, and is resolved alert-resolve-after seconds of
quiet later; so does syn_flood for the flooded port alone (service 80/tcp,
from the datapath's per-port counts); no other alert. Then the thresholds
from --config: higher syn thresholds keep it quiet, an out-of-range one is
one line, exit 2.

  test_alerts_offline.py BUILD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, TCP, wrpcap  # noqa: E402
from rxtest import RXRAY, fails, check  # noqa: E402

T0 = 1700000000  # 2023-11-14T22:13:20Z
pkts = []
E = rxtest.eth


def at(t, p):
    p.time = T0 + t
    pkts.append(p)


def handshake(t, i):
    c = "192.0.2.%d" % (10 + i % 50)
    sport = 20000 + i
    at(t, E() / IP(src=c, dst="192.0.2.1") / TCP(sport=sport, dport=80, flags="S", seq=1))
    at(t + 0.001, E() / IP(src="192.0.2.1", dst=c) / TCP(sport=80, dport=sport, flags="SA",
                                                         seq=9, ack=2))
    at(t + 0.002, E() / IP(src=c, dst="192.0.2.1") / TCP(sport=sport, dport=80, flags="A",
                                                         seq=2, ack=10))


FLOOD_SRC = ["198.51.100.%d" % (i + 1) for i in range(250)] + \
    ["203.0.113.%d" % (i + 1) for i in range(250)]
n = 0
for s in range(60):
    for k in range(10):  # 10 handshakes a second
        handshake(s + k / 10, n)
        n += 1
    if 20 <= s < 23:  # the flood: 1,500 SYNs a second
        for k in range(1500):
            src = FLOOD_SRC[k % len(FLOOD_SRC)]
            at(s + k / 1500, E() / IP(src=src, dst="192.0.2.1") /
               TCP(sport=1024 + (k + s * 1500) % 60000, dport=80, flags="S", seq=k))
pkts.sort(key=lambda p: p.time)

tmp = tempfile.mkdtemp(prefix="rxray-alerts-")
pcap = os.path.join(tmp, "flood.pcap")
wrpcap(pcap, pkts)


def alerts(*args):
    return subprocess.run([RXRAY, "alerts", "-r", pcap, *args], capture_output=True, text=True,
                          timeout=120)


out = alerts("--json")
check("exit", out.returncode, 0)
lines = [json.loads(x) for x in out.stdout.splitlines()]
names = [(a["alert"], a["state"]) for a in lines]
check("changes", names, [("syn_flood", "firing")] * 2 + [("syn_flood", "resolved")] * 2)
if len(lines) == 4:
    f, p, r, pr = lines
    check("interface's subject", f["subject"], {"interface": pcap})
    check("port's subject", p["subject"], {"interface": pcap, "service": "80/tcp"})
    check("port's label", p["labels"]["service"], "80/tcp")
    check("port's since", p["since"], T0 + 21)
    pev = p["evidence"]
    check("port's evidence", (pev["port"], pev["half_open_per_s"] > 1000, pev["handshakes_per_s"] > 0),
          (80, True, True))
    check("port resolved", (pr["subject"], pr["ends"]), (p["subject"], T0 + 23 + 30))
    # the flood starts at T0+20: the window [T0+20, T0+21) is the first over the threshold
    check("since (capture time)", f["since"], T0 + 21)
    check("startsAt", f["startsAt"], "2023-11-14T22:13:41.000Z")
    check("severity", f["severity"], "critical")
    check("action", f["action"], "none")
    check("labels", f["labels"]["alertname"], "syn_flood")
    ev = f["evidence"]
    check("half-open over 1,000/s", ev["half_open_per_s"] > 1000, True)
    check("sources", ev["sources"] >= 500, True)
    check("subnets", sorted(x["subnet"] for x in ev["top_subnets"][:2]),
          ["198.51.100.0/24", "203.0.113.0/24"])
    check("top port", ev["top_ports"][0]["port"], 80)
    # the last flood window ends at T0+23; quiet from then on: resolved 30 s later
    check("ends", r["ends"], T0 + 23 + 30)
    check("same fingerprint", r["fingerprint"], f["fingerprint"])

text = alerts()
check("text exit", text.returncode, 0)
check("summary on stderr", text.stderr.startswith("4 changes of alert state over "), True)
check("text line", text.stdout.startswith("2023-11-14T22:13:41.000Z firing   syn_flood"), True)

# stats -r: the same detectors; each alert's last state in "alerts" (SPEC's stats --json key)
st = subprocess.run([RXRAY, "stats", "-r", pcap, "--json"], capture_output=True, text=True, timeout=120)
check("stats exit", st.returncode, 0)
sa = json.loads(st.stdout)["alerts"] if st.returncode == 0 else []
check("stats alerts: the flood, resolved", [(a["alert"], a["state"]) for a in sa], [("syn_flood", "resolved")] * 2)
if len(sa) == 2 and len(lines) == 4:
    check("stats alerts = alerts -r's last changes", sa, lines[2:])
st = subprocess.run([RXRAY, "stats", "-r", pcap], capture_output=True, text=True, timeout=120)
check("stats text lists it", "resolved syn_flood" in st.stdout, True)

conf = os.path.join(tmp, "rxray.conf")
with open(conf, "w") as fh:
    fh.write("# more than the flood\nalert-syn-half-open = 5000\nalert-syn-port-half-open = 5000\n")
quiet = alerts("--json", "--config", conf)
check("threshold from --config", (quiet.returncode, quiet.stdout), (0, ""))
with open(conf, "w") as fh:
    fh.write("alert-error-ratio = 2\n")
bad = alerts("--config", conf)
check("out of range: exit", bad.returncode, 2)
check("out of range: one line", bad.stderr,
      f"rxray: {conf}:1: alert-error-ratio 2: expected 0..1\n")

shutil.rmtree(tmp)
rxtest.finish(f"alerts -r: {len(pkts)} packets, {len(lines)} changes, {len(fails)} failed")

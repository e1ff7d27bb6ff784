#!/usr/bin/env python3
"""rxray alerts -r with an SLO and new talkers: the slo_burn and
talker_surge detectors over a crafted capture, in its time (native build).

60 s of GET /items/N, 20 a second on one keep-alive connection, every
answer 200 except in seconds 40..44, where one in ten is 500; at second 50,
one TCP segment from each of 300 never-seen addresses in 198.51.100.0/24
and 203.0.113.0/24. With 'slo = GET /items/{id} 8080 availability=99.9'
and the fast page pair scaled to 20 s and 4 s: slo_burn fires in the window
ending at second 43 (6 bad of the 20 s window's 400 requests: 15x; of the
4 s window's 80: 75x) and is resolved at 51 (the last window over 14.4x
ends at 48, then 3 s of hysteresis); talker_surge fires in the window
ending at 51 with both subnets as evidence and is resolved at 54. (Other
detectors may speak too: 300 sources at once are a rate spike as well.)

  test_alerts_offline_more.py BUILD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import RXRAY, fails, check, tcp_frame, Pcap  # noqa: E402

T0 = 1700000000
CLIENT, SERVER = (192, 0, 2, 10), (192, 0, 2, 1)
tmp = tempfile.mkdtemp(prefix="rxray-alerts-more-")
pcap = os.path.join(tmp, "slo.pcap")
with Pcap(pcap) as p:
    cseq, sseq = 1, 1
    for s in range(60):
        for k in range(20):
            p.t = (T0 + s) * 1000000 + k * 50000
            req = b"GET /items/%d HTTP/1.1\r\nHost: api\r\n\r\n" % (1000 + k)
            bad = 40 <= s < 45 and k % 10 == 0
            resp = b"HTTP/1.1 %s\r\nContent-Length: 2\r\n\r\nok" % (
                b"500 Internal Server Error" if bad else b"200 OK")
            p.write(tcp_frame(CLIENT, SERVER, 40000, 8080, cseq, sseq, req))
            p.t += 5000  # 5 ms
            p.write(tcp_frame(SERVER, CLIENT, 8080, 40000, sseq, cseq + len(req), resp))
            cseq, sseq = cseq + len(req), sseq + len(resp)
        if s == 50:
            for i in range(300):
                src = (198, 51, 100, 1 + i) if i < 150 else (203, 0, 113, 1 + i - 150)
                p.t = (T0 + s) * 1000000 + 500000 + i * 100
                p.write(tcp_frame(src, SERVER, 33000, 8080, 1, 1, b"x"))
    p.t = (T0 + 60) * 1000000
    p.write(tcp_frame(CLIENT, SERVER, 40000, 8080, cseq, sseq, b""))

conf = os.path.join(tmp, "rxray.conf")
with open(conf, "w") as fh:
    fh.write("""alert-warmup = 10
alert-resolve-after = 3
alert-talker-new-min = 50
alert-slo-fast-long = 20
alert-slo-fast-short = 4
alert-slo-slow-burn = 1000
alert-slo-ticket-burn = 1000
slo = GET /items/{id} 8080 availability=99.9
""")
out = subprocess.run([RXRAY, "alerts", "-r", pcap, "--json", "--config", conf],
                     capture_output=True, text=True, timeout=120)
check("exit", out.returncode, 0)
lines = [json.loads(x) for x in out.stdout.splitlines()]
got = [(a["alert"], a["state"], a["since"], a.get("ends")) for a in lines
       if a["alert"] in ("slo_burn", "talker_surge")]
# (in the window ending at 51, the detectors run before the expiry: the surge comes first)
check("changes", got, [("slo_burn", "firing", T0 + 43, None),
                       ("talker_surge", "firing", T0 + 51, None),
                       ("slo_burn", "resolved", T0 + 43, T0 + 51),
                       ("talker_surge", "resolved", T0 + 51, T0 + 54)])
for a in lines:
    if a["alert"] == "slo_burn" and a["state"] == "firing":
        check("slo labels", {k: a["labels"][k] for k in ("http_route", "server_port", "objective")},
              {"http_route": "/items/{id}", "server_port": "8080", "objective": "availability"})
        w = {(x["pair"], x["window_s"]): x for x in a["evidence"]["windows"]}
        check("long window", (w[("fast", 20)]["requests"], w[("fast", 20)]["bad"],
                              round(w[("fast", 20)]["burn_rate"], 6)), (400, 6, 15.0))
        check("short window", (w[("fast", 4)]["requests"], w[("fast", 4)]["bad"],
                               round(w[("fast", 4)]["burn_rate"], 6)), (80, 6, 75.0))
    if a["alert"] == "talker_surge" and a["state"] == "firing":
        ev = a["evidence"]
        check("new sources", ev["new_sources"], 300)
        check("new subnets", sorted((x["subnet"], x["sources"]) for x in ev["top_new_subnets"]),
              [("198.51.100.0/24", 150), ("203.0.113.0/24", 150)])

# without the slo line: no slo_burn
with open(conf, "w") as fh:
    fh.write("alert-warmup = 10\nalert-slo-fast-long = 20\nalert-slo-fast-short = 4\n")
out = subprocess.run([RXRAY, "alerts", "-r", pcap, "--json", "--config", conf],
                     capture_output=True, text=True, timeout=120)
check("no SLO, no slo_burn", [json.loads(x)["alert"] for x in out.stdout.splitlines()
                              if "slo_burn" in x], [])

shutil.rmtree(tmp)
names = sorted(set(a["alert"] for a in lines))
rxtest.finish(f"alerts -r with an SLO: {len(lines)} changes ({', '.join(names)}), {len(fails)} failed")

#!/usr/bin/python3
"""samples/sample.pcap, the capture of the README's first steps, is what
samples/make_sample.py writes, and holds what the README says it holds.

    /usr/bin/python3 tests/pcap/test_sample.py BUILD

  1. make_sample.py run again writes the committed file byte for byte
     (fixed timestamps, no randomness), and the file is under 64 KB;
  2. rxray sees in it: 8 HTTP/1.1 transactions, over IPv4 and IPv6, with
     the routes /users/{id} (3), /users/{id}/orders, /reports/{id} (a 500,
     so one error), /nope (404), POST /users (201, a request body), /health;
     4 TCP handshakes, every one closed by FIN; a VLAN tag and a QinQ pair;
     a non-first IPv4 fragment (ip_fragment); ICMP, ICMPv6 and DNS;
  3. tshark, where installed, finds the TLS ClientHello's SNI and ALPN
     (rxray does not decode TLS yet: README, "Limits") and agrees on every
     HTTP response's status and time.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import check  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SAMPLE = os.path.join(ROOT, "samples", "sample.pcap")
MAKE = os.path.join(ROOT, "samples", "make_sample.py")

WANT_TXNS = [  # (method, path, route, status), in the capture's order
    ("GET", "/users/42", "/users/{id}", 200),
    ("GET", "/users/7", "/users/{id}", 200),
    ("GET", "/users/42/orders", "/users/{id}/orders", 200),
    ("GET", "/nope", "/nope", 404),
    ("POST", "/users", "/users", 201),
    ("GET", "/reports/2024", "/reports/{id}", 500),
    ("GET", "/users/1001", "/users/{id}", 200),
    ("GET", "/health", "/health", 200),
]


def run(*argv):
    p = subprocess.run([rxtest.RXRAY, *argv], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, TZ="UTC"))
    if p.returncode != 0:
        rxtest.fails.append(f"rxray {' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def check_reproducible():
    with tempfile.TemporaryDirectory() as tmp:
        again = os.path.join(tmp, "sample.pcap")
        subprocess.run([sys.executable, MAKE, again], check=True, stdout=subprocess.DEVNULL)
        with open(again, "rb") as a, open(SAMPLE, "rb") as b:
            same = a.read() == b.read()
    check("make_sample.py writes samples/sample.pcap byte for byte", same, True)
    size = os.path.getsize(SAMPLE)
    check(f"samples/sample.pcap under 64 KB ({size} bytes)", size < 64 * 1024, True)


def check_rxray():
    txns = [json.loads(line) for line in run("requests", "-r", SAMPLE, "--json").splitlines()]
    got = [(t["http.request.method"], t.get("url.path"), t["http.route"],
            t["http.response.status_code"]) for t in txns]
    check("transactions", got, WANT_TXNS)
    check("network types", sorted({t["network.type"] for t in txns}), ["ipv4", "ipv6"])
    check("every transaction timed", all(t["duration_s"] > 0 for t in txns), True)
    check("the POST's body size", [t.get("http.request.body.size") for t in txns
                                   if t["http.request.method"] == "POST"], [16])

    st = json.loads(run("stats", "-r", SAMPLE, "--json"))
    eps = {(e["http.request.method"], e["http.route"]): e for e in st["endpoints"]}
    check("endpoint GET /users/{id} count", eps.get(("GET", "/users/{id}"), {}).get("count"), 3)
    check("endpoint GET /reports/{id} errors", eps.get(("GET", "/reports/{id}"), {}).get("errors"), 1)
    check("handshakes", st["tcp"]["handshakes"], 4)
    check("FINs", st["tcp"]["fin"], 8)
    check("reasons", st["reasons"], {"ok": 61, "ip_fragment": 1})
    for proto in ("tcp", "udp", "icmp", "icmpv6"):
        check(f"{proto} packets > 0", st["protocols"][proto] > 0, True)
    check("DNS packets (udp/53)", sum(s["packets"] for s in st["services"]
                                      if s["port"] == 53 and s["proto"] == "udp"), 3)

    pkts = [json.loads(line) for line in run("watch", "-r", SAMPLE, "--json").splitlines()]
    tags = sorted({tuple(v["id"] for v in p["vlan"]) for p in pkts if "vlan" in p})
    check("VLAN tags (one 802.1Q, one QinQ pair)", tags, [(10, 20), (100,)])
    check("QinQ outer TPID 0x88a8", {p["vlan"][0]["tpid"] for p in pkts
                                    if len(p.get("vlan", [])) == 2}, {0x88A8})


def check_tshark():
    if shutil.which("tshark") is None:
        print("tshark not installed: TLS ClientHello and http.time not checked")
        return
    out = subprocess.run(["tshark", "-r", SAMPLE, "-o", "ip.defragment:FALSE", "-Y",
                          "tls.handshake.type == 1", "-T", "fields", "-e",
                          "tls.handshake.extensions_server_name", "-e",
                          "tls.handshake.extensions_alpn_str"],
                         capture_output=True, text=True, timeout=60).stdout
    check("tshark: the ClientHello's SNI and ALPN", out.strip(), "api.example\th2,http/1.1")
    out = subprocess.run(["tshark", "-r", SAMPLE, "-Y", "http.response", "-T", "fields",
                          "-e", "http.response.code", "-e", "http.time"],
                         capture_output=True, text=True, timeout=60).stdout
    theirs = [(int(c), round(float(t), 6)) for c, t in (ln.split("\t") for ln in out.splitlines())]
    txns = [json.loads(line) for line in run("requests", "-r", SAMPLE, "--json").splitlines()]
    ours = [(t["http.response.status_code"], round(t["duration_s"], 6)) for t in txns]
    check("tshark: every response's status and http.time", ours, theirs)


def main():
    rxtest.need_scapy()
    check_reproducible()
    check_rxray()
    check_tshark()
    rxtest.finish(f"samples/sample.pcap: {len(rxtest.fails)} checks failed")


if __name__ == "__main__":
    main()

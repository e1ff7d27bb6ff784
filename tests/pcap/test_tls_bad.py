#!/usr/bin/python3
"""Bad TLS input (datapath/tls.h): a ClientHello cut at every byte length,
a hello longer than rxray looks at, lists longer than it keeps, server
names with non-ASCII, NUL and JSON-special bytes, and five hellos whose
lengths lie (tests/lib/tlshello.py bad_input()). Offline, every view:

  * exits 0, prints one record per packet, every JSON line valid, names
    with bytes outside printable ASCII shown as '.';
  * counts each kind exactly (watch's summary: partial, malformed, lists
    cut), never a JA3/JA4 for a hello that is not whole;
  * the hellos that lie stop at the lie: rxray.tls_status "malformed".

    /usr/bin/python3 tests/pcap/test_tls_bad.py BUILD [OUT.pcap]
(OUT.pcap: only write the capture, for tests/bpf/test_diff.sh.)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
import tlshello  # noqa: E402


def write_pcap(path):
    rxtest.need_scapy()
    from scapy.all import Ether, IP, TCP, Raw, wrpcap
    items, want = tlshello.bad_input()
    pkts = []
    for i, (_desc, payload) in enumerate(items):
        p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="198.51.100.1") /
             TCP(sport=20000 + i, dport=443, flags="PA", seq=1000, ack=1) / Raw(payload))
        p.time = 1700000000 + i / 1000
        pkts.append(p)
    wrpcap(path, pkts)
    return items, want


def main(argv):
    build = argv[1] if len(argv) > 1 else "build"
    if len(argv) > 2:
        write_pcap(argv[2])
        return 0
    rxray = os.path.join(build, "rxray")
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "bad.pcap")
        items, want = write_pcap(pcap)
        for args in (["--json"], ["-v"], []):
            out = subprocess.run([rxray, "watch", "-r", pcap] + args, capture_output=True, timeout=120)
            rxtest.check(f"watch {args} exit status", out.returncode, 0)
            err = out.stderr.decode()
            m = re.search(r"TLS hellos: (\d+) partial, (\d+) malformed, (\d+) with lists cut", err)
            got = {k: int(v) for k, v in zip(("partial", "malformed", "cut"), m.groups())} if m else None
            rxtest.check(f"watch {args} counts", got, want)
            if args != ["--json"]:
                continue
            lines = out.stdout.decode("utf-8").splitlines()
            rxtest.check("records", len(lines), len(items))
            status = {}
            for (desc, _), line in zip(items, lines):
                rec = json.loads(line)
                hs = rec.get("tls", {}).get("handshake", {})
                st = rec["rxray"].get("tls_status")
                status[st] = status.get(st, 0) + 1
                if st and ("ja4" in hs or "ja3_full" in hs):
                    rxtest.check(f"{desc}: no fingerprint of a hello that is not whole", hs.get("ja4"), None)
                if "lie" not in desc and "with" in desc and "SNI" in desc:
                    name = hs.get("extensions_server_name", "")
                    if not re.fullmatch(r"[\x20-\x7e]+", name):
                        rxtest.check(f"{desc}: printable name", name, "printable ASCII")
            rxtest.check("malformed records", status.get("malformed", 0), want["malformed"])
            rxtest.check("lists_cut records", status.get("lists_cut", 0), want["cut"])
            # cut below 6 bytes: too short to say which message, counted but no tls object
            rxtest.check("partial records", status.get("partial", 0), want["partial"] - 5)
        out = subprocess.run([rxray, "stats", "-r", pcap, "--json"], capture_output=True, timeout=120)
        rxtest.check("stats exit status", out.returncode, 0)
    return rxtest.finish(f"{len(items)} bad TLS hellos: counted ({want}), no crash, valid JSON")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

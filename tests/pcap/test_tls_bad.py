#!/usr/bin/python3
"""Bad TLS input (datapath/tls.h): a ClientHello cut at every byte length,
a hello longer than rxray looks at, lists longer than it keeps, server
names with non-ASCII, NUL and JSON-special bytes, and five hellos whose
lengths lie (tests/lib/tlshello.py bad_input()). Offline, every view:

  * exits 0, prints one record per packet, every JSON line valid, names
    with bytes outside printable ASCII shown as '.';
  * counts each kind exactly (watch's summary: partial, malformed, lists
    cut), never a JA3/JA4 for a hello that is not whole;
  * the hellos that lie stop at the lie: rxray.tls_status "malformed";
  * split over two segments (a connection each): the second piece cut at
    every length, 3 KiB and 200 extensions, a lie in the second piece,
    names with non-ASCII, NUL, escape and newline bytes split inside the
    name: each record's status and every count exact, names escaped.

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


def split_bad():
    """ClientHellos over two segments that go wrong, a connection each, as
    (description, first piece, second piece, want): want is the record of
    the second ("reassembled", "partial", "lists_cut") and the counts below."""
    from tlshello import chrome_like, client_hello, ext, sni
    out = []
    h = chrome_like(b"second.piece.example")
    at = 100
    # the second piece cut at every length: longer than two segments
    for n in range(1, len(h) - at):
        out.append((f"second piece cut at {n} of {len(h) - at}", h[:at], h[at:at + n], "partial"))
    out.append(("second piece whole", h[:at], h[at:], "reassembled"))
    # oversize extension lists over two segments
    big = client_hello([0x1301], [sni(b"pad.example"), ext(21, bytes(2600))])
    out.append(("3 KiB of extensions over two segments", big[:1448], big[1448:], "partial"))
    many = client_hello([0x1301], [ext(0x2000 + i, b"") for i in range(200)])
    out.append(("200 extensions over two segments", many[:400], many[400:], "lists_cut"))
    lie = bytearray(client_hello([0x1301], [sni(b"lie.example"), ext(0x3000, bytes(300))]))
    lie[-302:-300] = (0xFFFF).to_bytes(2, "big")  # the last extension's length past the list
    out.append(("an extension past its list, over two segments", bytes(lie[:60]), bytes(lie[60:]), "malformed"))
    # names with bytes outside printable ASCII, the split inside the name
    for desc, name in (("high bytes", bytes(range(0x80, 0xA0))), ("NUL, quote, backslash", b'a\x00b"c\\d'),
                       ("UTF-8", "bücher.example".encode()), ("escape, newline", b"x\x1b[31m\ny.example")):
        hh = client_hello([0x1301], [sni(name)])
        cut = hh.find(name) + len(name) // 2
        out.append((f"split SNI with {desc}", hh[:cut], hh[cut:], "reassembled"))
    return out


def check_split(build, d):
    """The split hellos that go wrong: counted, none crash, names escaped."""
    from scapy.all import Ether, IP, TCP, Raw, wrpcap
    items, pkts = split_bad(), []
    for i, (_d, a, b, _w) in enumerate(items):
        for j, (seq, piece) in enumerate(((1000, a), (1000 + len(a), b))):
            p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="198.51.100.1") /
                 TCP(sport=40000 + i, dport=443, flags="PA", seq=seq, ack=1) / Raw(piece))
            p.time = 1700000000 + i / 1000 + j / 10000
            pkts.append(p)
    pcap = os.path.join(d, "split_bad.pcap")
    wrpcap(pcap, pkts)
    rxray = os.path.join(build, "rxray")
    out = subprocess.run([rxray, "watch", "-r", pcap, "--json"], capture_output=True, timeout=120)
    rxtest.check("split: watch exit status", out.returncode, 0)
    lines = out.stdout.decode("utf-8").splitlines()
    rxtest.check("split: records", len(lines), 2 * len(items))
    got = {}
    for k, (desc, _a, _b, want) in enumerate(items):
        rec = json.loads(lines[2 * k + 1]) if 2 * k + 1 < len(lines) else {}
        rx = rec.get("rxray", {})
        st = "reassembled" if rx.get("tls_reassembled") and not rx.get("tls_status") else rx.get("tls_status")
        got[st] = got.get(st, 0) + 1
        rxtest.check(f"split: {desc}", st, want)
        hs = rec.get("tls", {}).get("handshake", {})
        if "SNI" in desc:
            rxtest.check(f"split: {desc}: printable name", bool(re.fullmatch(r"[\x20-\x7e]+",
                                                                                hs.get("extensions_server_name", ""))), True)
        if st != "reassembled":
            rxtest.check(f"split: {desc}: no JA3", hs.get("ja3_full"), None)
    want = {}
    for _d, _a, _b, w in items:
        want[w] = want.get(w, 0) + 1
    rxtest.check("split: records by status", got, want)
    err = out.stderr.decode()
    m = re.search(r"TLS hellos: (\d+) partial, (\d+) malformed, (\d+) with lists cut", err)
    m2 = re.search(r"over two segments: (\d+) held, (\d+) reassembled", err)
    counts = [int(x) for x in m.groups() + m2.groups()] if m and m2 else None
    rxtest.check("split: counts (partial, malformed, cut, held, reassembled)", counts,
                 [want["partial"], want["malformed"], want["lists_cut"], len(items),
                  len(items) - want["partial"]])
    text = subprocess.run([rxray, "watch", "-r", pcap, "-v"], capture_output=True, timeout=120)
    rxtest.check("split: watch -v exit status", text.returncode, 0)
    shown = text.stdout.decode("utf-8", "replace")
    rxtest.check("split: text shows names escaped (no raw control bytes)", bool(re.search("[\x00-\x08\x1b]", shown)), False)
    return len(items)


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
        n = check_split(build, d)
    return rxtest.finish(f"{len(items)} bad TLS hellos: counted ({want}), no crash, valid JSON; "
                         f"{n} split over two segments")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

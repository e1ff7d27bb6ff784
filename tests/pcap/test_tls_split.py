#!/usr/bin/python3
"""A TLS ClientHello split across two TCP segments (datapath/tls.h,
rx_tls_holds), against tshark's desegmented decode (tshark -o
tcp.desegment_tcp_streams:TRUE). scapy-made connections (handshake, then
the hello in two pieces), several split points (1 to 5 bytes, inside the
record and handshake headers, in the cipher list, inside the SNI, the last
byte), hellos with GREASE values, with and without SNI and ALPN:

  * on the segment that completes the hello, rxray's SNI, ALPN, supported
    versions, cipher list and ja3_full string equal tshark's, and the
    record says rxray.tls_reassembled; the first piece, rxray.tls_held;
  * a retransmitted first piece changes nothing (still reassembled, the
    same fields);
  * out of order (the second piece first), a gap (the second piece at a
    wrong sequence number) and another connection's second piece never
    produce a hello from the wrong bytes: no tls_reassembled there, and the
    held piece is counted as tls_partial;
  * the counters: tls_held, tls_reassembled and tls_partial, exactly.

    /usr/bin/python3 tests/pcap/test_tls_split.py BUILD [OUT.pcap]
    /usr/bin/python3 tests/pcap/test_tls_split.py --seeds tests/fuzz/corpus
(OUT.pcap: only write the capture, for tests/bpf/test_diff.sh. --seeds: write
the split hellos as fuzz seeds, "RXS2", the first frame's length (2 bytes),
the two frames: tests/fuzz/fuzz_datapath.c runs them in a row.)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
import tlshello as th  # noqa: E402

G = th.GREASE


def hellos():
    """(name, ClientHello bytes, SNI offset or None): GREASEd, with and without SNI/ALPN."""
    out = [("chrome-like", th.chrome_like(b"split.example.com"))]
    out.append(("grease, no SNI, ALPN", th.client_hello(
        [G[0], 0x1301, 0x1302, 0xC02F], [th.ext(G[3], b""), th.alpn([b"h2", b"http/1.1"]),
                                          th.groups([G[4], 0x001D]), th.versions([G[6], 0x0304, 0x0303]),
                                          th.ext(G[8], b"\x00")])))
    out.append(("SNI, no ALPN", th.client_hello(
        [0x1301, 0xC02B, 0x009C, G[1]], [th.sni(b"no-alpn.example.org"), th.groups([0x0017]), th.ecpf([0]),
                                          th.sigalgs([0x0403, 0x0804]), th.versions([0x0304])])))
    out.append(("TLS 1.2, no SNI, no ALPN", th.client_hello(
        [0xC02F, 0xC030, 0x009E, 0x00FF], [th.groups([0x0017, 0x0018]), th.ecpf([0, 1, 2]),
                                           th.sigalgs([0x0401, 0x0501])])))
    # a big hello: most of a 1448-byte MSS, then a little more
    out.append(("big (padding), GREASE", th.client_hello(
        [G[5], 0x1301, 0x1302], [th.sni(b"big.split.example"), th.alpn([b"h2"]), th.ext(21, bytes(1500)),
                                 th.versions([G[2], 0x0304])])))
    return out


def splits(h):
    """Split points: tiny first pieces, header edges, the middle, the last byte."""
    n = len(h)
    pts = {1, 2, 3, 5, 6, 9, 44, n // 2, n - 1}
    name = h.find(b".example")
    if name > 0:
        pts.add(name)  # inside the server name
    if n > 1448:
        pts.add(1448)
    return sorted(p for p in pts if 0 < p < n)


class Pcap:
    """Connections from 192.0.2.10 to 198.51.100.1:443, a port each."""

    def __init__(self):
        self.pkts, self.port, self.t = [], 30000, 1700000000.0

    def frame(self, sport, flags, seq, ack, payload=b"", v6=False):
        from scapy.all import IP, IPv6, TCP, Raw
        ip = IPv6(src="2001:db8::10", dst="2001:db8::1") if v6 else IP(src=rxtest.C, dst=rxtest.S)
        p = rxtest.eth() / ip / TCP(sport=sport, dport=443, flags=flags, seq=seq, ack=ack, window=64240)
        if payload:
            p = p / Raw(payload)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        return len(self.pkts)  # tshark's frame.number

    def conn(self):
        from scapy.all import IP, TCP
        self.port += 1
        sport, cseq, sseq = self.port, 1000 + self.port * 7, 5000
        self.frame(sport, "S", cseq, 0)
        p = rxtest.eth() / IP(src=rxtest.S, dst=rxtest.C) / TCP(sport=443, dport=sport, flags="SA", seq=sseq,
                                                                 ack=cseq + 1, window=64240)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        self.frame(sport, "A", cseq + 1, sseq + 1)
        return sport, cseq + 1, sseq + 1


def write_pcap(pcap_path):
    """Writes the capture; returns (cases, bad, want): cases as (desc, frame
    of the first piece, frame that completes the hello); bad as (desc, frames)."""
    rxtest.need_scapy()
    from scapy.all import wrpcap
    pc, cases, bad = Pcap(), [], []
    want = {"held": 0, "reassembled": 0, "partial": 0}
    for name, h in hellos():
        for at in splits(h):
            sport, seq, ack = pc.conn()
            f1 = pc.frame(sport, "PA", seq, ack, h[:at])
            f2 = pc.frame(sport, "PA", seq + at, ack, h[at:])
            cases.append((f"{name} split at {at} of {len(h)}", f1, f2))
            want["held"] += 1
            want["reassembled"] += 1
    # tiny first pieces in frames padded to Ethernet's 60 bytes: the padding is no part of the hello
    for at in (1, 2, 5):
        from scapy.all import Padding
        h = th.chrome_like(b"padded.example")
        sport, seq, ack = pc.conn()
        f1 = pc.frame(sport, "PA", seq, ack, h[:at])
        pc.pkts[-1] = pc.pkts[-1] / Padding(b"\x00" * (60 - len(pc.pkts[-1])))
        pc.pkts[-1].time = pc.t
        f2 = pc.frame(sport, "PA", seq + at, ack, h[at:])
        cases.append((f"{at}-byte first piece, padded frame", f1, f2))
        want["held"] += 1
        want["reassembled"] += 1
    # IPv6; and data on the SYN (TCP Fast Open): the second piece starts after the SYN's number
    for v6, syn in ((True, False), (False, True)):
        h = th.chrome_like(b"v6.split.example" if v6 else b"fastopen.example")
        pc.port += 1
        sport, seq = pc.port, 7000
        if syn:
            f1 = pc.frame(sport, "S", seq, 0, h[:200])
            f2 = pc.frame(sport, "PA", seq + 1 + 200, 5001, h[200:])
        else:
            pc.frame(sport, "S", seq, 0, v6=True)
            f1 = pc.frame(sport, "PA", seq + 1, 5001, h[:200], v6=True)
            f2 = pc.frame(sport, "PA", seq + 1 + 200, 5001, h[200:], v6=True)
        cases.append(("IPv6" if v6 else "data on the SYN", f1, f2))
        want["held"] += 1
        want["reassembled"] += 1
    h = th.chrome_like(b"retransmit.example")
    sport, seq, ack = pc.conn()
    f1 = pc.frame(sport, "PA", seq, ack, h[:100])
    pc.frame(sport, "PA", seq, ack, h[:100])  # the first piece again
    f2 = pc.frame(sport, "PA", seq + 100, ack, h[100:])
    cases.append(("retransmitted first piece", f1, f2))
    want["held"] += 1
    want["reassembled"] += 1
    # out of order: the second piece first, then the first (held, never continued)
    sport, seq, ack = pc.conn()
    a = pc.frame(sport, "PA", seq + 150, ack, h[150:])
    b = pc.frame(sport, "PA", seq, ack, h[:150])
    bad.append(("out of order", (a, b)))
    want["held"] += 1
    want["partial"] += 1  # the held piece, at the capture's end
    # a gap: the next segment starts 10 bytes late
    sport, seq, ack = pc.conn()
    a = pc.frame(sport, "PA", seq, ack, h[:120])
    b = pc.frame(sport, "PA", seq + 130, ack, h[130:])
    bad.append(("a gap of 10 bytes", (a, b)))
    want["held"] += 1
    want["partial"] += 1
    # another connection's continuation: never glued to this one's piece
    sport, seq, ack = pc.conn()
    sport2, seq2, ack2 = pc.conn()
    a = pc.frame(sport, "PA", seq, ack, h[:80])
    b = pc.frame(sport2, "PA", seq + 80, ack2, h[80:])
    bad.append(("the second piece on another connection", (a, b)))
    want["held"] += 1
    want["partial"] += 1  # the held piece, at the capture's end
    # a hello in three segments: held, then longer than two segments: partial
    sport, seq, ack = pc.conn()
    a = pc.frame(sport, "PA", seq, ack, h[:60])
    b = pc.frame(sport, "PA", seq + 60, ack, h[60:120])
    c = pc.frame(sport, "PA", seq + 120, ack, h[120:])
    bad.append(("three segments", (a, b, c)))
    want["held"] += 1
    want["partial"] += 1
    # a tiny piece that starts like a record, then no hello
    sport, seq, ack = pc.conn()
    a = pc.frame(sport, "PA", seq, ack, b"\x16\x03")
    b = pc.frame(sport, "PA", seq + 2, ack, b"\x01GET / HTTP/1.1\r\n\r\n")
    bad.append(("0x16 0x03 then no hello", (a, b)))
    want["held"] += 1
    want["partial"] += 1
    wrpcap(pcap_path, pc.pkts)
    return cases, bad, want


def tshark_hellos(pcap):
    """frame number -> the ClientHello's fields, as tshark desegments them."""
    fields = ["frame.number", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
              "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite", "tls.handshake.ja3_full"]
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
           "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if out.returncode:
        print("tshark failed:", out.stderr)
        sys.exit(1)
    got = {}
    for line in out.stdout.splitlines():
        v = line.split("\t")
        ints = lambda s: [int(x, 0) for x in s.split(",") if x]  # noqa: E731
        got[int(v[0])] = {"sni": v[1] or None, "alpn": v[2] or None,
                          "versions": ints(v[3]), "ciphers": ints(v[4]), "ja3_full": v[5] or None}
    return got


def as_list(v):
    return [] if v is None else v if isinstance(v, list) else [v]


def rxray_hello(rec):
    hs = rec.get("tls", {}).get("handshake", {})
    if hs.get("type") != 1:
        return None
    return {"sni": hs.get("extensions_server_name"), "alpn": hs.get("extensions_alpn_str"),
            "versions": as_list(hs.get("extensions.supported_version")),
            "ciphers": as_list(hs.get("ciphersuite")), "ja3_full": hs.get("ja3_full")}


def write_seeds(d):
    """A seed per hello and a few split points (and the bad orders' first pair), named by SHA-1."""
    import hashlib
    import struct
    from scapy.all import rdpcap
    with tempfile.TemporaryDirectory() as t:
        cases, bad, _ = write_pcap(os.path.join(t, "s.pcap"))
        pkts = [bytes(p) for p in rdpcap(os.path.join(t, "s.pcap"))]
    pairs = [(f1, f2) for _, f1, f2 in cases[::4]] + [frames[:2] for _, frames in bad]
    for f1, f2 in pairs:
        a, b = pkts[f1 - 1], pkts[f2 - 1]
        blob = b"RXS2" + struct.pack(">H", len(a)) + a + b
        with open(os.path.join(d, hashlib.sha1(blob).hexdigest()), "wb") as f:
            f.write(blob)
    print(f"{len(pairs)} seeds in {d}")
    return 0


def main(argv):
    if len(argv) > 2 and argv[1] == "--seeds":
        return write_seeds(argv[2])
    build = argv[1] if len(argv) > 1 else "build"
    with tempfile.TemporaryDirectory() as d:
        pcap = argv[2] if len(argv) > 2 else os.path.join(d, "split.pcap")
        cases, bad, want = write_pcap(pcap)
        if len(argv) > 2:
            return 0
        ts = tshark_hellos(pcap)
        out = subprocess.run([os.path.join(build, "rxray"), "watch", "-r", pcap, "--json"],
                             capture_output=True, timeout=120)
        rxtest.check("watch exit status", out.returncode, 0)
        recs = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
        for desc, f1, f2 in cases:
            r1, r2 = recs[f1 - 1], recs[f2 - 1]
            got, exp = rxray_hello(r2), ts.get(f2)
            rxtest.check(f"{desc}: tshark decodes the hello on frame {f2}", exp is not None, True)
            rxtest.check(f"{desc}: rxray.tls_reassembled", r2["rxray"].get("tls_reassembled"), True)
            rxtest.check(f"{desc}: whole", r2["rxray"].get("tls_status"), None)
            if exp is not None:
                rxtest.check(f"{desc}: fields against tshark", got, exp)
            if r1.get("tls"):
                rxtest.check(f"{desc}: first piece rxray.tls_held", r1["rxray"].get("tls_held"), True)
        for desc, frames in bad:
            for f in frames:
                rxtest.check(f"{desc}: frame {f} not reassembled", recs[f - 1]["rxray"].get("tls_reassembled"), None)
                hs = recs[f - 1].get("tls", {}).get("handshake", {})
                rxtest.check(f"{desc}: frame {f} no JA3 of a hello not whole", hs.get("ja3_full"), None)
        err = out.stderr.decode()
        m = re.search(r"TLS hellos over two segments: (\d+) held, (\d+) reassembled", err)
        p = re.search(r"TLS hellos: (\d+) partial", err)
        got = {"held": int(m.group(1)) if m else None, "reassembled": int(m.group(2)) if m else None,
               "partial": int(p.group(1)) if p else 0}
        rxtest.check("counters", got, want)
    return rxtest.finish(f"{len(cases)} split ClientHellos agree with tshark; {len(bad)} bad orders counted ({want})")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

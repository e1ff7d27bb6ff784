#!/usr/bin/python3
"""A TLS ServerHello split across two TCP segments, at every byte (TLS 1.3)
and at every third byte (TLS 1.2), a connection each with its own SNI
(s<N>.v13.example, s<N>.v12.example), then the handshake's other flights
and two request-response exchanges 20 ms each (scapy; datapath/tls.h and
datapath/tlsconn.h):

  * the capture decoder holds the first piece and reassembles the hello:
    on the segment that completes it, the version, supported_versions,
    cipher and ALPN equal tshark's desegmented decode; rxray.tls_held on
    the first piece (when it has a whole handshake header, and so is a
    hello for sure), rxray.tls_reassembled on the second;
  * the TLS stage (stats -r), which holds nothing: every connection's row
    has its handshake completed and exactly 2 exchanges of 20 ms. TLS 1.3
    whose supported_versions was not in the first piece is inferred from
    the records that follow (application data, not handshake records), so
    the Finished's turn (answered by session tickets) is not counted; TLS
    1.2 is never taken for 1.3 (its Finished turns would be lost);
  * explain on the first request of each connection says the version
    tshark says, exchange 1 of 2, 20 ms.

    /usr/bin/python3 tests/pcap/test_tls2_sh_split.py BUILD [OUT.pcap]
    /usr/bin/python3 tests/pcap/test_tls2_sh_split.py --seeds tests/fuzz/corpus
(OUT.pcap: only write the capture, for tests/bpf/test_diff.sh. --seeds: the
two pieces of some split hellos as fuzz seeds, "RXS2", the first frame's
length (2 bytes), the two frames, as tests/pcap/test_tls_split.py writes them.)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import rxtest  # noqa: E402
import tlshello as th  # noqa: E402

V13 = th.server_hello(0x1302, [th.ext(51, struct.pack(">HH", 0x001D, 32) + bytes(range(32))),
                               th.ext(43, b"\x03\x04")], sid=bytes(range(100, 132)))
V12 = th.server_hello(0xC02F, [th.ext(0xFF01, b"\x00"), th.alpn([b"http/1.1"]), th.ecpf([0])])


def flights(conv, c, v13):
    """After the ServerHello: the rest of the handshake, two exchanges, the end."""
    rec = conv.rec
    if v13:
        c.seg(0, "PA", rec(20, b"\x01") + rec(23, b"F" * 53))
        c.seg(1, "PA", rec(23, b"T" * 200) + rec(23, b"T" * 200))
    else:
        c.seg(0, "PA", rec(22, b"\x10" + b"\x00" * 40) + rec(20, b"\x01") + rec(22, b"\x00" * 40))
        c.seg(1, "PA", rec(20, b"\x01") + rec(22, b"\x00" * 40))
    first = len(c.f) + 1
    for _ in range(2):
        c.seg(0, "PA", rec(23, b"Q" * 90))
        c.seg(1, "PA", rec(23, b"R" * 300), dt=0.020)
    c.seg(0, "FA", b"")
    return first


def write_pcap(path):
    rxtest.need_scapy()
    import tls_conv as conv
    from scapy.all import wrpcap
    frames, cases, port = [], [], 20000
    for v13, sh, step in ((True, V13, 1), (False, V12, 3)):
        for at in range(1, len(sh), step):
            port += 1
            name = f"s{at}.v{13 if v13 else 12}.example"
            c = conv.Conn(frames, port, 1700000000.0 + port - 20000)
            c.seg(0, "PA", conv.client_hello(name, ["h2", "http/1.1"]))
            c.seg(1, "PA", sh[:at])
            f1 = len(frames)
            after = conv.rec(20, b"\x01") + conv.rec(23, b"E" * 900) if v13 else \
                conv.rec(22, b"\x0b" + b"\x00" * 700) + conv.rec(22, b"\x0e\x00\x00\x00")
            c.seg(1, "PA", sh[at:] + after)
            f2 = len(frames)
            req = flights(conv, c, v13)
            cases.append({"sni": name, "v13": v13, "at": at, "len": len(sh), "f1": f1, "f2": f2, "req": req})
    wrpcap(path, frames)
    return cases


def tshark_sh(pcap):
    fields = ["frame.number", "tls.handshake.version", "tls.handshake.extensions.supported_version",
              "tls.handshake.ciphersuite", "tls.handshake.extensions_alpn_str"]
    cmd = ["tshark", "-n", "-r", pcap, "-d", "tcp.port==443,tls", "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tls.desegment_ssl_records:TRUE", "-Y", "tls.handshake.type == 2", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True).stdout
    got = {}
    for line in out.splitlines():
        v = line.split("\t")
        got[int(v[0])] = {"version": int(v[1], 0), "sel": int(v[2], 0) if v[2] else None,
                          "cipher": int(v[3], 0), "alpn": v[4] or None}
    return got


def rxray_sh(rec):
    hs = rec.get("tls", {}).get("handshake", {})
    if hs.get("type") != 2:
        return None
    return {"version": hs.get("version"), "sel": hs.get("extensions.supported_version"),
            "cipher": hs.get("ciphersuite"), "alpn": hs.get("extensions_alpn_str")}


def write_seeds(d):
    """A seed per 16th case: the ServerHello's two pieces, named by SHA-1."""
    import hashlib
    from scapy.all import rdpcap
    with tempfile.TemporaryDirectory() as t:
        cases = write_pcap(os.path.join(t, "s.pcap"))
        pkts = [bytes(p) for p in rdpcap(os.path.join(t, "s.pcap"))]
    for c in cases[::16]:
        a, b = pkts[c["f1"] - 1], pkts[c["f2"] - 1]
        blob = b"RXS2" + struct.pack(">H", len(a)) + a + b
        with open(os.path.join(d, hashlib.sha1(blob).hexdigest()), "wb") as f:
            f.write(blob)
    print(f"{len(cases[::16])} seeds in {d}")
    return 0


def main(argv):
    if len(argv) > 2 and argv[1] == "--seeds":
        return write_seeds(argv[2])
    build = argv[1] if len(argv) > 1 else "build"
    rxray = os.path.join(build, "rxray")
    with rxtest.capture(write_pcap, "sh_split.pcap") as (pcap, cases):
        ts = tshark_sh(pcap)
        out = subprocess.run([rxray, "watch", "-r", pcap, "--json"], capture_output=True, timeout=300)
        rxtest.check("watch exit status", out.returncode, 0)
        recs = [json.loads(line) for line in out.stdout.decode().splitlines()]
        st = rxtest.stats_json(pcap)
        rows = {r["sni"]: r for r in st.get("tls", [])}
        for c in cases:
            desc = f"{c['sni']} (split at {c['at']} of {c['len']})"
            r1, r2 = recs[c["f1"] - 1]["rxray"], recs[c["f2"] - 1]
            rxtest.check(f"{desc}: tshark decodes the ServerHello on frame {c['f2']}", c["f2"] in ts, True)
            rxtest.check(f"{desc}: reassembled", r2["rxray"].get("tls_reassembled"), True)
            rxtest.check(f"{desc}: fields against tshark", rxray_sh(r2), ts.get(c["f2"]))
            if c["at"] >= 6:
                rxtest.check(f"{desc}: first piece held", r1.get("tls_held"), True)
            row = rows.get(c["sni"], {})
            rxtest.check(f"{desc}: handshake completed", row.get("handshakes", {}).get("completed"), 1)
            x = row.get("exchange_s", {})
            rxtest.check(f"{desc}: 2 exchanges of 20 ms", (x.get("count"), round(x.get("min", 0), 6),
                                                           round(x.get("max", 0), 6)), (2, 0.02, 0.02))
        # explain: every 8th case (each run reads the whole file)
        for c in cases[::8]:
            x = rxtest.explain_tls(pcap, c["req"])
            rxtest.check(f"{c['sni']}: explain", {k: x.get(k) for k in ("version", "part", "exchange", "exchange_s",
                                                                       "exchanges", "sni")},
                         {"version": "TLS 1.3" if c["v13"] else "TLS 1.2", "part": "request", "exchange": 1,
                          "exchange_s": 0.02, "exchanges": 2, "sni": c["sni"]})
    n13 = sum(c["v13"] for c in cases)
    return rxtest.finish(f"split ServerHellos: {n13} TLS 1.3 (every byte), {len(cases) - n13} TLS 1.2: "
                         "fields = tshark's, 2 exchanges each, explain agrees")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

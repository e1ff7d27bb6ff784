#!/usr/bin/python3
"""The checks of tests/e2e/test_tls.sh, on what it captured:

    tls_check.py RXRAY PCAP LIVE_B.json LIVE_A.json

1. rxray watch -r PCAP --json against tshark (the oracle; TCP and TLS
   desegmentation off, so each segment is decoded alone, as rxray does):
   every ClientHello and ServerHello tshark sees has rxray's tls object in
   the same frame with the same record and handshake versions, cipher
   suites, extension types, supported_versions, SNI, ALPN and ja3_full.
2. JA4 of every ClientHello equals ja4() below, written from FoxIO's
   specification (technical_details/JA4.md) over tshark's fields, not
   from rxray's code.
3. The ClientHello split over two segments: rxray shows its first part as
   partial (held), with the SNI tshark finds in the reassembled hello, and
   on the second segment the whole hello (rxray.tls_reassembled), equal to
   tshark's desegmented decode of that frame, JA3 and JA4 included.
4. Live = offline: the records of `watch -i` on each side (XDP ingress:
   ClientHellos on the server's veth, ServerHellos on the client's) have
   the same tls objects as the offline records of the same segments.
Prints a summary line; exit 1 on any difference.
"""
import hashlib
import json
import subprocess
import sys

GREASE = {0x0A0A + 0x1010 * i for i in range(16)}
FIELDS = ["frame.number", "tcp.srcport", "tcp.seq_raw", "tls.handshake.type", "tls.record.version",
          "tls.handshake.version", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
          "tls.handshake.extensions.supported_version", "tls.handshake.extensions_server_name",
          "tls.handshake.extensions_alpn_str", "tls.handshake.ja3_full", "tls.handshake.sig_hash_alg"]
fails = []


def check(what, got, want):
    if got != want:
        fails.append(f"{what}: rxray {got!r}, tshark/spec {want!r}")


def tshark(pcap, desegment):
    opts = ["-d", "tcp.port==8080,tls", "-d", "tcp.port==8443,tls",
            "-o", f"tcp.desegment_tcp_streams:{'TRUE' if desegment else 'FALSE'}",
            "-o", f"tls.desegment_ssl_records:{'TRUE' if desegment else 'FALSE'}"]
    out = subprocess.run(["tshark", "-r", pcap, *opts, "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2",
                          "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=\t"] +
                         [a for f in FIELDS for a in ("-e", f)], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        rows.append(v)
    return rows


def ints(s):
    return [int(x, 0) for x in s.split(";") if x] if s else []


def ja4(ciphers, exts, versions, hs_version, has_sni, alpns, sigalgs):
    """JA4_a _ JA4_b _ JA4_c for TLS over TCP, from FoxIO's specification."""
    names = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2",
             0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}
    vs = [v for v in versions if v not in GREASE]
    ver = names.get(max(vs) if vs else hs_version, "00")
    cs = [c for c in ciphers if c not in GREASE]
    es = [e for e in exts if e not in GREASE]
    if alpns:
        a = alpns[0]
        first, last = a[0], a[-1]
        if first.isascii() and first.isalnum() and last.isascii() and last.isalnum():
            al = first + last
        else:
            hx = a.encode("latin-1").hex()
            al = hx[0] + hx[-1]
    else:
        al = "00"
    part_a = f"t{ver}{'d' if has_sni else 'i'}{min(len(cs), 99):02d}{min(len(es), 99):02d}{al}"

    def h12(text):
        return hashlib.sha256(text.encode()).hexdigest()[:12] if text else "000000000000"
    part_b = h12(",".join(f"{c:04x}" for c in sorted(cs)))
    ext_text = ",".join(f"{e:04x}" for e in sorted(e for e in es if e not in (0x0000, 0x0010)))
    sig = [s for s in sigalgs if s not in GREASE]
    if sig:
        ext_text += "_" + ",".join(f"{s:04x}" for s in sig)
    return f"{part_a}_{part_b}_{h12(ext_text)}"


def rxray_records(rxray, pcap):
    out = subprocess.run([rxray, "watch", "-r", pcap, "--json"], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def as_list(v):
    return v if isinstance(v, list) else ([] if v is None else [v])


def compare(rec, row, stats):
    fno = row["frame.number"]
    tls = rec.get("tls")
    if not tls:
        fails.append(f"frame {fno}: tshark sees a hello, rxray no tls object")
        return
    hs = tls["handshake"]
    kind = int(row["tls.handshake.type"].split(";")[0])
    check(f"frame {fno} handshake.type", hs.get("type"), kind)
    check(f"frame {fno} record.version", tls["record"]["version"], ints(row["tls.record.version"])[0])
    check(f"frame {fno} handshake.version", hs.get("version"), ints(row["tls.handshake.version"])[0])
    check(f"frame {fno} ciphersuite", as_list(hs.get("ciphersuite")), ints(row["tls.handshake.ciphersuite"]))
    check(f"frame {fno} extension.type", hs.get("extension.type"), ints(row["tls.handshake.extension.type"]))
    check(f"frame {fno} supported_version", as_list(hs.get("extensions.supported_version")),
          ints(row["tls.handshake.extensions.supported_version"]))
    check(f"frame {fno} SNI", hs.get("extensions_server_name"),
          row["tls.handshake.extensions_server_name"] or None)
    alpn = row["tls.handshake.extensions_alpn_str"].replace(";", ",") or None
    check(f"frame {fno} ALPN", hs.get("extensions_alpn_str"), alpn)
    if kind == 1:
        stats["client"] += 1
        check(f"frame {fno} ja3_full", hs.get("ja3_full"), row["tls.handshake.ja3_full"])
        want = ja4(ints(row["tls.handshake.ciphersuite"]), ints(row["tls.handshake.extension.type"]),
                   ints(row["tls.handshake.extensions.supported_version"]),
                   ints(row["tls.handshake.version"])[0], bool(row["tls.handshake.extensions_server_name"]),
                   [a for a in row["tls.handshake.extensions_alpn_str"].split(";") if a],
                   ints(row["tls.handshake.sig_hash_alg"]))
        check(f"frame {fno} ja4", hs.get("ja4"), want)
        stats["sni" if hs.get("extensions_server_name") else "nosni"] += 1
        stats["alpn" if alpn else "noalpn"] += 1
        stats["grease"] += any(c in GREASE for c in ints(row["tls.handshake.ciphersuite"]))
        stats["ja4:" + hs.get("ja4", "-")[:4]] += 0
        stats.setdefault("ja4s", set()).add(hs.get("ja4"))
    else:
        stats["server"] += 1
        v = as_list(hs.get("extensions.supported_version")) or [hs.get("version")]
        stats["server1.3" if v[0] == 0x0304 else "server1.2"] += 1


def key(rec):
    return (rec["tcp"]["srcport"], rec["tcp"]["seq_raw"])


def main(rxray, pcap, live_b, live_a):
    import collections
    recs = rxray_records(rxray, pcap)
    by_frame = {r["frame"]["number"]: r for r in recs}
    stats = collections.Counter()
    for row in tshark(pcap, desegment=False):
        compare(by_frame.get(int(row["frame.number"]), {}), row, stats)
    # 3. the split hello: its first segment held (partial, with the SNI tshark finds in the
    # reassembled hello, no JA4), its second the whole hello, as tshark's desegmented decode
    partial = [r for r in recs if r.get("rxray", {}).get("tls_status") == "partial"]
    done = [r for r in recs if r.get("rxray", {}).get("tls_reassembled")]
    deseg = {int(row["frame.number"]): row for row in tshark(pcap, desegment=True)}
    snis = {row["tls.handshake.extensions_server_name"] for row in deseg.values()}
    if not partial:
        fails.append("no partial ClientHello (the split one)")
    for r in partial:
        sni = r["tls"]["handshake"].get("extensions_server_name")
        if sni not in snis or "ja4" in r["tls"]["handshake"] or not r["rxray"].get("tls_held"):
            fails.append(f"split hello: SNI {sni!r} not in tshark's reassembled {sorted(snis)}, a JA4, or not held")
    if len(done) != len(partial):
        fails.append(f"{len(done)} hellos reassembled, {len(partial)} held")
    for r in done:
        row = deseg.get(r["frame"]["number"])
        if row is None:
            fails.append(f"frame {r['frame']['number']}: reassembled, tshark's desegmented decode has no hello there")
        else:
            compare(r, row, collections.Counter())
    # 4. live = offline, per segment
    offline = {key(r): r["tls"] for r in recs if "tls" in r}
    live = 0
    for path, kind in ((live_b, 1), (live_a, 2)):
        want = {k for k, t in offline.items() if t["handshake"]["type"] == kind}
        got = set()
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if "tls" not in r:
                    continue
                k = key(r)
                got.add(k)
                check(f"live {path} segment {k}", r["tls"], offline.get(k))
                live += 1
        if got != want:
            fails.append(f"live {path}: hellos {sorted(got)}, offline {sorted(want)}")
    need = {"client": 8, "server": 6, "sni": 3, "nosni": 2, "alpn": 3, "noalpn": 2, "grease": 2,
            "server1.2": 2, "server1.3": 2}
    for k, n in need.items():
        if stats[k] < n:
            fails.append(f"only {stats[k]} {k} hellos compared, want >= {n}")
    print(f"{stats['client']} ClientHellos and {stats['server']} ServerHellos agree with tshark "
          f"({stats['sni']} with SNI, {stats['alpn']} with ALPN, {stats['grease']} GREASE, "
          f"{stats['server1.2']} TLS 1.2 and {stats['server1.3']} TLS 1.3 ServerHellos), "
          f"{len(stats['ja4s'])} distinct JA4 equal the spec's, {len(partial)} split hello held, "
          f"{len(done)} reassembled as tshark desegments it, "
          f"{live} live records equal offline")
    for f in fails[:30]:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))

#!/usr/bin/python3
"""rxray explain's TLS story against tshark, on a capture of TLS connections
(tests/e2e/test_tls2_h2.sh).

From tshark's record list, written here from docs/tls.md's rule and not from
rxray's code: per TCP stream, the ClientHello's SNI and ALPN, the
ServerHello's version, and the exchanges (the client's first application-data
record after the server's last opens a turn, the server's first after it
closes it; TLS 1.3's first turn, the Finished's, is not an exchange, and a
server segment of the size of the one that closed it, within 2 ms of it, is
the second session ticket: it closes no turn, once; when the client sent
more than 80 bytes in the Finished's turn, a request went with it: the turn
is the request's from the packet past those 80 bytes, the tickets close
nothing, and a client packet before the server's next one starts the turn
again). For
every packet that opens an exchange and for the one that closes it,
`rxray explain -r FILE --frame N --json` must say the same SNI, ALPN and
version, the exchange's number and its time (to the microsecond), and the
connection's count of exchanges. Prints, per (SNI, ALPN), the exchanges'
median, for the caller to hold against the API's delay:

  tls2_explain_check.py RXRAY FILE PORT  ->  lines "SNI ALPN N MEDIAN_S"
"""
import json
import statistics
import subprocess
import sys

rxray, pcap, port = sys.argv[1], sys.argv[2], sys.argv[3]
FIELDS = ["frame.number", "frame.time_epoch", "tcp.stream", "tcp.srcport", "tls.record.content_type",
          "tls.record.opaque_type", "tls.handshake.type", "tls.handshake.extensions_server_name",
          "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version", "tcp.len"]
out = subprocess.run(["tshark", "-r", pcap, "-d", f"tcp.port=={port},tls", "-Y", "tls", "-T", "fields",
                      "-E", "separator=|"] + sum((["-e", f] for f in FIELDS), []),
                     capture_output=True, text=True, check=True).stdout
streams = {}
for line in out.splitlines():
    num, ts, st, sport, ct, ot, hs, sni, alpn, sv, tlen = line.split("|")
    c = streams.setdefault(st, {"phase": 0, "open": None, "skip": False, "x": [], "sni": "", "alpn": ""})
    server = sport == port
    types = set((ct + "," + ot).split(","))
    kinds = set(hs.split(","))
    t = int(ts.replace(".", "")) if "." in ts else int(ts) * 10**9  # ns, tshark prints 9 decimals
    if not server and "1" in kinds:
        c.update(phase=1, sni=sni, alpn=alpn)
    if server and "2" in kinds and c["phase"] == 1:
        c["phase"] = 2
        c["tls13"] = "0x0304" in sv
    if "23" not in types:
        continue
    if not server and c["phase"] == 2:
        c["phase"], c["skip"], c["fin"] = 3, c["tls13"], 0
    if c["phase"] != 3:
        continue
    if not server:
        if c["skip"]:  # the Finished's turn: more than its 80 bytes are a request
            if c["fin"] <= 80 < c["fin"] + int(tlen):
                c["req"] = (int(num), t)
            c["fin"] += int(tlen)
        if c.get("early"):
            c["open"], c["early"] = (int(num), t), False  # the client again first
        elif c["open"] is None:
            c["open"] = (int(num), t)
    elif server and c["open"] is not None:
        tk = c.get("ticket")
        if tk and int(tlen) == tk[0] and t - tk[1] < 2_000_000:
            c["ticket"] = None  # the second session ticket: no answer
            continue
        c["ticket"] = (int(tlen), t) if c["skip"] else None
        if c["skip"] and c["fin"] > 80:  # the tickets, after a request sent with the Finished
            c["open"], c["skip"], c["early"] = c["req"], False, True
            continue
        if not c["skip"]:
            c["x"].append((c["open"][0], int(num), (t - c["open"][1]) / 1e9))
        c["open"], c["skip"], c["early"] = None, False, False

fails = 0
rows = {}
for st, c in sorted(streams.items(), key=lambda kv: int(kv[0])):
    if c["phase"] < 3:
        continue
    rows.setdefault((c["sni"], c["alpn"]), []).extend(d for _, _, d in c["x"])
    for n, (f_open, f_close, dur) in enumerate(c["x"], 1):
        for frame, part in ((f_open, "request"), (f_close, "response")):
            r = subprocess.run([rxray, "explain", "-r", pcap, "--frame", str(frame), "--json"],
                               capture_output=True, text=True)
            try:
                x = json.loads(r.stdout)["explain"]["tls"]["connection"]
            except (ValueError, KeyError) as e:
                print(f"FAIL: frame {frame}: no explain.tls.connection ({e}): {r.stdout[:300]} {r.stderr}")
                fails += 1
                continue
            want = {"sni": c["sni"], "alpn": c["alpn"], "phase": "established", "part": part,
                    "exchange": n, "exchanges": len(c["x"]),
                    "version": "TLS 1.3" if c["tls13"] else "TLS 1.2"}
            bad = {k: (x.get(k), v) for k, v in want.items() if x.get(k) != v}
            if abs(x.get("exchange_s", -1) - dur) > 2e-6:
                bad["exchange_s"] = (x.get("exchange_s"), dur)
            if bad:
                print(f"FAIL: stream {st} frame {frame}: explain (got, tshark): {bad}")
                fails += 1
    print(f"stream {st}: {c['sni']} {c['alpn']}: {len(c['x'])} exchanges, explain agrees")
for (sni, alpn), d in sorted(rows.items()):
    print(f"{sni} {alpn} {len(d)} {statistics.median(d) if d else -1:.6f}")
sys.exit(1 if fails else 0)

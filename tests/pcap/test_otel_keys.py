#!/usr/bin/env python3
"""`requests --json` keys as the contract names them (docs/json.md, "requests
--json: one HTTP transaction": OpenTelemetry's HTTP semantic conventions).

Runs `rxray requests -r F --json` over every capture of the corpus
(gen_corpus.py) that holds HTTP, and over a capture of its own with known
Host headers and 5xx statuses, and checks each transaction:

  - every key is one of the contract's (KEYS below), in the contract's
    order, with a value of its type; none is an empty string;
  - the required keys are present; network.transport "tcp",
    url.scheme "http", network.type the family of the addresses;
  - network.peer.* is client.*, and network.local.* is the server's side:
    tshark shows a request from (peer) to (local) in the capture;
  - server.address, when present, is the host of a Host header that tshark
    (-e http.host) shows on that connection, and server.port its port or
    else the destination port (network.local.port);
  - error.type is the status code as a string exactly when it is >= 500.

The checker itself is run first on records made wrong on purpose, each of
which it must reject.

  test_otel_keys.py BUILD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
from rxtest import check, fails  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# The contract's keys in its order, with the type of their values (docs/json.md).
KEYS = [
    ("ts", float),
    ("duration_s", float),
    ("client.address", str),
    ("client.port", int),
    ("server.address", str),
    ("server.port", int),
    ("network.local.address", str),
    ("network.local.port", int),
    ("network.peer.address", str),
    ("network.peer.port", int),
    ("network.transport", str),
    ("network.type", str),
    ("url.scheme", str),
    ("error.type", str),
    ("http.request.method", str),
    ("url.path", str),
    ("url.query", str),
    ("http.route", str),
    ("http.response.status_code", int),
    ("http.request.body.size", int),
    ("http.response.body.size", int),
    ("network.protocol.version", str),
    ("user_agent.original", str),
    ("rxray.schema", int),  # rxray's own: the contract's version (docs/json.md), last
]
ORDER = {k: i for i, (k, _) in enumerate(KEYS)}
TYPES = dict(KEYS)
REQUIRED = ["ts", "duration_s", "client.address", "client.port", "server.port",
            "network.local.address", "network.local.port", "network.peer.address",
            "network.peer.port", "network.transport", "network.type", "url.scheme",
            "http.request.method", "http.route", "http.response.status_code", "rxray.schema"]
# The request record (struct rx_reqinfo) carries the Host header (up to
# RX_HTTP_HOST_MAX - 1 bytes; a longer one may be cut, and is left out):
# server.address is required wherever a Host was sent.
HOST_REACHES_REQUESTS = True


def host_split(h):
    """The Host header's (host, port or None), as RFC 9110 7.2 writes it."""
    if h.startswith("["):
        end = h.find("]")
        if end >= 0 and h[end + 1:end + 2] in ("", ":"):
            p = h[end + 2:]
            return h[1:end], int(p) if p.isdigit() and len(p) <= 5 and 0 < int(p) < 65536 else None
        return h, None
    if h.count(":") == 1:
        name, p = h.split(":")
        return name, int(p) if p.isdigit() and len(p) <= 5 and 0 < int(p) < 65536 else None
    return h, None


def tshark_requests(pcap):
    """{(client, cport, server, sport): [Host or None, ...]} of every HTTP
    request tshark sees (reassembly off: rxray decodes each segment too)."""
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-o", "tcp.desegment_tcp_streams:FALSE",
         "-o", "http.desegment_headers:FALSE", "-o", "http.desegment_body:FALSE",
         "-Y", "http.request", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=l",
         "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
         "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "http.host"],
        capture_output=True, text=True, timeout=300)
    if out.returncode:
        print("tshark failed on %s: %s" % (pcap, out.stderr.strip()))
        sys.exit(1)
    conns = {}
    for line in out.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[2]:
            continue
        key = (f[0] or f[1], int(f[2]), f[3] or f[4], int(f[5]))
        conns.setdefault(key, []).append(f[6] or None)
    return conns


def judge(where, r, conns):
    """The contract's checks for one transaction R; returns the problems."""
    bad = []
    keys = list(r)
    for k in keys:
        if k not in TYPES:
            bad.append("key %s is not in the contract" % k)
            continue
        v, t = r[k], TYPES[k]
        if isinstance(v, bool) or not isinstance(v, (int, float) if t is float else t):
            bad.append("%s: %r is not a %s" % (k, v, t.__name__))
        if v == "":
            bad.append("%s: empty (an unknown value is an absent key)" % k)
    known = [k for k in keys if k in ORDER]
    if known != sorted(known, key=ORDER.get):
        bad.append("keys out of the contract's order: %s" % known)
    for k in REQUIRED:
        if k not in r:
            bad.append("required key %s absent" % k)
    if bad:
        return ["%s: %s" % (where, b) for b in bad]
    want = {"network.transport": "tcp", "url.scheme": "http",
            "network.type": "ipv6" if ":" in r["network.local.address"] else "ipv4",
            "network.peer.address": r["client.address"], "network.peer.port": r["client.port"]}
    for k, v in want.items():
        if r[k] != v:
            bad.append("%s: %r, want %r" % (k, r[k], v))
    if (":" in r["client.address"]) != (":" in r["network.local.address"]):
        bad.append("client and server of different families")
    code = r["http.response.status_code"]
    if code >= 500 and r.get("error.type") != str(code):
        bad.append("status %d: error.type %r, want %r" % (code, r.get("error.type"), str(code)))
    if code < 500 and "error.type" in r:
        bad.append("status %d: error.type %r, want none" % (code, r["error.type"]))
    key = (r["network.peer.address"], r["network.peer.port"], r["network.local.address"],
           r["network.local.port"])
    hosts = conns.get(key)
    if hosts is None:
        bad.append("no request from network.peer.* to network.local.* in tshark: %s" % (key,))
        return ["%s: %s" % (where, b) for b in bad]
    splits = {host_split(h) for h in hosts if h is not None}
    if "server.address" in r:
        ok = [(n, p) for n, p in splits if n == r["server.address"]]
        if not ok:
            bad.append("server.address %r: tshark's Host headers here are %s"
                       % (r["server.address"], sorted(h for h in hosts if h)))
        elif r["server.port"] not in {p if p else r["network.local.port"] for _, p in ok}:
            bad.append("server.port %d: Host %s, destination port %d"
                       % (r["server.port"], sorted(h for h in hosts if h), r["network.local.port"]))
    else:
        if HOST_REACHES_REQUESTS and any(n for n, _ in splits):
            bad.append("server.address absent; tshark's Host headers here are %s" % sorted(splits))
        if r["server.port"] != r["network.local.port"]:
            bad.append("server.port %d without a Host: want the destination port %d"
                       % (r["server.port"], r["network.local.port"]))
    return ["%s: %s" % (where, b) for b in bad]


def self_test():
    """The checker must reject each of these wrong records."""
    good = {"ts": 1.5, "duration_s": 0.001, "client.address": "192.0.2.10", "client.port": 40001,
            "server.port": 80, "network.local.address": "198.51.100.1", "network.local.port": 80,
            "network.peer.address": "192.0.2.10", "network.peer.port": 40001,
            "network.transport": "tcp", "network.type": "ipv4", "url.scheme": "http",
            "error.type": "503", "http.request.method": "GET", "url.path": "/", "http.route": "/",
            "http.response.status_code": 503, "rxray.schema": 1}
    conns = {("192.0.2.10", 40001, "198.51.100.1", 80): ["example.com:8080"]}
    hostless = {("192.0.2.10", 40001, "198.51.100.1", 80): []}
    check("self-test: a right record passes", judge("good", good, hostless), [])
    items = [(k, v) for k, v in good.items() if k != "server.port"]
    named = dict(items[:4] + [("server.address", "example.com"), ("server.port", 8080)] + items[4:])
    check("self-test: a right record with its Host passes", judge("good", named, conns), [])
    wrong = [
        ("a key outside the contract", dict(good, **{"server.ip": "198.51.100.1"})),
        ("the old server.address (the IP)", dict(named, **{"server.address": "198.51.100.1"})),
        ("network.local.* on the client side", dict(good, **{"network.local.address": "192.0.2.10",
                                                             "network.peer.address": "198.51.100.1"})),
        ("error.type missing for 503", {k: v for k, v in good.items() if k != "error.type"}),
        ("error.type for 404", dict(good, **{"http.response.status_code": 404})),
        ("error.type a number", dict(good, **{"error.type": 503})),
        ("network.type wrong", dict(good, **{"network.type": "ipv6"})),
        ("url.scheme missing", {k: v for k, v in good.items() if k != "url.scheme"}),
        ("an empty value", dict(good, **{"url.path": ""})),
        ("keys out of order", dict(reversed(list(good.items())))),
        ("server.port not the Host's", dict(named, **{"server.port": 80})),
        ("server.address missing though a Host was sent", good),
        ("no rxray.schema", {k: v for k, v in good.items() if k != "rxray.schema"}),
        ("rxray.schema a string", dict(good, **{"rxray.schema": "1"})),
    ]
    for what, r in wrong:
        if not judge(what, r, conns):
            fails.append("self-test: the checker accepts a record with %s" % what)


def own_capture(path):
    """Connections with known Host headers and statuses (one client port each)."""
    cases = [  # (client port, Host header or None, status)
        (40001, b"api.example", 200),
        (40002, b"example.com:8080", 503),
        (40003, b"[2001:db8::1]:8081", 500),
        (40004, b"[2001:db8::2]", 404),
        (40005, None, 502),
        (40006, b"10.0.0.1:8080", 599),
    ]
    client, server = (192, 0, 2, 10), (198, 51, 100, 1)
    with rxtest.Pcap(path) as pcap:
        for cport, host, status in cases:
            req = b"GET /c/%d HTTP/1.1\r\n" % cport
            if host is not None:
                req += b"Host: " + host + b"\r\n"
            req += b"User-Agent: otel-test\r\n\r\n"
            resp = b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n" % status
            cseq, sseq = 1000 + cport, 9000
            pcap.write(rxtest.tcp_frame(client, server, cport, 80, cseq, sseq, req))
            pcap.write(rxtest.tcp_frame(server, client, 80, cport, sseq, cseq + len(req), resp))
    return len(cases)


def main():
    if not shutil.which("tshark"):
        print("tshark not installed")
        sys.exit(77)
    rxtest.need_scapy()
    self_test()
    total, per_file, errors = 0, {}, 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), tmp], check=True,
                       stdout=subprocess.DEVNULL)
        n_own = own_capture(os.path.join(tmp, "otel_hosts.pcap"))
        for name in sorted(os.listdir(tmp)):
            if not name.endswith((".pcap", ".pcapng")):
                continue
            path = os.path.join(tmp, name)
            out = subprocess.run([rxtest.RXRAY, "requests", "-r", path, "--json"],
                                 capture_output=True, text=True, timeout=300)
            if out.returncode:
                fails.append("%s: rxray requests exited %d: %s" % (name, out.returncode, out.stderr))
                continue
            recs = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
            if not recs:
                continue
            per_file[name] = recs
            conns = tshark_requests(path)
            for i, r in enumerate(recs, 1):
                for b in judge("%s #%d" % (name, i), r, conns):
                    fails.append(b)
            total += len(recs)
        own = per_file.get("otel_hosts.pcap", [])
        check("otel_hosts.pcap: transactions", len(own), n_own)
        check("otel_hosts.pcap: error.type", [r.get("error.type") for r in own],
              [None, "503", "500", None, "502", "599"])
        check("corpus http.pcap: transactions >= 30", len(per_file.get("http.pcap", [])) >= 30, True)
        every = [r for recs in per_file.values() for r in recs]
        check("some transaction has error.type", any("error.type" in r for r in every), True)
        check("both network.type values seen", sorted({r["network.type"] for r in every}),
              ["ipv4", "ipv6"])
        errors = sum(1 for r in every if "error.type" in r)
    rxtest.finish("otel keys: %d transactions in %d captures (%s), %d with error.type; %d checks failed"
                  % (total, len(per_file), " ".join(sorted(per_file)), errors, len(fails)), 20)


main()

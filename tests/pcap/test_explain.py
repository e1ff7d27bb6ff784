#!/usr/bin/python3
"""`rxray explain -r` (issue 14, part 5), offline, against tshark and rxray's
own views of the same packets.

    /usr/bin/python3 tests/pcap/test_explain.py BUILD

On samples/sample.pcap and the corpus of gen_corpus.py (http.pcap,
tcp.pcap, ipv4.pcap, udp_icmp.pcap):
  1. `explain --frame N --json`, for frames spread over each file: the
     packet's keys are those of `watch --json`'s record N exactly, and the
     fields both print equal `tshark -r F -Y frame.number==N -T fields`
     (addresses, ports, TTL, flags, sequence numbers, lengths, HTTP);
  2. for every HTTP request segment of http.pcap, the transaction explain
     names is the one `requests --json` gives for that request (route,
     status, method, duration);
  3. the flow: a SYN is `syn`, the handshake's ACK `established` with its
     RTT equal to the SYN-ACK-to-ACK time tshark shows;
  4. bad input: a frame past the end (exit 2, the count named), an invalid
     filter (2), no match (1), --frame 0 (2), a missing file (2); each one
     line on stderr.
Skips (77) without tshark or scapy.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# (tshark field, path in rxray's JSON)
FIELDS = [("frame.len", "frame.len"), ("ip.src", "ip.src"), ("ip.dst", "ip.dst"),
          ("ip.ttl", "ip.ttl"), ("ip.id", "ip.id"), ("ipv6.src", "ipv6.src"),
          ("ipv6.hlim", "ipv6.hlim"), ("tcp.srcport", "tcp.srcport"),
          ("tcp.dstport", "tcp.dstport"), ("tcp.seq_raw", "tcp.seq_raw"),
          ("tcp.ack_raw", "tcp.ack_raw"), ("tcp.flags", "tcp.flags"),
          ("tcp.window_size_value", "tcp.window_size_value"),
          ("tcp.options.mss_val", "tcp.options.mss_val"), ("udp.srcport", "udp.srcport"),
          ("udp.length", "udp.length"), ("icmp.type", "icmp.type"),
          ("http.request.method", "http.request.method"),
          ("http.request.uri", "http.request.uri"), ("http.response.code", "http.response.code")]


def run(*args, ok=(0,)):
    p = subprocess.run([rxtest.RXRAY, *args], capture_output=True, text=True, timeout=120)
    if p.returncode not in ok:
        rxtest.fails.append(f"rxray {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def get(obj, path):
    """obj's value at a tshark-style dotted path, nested or with dotted keys."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if isinstance(obj, dict) and key in obj:
            rest = parts[i:]
            return obj[key] if not rest else get(obj[key], ".".join(rest))
    if isinstance(obj, dict) and parts[0] in obj:
        return get(obj[parts[0]], ".".join(parts[1:])) if len(parts) > 1 else obj[parts[0]]
    return None


def tshark_frames(path):
    """{frame.number: {field: text}} for every frame of path, one tshark run."""
    args = ["tshark", "-r", path, "-o", "ip.defragment:FALSE", "-o", "tcp.desegment_tcp_streams:FALSE",
            "-T", "fields", "-E", "separator=\t", "-e", "frame.number"]
    for f, _ in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        frames[int(cols[0])] = dict(zip([f for f, _ in FIELDS], cols[1:]))
    return frames


def same(tv, rv):
    """tshark's text against rxray's value (numbers in decimal or hex)."""
    if isinstance(rv, bool) or rv is None:
        return False
    if isinstance(rv, int):
        try:
            return int(tv, 0) == rv
        except ValueError:
            return False
    return tv == str(rv)


def check_frames(path, name, watch_lines):
    n = len(watch_lines)
    frames = sorted({1, 2, 3, n // 3 or 1, n // 2 or 1, n - 1 or 1, n} | set(range(1, min(n, 8) + 1)))
    compared = 0
    tsh = tshark_frames(path)
    for fr in frames:
        p = run("explain", "-r", path, "--frame", str(fr), "--json")
        if p.returncode:
            continue
        ex = json.loads(p.stdout)
        mine = dict(ex)
        mine.pop("explain", None)
        want = json.loads(watch_lines[fr - 1])
        rxtest.check(f"{name} frame {fr}: explain's packet = watch --json's", mine, want)
        tf = tsh.get(fr, {})
        for tfield, rpath in FIELDS:
            tv = tf.get(tfield, "")
            rv = get(ex, rpath)
            if tv == "" or "," in tv or rv is None:
                continue
            if tfield == "http.request.uri":
                tv = tv.split("?")[0]  # the datapath never keeps the query
            compared += 1
            if not same(tv, rv):
                rxtest.fails.append(f"{name} frame {fr} {tfield}: rxray {rv!r}, tshark {tv!r}")
    return compared


def check_transactions(path):
    """Every request segment's transaction is the one `requests` pairs."""
    reqs = [json.loads(ln) for ln in run("requests", "-r", path, "--json").stdout.splitlines()]
    watch = [json.loads(ln) for ln in run("watch", "-r", path, "--json").stdout.splitlines()]
    n = 0
    for w in watch:
        meth = get(w, "http.request.method")
        if not meth or "tcp" not in w:
            continue
        fr = w["frame"]["number"]
        ex = json.loads(run("explain", "-r", path, "--frame", str(fr), "--json").stdout)
        t = ex["explain"].get("transaction")
        cands = [r for r in reqs if r["client.port"] == w["tcp"]["srcport"] and
                 abs(r["ts"] - w["frame"]["time_epoch"]) < 1e-6]
        if not cands:
            continue  # a request the datapath did not pair (a cut, a retransmission)
        r = cands[0]
        n += 1
        if not t:
            rxtest.fails.append(f"http.pcap frame {fr}: explain names no transaction, requests has {r}")
            continue
        rxtest.check(f"frame {fr} route", t.get("http.route"), r.get("http.route"))
        rxtest.check(f"frame {fr} status", t.get("http.response.status_code"),
                     r.get("http.response.status_code"))
        rxtest.check(f"frame {fr} method", t.get("http.request.method"), r.get("http.request.method"))
        if abs(t["duration_s"] - r["duration_s"]) > 1e-6:
            rxtest.fails.append(f"frame {fr} duration: {t['duration_s']} vs {r['duration_s']}")
    if n < 5:
        rxtest.fails.append(f"http.pcap: only {n} request segments compared")
    return n


def check_flow(path):
    """The handshake of the first connection: states and RTT against tshark's times."""
    syn = json.loads(run("explain", "-r", path, "--json", "tcp[13] == 2").stdout)
    rxtest.check("SYN: flow state", syn["explain"]["flow"]["state"], "syn")
    rxtest.check("SYN: sender", syn["explain"]["flow"]["sender"], "client")
    port = syn["tcp"]["srcport"]
    ack = json.loads(run("explain", "-r", path, "--json",
                         f"tcp src port {port} and tcp[13] == 16").stdout)
    fl = ack["explain"]["flow"]
    rxtest.check("handshake ACK: state", fl.get("state"), "established")
    rxtest.check("handshake ACK: packets so far", fl.get("packets"), 3)
    out = subprocess.run(["tshark", "-r", path, "-Y", f"tcp.port=={port}", "-T", "fields",
                          "-e", "frame.time_epoch", "-c", "3"], capture_output=True, text=True,
                         timeout=60).stdout.split()
    if len(out) == 3:
        want = float(out[2]) - float(out[1])
        if abs(fl.get("handshake_rtt_s", -1) - want) > 2e-6:
            rxtest.fails.append(f"handshake RTT {fl.get('handshake_rtt_s')}, tshark's times {want}")


def check_bad(path, nframes):
    cases = [(["--frame", str(nframes + 1)], 2, f"has {nframes} packets"),
             (["bogus(("], 2, "invalid filter"), (["port 1"], 1, "no packet matches"),
             (["--frame", "0"], 2, "--frame 0"), ]
    for args, code, words in cases:
        p = run("explain", "-r", path, *args, ok=(code,))
        lines = p.stderr.strip().splitlines()
        if len(lines) != 1 or words not in lines[0]:
            rxtest.fails.append(f"explain {args}: stderr {p.stderr!r}, want one line with {words!r}")
    p = run("explain", "-r", path + ".missing", ok=(2,))
    if "No such file" not in p.stderr:
        rxtest.fails.append(f"missing file: {p.stderr!r}")


def check_tls_guard(path):
    """Every TLS hello of tls.pcap: explain.tls agrees with the packet's own
    tls.* keys (kind, JA4); with no agent, explain.guard.agent is null and
    the text says so. Returns the number of hellos checked."""
    os.environ["RXRAY_AGENT"] = os.path.join(os.path.dirname(path), "no-agent.sock")
    n = 0
    for line in run("watch", "-r", path, "--json").stdout.splitlines():
        w = json.loads(line)
        fr = w["frame"]["number"]
        ex = json.loads(run("explain", "-r", path, "--frame", str(fr), "--json").stdout)["explain"]
        kind = get(w, "tls.handshake.type")
        t = ex.get("tls")
        if kind is None:
            rxtest.check(f"tls.pcap frame {fr}: no explain.tls without a hello", t, None)
            continue
        n += 1
        rxtest.check(f"tls.pcap frame {fr}: explain.tls.hello", (t or {}).get("hello"),
                     {1: "client", 2: "server"}.get(kind))
        rxtest.check(f"tls.pcap frame {fr}: explain.tls.ja4 = tls.handshake.ja4",
                     (t or {}).get("ja4"), get(w, "tls.handshake.ja4"))
        rxtest.check(f"tls.pcap frame {fr}: explain.guard without an agent",
                     ex.get("guard"), {"agent": None})
    text = run("explain", "-r", path, "--frame", "1").stdout
    if "guard: no rxray serve answers at" not in text or "tls: " not in text:
        rxtest.fails.append(f"explain's text lacks its tls/guard lines: {text[-300:]!r}")
    return n


def main():
    rxtest.need_scapy()
    if not shutil.which("tshark"):
        print("tshark is missing")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="rxray-explain-")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "pcap", "gen_corpus.py"), tmp],
                   check=True, capture_output=True)
    files = [("sample.pcap", os.path.join(ROOT, "samples", "sample.pcap"))]
    files += [(f, os.path.join(tmp, f)) for f in ("http.pcap", "tcp.pcap", "ipv4.pcap", "udp_icmp.pcap")]
    compared = 0
    for name, path in files:
        lines = run("watch", "-r", path, "--json").stdout.splitlines()
        compared += check_frames(path, name, lines)
    txns = check_transactions(os.path.join(tmp, "http.pcap"))
    check_flow(os.path.join(ROOT, "samples", "sample.pcap"))
    hellos = check_tls_guard(os.path.join(tmp, "tls.pcap"))
    if hellos < 5:
        rxtest.fails.append(f"only {hellos} TLS hellos in tls.pcap")
    n = len(run("watch", "-r", files[0][1], "--json").stdout.splitlines())
    check_bad(files[0][1], n)
    shutil.rmtree(tmp)
    if compared < 100:
        rxtest.fails.append(f"only {compared} fields compared with tshark")
    rxtest.finish(f"explain: {compared} fields equal tshark's, {txns} transactions equal "
                  f"requests', {hellos} TLS hellos agree, bad input refused", most=30)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Captures that are not Ethernet, offline: one per link type, decoded as
tshark decodes them, with their HTTP transactions seen.

    /usr/bin/python3 tests/pcap/test_linktypes.py [BUILD_DIR]     (default: build)

The same conversations (HTTP/1.1 over IPv4 and IPv6: handshakes, keep-alive
requests, a 404, the closes) are written once per link type, each frame
under that type's header: LINUX_SLL (113), LINUX_SLL2 (276), NULL (0) from
a little- and a big-endian writer, LOOP (108), RAW as 101, 12 and 14,
IPV4 (228) and IPV6 (229), and Ethernet as the reference; a few frames
more where the header has more to say (SLL: ARP, an 802.2 protocol, a VLAN
tag, GRE and unusual address lengths, a cut header; NULL: a family that
is not IP; RAW: a version that is not IP). A real capture joins them:
`tcpdump -i any` (LINUX_SLL2) in a test namespace while curl fetches from
python3's http.server over a veth pair (root only; skipped otherwise).
For each file:

  1. `watch --json` against tshark, field by field (test_tshark.py's
     comparison: sll.*, null.family, every layer above), and the raw
     protocol of tshark as rxray's "raw" object; every key a tshark name
     (test_json_names.py's list of rxray's own aside) and in docs/json.md;
  2. `requests --json` against tshark's HTTP pairs (tests/lib/http_oracle.py),
     and the transactions equal to the Ethernet capture's (same methods,
     paths, statuses, durations);
  3. `stats --json`: the same HTTP request count and endpoints as Ethernet;
  4. pcap filters compiled for the file's link type: `watch -r F FILTER`
     shows as many packets as tcpdump (`inbound`, which exists only for
     cooked captures, included), and `-w` writes the input's link type
     (DLT 14, which libpcap cannot filter, as RAW) with the frames intact;

and an unknown link type (USER0, 147) is refused in one line naming it.

Exit 0 all agree, 1 a difference, 77 tshark or scapy missing.
"""
import collections
import concurrent.futures
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
if shutil.which("tshark") is None:
    print("tshark is not installed")
    sys.exit(77)
sys.path.insert(0, HERE)
import test_tshark as tt  # noqa: E402
import test_docs_keys as dk  # noqa: E402
import test_json_names as jn  # noqa: E402
from scapy.all import ARP, IP, IPv6, TCP, UDP, Ether, Raw  # noqa: E402

RXRAY = rxtest.RXRAY
TSHARK_NAMES, DOCUMENTED = set(), []   # main() reads them
C4, S4, C6, S6 = "192.0.2.10", "198.51.100.1", "2001:db8::10", "2001:db8::1"
MAC_C = bytes.fromhex("020000000c01")
ETH_P = {4: 0x0800, 6: 0x86dd}
ROOT = os.path.join(HERE, "..", "..")

# ------------------------------------------------------------ the traffic


def conversation(v, sport, requests, t0):
    """(time, ip packet, client sent it) of one HTTP/1.1 connection."""
    ip = (lambda c: IP(src=C4, dst=S4) if c else IP(src=S4, dst=C4)) if v == 4 else \
        (lambda c: IPv6(src=C6, dst=S6) if c else IPv6(src=S6, dst=C6))
    out, t, cs, ss = [], t0, 1000, 50000

    def seg(client, flags, data=b"", adv=0):
        nonlocal t, cs, ss
        t += 0.002
        tcp = TCP(sport=sport, dport=80, flags=flags, seq=cs, ack=ss) if client else \
            TCP(sport=80, dport=sport, flags=flags, seq=ss, ack=cs)
        if flags == "S":
            tcp.ack = 0
        p = ip(client) / tcp / (Raw(data) if data else b"")
        out.append((t, p, client))
        if client:
            cs += len(data) + adv
        else:
            ss += len(data) + adv

    seg(True, "S", adv=1)
    seg(False, "SA", adv=1)
    seg(True, "A")
    for path, code, body in requests:
        seg(True, "PA", b"GET %s HTTP/1.1\r\nHost: api.example\r\nUser-Agent: linktypes/1\r\n\r\n" % path)
        reason = b"OK" if code == 200 else b"Not Found"
        seg(False, "PA", b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n\r\n%s" % (code, reason, len(body), body))
        seg(True, "A")
    seg(True, "FA", adv=1)
    seg(False, "FA", adv=1)
    seg(True, "A")
    return out


def traffic(versions):
    frames = []
    if 4 in versions:
        frames += conversation(4, 40001, [(b"/users/1", 200, b"x" * 30), (b"/missing", 404, b"")], 1700000000.0)
    if 6 in versions:
        frames += conversation(6, 40002, [(b"/v6/items", 200, b"y" * 12)], 1700000001.0)
    return frames


# ------------------------------------------------------------ link headers


def sll(proto, pkttype, hatype=1, halen=6, addr=MAC_C):
    return struct.pack(">HHH8sH", pkttype, hatype, halen, addr.ljust(8, b"\0")[:8], proto)


def sll2(proto, pkttype, ifindex=7, hatype=1, halen=6, addr=MAC_C):
    return struct.pack(">HHIHBB8s", proto, 0, ifindex, hatype, pkttype, halen, addr.ljust(8, b"\0")[:8])


def family(v, inet6):
    return 2 if v == 4 else inet6


# name -> (DLT in the file, header of a frame (ip version, client sent it), versions)
LINKS = {
    "eth": (1, lambda v, c: bytes(Ether(src="02:00:00:00:0c:01" if c else "02:00:00:00:0c:02",
                                        dst="02:00:00:00:0c:02" if c else "02:00:00:00:0c:01",
                                        type=ETH_P[v])), (4, 6)),
    "sll": (113, lambda v, c: sll(ETH_P[v], 4 if c else 0), (4, 6)),
    "sll2": (276, lambda v, c: sll2(ETH_P[v], 4 if c else 0), (4, 6)),
    "null": (0, lambda v, c: struct.pack("<I", family(v, 30)), (4, 6)),        # macOS, little-endian
    "null_be": (0, lambda v, c: struct.pack(">I", family(v, 24)), (4, 6)),     # a big-endian BSD
    "loop": (108, lambda v, c: struct.pack(">I", family(v, 28)), (4, 6)),      # OpenBSD, network order
    "raw": (101, lambda v, c: b"", (4, 6)),
    "raw12": (12, lambda v, c: b"", (4, 6)),
    "raw14": (14, lambda v, c: b"", (4, 6)),
    "ipv4": (228, lambda v, c: b"", (4,)),
    "ipv6": (229, lambda v, c: b"", (6,)),
}

UDP4 = bytes(IP(src=C4, dst=S4) / UDP(sport=5000, dport=53) / Raw(b"q"))


def extras(name):
    """(description, frame bytes): what else the link header can say."""
    if name == "sll":
        return [
            ("ARP", sll(0x0806, 1) + bytes(ARP(psrc=C4, pdst=S4))),
            ("802.2 LLC (ltype)", sll(0x0004, 0) + b"\xaa\xaa\x03\x00\x00\x00\x08\x00"),
            ("VLAN tag put back by libpcap", sll(0x8100, 0) + struct.pack(">HH", 0x2005, 0x0800) + UDP4),
            ("GRE: an IPv4 source address", sll(0x0800, 0, hatype=778, halen=4, addr=bytes([192, 0, 2, 99])) + UDP4),
            ("an 8-byte address", sll(0x0800, 3, halen=8, addr=bytes(range(1, 9))) + UDP4),
            ("no address", sll(0x0800, 2, hatype=65534, halen=0, addr=b"") + UDP4),
            ("cut header", sll(0x0800, 0)[:10]),
        ]
    if name == "sll2":
        return [("ifindex 3, broadcast", sll2(0x0800, 1, ifindex=3) + UDP4),
                ("cut header", sll2(0x0800, 0)[:12])]
    if name == "null":
        return [("family 7, not IP", struct.pack("<I", 7) + b"\x00" * 20)]
    if name == "loop":
        return [("family 2 little-endian: not IP (never swapped)", struct.pack("<I", 2) + UDP4)]
    if name == "raw":
        return [("version 5, not IP", b"\x50" + b"\x00" * 19)]
    return []


def write_pcap(path, dlt, frames):
    """frames: (time, bytes); a microsecond pcap of link type DLT."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, dlt))
        for t, b in frames:
            us = int(round(t * 1e6))
            f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(b), len(b)) + b)


def make_files(tmp):
    files = {}
    for name, (dlt, hdr, versions) in LINKS.items():
        frames = [(t, hdr(p.version, c) + bytes(p), f"{'client' if c else 'server'} {p.summary()}")
                  for t, p, c in traffic(versions)]
        t = frames[-1][0]
        for desc, b in extras(name):
            t += 0.001
            frames.append((t, b, desc))
        path = os.path.join(tmp, name + ".pcap")
        write_pcap(path, dlt, [(t, b) for t, b, _ in frames])
        files[name] = (path, [d for _, _, d in frames])
    return files


# ------------------------------------------------------------ a real tcpdump -i any


def sh(cmd, **kw):
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, **kw)


def tcpdump_any(tmp):
    """A LINUX_SLL2 capture from `tcpdump -i any` in a test namespace: curl
    fetches from http.server over a veth pair, IPv4 and IPv6. None where
    that cannot run (not root, a tool missing)."""
    if os.geteuid() != 0 or not all(shutil.which(x) for x in ("tcpdump", "curl", "ip")):
        print("skipped: the tcpdump -i any capture (needs root, tcpdump, curl, ip)")
        return None
    p = f"link{os.getpid() % 100000}"
    path = os.path.join(tmp, "tcpdump_any.pcap")
    lab = f". {ROOT}/tests/lib/netns.sh;"
    procs = []
    try:
        r = sh(f"{lab} rx_lab_up {p}")
        if r.returncode:
            raise RuntimeError(f"rx_lab_up: {r.stderr}")
        www = os.path.join(tmp, "www")
        os.makedirs(os.path.join(www, "api"))
        with open(os.path.join(www, "api", "status"), "w") as f:
            f.write("ok\n")
        procs.append(subprocess.Popen(["ip", "netns", "exec", f"{p}-b", "/usr/bin/python3", "-m", "http.server",
                                       "8080", "--bind", "::", "--directory", www],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        dump = subprocess.Popen(["ip", "netns", "exec", f"{p}-b", "tcpdump", "-i", "any", "--immediate-mode", "-U", "-n", "-w", path,
                                 "tcp port 8080"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(dump)
        for _ in range(100):   # capturing (tcpdump creates the file then) and listening
            if os.path.exists(path) and \
                    sh(f"ip netns exec {p}-a bash -c '</dev/tcp/192.0.2.2/8080'").returncode == 0:
                break
            time.sleep(0.1)
        for url in ("http://192.0.2.2:8080/api/status", "http://192.0.2.2:8080/nothing/here",
                    "http://[2001:db8::2]:8080/api/status"):
            r = sh(f"ip netns exec {p}-a curl -gsS -m 10 -o /dev/null '{url}'", timeout=20)
            rxtest.check(f"curl {url}", (r.returncode, r.stderr), (0, ""))
        time.sleep(1)   # the last segments reach tcpdump
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.send_signal(signal.SIGINT)
                try:
                    pr.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pr.kill()
                    pr.wait()
        sh(f"{lab} rx_lab_down {p}")
    with open(path, "rb") as f:
        dlt = struct.unpack("<I", f.read(24)[20:24])[0]
    rxtest.check("tcpdump -i any writes LINUX_SLL2", dlt, 276)
    n = len(tt.tshark_packets(path))
    return path, [f"tcpdump -i any #{i + 1}" for i in range(n)]


# ------------------------------------------------------------ the checks


def run(*args, check=True):
    out = subprocess.run([RXRAY, *args], capture_output=True, timeout=120)
    if check and out.returncode:
        rxtest.fails.append(f"rxray {' '.join(args)}: exit {out.returncode}: {out.stderr.decode(errors='replace')}")
    return out


def compare_watch(name, path, descs):
    """watch --json against tshark; returns the fields compared."""
    recs, errors = tt.run_rxray(RXRAY, path)
    tps = tt.tshark_packets(path)
    for e in errors:
        rxtest.fails.append(f"{name}: {e}")
    # every key a tshark name (or rxray's own) and in docs/json.md
    paths, flat = set(), {}
    for rx in recs:
        jn.key_paths(rx, out=paths)
        dk.flatten(rx, "", flat, name)
    rxtest.check(f"{name}: keys that are not tshark's", sorted(jn.not_tshark(paths, TSHARK_NAMES)), [])
    rxtest.check(f"{name}: keys missing from docs/json.md",
                 sorted(k for k in flat if not any(r.match(k) for r in DOCUMENTED)), [])
    rxtest.check(f"{name}: records", len(recs), len(tps))
    fields, unmapped = 0, collections.Counter()
    for i, (rx, tp) in enumerate(zip(recs, tps)):
        n, bad, _ = tt.compare_packet(rx, tp, descs[i] if i < len(descs) else "?", unmapped)
        fields += n
        for m in bad:
            rxtest.fails.append(f"{name} #{i + 1} ({descs[i] if i < len(descs) else '?'}): {m}")
        rxtest.check(f"{name} #{i + 1}: raw layer", "raw" in rx, "raw" in tp.protos)
    return fields


def requests(path):
    out = run("requests", "-r", path, "--json")
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]


def transactions(path):
    keep = ("http.request.method", "url.path", "http.response.status_code", "duration_s",
            "client.port", "network.peer.address", "server.port")
    return [{k: t.get(k) for k in keep} for t in requests(path)]


def oracle(name, path, tmp):
    js = os.path.join(tmp, name + ".requests.json")
    with open(js, "wb") as f:
        f.write(run("requests", "-r", path, "--json").stdout)
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "lib", "http_oracle.py"), path, js],
                         capture_output=True, text=True, cwd=os.path.join(ROOT, "tests", "lib"))
    if out.returncode:
        rxtest.fails.append(f"{name}: requests against tshark: {out.stdout.strip()} {out.stderr.strip()}")
    return out.stdout.strip()


def stats_http(path):
    s = rxtest.stats_json(path)
    eps = sorted(json.dumps(e, sort_keys=True) for e in s.get("endpoints", []))
    return s["http"]["requests"], eps


def count_tcpdump(path, flt):
    out = subprocess.run(["tcpdump", "-nn", "-r", path, flt], capture_output=True, text=True)
    return len(out.stdout.splitlines()) if out.returncode == 0 else None


def count_watch(path, flt, *extra):
    out = run("watch", "-r", path, *extra, flt)
    return len(out.stdout.decode().splitlines())


def filters_and_write(name, path, dlt, tmp):
    flts = ["tcp port 80", "ip6", "tcp[tcpflags] & tcp-syn != 0", "udp"]
    if name.startswith("sll") or name == "tcpdump_any":
        flts += ["inbound", "outbound"]
    if dlt != 14:   # libpcap has no filters for 14: tcpdump refuses the file
        for flt in flts:
            want = count_tcpdump(path, flt)
            if want is None:   # tcpdump refuses the expression for this link type: so does rxray
                out = run("watch", "-r", path, flt, check=False)
                rxtest.check(f"{name}: watch '{flt}' refused as by tcpdump", (out.returncode, out.stdout), (2, b""))
            else:
                rxtest.check(f"{name}: watch '{flt}' packets as tcpdump", count_watch(path, flt), want)
    flt = "tcp port 80 or tcp port 8080"
    out, ref = os.path.join(tmp, name + ".out.pcap"), os.path.join(tmp, name + ".ref.pcap")
    run("watch", "-r", path, "--payload", "-w", out, flt)
    with open(out, "rb") as f:
        got_dlt = struct.unpack("<I", f.read(24)[20:24])[0]
    rxtest.check(f"{name}: -w link type", got_dlt, 101 if dlt in (12, 14) else dlt)
    if dlt != 14:
        subprocess.run(["tcpdump", "-r", path, "-w", ref, flt], capture_output=True, check=True)
        ya = []
    else:   # the same frames as tshark selects them
        ref, ya = path, ["-Y", "tcp.port == 80 or tcp.port == 8080"]
    fields = ["-T", "fields", "-e", "frame.len", "-e", "tcp.srcport", "-e", "http.request.uri",
              "-e", "http.response.code"]
    a = subprocess.run(["tshark", "-r", out, *fields], capture_output=True, text=True).stdout
    b = subprocess.run(["tshark", "-r", ref, *ya, *fields], capture_output=True, text=True).stdout
    rxtest.check(f"{name}: -w frames (tshark's TCP ports and HTTP of the written file)", a, b)
    rxtest.check(f"{name}: -w wrote frames", bool(a) or name == "null_be", True)


def unknown_linktype(tmp):
    path = os.path.join(tmp, "user0.pcap")
    write_pcap(path, 147, [(1700000000.0, b"\x00" * 40)])
    out = run("watch", "-r", path, check=False)
    err = out.stderr.decode()
    rxtest.check("DLT 147: exit status", out.returncode, 2)
    rxtest.check("DLT 147: one line", len(err.splitlines()), 1)
    rxtest.check("DLT 147: names the link type", "link type DLT 147 is not supported" in err, True)
    rxtest.check("DLT 147: nothing on stdout", out.stdout, b"")


def one_file(name, file, ref, ref_stats, tmp):
    """Every check of one capture; returns its summary line."""
    path, descs = file
    with open(path, "rb") as f:
        dlt = struct.unpack("<I", f.read(24)[20:24])[0]
    fields = compare_watch(name, path, descs)
    txns = transactions(path)
    said = oracle(name, path, tmp)
    if name != "tcpdump_any":
        versions = LINKS[name][2]
        want = [t for t in ref if (":" in t["network.peer.address"]) == (versions == (6,))] \
            if len(versions) == 1 else ref
        rxtest.check(f"{name}: transactions as from Ethernet", txns, want)
        if len(versions) == 2:
            rxtest.check(f"{name}: stats HTTP as from Ethernet", stats_http(path), ref_stats)
    else:
        rxtest.check("tcpdump_any: statuses", sorted(t["http.response.status_code"] for t in txns),
                     [200, 200, 404])
        rxtest.check("tcpdump_any: stats http requests", stats_http(path)[0], 3)
    filters_and_write(name, path, dlt, tmp)
    return f"{name:<12} {dlt:>4} {len(descs):>8} {fields:>7} {len(txns):>5}  {said}"


def main():
    global TSHARK_NAMES, DOCUMENTED
    TSHARK_NAMES = jn.tshark_names()
    DOCUMENTED = dk.documented_keys()["watch"]
    tmp = tempfile.mkdtemp(prefix="rxray-linktypes-")
    try:
        files = make_files(tmp)
        real = tcpdump_any(tmp)
        if real:
            files["tcpdump_any"] = real
        ref = transactions(files["eth"][0])
        ref_stats = stats_http(files["eth"][0])
        rxtest.check("eth: transactions", len(ref), 3)
        print(f"{'file':<12} {'dlt':>4} {'packets':>8} {'fields':>7} {'txns':>5}  requests vs tshark")
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            lines = ex.map(lambda kv: one_file(kv[0], kv[1], ref, ref_stats, tmp), files.items())
            for line in lines:
                print(line)
        unknown_linktype(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rxtest.finish(f"link types: {len(files)} captures, {len(rxtest.fails)} failed checks", most=40)


if __name__ == "__main__":
    main()

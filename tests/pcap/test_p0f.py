#!/usr/bin/python3
"""The SYN's fingerprint is p0f's (issue 14, part 3): on crafted captures,
for every SYN and SYN+ACK that `p0f -r` labels, rxray's `watch -r --json`
gives the same guess (os or app), quality (exact, generic, fuzzy, none),
distance and signature text (raw_sig).

    /usr/bin/python3 tests/pcap/test_p0f.py BUILD

The captures: one SYN (or SYN and SYN+ACK) for every signature of
Debian's /etc/p0f/p0f.fp, built from the signature (Linux, Windows,
macOS, the BSDs, Solaris, nmap...), with TTLs some hops below the initial
one; then seeded random SYNs mixing layouts, windows (multiples of MSS and
MTU), quirks (no DF, zero IP ID, ECN, URG, PSH, zero timestamps, bytes
after EOL, a huge window scale, a malformed option), IPv4 options, IPv6
flow labels and payloads, which p0f finds exact, generic, fuzzy or not at
all. The database is read by both at run time. Skips (77) without p0f or
scapy.
"""
import ipaddress
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402

DB = "/etc/p0f/p0f.fp"
OPT = {"nop": b"\x01", "mss": None, "ws": None, "sok": b"\x04\x02", "ts": None,
       "sack": b"\x05\x0a" + bytes(8)}


def sigs(section):
    """[(label, sig)] of one [tcp:...] section of p0f.fp."""
    out, cur, label = [], None, None
    with open(DB, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                cur = line
            elif cur == section and line.startswith("label"):
                label = line.split("=", 1)[1].strip()
            elif cur == section and line.startswith("sig"):
                out.append((label, line.split("=", 1)[1].strip()))
    return out


def options(layout, mss, ws, ts1, ts2, eol_nz):
    """The option bytes of a layout ("mss,sok,ts,nop,ws"), padded with EOL to a word."""
    b = b""
    for o in layout.split(",") if layout else []:
        if o == "mss":
            b += bytes([2, 4]) + mss.to_bytes(2, "big")
        elif o == "ws":
            b += bytes([3, 3, ws])
        elif o == "ts":
            b += bytes([8, 10]) + ts1.to_bytes(4, "big") + ts2.to_bytes(4, "big")
        elif o.startswith("eol+"):
            pad = int(o[4:])
            b += b"\x00" + (b"\x01" if eol_nz and pad else b"\x00") * pad
        elif o.startswith("?"):
            b += bytes([int(o[1:]), 2])
        else:
            b += OPT[o]
    if len(b) % 4:
        b += b"\x00" * (4 - len(b) % 4)
    return b[:40]


class Conn:
    """Addresses and ports: every SYN its own connection, as p0f tracks them."""
    n = 0

    def __init__(self, v6):
        Conn.n += 1
        self.v6 = v6
        self.cli = f"2001:db8:1::{Conn.n:x}" if v6 else f"192.0.2.{10 + Conn.n % 200}"
        self.srv = "2001:db8::80" if v6 else "198.51.100.80"
        self.cport, self.sport = 20000 + Conn.n, 80 + Conn.n % 7


def frame(c, to_srv, p):
    """An Ethernet frame of a SYN (to_srv) or SYN+ACK with the fields of p."""
    from scapy.all import IP, IPv6, Raw, Ether
    import struct
    opts = options(p["layout"], p["mss"], p["ws"], p["ts1"], p["ts2"], p["eol_nz"])
    flags = 0x02 | (0x10 if not to_srv else 0) | p["extra_flags"]
    doff = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", c.cport if to_srv else c.sport, c.sport if to_srv else c.cport,
                      p["seq"], p["ack"], doff << 4, flags, p["win"], 0, p["urp"]) + opts
    tcp += p["payload"]
    src, dst = (c.cli, c.srv) if to_srv else (c.srv, c.cli)
    if c.v6:
        ip = IPv6(src=src, dst=dst, hlim=p["ttl"], fl=p["flow"], tc=p["tos"], nh=6)
    else:
        ip = IP(src=src, dst=dst, ttl=p["ttl"], id=p["id"], flags=p["ipflags"], tos=p["tos"],
                proto=6, options=p["ipopts"])
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / Raw(tcp)


def from_sig(sig, rnd, to_srv):
    """Packet fields that fit a p0f signature."""
    ver, ittl, olen, mss, wsz, layout, quirks, pclass = sig.split(":")
    win, scale = wsz.split(",")
    q = set(quirks.split(",")) if quirks else set()
    m = 1460 if mss == "*" else int(mss)
    ttl_base = int(re.match(r"\d+", ittl).group(0))
    p = {"ttl": max(1, ttl_base - rnd.choice([0, 0, 1, 3, 12])), "mss": m,
         "ws": rnd.choice([0, 2, 7]) if scale == "*" else int(scale), "layout": layout,
         "ts1": 0 if "ts1-" in q else rnd.randrange(1, 1 << 32),
         "ts2": rnd.randrange(1, 1 << 32) if "ts2+" in q else 0, "eol_nz": "opt+" in q,
         "seq": 0 if "seq-" in q else rnd.randrange(1, 1 << 32),
         "ack": 0, "urp": rnd.randrange(1, 65535) if "uptr+" in q else 0,
         "extra_flags": (0x20 if "urgf+" in q else 0) | (0x08 if "pushf+" in q else 0),
         "payload": b"hello" if pclass == "+" else b"", "flow": 0, "tos": 0,
         "ipopts": [], "id": rnd.randrange(1, 65535), "ipflags": "DF"}
    if not to_srv:
        p["ack"] = 0 if "ack-" in q else rnd.randrange(1, 1 << 32)
    elif "ack+" in q:
        p["ack"] = rnd.randrange(1, 1 << 32)
    if "ecn" in q:
        p["tos"] = 1
    if "flow" in q:
        p["flow"] = rnd.randrange(1, 1 << 20)
    if "df" not in q:
        p["ipflags"] = 0
        if "id-" in q:
            p["id"] = 0
    elif "id+" not in q:
        p["id"] = 0
    if "0+" in q:
        p["ipflags"] = (p["ipflags"] and 2) | 4
    if int(olen):
        from scapy.all import IPOption
        p["ipopts"] = [IPOption(b"\x01" * int(olen))]
    if win.startswith("mss*"):
        n = int(win[4:])
        while m * n > 65535:
            m //= 2
        p["mss"], p["win"] = m, m * n
    elif win.startswith("mtu*"):
        n = int(win[4:])
        while (m + 40) * n > 65535:
            m //= 2
        p["mss"], p["win"] = m, (m + 40) * n
    elif win.startswith("%"):
        p["win"] = int(win[1:]) * rnd.randrange(1, 65535 // int(win[1:]) + 1)
    elif win == "*":
        p["win"] = rnd.randrange(1, 65536)
    else:
        p["win"] = int(win)
    return ver, p


def mutate(p, rnd):
    """A random departure from a signature: what makes p0f fuzzy, generic or blind."""
    k = rnd.randrange(10)
    if k == 0:
        p["ipflags"], p["id"] = 0, 0          # id-, df gone: fuzzy
    elif k == 1:
        p["tos"] = 2                         # ecn: fuzzy
    elif k == 2:
        p["ttl"] = rnd.randrange(1, 256)     # far or past the initial TTL
    elif k == 3:
        p["win"] = rnd.randrange(1, 65536)
    elif k == 4:
        p["layout"] = rnd.choice(["mss,sok,ts,nop,ws", "mss,nop,ws,nop,nop,sok", "mss",
                                  "mss,nop,nop,ts,sok,?30", "nop,nop,ts", "mss,sack", ""])
    elif k == 5:
        p["ws"] = 15                         # exws
    elif k == 6:
        p["extra_flags"] |= 0x40 | 0x80      # ECE CWR
    elif k == 7:
        p["payload"] = b"x" * rnd.randrange(1, 40)
    elif k == 8:
        p["mss"] = rnd.choice([536, 1380, 1440, 8960, 65495])
    else:
        p["ack"] = rnd.randrange(1, 1 << 32)


def build(path):
    """Write the capture; returns the number of SYNs in it."""
    from scapy.all import wrpcap
    rnd = random.Random(14)
    frames, n = [], 0
    linux = "*:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0"
    for rounds in range(3):
        for label, sig in sigs("[tcp:request]"):
            ver, p = from_sig(sig, rnd, True)
            if rounds:
                mutate(p, rnd)
            c = Conn(ver == "6" or (ver == "*" and rnd.random() < 0.25))
            frames.append(frame(c, True, p))
            n += 1
        for label, sig in sigs("[tcp:response]"):
            ver, p = from_sig(sig, rnd, False)
            if rounds:
                mutate(p, rnd)
            c = Conn(ver == "6" or (ver == "*" and rnd.random() < 0.25))
            _, syn = from_sig(linux, rnd, True)
            syn["mss"] = rnd.choice([p["mss"], 1460, 1400])
            frames.append(frame(c, True, syn))
            frames.append(frame(c, False, p))
            n += 1
    for i, fr in enumerate(frames):
        fr.time = 1700000000 + i * 0.001
    wrpcap(path, frames)
    return n


def p0f_lines(path):
    """{(mod, cli, cport, srv, sport): {key: value}} from `p0f -r path -o log`."""
    log = path + ".log"
    subprocess.run(["p0f", "-r", path, "-o", log], capture_output=True, timeout=120, check=True)
    out = {}
    with open(log, encoding="utf-8") as f:
        for line in f:
            kv = dict(x.split("=", 1) for x in line.strip().split("] ", 1)[1].split("|"))
            if kv.get("mod") not in ("syn", "syn+ack"):
                continue
            cli, cport = kv["cli"].rsplit("/", 1)
            srv, sport = kv["srv"].rsplit("/", 1)
            out[(kv["mod"], str(ipaddress.ip_address(cli)), int(cport),
                 str(ipaddress.ip_address(srv)), int(sport))] = kv
    return out


def rxray_lines(path):
    """The same keys from rxray's records that carry p0f."""
    import json
    r = subprocess.run([rxtest.RXRAY, "watch", "-r", path, "--json"], capture_output=True,
                       text=True, timeout=120)
    if r.returncode:
        print("rxray failed:", r.stderr)
        sys.exit(1)
    out = {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if "p0f" not in o:
            continue
        ip = o.get("ip") or o.get("ipv6")
        t = o["tcp"]
        syn_only = not t["flags.ack"]
        a, b = (ip["src"], ip["dst"]) if syn_only else (ip["dst"], ip["src"])
        pa, pb = (t["srcport"], t["dstport"]) if syn_only else (t["dstport"], t["srcport"])
        out[("syn" if syn_only else "syn+ack", str(ipaddress.ip_address(a)), pa,
             str(ipaddress.ip_address(b)), pb)] = o["p0f"]
    return out


def quality(kv):
    if kv.get("os", kv.get("app")) == "???":
        return "none"
    params = kv.get("params", "")
    return "fuzzy" if "fuzzy" in params else "generic" if "generic" in params else "exact"


def main():
    rxtest.need_scapy()
    if not shutil.which("p0f") or not os.path.exists(DB):
        print("p0f is missing (Debian package p0f)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="rxray-p0f-")
    path = os.path.join(tmp, "syns.pcap")
    nsyn = build(path)
    want, got = p0f_lines(path), rxray_lines(path)
    kinds = {}
    for key, kv in want.items():
        r = got.get(key)
        if r is None:
            rxtest.fails.append(f"{key}: p0f labels it ({kv}), rxray shows no fingerprint")
            continue
        name = kv.get("os", kv.get("app"))
        mine = r.get("os", r.get("app", "???"))
        rxtest.check(f"{key} os/app", mine, name)
        rxtest.check(f"{key} app or os", "app" in r, "app" in kv)
        rxtest.check(f"{key} quality", r["quality"], quality(kv))
        rxtest.check(f"{key} dist", str(r["dist"]), kv["dist"].replace("<= ", ""))
        rxtest.check(f"{key} raw_sig", r["sig"], kv["raw_sig"])
        kinds[quality(kv)] = kinds.get(quality(kv), 0) + 1
    # the test can fail: it saw every kind of outcome, and most SYNs
    for k in ("exact", "generic", "fuzzy", "none"):
        if not kinds.get(k):
            rxtest.fails.append(f"no SYN came out {k}: the capture does not test it")
    if len(want) < nsyn:
        rxtest.fails.append(f"p0f labelled {len(want)} of {nsyn} SYNs")
    # without the database: said once, no guess shown
    r = subprocess.run([rxtest.RXRAY, "watch", "-r", path, "--json"], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, RXRAY_P0F_DB=os.path.join(tmp, "none.fp")))
    said = [ln for ln in r.stderr.splitlines() if "none.fp" in ln]
    rxtest.check("no database: lines saying so", len(said), 1)
    rxtest.check("no database: records with p0f", r.stdout.count('"p0f"'), 0)
    rxtest.check("no database: exit status", r.returncode, 0)
    shutil.rmtree(tmp)
    rxtest.finish(f"p0f: {len(want)} fingerprints of p0f compared ({kinds}), "
                  f"{len(rxtest.fails)} differ", most=30)


if __name__ == "__main__":
    main()

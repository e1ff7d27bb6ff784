#!/usr/bin/python3
"""Every key that `watch --json` prints is a tshark field name.

    /usr/bin/python3 tests/pcap/test_json_names.py [BUILD_DIR]     (default: build)

docs/json.md ("watch --json: one packet"): the JSON is nested objects whose
paths are tshark's field names, so `jq .ip.ttl` is `tshark -e ip.ttl`; a
key that is a number and a parent at once keeps the number and has its
children as dotted keys beside it ("tcp":{"flags":2,"flags.syn":1}), so
the path joined with dots is still the name. This test:

  1. runs `rxray watch -r F --json` on every capture of the corpus
     (gen_corpus.py) and joins every key of every record into its dotted
     path: objects nest, a list is transparent (the keys of vlan[0] are
     vlan.id ...), and the objects on the way count too (tcp.options);
  2. requires each path to be a field or protocol name of `tshark -G fields`
     (its third column), or to be one of rxray's own, listed in RXRAY_OWN
     below with the reason it is not tshark's (a path at or below such a
     name, or an object on the way to it: "payload" holds payload.len);
  3. checks its own checker first: a record with the names rxray printed
     before issue 15 (ts, tcp.flags_str, tcp.options.mss ...) must be
     refused, so a check that can no longer fail fails;
  4. checks frame.number: offline it counts every packet of the file,
     including those a FILTER does not show (as tshark numbers them), so a
     filtered run prints the unfiltered run's records for those numbers,
     in order. (test_tshark.py compares the unfiltered numbers with
     tshark's.)

Exit status 0 all names are tshark's, 1 a key is not (each is printed
with a record that holds it), 77 tshark is not installed.
"""

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# rxray's own keys: not tshark field names, each for the reason given. docs/json.md
# names the first five; docs/json.md lists them for users.
RXRAY_OWN = {
    "p0f": "the SYN's fingerprint as p0f 3 takes it (os or app, quality, dist, sig; docs/json.md); "
           "tshark has no OS fingerprinting",
    "kernel": "live only: what the kernel knew of the packet (ifindex, ifname, rx_queue, "
              "hook, verdict, reason); the contract: rxray's own",
    "rxray": "rxray's own verdict, reason and protocol class of the packet; the contract: rxray's own",
    "rxray.schema": "the version of rxray's JSON contract, in every --json output (docs/json.md, "
                    "\"rxray.schema\"); tshark has no such field",
    "vlan": "a list of {id, pcp, dei, tpid}, outermost tag first (docs/json.md); tshark has one "
            "vlan.* or ieee8021ad.* protocol per tag, names the PCP vlan.priority and has "
            "no TPID field",
    "ipv6.ext": "a list of {type, len}, one per extension header in order (docs/json.md); tshark "
                "has one protocol per header kind (ipv6.hopopts, ipv6.routing, "
                "ipv6.fraghdr, ipv6.dstopts, ah), which a list cannot name",
    "tls.handshake.ja4": "the JA4 fingerprint of a ClientHello (FoxIO's specification); "
                         "Debian 12's tshark 4.0 has no JA4 field (docs/json.md)",
    "payload.len": "bytes after the last decoded header (docs/json.md); tshark's are tcp.len for "
                   "TCP and udp.length - 8 for UDP, and it has none after ICMP",
    "ip.options": "a list of {type, len}, one per IPv4 option in order (SPEC names it); "
                  "tshark has ip.opt.type and ip.opt.len, one subtree per option, and no "
                  "ip.options field: a list keeps the order and EOL/NOP (no length byte) "
                  "as len 1",
    "tls.handshake.ja4": "the contract names it; tshark has it from Wireshark 4.2 on, tshark 4.0 "
                         "does not list it",
}

# What rxray printed before issue 15 corrected the contract to tshark's names:
# the self-check (3) must refuse each of these paths.
OLD_RECORD = {
    "ts": 1700000000.000001,
    "frame": {"len": 58, "cap_len": 58},
    "tcp": {"srcport": 40000, "flags": 2, "flags_str": "SYN",
            "options": {"mss": 1460, "wscale": 7, "sack_perm": 1, "tsval": 1, "tsecr": 0}},
    "rxray": {"verdict": "pass"},
}
# (tcp.options.mss and tcp.options.wscale are tshark names too, of the
# options themselves: a name list cannot see that their numbers belong in
# mss_val and wscale.shift; test_tshark.py compares the values.)
OLD_WRONG = {"ts", "tcp.flags_str", "tcp.options.tsval", "tcp.options.tsecr"}

# Filters for the frame.number check (4): each hides packets of some file.
FILTERS = ["tcp", "udp or icmp or icmp6", "vlan", "ip6", "tcp[tcpflags] & tcp-syn != 0"]


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


def tshark_names():
    """Every field and protocol name tshark knows (third column of -G fields)."""
    out = subprocess.run(["tshark", "-G", "fields"], capture_output=True, text=True, check=True)
    names = set()
    for line in out.stdout.splitlines():
        cols = line.split("\t")
        if len(cols) >= 3 and cols[0] in ("F", "P"):
            names.add(cols[2])
    return names


def key_paths(obj, prefix="", out=None):
    """The dotted path of every key of obj: {"a": {"b": [{"c": 1}]}} ->
    {"a", "a.b", "a.b.c"}. A list is transparent."""
    if out is None:
        out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{prefix}.{k}" if prefix else k
            out.add(p)
            key_paths(v, p, out)
    elif isinstance(obj, list):
        for v in obj:
            key_paths(v, prefix, out)
    return out


def own(path):
    """Is path rxray's own: at or below a RXRAY_OWN name, or an object on the way to one?"""
    for name in RXRAY_OWN:
        if path == name or path.startswith(name + ".") or name.startswith(path + "."):
            return True
    return False


def not_tshark(paths, names):
    """The paths that are neither tshark names nor rxray's own."""
    return {p for p in paths if p not in names and not own(p)}


def watch_json(rxray, path, *args):
    out = subprocess.run([rxray, "watch", "-r", path, "--json", *args], capture_output=True,
                         timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"rxray watch -r {path} --json {' '.join(args)}: exit "
                           f"{out.returncode}: {out.stderr.decode(errors='replace').strip()}")
    return [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]


def gen(outdir):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), outdir], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(outdir, "manifest.json")) as f:
        return sorted(json.load(f))


def check_frame_numbers(rxray, path, name, fails):
    """(4): filtered records are the unfiltered run's, by frame.number."""
    everything = watch_json(rxray, path)
    numbers = [r.get("frame", {}).get("number") for r in everything]
    if numbers != list(range(1, len(everything) + 1)):
        fails.append(f"{name}: frame.number is not 1, 2, ... over the file: {numbers[:10]}...")
        return 0
    hidden = 0
    for flt in FILTERS:
        shown = watch_json(rxray, path, flt)
        got = [r.get("frame", {}).get("number") for r in shown]
        if any(b <= a for a, b in zip(got, got[1:])) or any(not 1 <= n <= len(everything) for n in got):
            fails.append(f"{name} '{flt}': frame.number out of order or range: {got[:10]}...")
            continue
        if shown != [everything[n - 1] for n in got]:
            fails.append(f"{name} '{flt}': a record differs from the unfiltered one of its frame.number")
        hidden += len(everything) - len(shown)
    return hidden


def main(argv):
    if shutil.which("tshark") is None:
        skip("tshark not installed: no field names to check against (Debian: tshark)")
    build = argv[1] if len(argv) > 1 else "build"
    rxray = os.path.join(build, "rxray")
    if not os.access(rxray, os.X_OK):
        print(f"FAIL: {rxray} not found or not executable (build first: make)")
        return 1
    names = tshark_names()
    fails = []

    # 3. the checker refuses the old names (and only those)
    refused = not_tshark(key_paths(OLD_RECORD), names)
    if refused != OLD_WRONG:
        fails.append(f"self-check: the old record's non-tshark keys are {sorted(refused)}, "
                     f"want {sorted(OLD_WRONG)}")
    print("self-check: refused " + ", ".join(sorted(refused)) + " (rxray's names before issue 15)")

    tmp = tempfile.mkdtemp(prefix="rxray-names-")
    try:
        files = gen(tmp)
        seen = collections.Counter()
        example = {}
        records = 0
        for f in files:
            for rec in watch_json(rxray, os.path.join(tmp, f)):
                records += 1
                for p in key_paths(rec):
                    seen[p] += 1
                    example.setdefault(p, (f, rec))
        frame_fails = []
        hidden = sum(check_frame_numbers(rxray, os.path.join(tmp, f), f, frame_fails) for f in files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    bad = not_tshark(seen, names)
    print(f"{records} records of {len(files)} captures, {len(seen)} distinct key paths:")
    for p in sorted(seen):
        tag = "tshark" if p in names else ("rxray's own" if own(p) else "NOT A TSHARK NAME")
        print(f"    {seen[p]:>6}  {p:<40} {tag}")
    for p in sorted(bad):
        f, rec = example[p]
        fails.append(f"'{p}' is not a tshark field name ({seen[p]} records; e.g. in {f}: "
                     f"{json.dumps(rec, ensure_ascii=False)[:300]})")
    unused = [n for n in RXRAY_OWN if not any(p == n or p.startswith(n + ".") for p in seen)]
    if unused:
        print("rxray's own names not printed by this corpus (live-only or not decoded yet): "
              + ", ".join(unused))
    fails.extend(frame_fails)
    if records < 1000:
        fails.append(f"only {records} records: the corpus shrank or rxray stopped early")
    if hidden == 0:
        fails.append("no filter hid a packet: the frame.number check compared nothing")
    for msg in fails:
        print("FAIL", msg)
    if fails:
        return 1
    print(f"PASS: every key is a tshark field name or rxray's own ({len(RXRAY_OWN)} listed); "
          f"frame.number counts the {hidden} packets the filters hid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

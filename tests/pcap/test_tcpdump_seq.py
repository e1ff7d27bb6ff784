#!/usr/bin/env python3
"""TCP sequence numbers as tcpdump prints them (issue 15, "tcpdump habits"):
`rxray watch -r` against `tcpdump -nn -r` on every capture of the corpus
(gen_corpus.py) and on one made here (a handshake with data both ways and
SACK blocks, sequence numbers wrapping past 2^32, a 5-tuple reused by a
new connection, a connection joined mid-stream, IPv6, equal ports), the
seq (and its range), ack and SACK fields of every TCP line compared, and
with -S (absolute) against tcpdump -S. A conversation is left out from the
first segment tcpdump decodes and rxray does not (a TCP header whose
options the snaplen cut: tcpdump keeps it, rxray's datapath calls it
truncated_tcp), and a segment whose stated length the two read
differently (a first IPv4 fragment: rxray's payload length is 0).

Then the bounded table (src/tcpseq.h), rxray alone: 40000 conversations
each send two segments; a conversation the table holds shows the second
as `seq 1:2, ack 1`, one it could not hold (32768 at most) shows it with
absolute numbers, none shows anything else; after 301 s of capture time
without a segment, old conversations give way and a new one is relative.

  test_tcpdump_seq.py BUILD
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import IP, IPv6, TCP, Raw, wrpcap  # noqa: E402
from rxtest import RXRAY, fails  # noqa: E402

if not shutil.which("tcpdump"):
    print("tcpdump is missing (Debian tcpdump): no oracle")
    sys.exit(77)

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
LINE = re.compile(r"^(\S+) (?:\S+ )?(?:vlan \d+, )*(IP6?) (\S+) > (\S+): Flags \[([^\]]*)\]"
                  r"(?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?, win \d+"
                  r"(?:, urg \d+)?(?:, options \[(.*?)\])?, length (\d+)")
SACK = re.compile(r"sack \d+ ?((?: ?\{\d+:\d+\})+)")


def segments(cmd):
    """(ts, src, dst) -> [fields] of the TCP lines of CMD's output, in order."""
    out = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=120).stdout
    res = {}
    for ln in out.splitlines():
        m = LINE.match(ln)
        if not m:
            h = re.match(r"^(\S+) .*?(IP6?) (\S+) > (\S+): Flags \[", ln)
            if h:  # a TCP line cut short ([|tcp]): its numbers are not compared
                res.setdefault((h[1], h[3], h[4]), []).append({"cut": True})
            continue
        s = SACK.search(m[9] or "")
        sack = re.sub(r"\s", "", s[1]) if s else ""
        res.setdefault((m[1], m[3], m[4]), []).append(
            {"seq": m[6], "end": m[7], "ack": m[8], "sack": sack, "len": m[10]})
    return res


def flow(key):
    return frozenset((key[1], key[2]))


def compare(path, extra=()):
    """Compare the seq/ack/SACK fields of rxray and tcpdump on PATH."""
    name = os.path.basename(path) + (" " + " ".join(extra) if extra else "")
    ours = segments([RXRAY, "watch", "-r", path, *extra])
    theirs = segments(["tcpdump", "-nn", "-r", path, *extra])
    tainted, n, skipped = set(), 0, 0
    for key in sorted(theirs):  # in time order: the corpus' times only grow
        for i, t in enumerate(theirs[key]):
            o = ours.get(key, [])
            if i >= len(o) or "cut" in t or "cut" in o[i]:
                tainted.add(flow(key))
                continue
            if flow(key) in tainted or o[i]["len"] != t["len"]:
                skipped += 1
                continue
            n += 1
            for f in ("seq", "end", "ack", "sack"):
                if o[i][f] != t[f]:
                    fails.append(f"{name} {key[0]} {key[1]} > {key[2]}: {f} {o[i][f]!r}, "
                                 f"tcpdump {t[f]!r}")
    return n, skipped


def crafted(path):
    """Conversations whose numbers tcpdump makes relative in each of its ways."""
    c, s = rxtest.C, rxtest.S
    pk = []

    def a(p):
        p.time = 1700000000 + len(pk) * 0.001
        pk.append(rxtest.eth() / p)

    def conn(ip, sport, dport, isn_c, isn_s, data=(b"x" * 100, b"y" * 300)):
        a(ip(True) / TCP(sport=sport, dport=dport, flags="S", seq=isn_c))
        a(ip(False) / TCP(sport=dport, dport=sport, flags="SA", seq=isn_s, ack=isn_c + 1))
        a(ip(True) / TCP(sport=sport, dport=dport, flags="A", seq=isn_c + 1, ack=isn_s + 1))
        a(ip(True) / TCP(sport=sport, dport=dport, flags="PA", seq=isn_c + 1, ack=isn_s + 1) / Raw(data[0]))
        sc = (isn_s + 1) & 0xffffffff
        a(ip(False) / TCP(sport=dport, dport=sport, flags="PA", seq=sc, ack=(isn_c + 101) & 0xffffffff) / Raw(data[1]))
        # the server's next data lost: the client SACKs the one after it
        a(ip(False) / TCP(sport=dport, dport=sport, flags="PA", seq=(sc + 600) & 0xffffffff,
                          ack=(isn_c + 101) & 0xffffffff) / Raw(b"z" * 50))
        a(ip(True) / TCP(sport=sport, dport=dport, flags="A", seq=(isn_c + 101) & 0xffffffff,
                         ack=(sc + 300) & 0xffffffff,
                         options=[("NOP", None), ("NOP", None),
                                  ("SAck", ((sc + 600) & 0xffffffff, (sc + 650) & 0xffffffff))]))
        a(ip(True) / TCP(sport=sport, dport=dport, flags="FA", seq=(isn_c + 101) & 0xffffffff,
                         ack=(sc + 650) & 0xffffffff))
        a(ip(False) / TCP(sport=dport, dport=sport, flags="FA", seq=(sc + 650) & 0xffffffff,
                          ack=(isn_c + 102) & 0xffffffff))
        a(ip(True) / TCP(sport=sport, dport=dport, flags="A", seq=(isn_c + 102) & 0xffffffff,
                         ack=(sc + 651) & 0xffffffff))

    v4 = lambda up: IP(src=c, dst=s) if up else IP(src=s, dst=c)  # noqa: E731
    v6 = lambda up: IPv6(src="2001:db8::10", dst="2001:db8::1") if up else IPv6(src="2001:db8::1", dst="2001:db8::10")  # noqa: E731
    conn(v4, 40001, 80, 1000, 5000000)
    conn(v4, 40002, 80, 0xfffffff0, 0xffffff00)       # both ends wrap past 2^32
    conn(v4, 40001, 80, 777777, 888888)               # the first 5-tuple, a new connection
    conn(v6, 40003, 443, 123456789, 987654321)
    conn(lambda up: IP(src="192.0.2.20", dst="192.0.2.7") if up else IP(src="192.0.2.7", dst="192.0.2.20"),
         5000, 5000, 42, 4242)                        # equal ports: the addresses order the ends
    # joined mid-stream: no handshake seen
    for i in range(4):
        a(IP(src=c, dst=s) / TCP(sport=40009, dport=8080, flags="PA", seq=300000 + 10 * i, ack=70000) / Raw(b"q" * 10))
        a(IP(src=s, dst=c) / TCP(sport=8080, dport=40009, flags="A", seq=70000, ack=300000 + 10 * i + 10))
    wrpcap(path, pk)


def table_bound(tmp):
    """The table's bound and its fallback; rxray alone (tcpdump's table has none)."""
    path = os.path.join(tmp, "many.pcap")
    n = 40000
    conv = [((192, 0, 2, 1 + i // 20000), 1024 + i % 20000) for i in range(n)]
    with rxtest.Pcap(path) as p:
        for r in range(2):
            for i, (cl, port) in enumerate(conv):
                p.write(rxtest.tcp_frame(cl, (198, 51, 100, 1), port, 80, 100000 + 7 * i + r,
                                         900000 + i, b"d"))
        p.t += 301 * 1000000  # five minutes and a second later: every conversation idle
        for r in range(2):
            p.write(rxtest.tcp_frame((203, 0, 113, 9), (198, 51, 100, 1), 50000, 80, 5000 + r, 6000, b"d"))
    out = subprocess.run([RXRAY, "watch", "-r", path], capture_output=True, text=True, env=ENV,
                         timeout=120).stdout.splitlines()
    if len(out) != 2 * n + 2:
        fails.append(f"table: {len(out)} lines for {2 * n + 2} packets")
        return
    rel = absolute = 0
    for i, ln in enumerate(out[n:2 * n]):
        if ", seq 1:2, ack 1," in ln:
            rel += 1
        elif f", seq {100000 + 7 * i + 1}:{100000 + 7 * i + 2}, ack {900000 + i}," in ln:
            absolute += 1
        else:
            fails.append(f"table: conversation {i}'s second segment neither relative nor absolute: {ln}")
            return
    if rel > 32768 or absolute < n - 32768:
        fails.append(f"table: {rel} conversations relative, {absolute} absolute: more than 32768 held")
    if absolute == 0:
        fails.append("table: no fallback seen with 40000 conversations")
    if ", seq 1:2, ack 1," not in out[-1]:
        fails.append(f"table: after 301 s idle, a new conversation is not relative: {out[-1]}")
    print(f"table: {rel} of {n} conversations relative, {absolute} absolute (table full); "
          "after 301 s idle a new one relative")


tmp = tempfile.mkdtemp()
try:
    corpus = os.path.join(tmp, "corpus")
    subprocess.run([sys.executable, "tests/pcap/gen_corpus.py", corpus], check=True,
                   stdout=subprocess.DEVNULL)
    crafted(os.path.join(corpus, "seq.pcap"))
    total = skipped = 0
    for f in sorted(os.listdir(corpus)):
        if not f.endswith((".pcap", ".pcapng")):
            continue
        for extra in ((), ("-S",)):
            n, s = compare(os.path.join(corpus, f), extra)
            total += n
            skipped += s
    if total < 500:
        fails.append(f"only {total} TCP lines compared")
    print(f"compared {total} TCP lines with tcpdump -nn (and -S), {skipped} left out")
    table_bound(tmp)
finally:
    shutil.rmtree(tmp)
rxtest.finish("PASS" if not fails else f"{len(fails)} failed", 20)

#!/usr/bin/python3
"""Live capture end to end: rxray watch -i on a veth, real traffic.

    /usr/bin/python3 tests/e2e/test_live.py BUILD

Two namespaces (tests/lib/netns.sh). rxray runs in ns b on its veth, with
--json -w OUT.pcap; a tcpdump -Q in on the same interface, started before
rxray attaches and stopped after it detaches, is the independent witness.
From ns a:

  * tcpreplay of a pcap generated here with scapy (a few dozen varied
    frames, all addressed to the veth's MAC, paced 15 ms apart so arrival
    order is send order whatever rx queue a frame lands on);
  * ping -c 3, and curl of a python3 http.server bound to 192.0.2.2.

Background noise is removed, not filtered: IPv6 is off on the sending veth
(no DAD, RS or MLD from ns a) and both sides have permanent neighbour
entries (no ARP). Crafted frames come from off-link sources (198.51.100.7,
2001:db8:1::7), so ns b's replies have no route and nothing answers back.
What arrives is therefore exactly: the replayed frames, 3 echo requests and
the client side of one HTTP connection, and the test requires that (every
extra frame is a failure).

Asserts:
  1. counters are exact: "N packets seen by the datapath" == JSON lines ==
     "N capture records produced" == frames tcpdump saw in the same interval,
     "0 lost", "N packets shown" == lines;
  2. the replayed frames appear in send order, and each JSON object equals
     (minus frame.time_epoch and kernel) what `rxray watch -r` prints for
     the generated pcap, frame.number included (live: 1, 2, ... in the
     order records arrive); the kernel object says hook xdp, this ifindex
     and ifname, verdict/reason equal to rxray's;
  3. the 3 echo requests and the HTTP SYN (with its MSS option) appear;
     nothing else does;
  4. frame.time_epoch values lie inside the run's wall-clock interval, within 50 ms of
     tcpdump's timestamp for the same frame;
  5. the -w file opens in tshark, its frames are byte-identical to
     tcpdump's and (for the replayed ones) to the generated pcap, its
     timestamps are the JSON frame.time_epoch to the nanosecond, and `rxray
     watch -r` on it reproduces the live JSON (times and numbers included,
     minus kernel);
  6. a filter works live: `rxray watch -i IF --json icmp` shows exactly the
     frames libpcap's 'icmp' matches (tcpdump -r on the generated pcap, plus
     the pings) and the datapath still counts every frame; frame.number
     counts the records the filter hid too, as offline.
"""

import atexit
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    ARP,
    DNS,
    DNSQR,
    ICMP,
    IP,
    IPOption_NOP,
    IPOption_RR,
    TCP,
    UDP,
    Dot1AD,
    Dot1Q,
    Ether,
    ICMPv6EchoRequest,
    IPerror,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    PadN,
    Raw,
    UDPerror,
    wrpcap,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NETNS_SH = os.path.join(ROOT, "tests", "lib", "netns.sh")

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
RXRAY = os.path.join(BUILD, "rxray")
# frames that --payload still masks or cuts (README, "What watch shows")
REDACTED = {
    "tcp urg-ack, urgent pointer, payload",      # starts no HTTP message: first line masked
    "ipv6 tcp data",                              # (the same)
    "ipv4 non-first fragment (offset 185)",       # fragments: not decoded, cut
    "ipv6 non-first fragment (offset 185)",
    "ipv4 gre (proto 47): other l4",              # an L4 rxray does not decode: cut
    "ipv4 tcp header cut short (truncated_tcp)",  # no TCP payload decoded: cut
}

P = "rxlv%d" % (os.getpid() % 100000)  # unique per run; veth names stay < 16 chars
NS_A, NS_B = P + "-a", P + "-b"
IF_A, IF_B = P + "a", P + "b"
HTTP_PORT = 8000

SRC4 = "198.51.100.7"  # off-link: ns b's answers have no route back
SRC6 = "2001:db8:1::7"
DST4 = "192.0.2.2"
DST6 = "2001:db8::2"
GAP = 0.015  # seconds between replayed frames

procs = []  # every process this test started, killed by pid at exit
tmp = tempfile.mkdtemp(prefix="rxray-live-")
failures = []


def log(msg):
    print(msg, flush=True)


def fail(msg):
    failures.append(msg)
    log("FAIL: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def skip(reason):
    print(reason, flush=True)
    sys.exit(77)


def cleanup():
    for p in procs:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
    subprocess.run(["bash", "-c", 'source "$0"; rx_lab_down "$1"', NETNS_SH, P],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.environ.get("RXRAY_KEEP_TMP"):
        log("kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def on_signal(sig, frame):
    sys.exit(128 + sig)  # runs the atexit cleanup


def ns(name, *argv):
    return ["ip", "netns", "exec", name] + [str(a) for a in argv]


def run(argv, timeout=20, check_rc=True, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       text=True, **kw)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def start(argv, stdout, stderr):
    p = subprocess.Popen(argv, stdout=stdout, stderr=stderr)
    procs.append(p)
    return p


def stop(p, sig=signal.SIGINT, timeout=10):
    """Signal one process we started and reap it; returns its exit status."""
    if p.poll() is None:
        os.kill(p.pid, sig)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return None


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def xdp_attached():
    r = run(ns(NS_B, "bpftool", "-j", "net", "show", "dev", IF_B), check_rc=False)
    try:
        return any(e.get("xdp") for e in json.loads(r.stdout or "[]"))
    except ValueError:
        return False


def read_pcap(path):
    """[(ts_text_ns, caplen, wirelen, bytes)] from a (u/n)sec little/big endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
        b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1),
    }
    if magic not in table:
        raise ValueError("%s: not a pcap file" % path)
    end, mult = table[magic]
    link = struct.unpack(end + "I", data[20:24])[0]
    if link != 1:
        raise ValueError("%s: link type %d" % (path, link))
    off, out = 24, []
    while off < len(data):
        sec, frac, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        out.append(("%d.%09d" % (sec, frac * mult), caplen, wirelen, data[off:off + caplen]))
        off += caplen
    return out


TS_RE = re.compile(r'^\{"frame":\{"time_epoch":([0-9]+\.[0-9]{9}),')
TIME = "frame.time_epoch"


def parse_json_lines(text, where):
    """[(ts_text, obj)]: frame.time_epoch kept as text (19 significant digits)."""
    out = []
    for i, line in enumerate(text.splitlines()):
        m = TS_RE.match(line)
        if not check(m is not None, "%s line %d: no leading frame.time_epoch with 9 decimals: %.120s"
                     % (where, i + 1, line)):
            continue
        out.append((m.group(1), json.loads(line)))
    return out


def strip(obj, *keys):
    """obj without keys; a dotted one (frame.time_epoch) is taken from its object."""
    out = {k: v for k, v in obj.items() if k not in keys}
    for k in keys:
        head, _, rest = k.partition(".")
        if rest and isinstance(out.get(head), dict):
            out[head] = strip(out[head], rest)
    return out


# --payload is a visible opt-in: one line says so before the summary
SUMMARY_RE = re.compile(
    r"^(?:rxray: --payload: capture records carry application data[^\n]*\n)?(\d+) packets shown\n(\d+) packets seen by the datapath(?:, [^\n]*)?\n"
    r"(\d+) capture records produced, (\d+) lost \(ring buffer full\)\n\Z")


def parse_summary(err, where):
    m = SUMMARY_RE.search(err)
    if not check(m is not None, "%s: stderr is not exactly the 3-line summary:\n%s" % (where, err)):
        return None
    shown, seen, produced, lost = (int(x) for x in m.groups())
    return {"shown": shown, "seen": seen, "produced": produced, "lost": lost}


# ---- the replayed frames ----------------------------------------------------


def gen_frames(mac_a, mac_b):
    """A few dozen varied frames, all to ns b's MAC, each with a description."""
    e = lambda: Ether(src=mac_a, dst=mac_b)  # noqa: E731
    ip = lambda **kw: IP(src=SRC4, dst=DST4, **kw)  # noqa: E731
    ip6 = lambda **kw: IPv6(src=SRC6, dst=DST6, **kw)  # noqa: E731
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)), ("NOP", None),
                ("WScale", 7)]
    F = [
        ("tcp syn, mss/sackok/ts/wscale",
         e() / ip(id=1, ttl=64) / TCP(sport=40001, dport=9, flags="S", seq=1000, window=64240,
                                      options=syn_opts)),
        ("tcp syn-ack, mss/sackok/wscale",
         e() / ip(id=2) / TCP(sport=9, dport=40001, flags="SA", seq=5000, ack=1001,
                              options=[("MSS", 1400), ("NOP", None), ("NOP", None),
                                       ("SAckOK", b""), ("NOP", None), ("WScale", 3)])),
        ("tcp ack, timestamps",
         e() / ip(id=3) / TCP(sport=40001, dport=9, flags="A", seq=1001, ack=5001,
                              options=[("NOP", None), ("NOP", None),
                                       ("Timestamp", (123457, 777))])),
        ("tcp psh-ack, http request payload",
         e() / ip(id=4, flags="DF") / TCP(sport=40002, dport=8080, flags="PA", seq=7, ack=9)
         / Raw(b"GET /hello?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n")),
        ("tcp ack, 2 sack blocks",
         e() / ip(id=5) / TCP(sport=40003, dport=9, flags="A", seq=100, ack=2000,
                              options=[("NOP", None), ("NOP", None),
                                       ("SAck", (3000, 4000, 5000, 6000))])),
        ("tcp fin-ack", e() / ip(id=6) / TCP(sport=40004, dport=9, flags="FA", seq=1, ack=1)),
        ("tcp rst", e() / ip(id=7) / TCP(sport=40005, dport=9, flags="R", seq=99)),
        ("tcp urg-ack, urgent pointer, payload",
         e() / ip(id=8) / TCP(sport=40006, dport=9, flags="UA", seq=5, ack=6, urgptr=3)
         / Raw(b"urgent")),
        ("tcp syn ece cwr", e() / ip(id=9, tos=0x02) / TCP(sport=40007, dport=9, flags="SEC")),
        ("udp dns query",
         e() / ip(id=10) / UDP(sport=33333, dport=53)
         / DNS(id=0x1234, rd=1, qd=DNSQR(qname="example.test"))),
        ("udp checksum 0",
         e() / ip(id=11) / UDP(sport=33334, dport=9, chksum=0) / Raw(b"no checksum")),
        ("udp empty payload", e() / ip(id=12) / UDP(sport=33335, dport=9)),
        ("udp 1400-byte payload (1442-byte frame)",
         e() / ip(id=13) / UDP(sport=33336, dport=9) / Raw(bytes(range(256)) * 5 + b"z" * 120)),
        ("icmp echo request",
         e() / ip(id=14) / ICMP(type=8, id=0x4242, seq=1) / Raw(b"rxray-ping-payload")),
        ("icmp echo reply", e() / ip(id=15) / ICMP(type=0, id=0x4242, seq=1) / Raw(b"pong")),
        ("icmp port unreachable quoting ip/udp",
         e() / ip(id=16) / ICMP(type=3, code=3)
         / IPerror(src=DST4, dst=SRC4, proto=17) / UDPerror(sport=53, dport=33333)),
        ("icmp time exceeded",
         e() / ip(id=17) / ICMP(type=11, code=0) / IPerror(src=DST4, dst="203.0.113.9")
         / UDPerror(sport=1, dport=33434)),
        ("802.1Q vid 100 pcp 3 -> udp",
         e() / Dot1Q(vlan=100, prio=3) / ip(id=18) / UDP(sport=33337, dport=9) / Raw(b"v")),
        ("802.1Q vid 200 dei 1 -> tcp syn",
         e() / Dot1Q(vlan=200, id=1) / ip(id=19) / TCP(sport=40008, dport=9, flags="S")),
        ("802.1ad 10 + 802.1Q 20 -> icmp echo",
         e() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / ip(id=20) / ICMP(type=8, id=7, seq=9)),
        ("802.1Q -> arp request",
         e() / Dot1Q(vlan=300) / ARP(op=1, hwsrc=mac_a, psrc="192.0.2.77", pdst="192.0.2.99")),
        ("ipv6 tcp syn with options",
         e() / ip6(tc=0x20, fl=0x12345, hlim=60)
         / TCP(sport=40009, dport=9, flags="S", options=syn_opts)),
        ("ipv6 udp", e() / ip6() / UDP(sport=33338, dport=9) / Raw(b"six")),
        ("ipv6 icmpv6 echo request", e() / ip6() / ICMPv6EchoRequest(id=1, seq=2, data=b"x" * 8)),
        ("ipv6 hop-by-hop (padn) -> tcp",
         e() / ip6() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")])
         / TCP(sport=40010, dport=9, flags="A", seq=1, ack=1)),
        ("ipv6 hbh + dstopt + routing(segleft 0) -> udp",
         e() / ip6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
         / IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:db8::99"])
         / UDP(sport=33339, dport=9) / Raw(b"ext")),
        ("ipv6 first fragment (offset 0, M) -> udp",
         e() / ip6() / IPv6ExtHdrFragment(offset=0, m=1, id=0xabcdef)
         / UDP(sport=33340, dport=9, len=1208, chksum=0x1234) / Raw(b"f" * 96)),
        ("ipv6 non-first fragment (offset 185)",
         e() / ip6() / IPv6ExtHdrFragment(offset=185, m=0, id=0xabcdef, nh=17) / Raw(b"g" * 64)),
        ("ipv4 first fragment (MF) -> udp",
         e() / ip(id=0x777, flags="MF", frag=0, proto=17)
         / Raw(bytes(UDP(sport=33341, dport=9, len=1208, chksum=0)) + b"h" * 96)),
        ("ipv4 non-first fragment (offset 185)",
         e() / ip(id=0x777, frag=185, proto=17) / Raw(b"i" * 64)),
        ("ipv4 options rr + nop -> icmp",
         e() / ip(id=21, options=[IPOption_RR(routers=["0.0.0.0"] * 3), IPOption_NOP()])
         / ICMP(type=8, id=3, seq=3)),
        ("ipv4 tos 0xb8 ttl 3 -> udp",
         e() / ip(id=22, tos=0xb8, ttl=3) / UDP(sport=33342, dport=9) / Raw(b"dscp")),
        ("ipv4 gre (proto 47): other l4",
         e() / ip(id=23, proto=47) / Raw(b"\x00\x00\x08\x00" + b"\x45" + b"\x00" * 19)),
        ("arp request (unicast to b)",
         e() / ARP(op=1, hwsrc=mac_a, psrc="192.0.2.77", pdst="192.0.2.99")),
        ("arp reply", e() / ARP(op=2, hwsrc=mac_a, psrc="192.0.2.78", hwdst=mac_b, pdst="192.0.2.79")),
        ("unknown ethertype 0x88b5",
         Ether(src=mac_a, dst=mac_b, type=0x88b5) / Raw(b"local experimental")),
        ("ipv4 tcp header cut short (truncated_tcp)",
         Ether(bytes(e() / ip(id=24, proto=6, len=28) / Raw(b"\x9c\x41\x00\x09\x00\x00\x00\x01")))),
        ("ipv4 ihl 4 (malformed)",
         Ether(bytes(Ether(src=mac_a, dst=mac_b, type=0x0800))
               + bytes.fromhex("44000020000100004011") + b"\x00\x00"
               + bytes([198, 51, 100, 7, 192, 0, 2, 2]) + b"\x00" * 12)),
        ("ipv6 tcp data",
         e() / ip6() / TCP(sport=40011, dport=9, flags="PA", seq=10, ack=20) / Raw(b"data" * 10)),
    ]
    frames = []
    t0 = 1700000000.0
    for i, (desc, pkt) in enumerate(F):
        pkt.time = t0 + i * GAP
        frames.append((desc, pkt))
    return frames


# ---- main -------------------------------------------------------------------


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces, BPF)")
    for tool in ("tcpreplay", "tcpdump", "tshark", "curl", "ping", "bpftool"):
        if not shutil.which(tool):
            skip("%s not installed" % tool)
    if not os.access(RXRAY, os.X_OK):
        print("no rxray binary at " + RXRAY)
        return 1

    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # ---- the lab: quiet by construction
    run(["bash", "-c", 'source "$0"; rx_lab_up "$1"', NETNS_SH, P])
    run(["ip", "-n", NS_A, "link", "set", IF_A, "down"])
    run(ns(NS_A, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % IF_A))
    run(["ip", "-n", NS_A, "link", "set", IF_A, "up"])
    mac_a = run(ns(NS_A, "cat", "/sys/class/net/%s/address" % IF_A)).stdout.strip()
    mac_b = run(ns(NS_B, "cat", "/sys/class/net/%s/address" % IF_B)).stdout.strip()
    ifindex_b = int(run(ns(NS_B, "cat", "/sys/class/net/%s/ifindex" % IF_B)).stdout)
    run(["ip", "-n", NS_A, "neigh", "replace", "192.0.2.2", "lladdr", mac_b, "dev", IF_A,
         "nud", "permanent"])
    run(["ip", "-n", NS_B, "neigh", "replace", "192.0.2.1", "lladdr", mac_a, "dev", IF_B,
         "nud", "permanent"])

    # ---- the frames, and what rxray -r says about them
    frames = gen_frames(mac_a, mac_b)
    gen = os.path.join(tmp, "gen.pcap")
    wrpcap(gen, [p for _, p in frames])
    gen_bytes = [bytes(p) for _, p in frames]
    check([r[3] for r in read_pcap(gen)] == gen_bytes, "generated pcap does not hold the frames")
    off = run([RXRAY, "watch", "-r", gen, "--json"], check_rc=False)
    check(off.returncode == 0, "rxray watch -r gen.pcap: exit %d: %s" % (off.returncode, off.stderr))
    offline = parse_json_lines(off.stdout, "rxray -r gen.pcap")
    if not check(len(offline) == len(frames), "rxray -r gen.pcap printed %d lines for %d frames"
                 % (len(offline), len(frames))):
        return 1

    # ---- the HTTP server in ns b
    www = os.path.join(tmp, "www")
    os.mkdir(www)
    with open(os.path.join(www, "hello.txt"), "w") as f:
        f.write("hello from ns b\n")
    httpd_log = open(os.path.join(tmp, "httpd.log"), "w")
    start(ns(NS_B, "/usr/bin/python3", "-m", "http.server", "--bind", DST4, "--directory", www,
             HTTP_PORT), httpd_log, subprocess.STDOUT)
    wait_for(lambda: ":%d " % HTTP_PORT in run(ns(NS_B, "ss", "-Hltn")).stdout, 10,
             "the HTTP server to listen")

    # ---- witness, then rxray, then traffic
    td_pcap = os.path.join(tmp, "tcpdump.pcap")
    td_err = os.path.join(tmp, "tcpdump.err")
    with open(td_err, "w") as ef:
        tcpdump = start(ns(NS_B, "tcpdump", "-Q", "in", "-n", "-s", "0", "-U", "--immediate-mode", "-i", IF_B,
                           "-w", td_pcap), subprocess.DEVNULL, ef)
    wait_for(lambda: "listening on" in open(td_err).read(), 10, "tcpdump to listen")

    rx_pcap = os.path.join(tmp, "rxray.pcap")
    rx_out = open(os.path.join(tmp, "live.json"), "w")
    rx_err = open(os.path.join(tmp, "live.err"), "w")
    t_start = time.time()
    rx = start(ns(NS_B, RXRAY, "watch", "-i", IF_B, "--json", "--payload", "-w", rx_pcap), rx_out, rx_err)
    wait_for(lambda: xdp_attached() or rx.poll() is not None, 10, "rxray to attach")
    if not check(rx.poll() is None, "rxray watch -i exited early: %s"
                 % open(os.path.join(tmp, "live.err")).read()):
        return 1

    run(ns(NS_A, "tcpreplay", "-q", "-i", IF_A, gen), timeout=30)
    run(ns(NS_A, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", DST4), timeout=15)
    page = run(ns(NS_A, "curl", "-sS", "--max-time", "5",
                  "http://%s:%d/hello.txt" % (DST4, HTTP_PORT)), timeout=15).stdout
    check(page == "hello from ns b\n", "curl got %r" % page)
    time.sleep(0.5)  # delayed ACKs, the connection's last segments

    rc = stop(rx, signal.SIGINT)
    t_end = time.time()
    check(rc == 0, "rxray watch -i: SIGINT -> exit %s (want 0)" % rc)
    check(not xdp_attached(), "an XDP program is still attached after rxray exited")
    time.sleep(0.2)
    check(stop(tcpdump, signal.SIGINT) == 0, "tcpdump did not stop cleanly")
    rx_out.close()
    rx_err.close()

    live_text = open(os.path.join(tmp, "live.json")).read()
    err_text = open(os.path.join(tmp, "live.err")).read()
    live = parse_json_lines(live_text, "live")
    td = read_pcap(td_pcap)
    rxw = read_pcap(rx_pcap)
    log("live: %d JSON lines, tcpdump saw %d frames, -w holds %d" % (len(live), len(td), len(rxw)))

    # 1. counters
    s = parse_summary(err_text, "rxray watch -i")
    if s:
        check(s["lost"] == 0, "%d capture records lost" % s["lost"])
        check(s["seen"] == len(live), "datapath saw %d packets, %d JSON lines"
              % (s["seen"], len(live)))
        check(s["produced"] == s["seen"], "%d records produced for %d packets seen"
              % (s["produced"], s["seen"]))
        check(s["shown"] == len(live), "summary says %d shown, %d lines" % (s["shown"], len(live)))
        check(s["seen"] == len(td), "datapath saw %d packets, tcpdump -Q in saw %d"
              % (s["seen"], len(td)))

    # 2. the replayed frames, in order, decoded as offline
    live_objs = [o for _, o in live]
    pos, replayed_idx = 0, []
    for i, (desc, _) in enumerate(frames):
        want = strip(offline[i][1], TIME)
        j = pos
        while j < len(live_objs) and strip(live_objs[j], TIME, "kernel") != want:
            j += 1
        if j == len(live_objs):
            fail("replayed frame %d (%s) missing (or decoded differently) after live line %d;"
                 "\n  offline: %s" % (i, desc, pos, json.dumps(want)))
            continue
        replayed_idx.append(j)
        pos = j + 1
    check(replayed_idx == list(range(len(frames))) or len(replayed_idx) != len(frames),
          "replayed frames are not the first %d live lines: %s" % (len(frames), replayed_idx))
    numbers = [o.get("frame", {}).get("number") for o in live_objs]
    check(numbers == list(range(1, len(live_objs) + 1)),
          "live frame.number is not 1, 2, ... in delivery order: %s" % numbers[:20])
    for (ts, o) in live:
        k = o.get("kernel")
        if not check(isinstance(k, dict), "live line without kernel object: %s" % json.dumps(o)):
            continue
        check(set(k) == {"ifindex", "ifname", "rx_queue", "hook", "verdict", "reason"},
              "kernel object keys %s (docs/json.md: ifindex ifname rx_queue hook verdict reason)" % sorted(k))
        check(k.get("hook") == "xdp" and k.get("ifname") == IF_B and k.get("ifindex") == ifindex_b
              and isinstance(k.get("rx_queue"), int)
              and k.get("verdict") == o.get("rxray", {}).get("verdict")
              and k.get("reason") == o.get("rxray", {}).get("reason"),
              "kernel object wrong (want hook xdp, ifname %s, ifindex %d): %s"
              % (IF_B, ifindex_b, json.dumps(k)))
        check(t_start <= float(ts) <= t_end, "ts %s outside the run [%.3f, %.3f]"
              % (ts, t_start, t_end))

    # 3. ping and curl, and nothing else
    rest = [o for j, o in enumerate(live_objs) if j not in set(replayed_idx)]
    pings = [o for o in rest if o.get("icmp", {}).get("type") == 8
             and o.get("ip", {}).get("src") == "192.0.2.1" and o["ip"].get("dst") == DST4]
    http = [o for o in rest if "tcp" in o and o.get("ip", {}).get("src") == "192.0.2.1"
            and o["ip"].get("dst") == DST4 and o["tcp"]["dstport"] == HTTP_PORT]
    syns = [o for o in http if o["tcp"]["flags.str"] == "\u00b7" * 10 + "S\u00b7"]  # tshark's text
    check(len(pings) == 3, "%d ICMP echo requests from 192.0.2.1 seen (want 3)" % len(pings))
    check(len(syns) == 1 and syns[0]["tcp"]["flags.syn"] == 1 and syns[0]["tcp"]["flags.ack"] == 0
          and "mss_val" in syns[0]["tcp"].get("options", {}),
          "HTTP SYN (with MSS) not seen exactly once: %s" % json.dumps(syns))
    check(any(o.get("payload", {}).get("len", 0) > 0 for o in http),
          "no HTTP request segment (payload) seen from the client")
    other = [o for o in rest if o not in pings and o not in http]
    check(not other, "%d unexpected frames arrived: %s" % (len(other),
                                                            "\n  ".join(json.dumps(o) for o in other[:5])))

    # 5. the -w file
    tsh = run(["tshark", "-r", rx_pcap, "-T", "fields", "-e", "frame.time_epoch",
               "-e", "frame.cap_len"], check_rc=False)
    tsh_lines = tsh.stdout.splitlines()
    check(tsh.returncode == 0, "tshark -r %s: exit %d: %s" % (rx_pcap, tsh.returncode, tsh.stderr))
    check(len(tsh_lines) == len(live), "tshark reads %d frames from -w, %d JSON lines"
          % (len(tsh_lines), len(live)))
    # --payload still redacts in the kernel: the query value becomes '*',
    # header values too, the first line of a segment that starts no HTTP
    # message is masked, and what rxray cannot judge (fragments, other L4,
    # cut headers) stops at the last decoded header. So a frame of -w is
    # the wire's, or the wire's with bytes turned to '*' and/or cut short.
    def masked(b):
        return b.replace(b"GET /hello?x=1 ", b"GET /hello?*** ")

    def redacted_of(got, wire):
        return len(got) <= len(wire) and all(g == w or g == 0x2A for g, w in zip(got, wire))

    check(any(b"GET /hello?*** " in r[3] for r in rxw), "-w: the query string was not masked")
    check(len(rxw) == len(td) and all(redacted_of(a[3], b[3]) for a, b in zip(rxw, td)),
          "-w frames differ from tcpdump's (%d vs %d frames; first difference at %s)"
          % (len(rxw), len(td), next((i for i, (a, b) in enumerate(zip(rxw, td)) if not redacted_of(a[3], b[3])),
                                     "the end")))
    check(sum(r[1] == r[2] for r in rxw) >= len(rxw) // 2,
          "-w: most frames should be whole with --payload and the default snaplen")
    for n, j in enumerate(replayed_idx):
        if j < len(rxw):
            check(redacted_of(rxw[j][3], gen_bytes[n]) and
                  (rxw[j][3] == masked(gen_bytes[n]) or frames[n][0] in REDACTED),
                  "-w frame %d differs from replayed frame %d (%s)"
                  % (j, n, frames[n][0]))
    check([r[0] for r in rxw] == [ts for ts, _ in live], "-w timestamps differ from JSON frame.time_epoch")
    skew = [abs(float(a[0]) - float(b[0])) for a, b in zip(rxw, td)]
    check(not skew or max(skew) < 0.05, "rxray's timestamps are up to %.6f s away from tcpdump's"
          % max(skew or [0]))
    check([line.split("\t")[0] for line in tsh_lines] == [ts for ts, _ in live],
          "tshark's frame.time_epoch differs from rxray's")
    again = run([RXRAY, "watch", "-r", rx_pcap, "--json"], check_rc=False)
    check(again.returncode == 0, "rxray -r on the -w file: exit %d" % again.returncode)
    re_read = parse_json_lines(again.stdout, "rxray -r -w-file")
    def no_cap(o):
        o = {k: v for k, v in o.items() if k != "frame.cap_len"}
        if isinstance(o.get("frame"), dict):
            o["frame"] = {k: v for k, v in o["frame"].items() if k != "cap_len"}
        return o

    check([(ts, no_cap(o)) for ts, o in re_read] == [(ts, no_cap(strip(o, "kernel"))) for ts, o in live],
          "rxray -r on the -w file does not reproduce the live JSON (times and numbers included, minus kernel)")

    # 6. a filter, live
    exp = run(["tcpdump", "-n", "-r", gen, "icmp"], check_rc=False)
    exp_n = len(exp.stdout.splitlines())
    off_icmp = parse_json_lines(run([RXRAY, "watch", "-r", gen, "--json", "icmp"]).stdout,
                                "rxray -r gen.pcap icmp")
    check(len(off_icmp) == exp_n, "rxray -r gen.pcap icmp shows %d, tcpdump -r shows %d"
          % (len(off_icmp), exp_n))
    f_out = open(os.path.join(tmp, "filter.json"), "w")
    f_err = open(os.path.join(tmp, "filter.err"), "w")
    rxf = start(ns(NS_B, RXRAY, "watch", "-i", IF_B, "--json", "icmp"), f_out, f_err)
    wait_for(lambda: xdp_attached() or rxf.poll() is not None, 10, "rxray (filter) to attach")
    run(ns(NS_A, "tcpreplay", "-q", "-i", IF_A, gen), timeout=30)
    run(ns(NS_A, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", DST4), timeout=15)
    time.sleep(0.3)
    rc = stop(rxf, signal.SIGTERM)
    check(rc == 0, "rxray watch -i icmp: SIGTERM -> exit %s (want 0)" % rc)
    f_out.close()
    f_err.close()
    fl = parse_json_lines(open(os.path.join(tmp, "filter.json")).read(), "live icmp")
    fs = parse_summary(open(os.path.join(tmp, "filter.err")).read(), "rxray watch -i icmp")
    check(all("icmp" in o and o.get("ip", {}).get("proto") == 1 for _, o in fl),
          "live 'icmp' filter let through: %s" % [json.dumps(o)[:150] for _, o in fl if "icmp" not in o])
    check(len(fl) == exp_n + 2, "live 'icmp' filter shows %d frames, want %d (%d replayed + 2 pings)"
          % (len(fl), exp_n + 2, exp_n))
    # frame.number included: live, as offline, it counts the frames the filter hid
    check([strip(o, TIME, "kernel") for _, o in fl[:exp_n]] == [strip(o, TIME) for _, o in off_icmp],
          "live 'icmp' frames differ from rxray -r gen.pcap icmp")
    check([o.get("frame", {}).get("number") for _, o in fl[exp_n:]] == [len(frames) + 1, len(frames) + 2],
          "the pings' frame.number is not %d, %d (after every replayed frame): %s"
          % (len(frames) + 1, len(frames) + 2, [o.get("frame", {}).get("number") for _, o in fl[exp_n:]]))
    if fs:
        check(fs["shown"] == len(fl), "filter run: summary says %d shown, %d lines"
              % (fs["shown"], len(fl)))
        check(fs["seen"] == len(frames) + 2, "filter run: datapath saw %d, want %d (all frames)"
              % (fs["seen"], len(frames) + 2))
        check(fs["produced"] == fs["seen"] and fs["lost"] == 0,
              "filter run: %d produced, %d lost for %d seen" % (fs["produced"], fs["lost"], fs["seen"]))

    if failures:
        log("%d check(s) failed" % len(failures))
        return 1
    log("ok: %d replayed frames, 3 pings, 1 HTTP connection; %d frames in all" %
        (len(frames), len(live)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print("FAIL: %s" % e, flush=True)
        sys.exit(1)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        import traceback
        traceback.print_exc()
        print("FAIL: unexpected output shape: %r" % e, flush=True)
        sys.exit(1)

#!/usr/bin/python3
"""HTTP pairing under reordering, live: the conversations of
tests/pcap/test_http_reorder.py (heads of responses and of requests that
arrive after later segments of the same message, a lost head, pipelined
heads out of order) sent from ns a into a veth whose end in ns b has
`rxray requests -i` attached (XDP + TC, the real BPF programs).

The frames are paced as in the capture (sleeps; the live clock is the
replay's; a frame the sender sends late, on a busy machine, is sent at once,
so the true durations are taken from when each frame really left): every
transaction reported pairs its own path with its own
status, its duration is within 5 ms of the true one (27, 23, 31 ms...; a
pairing shifted by one is tens of ms off and has another status), the
transactions not pairable are the same as offline, counted as expired.
Addresses are off-link documentation ones: ns b routes nothing, answers
nothing, so the tracker sees exactly the frames sent.

    /usr/bin/python3 tests/e2e/test_http_reorder.py BUILD
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
RXRAY = os.path.join(BUILD, "rxray")
P = "rxreo%d" % (os.getpid() % 10000)
NA, NB, IA, IB = P + "-a", P + "-b", P + "a", P + "b"

SENDER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import conf
import test_http_reorder as r
frames, _ = r.conversations(t0=0.0, mac_dst=sys.argv[3])
s = conf.L2socket(iface=sys.argv[2])
start = time.monotonic() + 0.2
for t, p, _ in frames:
    d = start + t - time.monotonic()
    if d > 0:
        time.sleep(d)
    s.send(p)
    print("%.6f" % (time.monotonic() - start))  # when it really left
s.close()
"""


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


def down():
    for ns in (NA, NB):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def up():
    down()
    sh("ip", "netns", "add", NA)
    sh("ip", "netns", "add", NB)
    sh("ip", "link", "add", IA, "netns", NA, "type", "veth", "peer", "name", IB, "netns", NB)
    for ns, i in ((NA, IA), (NB, IB)):
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", i, "up")
    return json.loads(sh("ip", "-n", NB, "-j", "link", "show", IB).stdout)[0]["address"]


def tc_attached(limit=10.0):
    """rxray's tc_ingress and tc_egress attached on IB (as runner.sh's rx_tc_attached)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        out = subprocess.run(["ip", "netns", "exec", NB, "bpftool", "net", "show", "dev", IB],
                             capture_output=True, text=True).stdout
        if "tc_ingress" in out and "tc_egress" in out:
            return True
        time.sleep(0.1)
    return False


def main():
    if os.geteuid() != 0:
        print("needs root (network namespaces, BPF)")
        return 77
    try:
        import scapy  # noqa: F401
    except ImportError:
        print("scapy is missing (Debian python3-scapy, /usr/bin/python3)")
        return 77
    import test_http_reorder as r

    mac = up()
    req = None
    try:
        req = subprocess.Popen(["ip", "netns", "exec", NB, RXRAY, "requests", "-i", IB, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not tc_attached() or req.poll() is not None:
            if req.poll() is None:
                req.kill()
            print("FAIL: rxray requests -i did not attach:", req.stderr.read())
            return 1
        snd = subprocess.run(["ip", "netns", "exec", NA, "/usr/bin/python3", "-c", SENDER,
                              os.path.join(HERE, "..", "pcap"), IA, mac],
                             capture_output=True, text=True, timeout=60)
        if snd.returncode:
            print("FAIL: sender:", snd.stderr)
            return 1
        time.sleep(0.5)
        req.send_signal(signal.SIGINT)
        out, err = req.communicate(timeout=30)
        req = None
    finally:
        if req is not None:
            req.kill()
            req.wait()
        down()

    txns = [json.loads(line) for line in out.splitlines()]
    m = re.search(r"(\d+) responses unmatched, (\d+) expired", err)
    if not m:
        print("FAIL: no summary from rxray requests:", err)
        return 1
    lost = {"http_unmatched": int(m.group(1)), "http_expired": int(m.group(2))}
    frames, want = r.conversations(t0=0.0)
    sent = [float(x) for x in snd.stdout.split()]
    if len(sent) != len(frames):
        print(f"FAIL: the sender reported {len(sent)} send times for {len(frames)} frames")
        return 1
    # the true durations are those of the replay as it really went (the schedule's, unless it fell behind)
    late = max(s - f[0] for s, f in zip(sent, frames))
    print(f"replay: {len(frames)} frames, at most {late * 1000:.1f} ms behind the schedule")
    want = r.true_durations(frames, sent, want)
    return r.verdict(txns, lost, want, 0.005, [], "live", err.strip(),
                     f"live, {len(txns)} transactions paired with their own responses, durations within 5 ms; "
                     f"{want['expired']} expired")

if __name__ == "__main__":
    sys.exit(main())

"""What the Python tests share (tests/pcap, tests/e2e): the build's rxray,
the list of failed checks and its report, the scapy guard, and a pcap
writer with plain TCP/IPv4 frames for captures too big for scapy.

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import rxtest  # noqa: E402

A test is run as `test_x.py BUILD` (tests/run.sh); BUILD holds rxray.
"""
import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
RXRAY = os.path.join(BUILD, "rxray")
# the client and server of the crafted captures (documentation addresses)
C, S = "192.0.2.10", "198.51.100.1"
fails = []


def need_scapy():
    """Skip (exit 77) where scapy is missing: only Debian's python3 has it."""
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        print("scapy is missing (Debian python3-scapy, /usr/bin/python3)")
        sys.exit(77)


def check(what, got, want):
    if got != want:
        fails.append(f"{what}: got {got!r}, want {want!r}")


def finish(summary, most=None):
    """Prints the failed checks (the first MOST) and SUMMARY, and exits 1
    when a check failed, 0 otherwise."""
    for f in fails[:most]:
        print("FAIL", f)
    print(summary)
    sys.exit(1 if fails else 0)


def stats_json(path, *args):
    """`rxray stats -r PATH --json ARGS`, parsed; exits 1 when rxray fails."""
    out = subprocess.run([RXRAY, "stats", "-r", path, "--json", *args], capture_output=True,
                         text=True, timeout=300)
    if out.returncode:
        print("rxray stats failed:", out.stderr)
        sys.exit(1)
    return json.loads(out.stdout)


@contextlib.contextmanager
def capture(write, name):
    """A test's capture, made by write(PATH). `test_x.py BUILD OUT.pcap` only
    writes it (tests/bpf/test_diff.sh reads it) and exits 0; else it goes to
    a temporary directory for the test: yields (its path, what write answered)."""
    if len(sys.argv) > 2:
        write(sys.argv[2])
        sys.exit(0)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        yield path, write(path)


def explain_tls(path, frame):
    """`rxray explain -r PATH --frame FRAME --json`'s explain.tls.connection, or {}."""
    out = subprocess.run([RXRAY, "explain", "-r", path, "--frame", str(frame), "--json"],
                         capture_output=True, text=True, timeout=60)
    try:
        return json.loads(out.stdout)["explain"]["tls"]["connection"] if out.returncode == 0 else {}
    except (ValueError, KeyError):
        return {}


def eth():
    """The Ethernet header of every crafted frame (scapy)."""
    from scapy.all import Ether
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def tcp_frame(src, dst, sport, dport, seq, ack, payload):
    """An Ethernet/IPv4/TCP (PSH ACK) frame, without scapy: SRC and DST are
    four byte values."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 20 + len(payload), 1, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    eth_hdr = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    return eth_hdr + ip + tcp + payload


class Pcap:
    """A pcap file of Ethernet frames, each 10 us after the one before."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.t = 1700000000 * 1000000

    def write(self, fr):
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(fr), len(fr)))
        self.f.write(fr)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def http_exchange(pcap, port, cseq, sseq, req, resp, client=(192, 0, 2, 10), server=(198, 51, 100, 1)):
    """A request from client port 40000 to PORT and its response, written to
    PCAP; returns the sequence numbers that follow."""
    pcap.write(tcp_frame(client, server, 40000, port, cseq, sseq, req))
    pcap.write(tcp_frame(server, client, port, 40000, sseq, cseq + len(req), resp))
    return cseq + len(req), sseq + len(resp)

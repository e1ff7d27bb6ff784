#!/usr/bin/env python3
"""HTTP pairing when a segment arrives after later bytes of its stream
(reordering), offline (rxray requests -r / stats -r, native build):

- server side: keep-alive, five transactions with distinct response times
  (27, 23, 31, 19, 35 ms), statuses and body sizes; the segment with a
  response's head (the first one: relative sequence 1, and later ones) comes
  after 1, 2 or 3 later segments of the same response, or after the segment
  that follows it with the one between still to come;
- client side: POST requests whose head segment comes after 1, 2 or 3 later
  segments of the same request's body;
- a response head the capture never sees, and pipelined responses whose
  second head comes before the first one's: what cannot be paired is
  counted as expired;
- an upload and a download with two holes open at once inside their
  bodies (Content-Length known): both paired, nothing expired;

and every transaction reported is its own request's (path and status
belong together) with its true duration (first request byte seen to first
response byte seen) within 1 ms; the others are counted in http_expired.
Never a shift: a request paired with the response after its own.

  test_http_reorder.py BUILD

The traffic (conversations()) is shared with tests/e2e/test_http_reorder.py,
which replays it live.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import Ether, IP, TCP, Raw, wrpcap  # noqa: E402

# off-link documentation addresses: a live replay into ns b reaches no socket
C, S = "198.51.100.7", "203.0.113.9"
MAC_C, MAC_S = "02:00:00:00:0c:01", "02:00:00:00:0c:02"
MSS = 1448
GAP = 0.0004  # between the segments of one message, as they arrive


class Conn:
    """One TCP connection: consistent sequence numbers, a clock (seconds)."""

    def __init__(self, sport, t0, mac_dst=None):
        self.sport, self.cseq, self.sseq, self.t = sport, 1000, 50000, t0
        self.frames = []  # (time, packet, tag): tag (path, "req" | "resp") or None
        self.mac_dst = mac_dst

    def _pkt(self, client, seq, data, flags="PA"):
        src, dst = (C, S) if client else (S, C)
        sp, dp = (self.sport, 80) if client else (80, self.sport)
        ack = self.sseq if client else self.cseq
        e = Ether(src=MAC_C if client else MAC_S, dst=self.mac_dst or (MAC_S if client else MAC_C))
        p = e / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240)
        return p / Raw(data) if data else p

    def add(self, t, p, tag=None):
        self.frames.append((t, p, tag))

    def handshake(self):
        self.add(self.t, self._pkt(True, self.cseq - 1, b"", "S"))
        s = self._pkt(False, self.sseq - 1, b"", "SA")
        self.add(self.t + 0.0002, s)
        self.add(self.t + 0.0004, self._pkt(True, self.cseq, b"", "A"))
        self.t += 0.001

    def message(self, client, data, order=None, lose=(), tag=None):
        """data in MSS segments, arriving GAP apart in the given order (indexes
        into the segments; default in order); indexes in lose never arrive.
        Returns the arrival time of the first segment that arrives. Its
        frames carry (tag, "req" or "resp") when a tag is given."""
        segs = [data[i:i + MSS] for i in range(0, len(data), MSS)]
        base = self.cseq if client else self.sseq
        order = order if order is not None else list(range(len(segs)))
        first = None
        for n, i in enumerate(x for x in order if x not in lose):
            p = self._pkt(client, base + i * MSS, segs[i])
            at = self.t + n * GAP
            first = at if first is None else first
            self.add(at, p, (tag, "req" if client else "resp") if tag else None)
        if client:
            self.cseq += len(data)
        else:
            self.sseq += len(data)
        self.t += len(order) * GAP
        return first

    def ack(self):
        self.add(self.t, self._pkt(True, self.cseq, b"", "A"))

    def exchange(self, request, d, response, req_order=None, resp_order=None, lose=(), tag=None):
        """A request 5 ms on, its response d after its first segment, the
        client's ACK. Returns the true duration (first request byte seen to
        first response byte seen)."""
        self.t += 0.005
        t_req = self.message(True, request, req_order, tag=tag)
        self.t = t_req + d
        t_resp = self.message(False, response, resp_order, lose, tag=tag)
        self.ack()
        return round(t_resp - t_req, 6)

    def close(self):
        self.t += 0.001
        self.add(self.t, self._pkt(True, self.cseq, b"", "FA"))
        self.cseq += 1
        self.add(self.t + 0.0002, self._pkt(False, self.sseq, b"", "FA"))
        self.sseq += 1
        self.add(self.t + 0.0004, self._pkt(True, self.cseq, b"", "A"))
        self.t += 0.001


def get(path):
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: api.example\r\nUser-Agent: reorder/1\r\n\r\n"


def post(path, size):
    body = bytes(b"abcdefghij"[i % 10] for i in range(size))
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: api.example\r\nContent-Type: text/plain\r\n"
            b"Content-Length: " + str(size).encode() + b"\r\n\r\n" + body)


def resp(status, size):
    body = bytes(b"0123456789"[i % 10] for i in range(size))
    return (b"HTTP/1.1 " + str(status).encode() + b" X\r\nContent-Type: text/plain\r\nContent-Length: " +
            str(size).encode() + b"\r\n\r\n" + body)


def conversations(t0=1700000000.0, mac_dst=None):
    """Frames [(time, packet, tag)] sorted by time, and what must come of
    them: {"txns": [(path, status, duration_s)], "expired": N}. A tag
    (path, "req" | "resp") marks the frames of a transaction's messages,
    so a live replay can take the true durations from when its frames were
    really sent (true_durations())."""
    frames, want, expired = [], [], 0

    # 1. server side: the head of a response after later segments of it
    k = Conn(41001, t0, mac_dst)
    k.handshake()
    plan = (  # path, response time (s), status, body size, order of the response's segments
        ("/t1", 0.027, 200, 3000, [1, 0, 2]),        # the first response (relative seq 1) after 1
        ("/t2", 0.023, 201, 3500, [2, 0, 1]),        # after the 3rd, the 2nd still to come
        ("/t3", 0.031, 202, 3900, [1, 2, 0]),        # after 2
        ("/t4", 0.019, 203, 4400, [1, 2, 3, 0]),     # after 3
        ("/t5", 0.035, 206, 3200, None),             # in order
    )
    for path, d, status, size, order in plan:
        want.append((path, status, k.exchange(get(path), d, resp(status, size), resp_order=order,
                                              tag=path)))
    k.close()
    frames += k.frames

    # 2. client side: a request's head after later segments of its body
    p = Conn(41002, k.t + 0.01, mac_dst)
    p.handshake()
    plan = (
        ("/c1", 0.021, 200, 3000, None, 100),        # in order (the first request: see README)
        ("/c2", 0.029, 201, 3400, [1, 0, 2], 200),   # after 1
        ("/c3", 0.017, 202, 3800, [1, 2, 0], 300),   # after 2
        ("/c4", 0.033, 203, 4400, [1, 2, 3, 0], 400),  # after 3
        ("/c5", 0.025, 204, 3600, [2, 0, 1], 0),     # after the 3rd, the 2nd still to come
    )
    for path, d, status, size, order, rsize in plan:
        response = resp(status, rsize) if status != 204 else b"HTTP/1.1 204 X\r\n\r\n"
        want.append((path, status, p.exchange(post(path, size), d, response, req_order=order,
                                              tag=path)))
    p.close()
    frames += p.frames

    # 3. a response head the capture never sees: its request expires
    g = Conn(41003, p.t + 0.01, mac_dst)
    g.handshake()
    plan = (
        ("/g1", 0.012, 200, 3000, None, ()),
        ("/g2", 0.014, 500, 3000, None, (0,)),       # head lost: expired
        ("/g3", 0.016, 404, 3000, [1, 0, 2], ()),
    )
    for path, d, status, size, order, lose in plan:
        dur = g.exchange(get(path), d, resp(status, size), resp_order=order, lose=lose, tag=path)
        if lose:
            expired += 1
        else:
            want.append((path, status, dur))
    g.close()
    frames += g.frames

    # 4. pipelined: the second response's head before the first one's
    q = Conn(41004, g.t + 0.01, mac_dst)
    q.handshake()
    q.t += 0.005
    t1 = q.message(True, get("/q1"), tag="/q1")
    q.t += 0.001
    t2 = q.message(True, get("/q2"))
    r1, r2 = resp(200, 3000), resp(404, 100)
    segs1 = [r1[i:i + MSS] for i in range(0, len(r1), MSS)]
    q.t = t1 + 0.018
    base = q.sseq
    order = [(1, base + MSS, segs1[1]), (2, base + 2 * MSS, segs1[2]), (3, base + len(r1), r2),
             (0, base, segs1[0])]
    for n, (_, seq, data) in enumerate(order):
        q.add(q.t + n * GAP, q._pkt(False, seq, data), ("/q1", "resp") if seq < base + len(r1) else None)
    q.sseq += len(r1) + len(r2)
    q.t += len(order) * GAP
    q.ack()
    want.append(("/q1", 200, round(t1 + 0.018 - t1, 6)))
    expired += 1  # /q2: its response's head came past the hole, not pairable
    q.close()
    frames += q.frames
    _ = t2

    # 5. two holes at once inside bodies of known length (an upload, a
    #    download): no message can begin in the bytes still missing, so
    #    nothing waits for them and nothing is given up
    u = Conn(41005, q.t + 0.01, mac_dst)
    u.handshake()
    def two_holes(data):  # 5 and 9 come late: 6 opens a hole, 10 a second one
        return [0, 1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 5, 9] + list(range(13, -(-len(data) // MSS)))

    up, down = post("/u1", 40000), resp(200, 40000)
    want.append(("/u1", 201, u.exchange(up, 0.022, resp(201, 10), req_order=two_holes(up), tag="/u1")))
    want.append(("/u2", 200, u.exchange(get("/u2"), 0.013, down, resp_order=two_holes(down), tag="/u2")))
    u.close()
    frames += u.frames

    frames.sort(key=lambda f: f[0])
    return frames, {"txns": want, "expired": expired}


def true_durations(frames, sent, want):
    """want with each duration taken from sent[i], the time frame i really
    left (a replay that falls behind its schedule sends late frames at once,
    which moves a request closer to its response): the first frame of the
    response sent less the first frame of the request sent."""
    first = {}
    for (_, _, tag), t in zip(frames, sent):
        if tag and (tag not in first or t < first[tag]):
            first[tag] = t
    txns = []
    for path, status, dur in want["txns"]:
        if (path, "req") in first and (path, "resp") in first:
            dur = round(first[(path, "resp")] - first[(path, "req")], 6)
        txns.append((path, status, dur))
    return {"txns": txns, "expired": want["expired"]}


def verify(txns, lost, want, tol, fails, where):
    """The transactions against what must come: pairs exact, durations within tol."""
    got = {t["url.path"]: t for t in txns}
    want_paths = {w[0] for w in want}
    for path, status, dur in want:
        t = got.get(path)
        if t is None:
            if path not in want_paths:
                continue
            fails.append(f"{where}: {path}: no transaction")
            continue
        if t["http.response.status_code"] != status:
            fails.append(f"{where}: {path} paired with status {t['http.response.status_code']}, "
                         f"not its own {status}: a shift")
        if abs(t["duration_s"] - dur) > tol:
            fails.append(f"{where}: {path}: duration {t['duration_s']:.6f} s, true {dur:.6f} s")
    for path in got:
        if path not in want_paths:
            fails.append(f"{where}: {path} has a transaction: {got[path]}")
    if len(txns) != len(got):
        fails.append(f"{where}: a path reported twice: {[t['url.path'] for t in txns]}")
    if lost.get("http_unmatched") != 0:
        fails.append(f"{where}: http_unmatched {lost.get('http_unmatched')}, want 0")


def verdict(txns, lost, want, tol, fails, where, note, passed):
    """verify() and the expired count; the transactions and NOTE printed,
    then the failures (1) or PASS: PASSED (0). Offline and live alike."""
    verify(txns, lost, want["txns"], tol, fails, where)
    if lost.get("http_expired") != want["expired"]:
        fails.append(f"{where}: http_expired {lost.get('http_expired')}, want {want['expired']}")
    for t in txns:
        print(f"{t['url.path']:4} {t['http.response.status_code']} {t['duration_s']:.6f}")
    print(note)
    if fails:
        for f in fails:
            print("FAIL:", f)
        return 1
    print(f"PASS: {passed}")
    return 0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rxray = os.path.join(build, "rxray")
    tmp = tempfile.mkdtemp()
    frames, want = conversations()
    pkts = []
    for t, p, _ in frames:
        p.time = t
        pkts.append(p)
    path = os.path.join(tmp, "reorder.pcap")
    wrpcap(path, pkts)
    out = subprocess.run([rxray, "requests", "-r", path, "--json"], capture_output=True, text=True, timeout=30)
    st = subprocess.run([rxray, "stats", "-r", path, "--json"], capture_output=True, text=True, timeout=30)
    fails = []
    if out.returncode or st.returncode:
        print(f"FAIL: rxray failed: {out.stderr} {st.stderr}")
        return 1
    txns = [json.loads(line) for line in out.stdout.splitlines()]
    lost = json.loads(st.stdout)["lost"]
    # the endpoints agree: one transaction per route, its status
    st_eps = {(e["http.route"], s) for e in json.loads(st.stdout)["endpoints"] for s in e["status"]}
    for p, status, _ in want["txns"]:
        if (p, str(status)) not in st_eps:
            fails.append(f"offline: stats has no endpoint {p} with status {status}")
    return verdict(txns, lost, want, 0.001, fails, "offline",
                   f"lost: expired {lost.get('http_expired')}, unmatched {lost.get('http_unmatched')}",
                   f"{len(txns)} transactions paired with their own responses, true durations within 1 ms; "
                   f"{want['expired']} expired")

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""HTTP pairing from a capture (rxray requests -r / stats -r, native build):

- splitting: a request or response split into two segments at every byte
  offset gives the same transaction, or, when the cut falls inside the part
  the datapath needs (the request line, the status line's first 12 bytes),
  no transaction and exactly one count of http_partial and of the loss that
  follows (http_unmatched for a request, http_expired for a response);
- pipelining: 1 to 16 requests in one segment pair with their responses in
  order, with the right routes and durations;
- a lost response: never turned into a wrong latency (the later pairs stay
  right; the orphaned request is counted as expired).

  test_http_split.py BUILD
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
from rxtest import RXRAY, C, S, fails, check  # noqa: E402

TMP = tempfile.mkdtemp()
# fixed MACs: a bare Ether() makes scapy resolve the destination by ARP on the
# host's interfaces (a timeout per frame)
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"


def c2s():
    """The Ethernet header of a frame from the client."""
    return Ether(src=MAC_C, dst=MAC_S)


def s2c():
    """The Ethernet header of a frame from the server."""
    return Ether(src=MAC_S, dst=MAC_C)


class Conn:
    """A TCP connection with consistent sequence numbers and a clock."""

    def __init__(self, sport=40000):
        self.sport, self.cseq, self.sseq, self.t, self.pkts = sport, 1000, 5000, 0.0, []

    def _at(self, p):
        p.time = 1700000000 + self.t
        self.pkts.append(p)

    def client(self, data, dt=0.001):
        self.t += dt
        self._at(c2s() / IP(src=C, dst=S) /
                 TCP(sport=self.sport, dport=80, flags="PA", seq=self.cseq, ack=self.sseq) / Raw(data))
        self.cseq += len(data)

    def server(self, data, dt=0.001, send=True):
        self.t += dt
        if send:
            self._at(s2c() / IP(src=S, dst=C) /
                     TCP(sport=80, dport=self.sport, flags="PA", seq=self.sseq, ack=self.cseq) / Raw(data))
        self.sseq += len(data)

    def server_fin(self, data, dt=0.001):
        """The response and the FIN in one segment (write, then close)."""
        self.t += dt
        self._at(s2c() / IP(src=S, dst=C) /
                 TCP(sport=80, dport=self.sport, flags="FPA", seq=self.sseq, ack=self.cseq) / Raw(data))
        self.sseq += len(data) + 1

    def syn(self, isn):
        """A new connection on the same ports."""
        self.t += 0.001
        self.cseq = isn
        self._at(c2s() / IP(src=C, dst=S) / TCP(sport=self.sport, dport=80, flags="S", seq=self.cseq))
        self.cseq += 1

    def fin(self):
        """The client closes, then the server: a client's FIN alone is a
        half-close, after which answers may still come."""
        self.t += 0.001
        self._at(c2s() / IP(src=C, dst=S) / TCP(sport=self.sport, dport=80, flags="FA", seq=self.cseq, ack=self.sseq))
        self.t += 0.001
        self._at(s2c() / IP(src=S, dst=C) / TCP(sport=80, dport=self.sport, flags="FA", seq=self.sseq,
                                                  ack=self.cseq + 1))


def run(pkts):
    path = os.path.join(TMP, "t.pcap")
    wrpcap(path, pkts)
    out = subprocess.run([RXRAY, "requests", "-r", path, "--json"], capture_output=True, text=True, timeout=30)
    st = subprocess.run([RXRAY, "stats", "-r", path, "--json"], capture_output=True, text=True, timeout=30)
    if out.returncode or st.returncode:
        fails.append(f"rxray failed: {out.stderr} {st.stderr}")
        return [], {}
    return [json.loads(l) for l in out.stdout.splitlines()], json.loads(st.stdout)["lost"]


REQ = b"GET /users/42 HTTP/1.1\r\nHost: api.example\r\nAccept: */*\r\n\r\n"
LINE = REQ.index(b"\r\n") + 2
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

# --- requests split at every offset ----------------------------------------
for k in range(1, len(REQ)):
    c = Conn()
    c.client(REQ[:k])
    c.client(REQ[k:])
    c.server(RESP, dt=0.010)
    c.fin()
    txns, lost = run(c.pkts)
    if k >= LINE:
        check(f"request split at {k}: transactions", len(txns), 1)
        check(f"request split at {k}: route", txns[0]["http.route"] if txns else None, "/users/{id}")
        check(f"request split at {k}: partial", lost.get("http_partial"), 0)
    else:
        check(f"request split at {k}: transactions", len(txns), 0)
        check(f"request split at {k}: unmatched", lost.get("http_unmatched"), 1)
        check(f"request split at {k}: partial", lost.get("http_partial"), 1 if k >= 4 else 0)

# --- responses split at every offset ---------------------------------------
for k in range(1, len(RESP)):
    c = Conn()
    c.client(REQ)
    c.server(RESP[:k], dt=0.010)
    c.server(RESP[k:])
    c.fin()
    txns, lost = run(c.pkts)
    if k >= 12:
        check(f"response split at {k}: transactions", len(txns), 1)
        check(f"response split at {k}: duration", round(txns[0]["duration_s"], 6) if txns else None, 0.010)
    else:
        check(f"response split at {k}: transactions", len(txns), 0)
        check(f"response split at {k}: partial", lost.get("http_partial"), 1)
        check(f"response split at {k}: expired", lost.get("http_expired"), 1)

# --- 1..16 pipelined requests in one segment --------------------------------
for n in range(1, 17):
    c = Conn()
    c.client(b"".join(b"GET /item/%d/x%d HTTP/1.1\r\nHost: h\r\n\r\n" % (i, i) for i in range(n)))
    for i in range(n):
        c.server(b"HTTP/1.1 %d OK\r\nContent-Length: 0\r\n\r\n" % (200 + i), dt=0.001)
    c.fin()
    txns, lost = run(c.pkts)
    check(f"pipelined {n}: transactions", len(txns), n)
    check(f"pipelined {n}: statuses in order", [t["http.response.status_code"] for t in txns],
          [200 + i for i in range(n)])
    check(f"pipelined {n}: routes", {t["http.route"] for t in txns},
          {"/item/{id}/x%d" % i for i in range(n)})
    check(f"pipelined {n}: durations (ms)", [round(t["duration_s"] * 1000) for t in txns],
          [i + 1 for i in range(n)])

# --- pipelined responses in one segment ---------------------------------------
c = Conn()
c.client(b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"
         b"HTTP/1.1 404 NF\r\nContent-Length: 0\r\n\r\n", dt=0.005)
c.fin()
txns, lost = run(c.pkts)
check("responses in one segment (HEAD without body)", [(t["http.route"], t["http.response.status_code"])
      for t in txns], [("/a", 200), ("/b", 200), ("/c", 404)])

# --- a lost response ----------------------------------------------------------
c = Conn()
c.client(b"GET /one HTTP/1.1\r\n\r\n")
c.server(RESP, dt=0.010)
c.client(b"GET /two HTTP/1.1\r\n\r\n")
c.server(RESP, dt=0.050, send=False)           # lost before the capture point
c.client(b"GET /three HTTP/1.1\r\n\r\n")
c.server(RESP, dt=0.030)
c.fin()
txns, lost = run(c.pkts)
check("lost response: pairs", [(t["http.route"], round(t["duration_s"], 3)) for t in txns],
      [("/one", 0.010), ("/three", 0.030)])
check("lost response: expired", lost.get("http_expired"), 1)

# --- a response in the FIN segment ------------------------------------------------
c = Conn()
c.client(b"GET /close HTTP/1.1\r\nConnection: close\r\n\r\n")
c.server_fin(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", dt=0.004)
txns, lost = run(c.pkts)
check("response with FIN: pairs", [(t["http.route"], round(t["duration_s"], 3)) for t in txns], [("/close", 0.004)])
check("response with FIN: expired", lost.get("http_expired"), 0)

# --- the ports reused by a new connection --------------------------------------
c = Conn()
c.client(b"GET /old HTTP/1.1\r\n\r\n")        # never answered: the connection died
c.syn(10)                                        # a new connection, sequence numbers far behind
c.client(b"GET /new HTTP/1.1\r\n\r\n")
c.sseq = 100
c.server(RESP, dt=0.007)
c.fin()
txns, lost = run(c.pkts)
check("reused ports: pairs", [(t["http.route"], round(t["duration_s"], 3)) for t in txns], [("/new", 0.007)])
check("reused ports: expired", lost.get("http_expired"), 1)
check("reused ports: unmatched", lost.get("http_unmatched"), 0)

# --- a Content-Length near 2^32 does not wrap back into the segment -------------
c = Conn()
c.client(b"".join(b"GET /w%d HTTP/1.1\r\n\r\n" % i for i in range(4)))
c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 4294967249\r\n\r\n", dt=0.002)
c.fin()
txns, lost = run(c.pkts)
check("huge Content-Length: one transaction", len(txns), 1)
check("huge Content-Length: unmatched", lost.get("http_unmatched"), 0)

# --- a request line past the decoder's 512-byte window -------------------------------
# (a long query string): still a request, its path and route kept, its
# version unknown (network.protocol.version absent), never unmatched
for q in (480, 490, 492, 495, 496, 500, 1000):
    c = Conn()
    c.client(b"GET /p/9?" + b"q" * q + b" HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n")
    c.server(RESP, dt=0.003)
    c.fin()
    txns, lost = run(c.pkts)
    check(f"line past the window (query {q}): pairs", [(t["http.route"], round(t["duration_s"], 3)) for t in txns],
          [("/p/{id}", 0.003)])
    check(f"line past the window (query {q}): unmatched", lost.get("http_unmatched"), 0)
    line = len(b"GET /p/9? HTTP/1.1\r\n") + q
    check(f"line past the window (query {q}): version", [t.get("network.protocol.version") for t in txns],
          ["1.1" if line <= 512 else None])

# --- response sizes without Content-Length: counted ------------------------------
# chunked over three segments (then a next transaction on the connection),
# to the close (ended by the server's FIN), and cut by an RST (no size)
def ep_sizes(path_pkts):
    path = os.path.join(TMP, "sizes.pcap")
    wrpcap(path, path_pkts)
    st = json.loads(subprocess.run([RXRAY, "stats", "-r", path, "--json"], capture_output=True,
                                   text=True, timeout=30).stdout)
    return {e["http.route"]: e["http.response.body.size"] for e in st["endpoints"]}


c = Conn()
c.client(b"GET /chunked HTTP/1.1\r\n\r\n")
c.server(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", dt=0.002)
c.server(b"6\r\n world\r\n")
again = c.pkts[-1].copy()             # a retransmission: not counted twice
c.t += 0.001
c._at(again)
c.server(b"0\r\n\r\n")
c.client(b"GET /next HTTP/1.1\r\n\r\n")
c.server(RESP, dt=0.002)
c.fin()
chunked_body = len(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
c2 = Conn(sport=40001)
c2.client(b"GET /toclose HTTP/1.0\r\n\r\n")
c2.server(b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 100, dt=0.002)
c2.server_fin(b"y" * 50)
c3 = Conn(sport=40002)
c3.client(b"GET /cut HTTP/1.0\r\n\r\n")
c3.server(b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 100, dt=0.002)
c3.t += 0.001
c3._at(s2c() / IP(src=S, dst=C) / TCP(sport=80, dport=c3.sport, flags="R", seq=c3.sseq))
sizes = ep_sizes(c.pkts + c2.pkts + c3.pkts)
check("chunked response: counted body", sizes.get("/chunked"), chunked_body)
check("next response: Content-Length", sizes.get("/next"), 2)
check("response to the close: counted body", sizes.get("/toclose"), 150)
check("response cut by RST: size unknown", sizes.get("/cut"), 0)

# --- request bodies without Content-Length (chunked uploads): counted ---------------
# up to the response, retransmissions once; after a 100-continue; a gap in the
# client's stream leaves the size unknown
def req_sizes(pkts):
    txns, _ = run(pkts)
    return [(t["http.route"], t.get("http.request.body.size")) for t in txns]


up = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
c = Conn(sport=40010)
c.client(b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + up[:10])
c.client(up[10:21])
again = c.pkts[-1].copy()             # a retransmission: not counted twice
c.t += 0.001
c._at(again)
c.client(up[21:])
c.server(RESP, dt=0.002)
c.client(b"POST /cl HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
c.server(RESP, dt=0.002)
c.client(b"POST /cont HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
c.server(b"HTTP/1.1 100 Continue\r\n\r\n", dt=0.001)
c.client(b"3\r\nabc\r\n0\r\n\r\n")
c.server(RESP, dt=0.002)
c.client(b"POST /gap HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\n")
c.cseq += 9                          # a client segment the capture lost
c.client(b"0\r\n\r\n")
c.server(RESP, dt=0.002)
c.fin()
check("chunked request bodies: sizes", req_sizes(c.pkts),
      [("/up", len(up)), ("/cl", 3), ("/cont", len(b"3\r\nabc\r\n0\r\n\r\n")), ("/gap", None)])
# a Content-Length body segment captured before its request's head still pairs
c = Conn(sport=40011)
c.client(b"GET /first HTTP/1.1\r\n\r\n")
c.server(RESP, dt=0.002)
head = b"POST /cl HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
c.cseq += len(head)
c.client(b"hello")                   # the body first (reordered)
c.cseq -= len(head) + 5
c.client(head)
c.cseq += 5
c.server(RESP, dt=0.002)
c.fin()
check("body before its head: sizes", req_sizes(c.pkts), [("/first", None), ("/cl", 5)])

# --- a client's half-close: the answer still pairs ---------------------------------
c = Conn()
c.client(b"GET /half HTTP/1.1\r\n\r\n")
c.t += 0.001
c._at(c2s() / IP(src=C, dst=S) / TCP(sport=c.sport, dport=80, flags="FA", seq=c.cseq, ack=c.sseq))
c.cseq += 1
c.server_fin(RESP, dt=0.004)
txns, lost = run(c.pkts)
check("half-close: pairs", [t["http.route"] for t in txns], ["/half"])
check("half-close: expired", lost.get("http_expired"), 0)
check("half-close: unmatched", lost.get("http_unmatched"), 0)

# --- a retransmitted response is not a second answer --------------------------------
c = Conn()
c.client(b"GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n")
r404 = b"HTTP/1.1 404 NF\r\nContent-Length: 0\r\n\r\n"
c.server(r404, dt=0.002)
c.sseq -= len(r404)
c.server(r404, dt=0.002)                          # the same bytes again
c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", dt=0.002)
c.fin()
txns, lost = run(c.pkts)
check("retransmitted response: pairs", [(t["http.route"], t["http.response.status_code"]) for t in txns],
      [("/one", 404), ("/two", 200)])
check("retransmitted response: unmatched", lost.get("http_unmatched"), 0)

# --- routes that differ only in unprintable bytes print differently --------------
c = Conn()
c.client(b"GET /a\x01 HTTP/1.1\r\n\r\n")
c.server(RESP)
c.client(b"GET /a. HTTP/1.1\r\n\r\n")
c.server(RESP)
c.client(b"GET {overflow} HTTP/1.1\r\n\r\n")
c.server(RESP)
c.fin()
txns, lost = run(c.pkts)
check("distinct route texts", sorted(t["http.route"] for t in txns), ["/a.", "/a\\x01", "/{overflow}"])

# --- a capture of one direction: said so, not just "0 transactions" ---------------
c = Conn()
c.client(REQ)
c.client(REQ)
path = os.path.join(TMP, "onedir.pcap")
wrpcap(path, c.pkts)
r = subprocess.run([RXRAY, "requests", "-r", path], capture_output=True, text=True, timeout=30)
check("one direction: exit", r.returncode, 0)
check("one direction: hint", "holds requests but no response" in r.stderr, True)

rxtest.finish("http split/pipelining: %d checks failed" % len(fails), 40)

#!/usr/bin/python3
"""TLS 1.3's first request and the session tickets, in every order the TLS
stage tells apart (datapath/tlsconn.h rx_tls_turn, docs/tls.md), one
connection per SNI, made with scapy; times step by 1 ms, the server
answering a request after 20 ms (times compared to 0.1 ms: the pcap's are
microseconds):

  * with.example: the Finished and the first request in one segment, the
    two tickets in one segment, then the response: 3 exchanges, the first
    21 ms (from the request's segment, past the tickets), then 20 ms;
  * after.example: the Finished (64 bytes), the request in its own
    segment, then the tickets in two segments of one size (the second taken
    for what it is): 3 exchanges, the first 22 ms from the request;
  * waits.example: the Finished alone, the tickets, then the request (the
    client waits): 3 exchanges of 20 ms, the tickets' turn not counted;
  * notickets.example: the Finished with the request, and no tickets: the
    first response is taken for them and the next request starts the turn
    again: 2 exchanges of 20 ms, not 3, and no time wrong;
  * cert.example: a client certificate makes the Finished's flight 1,574
    bytes in two segments (past the 255 the count keeps), and the client
    waits for the tickets: its request starts the turn again: 3 exchanges
    of 20 ms.

Offline (stats -r) here; tests/bpf/test_diff.sh runs the same capture
through BPF and native (OUT.pcap: only write it). explain on each first
request: its exchange number and time, or none for notickets.example.

    /usr/bin/python3 tests/pcap/test_tls13_early.py BUILD [OUT.pcap]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rxtest  # noqa: E402

# SNI: (exchanges, min s, max s, the first request's explain: (exchange, time) or None)
WANT = {
    "with.example": (3, 0.020, 0.021, (1, 0.021)),
    "after.example": (3, 0.020, 0.022, (1, 0.022)),
    "waits.example": (3, 0.020, 0.020, (1, 0.020)),
    "notickets.example": (2, 0.020, 0.020, None),
    "cert.example": (3, 0.020, 0.020, (1, 0.020)),
}


def write_pcap(path):
    rxtest.need_scapy()
    import tls_conv as conv
    from scapy.all import wrpcap
    rec = conv.rec
    ccs, fin = rec(20, b"\x01"), rec(23, b"F" * 53)  # 6 + 58 bytes: a SHA-256 Finished
    req, tickets = rec(23, b"Q" * 90), rec(23, b"T" * 200)
    frames, first = [], {}
    for i, sni in enumerate(WANT):
        c = conv.Conn(frames, 30000 + i, 1700000000.0 + i)
        c.seg(0, "PA", conv.client_hello(sni, ["http/1.1"]))
        c.seg(1, "PA", conv.server_hello(True) + ccs + rec(23, b"E" * 900))
        if sni == "with.example":
            c.seg(0, "PA", ccs + fin + req)
            first[sni] = len(frames)
            c.seg(1, "PA", tickets + tickets)
        elif sni == "after.example":
            c.seg(0, "PA", ccs + fin)
            c.seg(0, "PA", req)
            first[sni] = len(frames)
            c.seg(1, "PA", tickets)
            c.seg(1, "PA", tickets)
        elif sni == "notickets.example":
            c.seg(0, "PA", ccs + fin + req)
            first[sni] = len(frames)
        else:
            if sni == "cert.example":  # Certificate; CertificateVerify and Finished
                c.seg(0, "PA", ccs + rec(23, b"C" * 1200))
                c.seg(0, "PA", rec(23, b"V" * 300) + fin)
            else:
                c.seg(0, "PA", ccs + fin)
            c.seg(1, "PA", tickets)
            c.seg(0, "PA", req)
            first[sni] = len(frames)
        c.seg(1, "PA", rec(23, b"R" * 300), dt=0.020)
        for k in range(2):  # (responses of other sizes: none is taken for a second ticket,
            c.seg(0, "PA", req)  # in BPF_PROG_TEST_RUN too, where every packet is within 2 ms)
            c.seg(1, "PA", rec(23, b"R" * (301 + k)), dt=0.020)
        c.seg(0, "FA", b"")
    wrpcap(path, frames)
    return first


def main():
    with rxtest.capture(write_pcap, "early.pcap") as (pcap, first):
        rows = {r["sni"]: r for r in rxtest.stats_json(pcap).get("tls", [])}
        for sni, (n, lo, hi, ex) in WANT.items():
            row = rows.get(sni, {})
            x = row.get("exchange_s", {})
            rxtest.check(f"{sni}: handshake completed", row.get("handshakes", {}).get("completed"), 1)
            rxtest.check(f"{sni}: exchanges, fastest, slowest",
                         (x.get("count"), round(x.get("min", 0), 4), round(x.get("max", 0), 4)), (n, lo, hi))
            e = rxtest.explain_tls(pcap, first[sni])
            t = e.get("exchange_s")
            got = (e.get("part"), e.get("exchange"), round(t, 4) if t is not None else None, e.get("exchanges"))
            want = ("request",) + (ex if ex else (None, None)) + (n,)
            rxtest.check(f"{sni}: explain on the first request (frame {first[sni]})", got, want)
    return rxtest.finish("TLS 1.3 first requests: with the Finished, after it, after the tickets, "
                         "no tickets, a client certificate: exchanges and explain as docs/tls.md says")


if __name__ == "__main__":
    sys.exit(main())

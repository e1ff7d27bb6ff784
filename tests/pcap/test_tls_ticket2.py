#!/usr/bin/python3
"""TLS 1.3's second session ticket is no answer (datapath/tlsconn.h,
rx_tls_turn). tests/pcap/data/tls13_ticket2.pcap is a real capture of
tests/e2e/test_tls_sni.sh (nginx with OpenSSL in front of an API that
answers /d0, /d20 and /d100 after 0, 20 and 100 ms; curl, 8 keep-alive
requests per connection, one TLS 1.3 and one TLS 1.2 connection per SNI)
in which, on d20.example's TLS 1.3 connection, the server sent its two
session tickets in two segments and curl's first request went out between
them (0.115090 ticket, 0.115110 request, 0.115127 ticket, 0.135791 the
response). Offline:

  * d20.example: 16 exchanges, the fastest no faster than the 20 ms delay
    (the second ticket taken for the answer made one of 17 us, as
    test_tls_sni.sh once failed on) and the p50 within 2 ms of it;
  * d100.example: 16 exchanges, none under 100 ms;
  * d0.example: 16 too, though its TLS 1.3 connection's first request went
    out with the Finished, before the tickets (0.009088 Finished, 80 bytes;
    0.009315 request; 0.009356 and 0.009422 tickets; 0.011533 the
    response): the turn is the request's, the tickets close nothing, and
    its exchange is the 2.2 ms from the request to the response, not the
    tickets' 41 us.

    /usr/bin/python3 tests/pcap/test_tls_ticket2.py BUILD
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402

PCAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tls13_ticket2.pcap")

rows = {r["sni"]: r for r in rxtest.stats_json(PCAP)["tls"]}
x = {h: rows[h]["exchange_s"] for h in ("d0.example", "d20.example", "d100.example")}
rxtest.check("d20.example exchanges", x["d20.example"]["count"], 16)
rxtest.check("d20.example fastest exchange >= 20 ms", x["d20.example"]["min"] >= 0.020, True)
rxtest.check("d20.example p50 within 2 ms of 20 ms", abs(x["d20.example"]["p50"] - 0.020) <= 0.002, True)
rxtest.check("d100.example exchanges", x["d100.example"]["count"], 16)
rxtest.check("d100.example fastest exchange >= 100 ms", x["d100.example"]["min"] >= 0.100, True)
rxtest.check("d0.example exchanges", x["d0.example"]["count"], 16)
rxtest.check("d0.example slowest exchange: the first request's 2.218 ms",
             abs(x["d0.example"]["max"] - 0.002218) < 0.000002, True)
rxtest.finish("exchanges: " + ", ".join(
    f"{h} {v['count']} (min {v['min'] * 1000:.3f} ms, p50 {v['p50'] * 1000:.3f} ms)" for h, v in x.items()))

#!/usr/bin/env python3
"""--payload still redacts, in the kernel's code (native build here; the
same code as BPF, which test_diff.sh compares byte for byte): crafted
segments that try to slip a secret past the walk -- pipelined requests,
header blocks and query strings spread over segments, unknown methods,
LF-only and bare-CR line ends, "name :", tabs, folded lines, path
parameters (";jsessionid="), userinfo in a target ("http://u:p@h/"), more secrets
than ranges, the window's edge, 100-continue, a body glued to the next
request, undecoded layers (three VLAN tags, IP fragments). No canary may
appear in the -w pcap or in the text, -v or --json output, with or
without --payload; and what is harmless (Host, User-Agent) stays visible.

  test_payload_redaction.py BUILD
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rxtest  # noqa: E402
rxtest.need_scapy()
from scapy.all import Dot1Q, IP, TCP, Raw, wrpcap, fragment  # noqa: E402
from rxtest import RXRAY, C, S, fails  # noqa: E402

E = rxtest.eth


def seg(p, seq=1000, src=C, dst=S, sp=40000, dp=80):
    return E() / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags="PA", seq=seq, ack=1) / Raw(p)


pad = b"X-Pad: " + b"a" * 520 + b"\r\n"
cases = {}
r1 = b"GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
r2 = (b"GET /two HTTP/1.1\r\nHost: h\r\nX-Filler: " + b"f" * 500 +
      b"\r\nCookie: session=CANARYA1\r\nAuthorization: Bearer CANARYA2\r\n\r\n")
cases["pipelined, second past the window"] = [seg(r1 + r2)]
hdr = (b"GET /big HTTP/1.1\r\nHost: h\r\nCookie: s=" + b"c" * 1400 + b"CANARYB1\r\nX-Other: 1\r\n" +
       b"X-Pad: " + b"p" * 600 + b"\r\nAuthorization: Bearer CANARYB2\r\n\r\n")
cases["header block over segments"] = [seg(hdr[:1400]), seg(hdr[1400:], seq=2400)]
cases["two spaces before the target"] = [seg(b"GET  /x?token=CANARYC1 HTTP/1.1\r\nHost: h\r\n\r\n")]
cases["unknown method"] = [seg(b"PROPFIND /dav/?k=CANARYD2 HTTP/1.1\r\nHost: h\r\nAuthorization: Basic CANARYD1\r\n\r\n")]
cases["unknown method, past the window"] = [seg(b"PROPFIND /dav/ HTTP/1.1\r\nHost: h\r\n" + pad +
                                                b"Authorization: Basic CANARYD3\r\n\r\n")]
cases["LF-only lines"] = [seg(b"GET /a HTTP/1.1\nHost: h\nCookie: CANARYE1\nX-K: CANARYE2\n\n")]
cases["bare CR in a value"] = [seg(b"GET /a HTTP/1.1\r\nHost: h\r\nCookie: a=1\rb=CANARYF1\r\n\r\n")]
cases["blank before the colon"] = [seg(b"GET /a HTTP/1.1\r\nHost: h\r\nAuthorization : Bearer CANARYG1\r\n\r\n")]
cases["body glued to the next request"] = [seg(b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n"
                                               b'{"a":1}GET /q?key=CANARYH1 HTTP/1.1\r\nHost: h\r\n\r\n')]
cases["three VLAN tags"] = [E() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=C, dst=S) /
                            TCP(sport=40000, dport=80, flags="PA", seq=1000, ack=1) /
                            Raw(b"GET /a?t=CANARYI1 HTTP/1.1\r\nHost: h\r\nCookie: CANARYI2\r\n\r\n")]
full = (IP(src=C, dst=S) / TCP(sport=40000, dport=80, flags="PA", seq=1000, ack=1) /
        Raw(b"GET /a HTTP/1.1\r\nHost: h\r\nX-F: " + b"z" * 100 + b"\r\nCookie: CANARYJ1\r\n\r\n"))
cases["IP fragments"] = [E() / f for f in fragment(full, fragsize=96)]
cases["tab after the query"] = [seg(b"GET /x?token=CANARYK1\tHTTP/1.1\r\nHost: h\r\n\r\n")]
cases["folded lines"] = [seg(b"GET /a HTTP/1.1\r\nHost: h\r\ncOOKIE: a=1\r\n\tb=CANARYL1\r\n  c=CANARYL2\r\n\r\n")]
cases["more secrets than ranges"] = [seg(b"GET /a?q=CANARYM0 HTTP/1.1\r\n" +
                                         b"".join(b"X-S%d: CANARYM%d\r\n" % (i, i) for i in range(1, 20)) + b"\r\n")]
cases["name cut by the window"] = [seg(b"GET /a HTTP/1.1\r\nX-P: " + b"p" * 470 + b"\r\nAuthor" +
                                       b"ization: CANARYN1\r\n\r\n")]
cases["100-continue then 200"] = [seg(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-P: " + b"p" * 520 +
                                      b"\r\nSet-Cookie: sid=CANARYO1\r\n\r\n", src=S, dst=C, sp=80, dp=40000)]
q = b"GET /cb?state=" + b"s" * 1380 + b"&access_token=CANARYQ1 HTTP/1.1\r\nHost: h\r\n\r\n"
cases["query over segments"] = [seg(q[:1400]), seg(q[1400:], seq=2400)]
cases["any header name"] = [seg(b"GET /a HTTP/1.1\r\nHost: h\r\nUser-Agent: ua-visible\r\n"
                                b"X-Amz-Security-Token: CANARYR1\r\nPrivate-Token: CANARYR2\r\n"
                                b"Referer: http://x/y?code=CANARYR3\r\n\r\n")]
cases["path parameters"] = [seg(b"GET /a;jsessionid=CANARYS1/b;v=CANARYS2?x=CANARYS3;y HTTP/1.1\r\nHost: h\r\n\r\n")]
cases["path parameter past the window"] = [seg(b"GET /a;sid=" + b"s" * 520 + b"CANARYS4 HTTP/1.1\r\nHost: h\r\n\r\n")]
cases["userinfo in an absolute-form target"] = [seg(b"GET http://alice:CANARYT1@example.com/p HTTP/1.1\r\n"
                                                    b"Host: h\r\n\r\n")]
cases["userinfo with CONNECT"] = [seg(b"CONNECT bob:CANARYT2@example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n")]
cases["userinfo past the window"] = [seg(b"GET http://alice:CANARYT4" + b"S" * 600 + b"@h/x HTTP/1.1\r\nHost: h\r\n\r\n")]
cases["userinfo with a ';'"] = [seg(b"GET http://alice:CANARYT5;x@h/x HTTP/1.1\r\nHost: h\r\n\r\n"),
                                seg(b"CONNECT bob:CANARYT6;y@h:443 HTTP/1.1\r\nHost: h\r\n\r\n", sp=40001)]
cases["userinfo over segments"] = [seg(b"GET http://alice:CANARYT7"), seg(b"X@h/x HTTP/1.1\r\nHost: h\r\n\r\n", seq=1025),
                                   seg(b"CONNECT bob:CANARYT8", sp=40001), seg(b"X@h:443 HTTP/1.1\r\n\r\n", seq=1020, sp=40001)]
cases["userinfo with a ';', '@' out of view"] = [
    seg(b"GET http://alice:CANARYT9;x" + b"S" * 600 + b"@h/x HTTP/1.1\r\nHost: h\r\n\r\n"),
    seg(b"GET http://alice:CANARYTA;x", sp=40001), seg(b"y@h/x HTTP/1.1\r\n\r\n", seq=1027, sp=40001),
    seg(b"CONNECT bob:CANARYTB;", sp=40002), seg(b"y@h:443 HTTP/1.1\r\n\r\n", seq=1021, sp=40002)]
cases["userinfo, unknown method"] = [seg(b"PROPFIND ftp://CANARYT3@h/d HTTP/1.1\r\nHost: h\r\n\r\n")]

tmp = tempfile.mkdtemp()
for name, pkts in cases.items():
    f = os.path.join(tmp, "in.pcap")
    wrpcap(f, pkts)
    for opts in (["--payload"], [], ["--payload", "-v"], ["--payload", "--json"]):
        out = os.path.join(tmp, "out.pcap")
        r = subprocess.run([RXRAY, "watch", "-r", f, "-w", out] + opts, capture_output=True, timeout=30)
        if r.returncode:
            fails.append(f"{name} {opts}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
            continue
        data = open(out, "rb").read() + r.stdout + r.stderr
        if b"CANARY" in data:
            i = data.index(b"CANARY")
            fails.append(f"{name} {opts}: a canary left: ...{data[max(0, i - 40):i + 12]!r}")
        if opts == ["--payload"] and name == "any header name":
            if b"User-Agent: ua-visible" not in data or b"Host: h" not in data:
                fails.append(f"{name}: harmless headers were not kept")
rxtest.finish(f"payload redaction: {len(cases)} crafted cases x 4 views, {len(fails)} failures")

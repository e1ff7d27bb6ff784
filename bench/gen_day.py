#!/usr/bin/python3
"""A normal day of traffic as a pcap, for bench/alerts_day.sh: no attack, no
outage, only the daily shape and its noise. Written to OUT ("-": stdout,
for a pipe into `rxray alerts -r /dev/stdin`).

    /usr/bin/python3 bench/gen_day.py OUT [HOURS] [PEAK_RPS] [SEED]

HOURS (24) of capture time from midnight; every second, a Poisson number of
HTTP/1.1 transactions with the mean rate PEAK_RPS (40) times the day's
shape (a night trough at 4:00 of 4 % of the peak, a morning rise, a lunch
bump, the afternoon peak, an evening fall), each one connection from one of
3,000 clients (198.51.100.0/24, 203.0.113.0/24, 2001:db8:1::/64; 150 new
ones join each hour, as a service gains users) to 192.0.2.2:8080: SYN,
SYN-ACK, ACK, GET of one of 8 routes, the response after a log-normal
service time (median 6 ms, the route's own scale; 0.1 % answer 500, 1 % 404),
ACK, FIN, FIN, ACK: 9 frames, in capture order. Next to it DNS queries and
answers over UDP to 192.0.2.53:53 at 0.3 of the HTTP rate, and one NTP
exchange a minute. Timestamps in microseconds, DLT_EN10MB; deterministic for
a seed. Frames are built with struct, not scapy: a day of about 11 million
frames takes minutes, not hours.

Prints to stderr: the seconds, frames and transactions written.
"""
import math
import random
import struct
import sys

OUT = sys.argv[1]
HOURS = float(sys.argv[2]) if len(sys.argv) > 2 else 24.0
PEAK = float(sys.argv[3]) if len(sys.argv) > 3 else 40.0
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1
BASE = 1767225600  # 2026-01-01 00:00:00 UTC: the day starts at midnight
rnd = random.Random(SEED)
MAC_C, MAC_S = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
SRV4, DNS4 = bytes([192, 0, 2, 2]), bytes([192, 0, 2, 53])
SRV6 = bytes.fromhex("20010db8000000000000000000000002")
ROUTES = [(b"/api/v1/users/%d", 1.0), (b"/api/v1/orders/%d/items", 1.6), (b"/health", 0.3),
          (b"/api/v2/search?q=item%d", 2.5), (b"/static/app.%d.js", 0.5),
          (b"/api/v1/users/%d/settings", 1.2), (b"/login", 3.0), (b"/api/v1/cart", 1.4)]
ROUTE_W = [30, 15, 5, 12, 20, 6, 4, 8]


def shape(h):
    """The day's traffic, 0..1, by hour of day (a sum of smooth bumps over a night floor)."""
    g = lambda mu, sd: math.exp(-0.5 * ((h - mu) / sd) ** 2)  # noqa: E731
    return min(1.0, 0.04 + 0.55 * g(10.5, 2.2) + 0.35 * g(13.0, 1.0) + 0.75 * g(16.0, 2.8)
               + 0.25 * g(20.5, 1.8))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\x08\x00" + h + payload


def ip6(src, dst, proto, payload):
    return b"\x86\xdd" + struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, data=b""):
    # checksums of the transport are not verified by rxray: left 0 (as offloaded captures show)
    opt = b"\x02\x04\x05\xb4\x01\x03\x03\x07" if flags & 0x02 else b""
    off = (20 + len(opt)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 64240, 0, 0) + opt + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


class Client:
    __slots__ = ("addr", "v6", "port")

    def __init__(self, i):
        if i % 5 == 4:
            self.v6, self.addr = True, bytes.fromhex("20010db8000100000000000000000000")[:14] + struct.pack("!H", i)
        else:
            self.v6 = False
            net = (198, 51, 100) if i % 2 else (203, 0, 113)
            self.addr = bytes(net) + bytes([1 + (i // 2) % 254])
        self.port = 32768 + (i * 7919) % 28000


def frame(c, to_server, l4, proto):
    if c.v6:
        l3 = ip6(c.addr, SRV6, proto, l4) if to_server else ip6(SRV6, c.addr, proto, l4)
    else:
        l3 = ip4(c.addr, SRV4, proto, l4) if to_server else ip4(SRV4, c.addr, proto, l4)
    return (MAC_S + MAC_C if to_server else MAC_C + MAC_S) + l3


def transaction(c, t0):
    """The 9 frames of one request on its own connection, as (time, bytes)."""
    c.port = 32768 + (c.port - 32768 + 1) % 28000
    cp, isn, ssn = c.port, rnd.getrandbits(32), rnd.getrandbits(32)
    ri = rnd.choices(range(len(ROUTES)), ROUTE_W)[0]
    path, scale = ROUTES[ri]
    if b"%d" in path:
        path = path % rnd.randrange(1, 5000)
    req = b"GET " + path + b" HTTP/1.1\r\nHost: api.example\r\nUser-Agent: day/1\r\nAccept: */*\r\n\r\n"
    u = rnd.random()
    status = b"500 Internal Server Error" if u < 0.001 else b"404 Not Found" if u < 0.011 else b"200 OK"
    body = b'{"ok":true,"n":%d}' % rnd.randrange(100000)
    resp = (b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(body)) + body
    rtt = rnd.uniform(0.0004, 0.002)
    svc = min(2.0, rnd.lognormvariate(math.log(0.006 * scale), 0.5))
    s, a = isn, ssn
    t = t0
    out = [(t, frame(c, 1, tcp(cp, 8080, s, 0, 0x02), 6))]
    t += rtt / 2
    out.append((t, frame(c, 0, tcp(8080, cp, a, s + 1, 0x12), 6)))
    t += rtt / 2
    out.append((t, frame(c, 1, tcp(cp, 8080, s + 1, a + 1, 0x10), 6)))
    out.append((t + 0.00001, frame(c, 1, tcp(cp, 8080, s + 1, a + 1, 0x18, req), 6)))
    t += 0.00001 + svc
    out.append((t, frame(c, 0, tcp(8080, cp, a + 1, s + 1 + len(req), 0x18, resp), 6)))
    t += rtt / 2
    out.append((t, frame(c, 1, tcp(cp, 8080, s + 1 + len(req), a + 1 + len(resp), 0x11), 6)))
    t += rtt / 2
    out.append((t, frame(c, 0, tcp(8080, cp, a + 1 + len(resp), s + 2 + len(req), 0x11), 6)))
    t += rtt / 2
    out.append((t, frame(c, 1, tcp(cp, 8080, s + 2 + len(req), a + 2 + len(resp), 0x10), 6)))
    return out


def dns(c, t0):
    q = struct.pack("!HHHHHH", rnd.getrandbits(16), 0x0100, 1, 0, 0, 0) + b"\x03api\x07example\x00\x00\x01\x00\x01"
    a = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01" + q[8:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + SRV4
    src = bytes([198, 51, 100, 1 + c % 254])
    q4 = MAC_S + MAC_C + ip4(src, DNS4, 17, udp(40000 + c % 20000, 53, q))
    a4 = MAC_C + MAC_S + ip4(DNS4, src, 17, udp(53, 40000 + c % 20000, a))
    return [(t0, q4), (t0 + rnd.uniform(0.0003, 0.003), a4)]


def poisson(lam):
    if lam < 30:
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rnd.random()
            if p <= L:
                return k
            k += 1
    return max(0, int(round(rnd.gauss(lam, math.sqrt(lam)))))


def main():
    f = sys.stdout.buffer if OUT == "-" else open(OUT, "wb")
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    clients = [Client(i) for i in range(3000)]
    seconds, frames, txns, pending = int(HOURS * 3600), 0, 0, []
    for sec in range(seconds):
        h = (sec / 3600.0) % 24
        known = min(len(clients), 1500 + int(sec / 3600.0 * 150))
        lam = PEAK * shape(h)
        batch = []
        for _ in range(poisson(lam)):
            batch.extend(transaction(clients[rnd.randrange(known)], sec + rnd.random()))
            txns += 1
        for _ in range(poisson(lam * 0.3)):
            batch.extend(dns(rnd.randrange(100000), sec + rnd.random()))
        if sec % 60 == 17:
            ntp = b"\x23" + b"\0" * 47
            c = clients[0]
            batch.append((sec + 0.5, MAC_S + MAC_C + ip4(c.addr, DNS4, 17, udp(123, 123, ntp))))
        # frames of the seconds before that are due now (a transaction can end in the next second)
        batch.extend(pending)
        batch.sort(key=lambda x: x[0])
        pending = [x for x in batch if x[0] >= sec + 1]
        for t, b in batch:
            if t >= sec + 1:
                break
            us = int(round(t * 1e6))
            f.write(struct.pack("<IIII", BASE + us // 1000000, us % 1000000, len(b), len(b)) + b)
            frames += 1
    for t, b in sorted(pending, key=lambda x: x[0]):
        us = int(round(t * 1e6))
        f.write(struct.pack("<IIII", BASE + us // 1000000, us % 1000000, len(b), len(b)) + b)
        frames += 1
    f.flush()
    print("%d seconds, %d frames, %d transactions" % (seconds, frames, txns), file=sys.stderr)


main()

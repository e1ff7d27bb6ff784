#!/usr/bin/python3
"""Crafted ClientHellos over real TCP connections (tests/e2e/test_tls.sh):
two GREASEd ones (tests/lib/tlshello.py), then one split over two
segments (TCP_NODELAY, a pause between the parts).

    tls_send.py HOST PORT
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tlshello  # noqa: E402


def send(host, port, parts):
    with socket.create_connection((host, port), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i, p in enumerate(parts):
            if i:
                time.sleep(0.2)
            s.sendall(p)
        try:
            s.recv(65536)  # the server's answer (a ServerHello, or an alert)
        except OSError:
            pass


def main(host, port):
    port = int(port)
    send(host, port, [tlshello.chrome_like(b"api.example.test")])
    send(host, port, [tlshello.chrome_like(b"grease.example.test")])
    big = tlshello.chrome_like(b"split.example.test")
    send(host, port, [big[:160], big[160:]])  # the name in the first part
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

#!/usr/bin/python3
"""A TLS handshake that fails: a ClientHello for SNI to HOST:PORT, then an RST.

    tls_abort.py HOST PORT SNI

(tests/e2e/test_tls_sni.sh, test_tls_top.sh: the row's handshakes.failed.)
"""
import socket
import ssl
import struct
import sys
import time

host, port, sni = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname=sni)
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
s = socket.create_connection((host, port), timeout=5)
s.sendall(out.read())
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()

#!/usr/bin/env bash
# ClientHellos over two segments, live (datapath/tls.h at XDP, before GRO):
# Python sends crafted hellos over real TCP connections (TCP_NODELAY, a
# pause between the parts) to a server on a veth that `rxray watch -i`
# watches. One in two parts is reassembled on its second segment (the
# whole hello: SNI, ALPN, JA4); one whose first part is all the client
# sends, and one in three parts, are counted: watch's summary says 3 held,
# 1 reassembled, 2 partial (the piece still held when watch stops counted as
# partial, as at the end of a capture).
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" tsp
rx_lab
rx_keep_on_fail "$BUILD/test-logs/tls_split_live" live.json watch.log
ROOT=$PWD

# a server that reads what it is sent and answers nothing (a TLS server would close on a cut hello)
rx_bg ip netns exec "$NB" /usr/bin/python3 -c '
import socket, threading
srv = socket.create_server(("192.0.2.2", 8080))
def sink(c):
    with c:
        while c.recv(65536):
            pass
while True:
    threading.Thread(target=sink, args=(srv.accept()[0],), daemon=True).start()
'
rx_until rx_listening 8080 || fail "the server did not start"
rx_bg ip netns exec "$NB" "$RXRAY" watch -i "$IF" --json -l 'tcp dst port 8080' >"$tmp/live.json" 2>"$tmp/watch.log"
watch_b=$bg_pid
rx_until rx_xdp_attached || fail "watch did not attach: $(cat "$tmp/watch.log")"
sleep 0.5

ina /usr/bin/python3 - "$ROOT/tests/lib" <<'PY' || fail "crafted hellos"
import socket
import sys
import time
sys.path.insert(0, sys.argv[1])
import tlshello

def send(parts, close_after=0.3):
    with socket.create_connection(("192.0.2.2", 8080), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i, p in enumerate(parts):
            if i:
                time.sleep(0.3)
            s.sendall(p)
        time.sleep(close_after)

h = tlshello.chrome_like(b"split.live.example")
send([h[:120], h[120:]])               # reassembled
send([h[:90]])                         # the rest never comes: partial when watch stops
send([h[:60], h[60:130], h[130:]])     # three segments: partial
PY
sleep 0.5
rx_stop -INT "$watch_b"
grep -q "TLS hellos over two segments: 3 held, 1 reassembled" "$tmp/watch.log" ||
	fail "held/reassembled: $(grep TLS "$tmp/watch.log")"
grep -q "TLS hellos: 2 partial, 0 malformed, 0 with lists cut" "$tmp/watch.log" ||
	fail "partial: $(grep TLS "$tmp/watch.log")"
/usr/bin/python3 - "$tmp/live.json" <<'PY' || fail "the reassembled record"
import json
import sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = [r for r in recs if r["rxray"].get("tls_reassembled")]
held = [r for r in recs if r["rxray"].get("tls_held")]
assert len(done) == 1 and len(held) == 3, (len(done), len(held))
hs = done[0]["tls"]["handshake"]
assert hs["extensions_server_name"] == "split.live.example", hs
assert hs["extensions_alpn_str"] == "h2,http/1.1" and hs.get("ja4", "").startswith("t13d"), hs
assert "tls_status" not in done[0]["rxray"], done[0]["rxray"]
print("reassembled:", hs["extensions_server_name"], hs["ja4"])
PY
rx_end "ClientHellos over two segments live: 1 reassembled (SNI, ALPN, JA4), 3 held, 2 partial"

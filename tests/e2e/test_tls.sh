#!/usr/bin/env bash
# TLS hellos from packets, live and offline, against tshark: real clients
# (openssl s_client, curl) and servers (openssl s_server, nginx) over TLS
# 1.2 and 1.3, with and without SNI and ALPN, plus GREASEd hellos and one
# ClientHello split over two segments, sent by Python over real sockets.
# tcpdump captures the server's side; `rxray watch -i` runs on both veths
# (XDP ingress: ClientHellos on the server's, ServerHellos on the client's).
# tests/e2e/tls_check.py then compares rxray's fields with tshark's, JA4
# with an implementation of FoxIO's specification, and live with offline.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" tls
rx_need openssl curl nginx tshark tcpdump
rx_lab
rx_keep_on_fail "$BUILD/test-logs/tls" tls.pcap live_a.json live_b.json '*.log'
ROOT=$PWD
cd "$tmp" || exit 1

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=api.example.test \
	-addext "subjectAltName=DNS:api.example.test" -keyout srv.key -out srv.crt 2>/dev/null ||
	fail "openssl: certificate"

rx_bg ip netns exec "$NB" tcpdump -i "$IF" -w "$tmp/tls.pcap" -U 'tcp port 8443 or tcp port 8080' 2>"$tmp/tcpdump.log"
tcpdump_pid=$bg_pid
rx_bg ip netns exec "$NB" "$RXRAY" watch -i "$IF" --json -l 'tcp port 8443 or tcp port 8080' >"$tmp/live_b.json" 2>"$tmp/watch_b.log"
watch_b=$bg_pid
rx_bg ip netns exec "$NA" "$RXRAY" watch -i "${P}a" --json -l 'tcp port 8443 or tcp port 8080' >"$tmp/live_a.json" 2>"$tmp/watch_a.log"
watch_a=$bg_pid
rx_bg ip netns exec "$NB" openssl s_server -accept 8443 -cert srv.crt -key srv.key -alpn h2,http/1.1 -www -quiet
rx_until rx_listening 8443 || fail "s_server did not start"
rx_nginx <<NGINX
	access_log off;
	server {
		listen 192.0.2.2:8080 ssl http2;
		server_name api.example.test;
		ssl_certificate $tmp/srv.crt;
		ssl_certificate_key $tmp/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / { return 200 "ok\n"; }
	}
NGINX
for _ in $(seq 50); do grep -q "attached\|watching\|listening" "$tmp/watch_a.log" "$tmp/watch_b.log" 2>/dev/null && break; sleep 0.1; done
sleep 1 # both watchers attached (XDP) before the first hello

s_client() { echo | timeout 5 ip netns exec "$NA" openssl s_client -connect 192.0.2.2:8443 "$@" >/dev/null 2>&1; }
s_client -servername api.example.test -alpn h2,http/1.1
s_client -tls1_3 -noservername
s_client -tls1_2 -servername api.example.test -alpn http/1.1
s_client -tls1_2 -noservername
s_client -tls1_2 -servername api.example.test -cipher ECDHE-ECDSA-AES128-GCM-SHA256
for opt in --http2 --http1.1 "--tlsv1.2 --tls-max 1.2 --http1.1"; do
	# shellcheck disable=SC2086 # opt: several options
	ina curl -sk $opt --resolve api.example.test:8080:192.0.2.2 -o /dev/null -m 5 https://api.example.test:8080/ ||
		fail "curl $opt"
done
# GREASEd hellos, and one split over two segments, over real connections
ina /usr/bin/python3 "$ROOT/tests/e2e/tls_send.py" 192.0.2.2 8443 || fail "crafted hellos"
sleep 1
rx_stop -INT "$watch_a" "$watch_b"
rx_stop "$tcpdump_pid"
[ -s "$tmp/tls.pcap" ] || fail "tcpdump wrote nothing: $(cat "$tmp/tcpdump.log")"
/usr/bin/python3 "$ROOT/tests/e2e/tls_check.py" "$RXRAY" "$tmp/tls.pcap" "$tmp/live_b.json" "$tmp/live_a.json" ||
	fail "rxray and tshark disagree (above)"
rx_end "TLS hellos: rxray = tshark, JA4 = the spec's, live = offline"

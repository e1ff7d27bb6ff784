# shellcheck shell=bash
# rx_nginx_conf DIR: DIR/nginx.conf for nginx in the foreground, one worker,
# its pid, logs and temp files in DIR. Stdin holds the caller's own lines of
# the http block (logs, keepalive, the server block). Shared by the e2e tests
# (tests/lib/runner.sh rx_nginx) and the live benchmarks (bench/live_lib.sh).
rx_nginx_conf() {
	local dir=$1 t
	for t in client_body proxy fastcgi uwsgi scgi; do mkdir -p "$dir/$t"; done
	{
		cat <<EOF2
daemon off;
master_process on;
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
EOF2
		for t in client_body proxy fastcgi uwsgi scgi; do printf '\t%s_temp_path %s;\n' "${t}" "$dir/$t"; done
		printf '\tkeepalive_timeout 65s;\n'
		cat
		echo "}"
	} >"$dir/nginx.conf"
}

# The e2e tests' helpers below use tests/lib/runner.sh (rx_bg, rx_nginx, fail).

# rx_nginx_api_udp: in NB, three servers with their pids: nginx on 8080
# (nginx_pid, from its pid file), the demo API (scripts/demo_api.py) on 8081
# (api_pid) and a UDP echo on 9999 (udp_pid); each listening (or fail).
# shellcheck disable=SC2034 # nginx_pid, api_pid, udp_pid: the caller's
rx_nginx_api_udp() {
	rx_nginx <<EOF2
	access_log off;
	server { listen 192.0.2.2:8080; location / { return 200 "nginx\n"; } }
EOF2
	rx_until test -s "$tmp/nginx.pid" || fail "no nginx pid file"
	nginx_pid=$(cat "$tmp/nginx.pid")
	rx_bg ip netns exec "$NB" /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8081
	api_pid=$bg_pid
	rx_until rx_listening 8081 || fail "the API did not start"
	cat >"$tmp/udp_echo.py" <<'EOF2'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 9999))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
EOF2
	rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/udp_echo.py"
	udp_pid=$bg_pid
	rx_until sh -c "ip netns exec $NB ss -Hlun 'sport = :9999' | grep -q ." || fail "the UDP service did not start"
}

# rx_api_restart: the demo API of rx_nginx_api_udp restarts on its port
# (api_pid stopped) with a new pid, api2 (or fail)
# shellcheck disable=SC2034 # api2: the caller's
rx_api_restart() {
	rx_stop "$api_pid"
	rx_bg ip netns exec "$NB" /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8081
	api2=$bg_pid
	rx_until rx_listening 8081 || fail "the API did not restart"
	[ "$api2" != "$api_pid" ] || fail "the restarted API has the same pid"
}

# rx_tls_delay_lab LISTEN PCAP: nginx with TLS on 192.0.2.2:8080 (its listen
# options LISTEN: "ssl" or "ssl http2"; a certificate in $tmp for d0, d20 and
# d100.example) in front of an API on 127.0.0.1:9000 in NB that answers
# GET /dN after N ms, the path chosen by the SNI (d0 by default), in one
# segment (Nagle off: a header and a body written apart would wait for
# nginx's delayed ACK, 40 ms). Then tcpdump of port 8080 on IF into
# $tmp/PCAP (td_pid) and `stats -i IF --duration 20 --json` into
# $tmp/live.json (stats_pid, its stderr $tmp/stats.err), attached (TC: its
# programs loaded, which takes seconds on a loaded machine) before it returns.
# shellcheck disable=SC2034 # td_pid: the caller's
rx_tls_delay_lab() {
	local listen=$1 pcap=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=d0.example \
		-addext "subjectAltName=DNS:d0.example,DNS:d20.example,DNS:d100.example" \
		-keyout "$tmp/srv.key" -out "$tmp/srv.crt" 2>/dev/null || fail "openssl: certificate"
	cat >"$tmp/api.py" <<'PY'
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        time.sleep(int(self.path.lstrip("/d") or 0) / 1000)
        body = b'{"ok": true}\n'
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Api).serve_forever()
PY
	rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/api.py" 127.0.0.1 9000
	rx_until rx_listening 9000 || fail "API did not start"
	rx_nginx <<NGINX
	access_log off;
	map \$ssl_server_name \$dpath { d20.example /d20; d100.example /d100; default /d0; }
	upstream api { server 127.0.0.1:9000; keepalive 8; }
	server {
		listen 192.0.2.2:8080 $listen;
		server_name d0.example d20.example d100.example;
		ssl_certificate $tmp/srv.crt;
		ssl_certificate_key $tmp/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		keepalive_requests 1000;
		location / {
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_pass http://api\$dpath;
		}
	}
NGINX
	rx_bg ip netns exec "$NB" tcpdump -i "$IF" -w "$tmp/$pcap" -U 'tcp port 8080' 2>"$tmp/tcpdump.err"
	td_pid=$bg_pid
	ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 20 --json >"$tmp/live.json" 2>"$tmp/stats.err" &
	stats_pid=$!
	pids+=("$stats_pid")
	rx_wait_tc_egress || fail "stats -i did not attach"
	sleep 0.5
}

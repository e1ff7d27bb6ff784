#!/usr/bin/env bash
# rxray top's TLS rows (issue 14: per-SNI rows "in stats, top and serve"), in
# a real terminal (tmux). nginx with TLS in ns b (one certificate for
# d0.example and d20.example), curl in ns a: 3 connections to d0.example
# (5 keep-alive requests each), 2 to d20.example (4 each), TLS 1.2 and 1.3,
# ALPN http/1.1; then a ClientHello for bad.example closed by an RST (a
# failed handshake). tcpdump captures it; `stats -r` on the capture is the
# oracle (--json, jq), and `top -r CAPTURE --speed 0` runs in an 80x24 and a
# 100x30 pane (tmux capture-pane -p, polled at most 5 s; 80x24 in the C
# locale). The pane must show,
# per SNI, the row "TLS :8080 SNI ALPN hs DONE/CONNS" with the exchanges'
# total, each number equal to the stats row's (the failed handshake: hs 0/1);
# no line wider than the terminal, and no TLS row cut at 80 columns.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" ttp
rx_need openssl curl nginx tcpdump jq tmux
SOCK=rxray-tlstop-$$ # a tmux server of our own, never the user's
rx_on_exit() { tmux -L "$SOCK" kill-server 2>/dev/null; }
tm() { tmux -L "$SOCK" "$@"; }
# shellcheck source=../lib/tmux.sh
. "${0%/*}/../lib/tmux.sh" # (before the cd)
rx_lab
rx_keep_on_fail "$BUILD/test-logs/tls_top" tls.pcap stats.json '*.screen' '*.err'
TLS_ABORT=$(realpath "${0%/*}/../lib/tls_abort.py") # (before the cd)
cd "$tmp" || exit 1

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=d0.example \
	-addext "subjectAltName=DNS:d0.example,DNS:d20.example" \
	-keyout srv.key -out srv.crt 2>/dev/null || fail "openssl: certificate"
rx_nginx <<NGINX
	access_log off;
	server {
		listen 192.0.2.2:8080 ssl;
		server_name d0.example d20.example;
		ssl_certificate $tmp/srv.crt;
		ssl_certificate_key $tmp/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		keepalive_requests 1000;
		location / { return 200 "ok\n"; }
	}
NGINX
rx_bg ip netns exec "$NB" tcpdump -i "$IF" --immediate-mode -w "$tmp/tls.pcap" -U 'tcp port 8080' 2>"$tmp/tcpdump.err"
td_pid=$bg_pid
rx_until rx_capturing "$tmp/tcpdump.err" || fail "tcpdump did not start: $(cat "$tmp/tcpdump.err")"

# curl_conn HOST REQS TLSOPT...: one connection, REQS keep-alive requests
curl_conn() {
	local host=$1 n=$2 urls=() r
	shift 2
	for r in $(seq "$n"); do urls+=("https://$host:8080/r$r"); done
	ina curl -sk --http1.1 "$@" --resolve "$host:8080:192.0.2.2" -m 10 "${urls[@]}" >/dev/null ||
		fail "curl $host $*"
}
curl_conn d0.example 5 --tlsv1.3
curl_conn d0.example 5 --tlsv1.2 --tls-max 1.2
curl_conn d0.example 5 --tlsv1.3
curl_conn d20.example 4 --tlsv1.2 --tls-max 1.2
curl_conn d20.example 4 --tlsv1.3
ina /usr/bin/python3 "$TLS_ABORT" 192.0.2.2 8080 bad.example || fail "aborted handshake"
sleep 0.3 # the RST's answer on the wire
rx_stop -INT "$td_pid"
[ -s "$tmp/tls.pcap" ] || fail "tcpdump wrote nothing: $(cat "$tmp/tcpdump.err")"
"$RXRAY" stats -r "$tmp/tls.pcap" --json >"$tmp/stats.json" 2>"$tmp/stats.err" ||
	fail "stats -r: $(cat "$tmp/stats.err")"
# the oracle itself: the connections made (so that a pane equal to it means something)
made() {
	jq -e '[.tls[] | select(.port == 8080)] | length == 3' "$tmp/stats.json" >/dev/null &&
		jq -e '.tls[] | select(.sni == "d0.example") | .connections == 3 and .handshakes.completed == 3' \
			"$tmp/stats.json" >/dev/null &&
		jq -e '.tls[] | select(.sni == "d20.example") | .connections == 2 and .handshakes.completed == 2' \
			"$tmp/stats.json" >/dev/null &&
		jq -e '.tls[] | select(.sni == "bad.example") | .handshakes.failed == 1' "$tmp/stats.json" >/dev/null
}
made ||
	fail "stats -r: not the rows made: $(jq -c .tls "$tmp/stats.json")"

# want: per stats row, the text top must show: "TLS :8080 SNI ALPN hs DONE/CONNS ... (EXCHANGES)"
jq -r '.tls[] | "\(.sni)\t\(if .alpn == "" then "" else " " + .alpn end) hs \(.handshakes.completed)/\(.connections)\t\(.exchange_s.count)"' \
	"$tmp/stats.json" >"$tmp/want"

# pane NAME COLS ROWS LANG: top -r --speed 0 in a COLSxROWS pane; every TLS
# row there within 5 s, then q exits 0
pane() {
	local name=$1 cols=$2 rows=$3 lang=$4 sni rest xn line got _ ok
	tm new-session -d -s "$name" -x "$cols" -y "$rows" -e "LANG=$lang" -e "LC_ALL=$lang" \
		"$RXRAY top -r $tmp/tls.pcap --speed 0 2>$tmp/$name.err; echo \$? >$tmp/$name.rc" ||
		fail "$name: tmux new-session"
	for _ in $(seq 50); do
		tm capture-pane -p -t "$name" >"$tmp/$name.screen" 2>/dev/null
		ok=1
		while IFS=$'\t' read -r sni rest xn; do
			grep -qF "TLS :8080 $sni$rest " "$tmp/$name.screen" || ok=
		done <"$tmp/want"
		[ -n "$ok" ] && tail -n 1 "$tmp/$name.screen" | grep -q '^q quit' && break
		sleep 0.1
	done
	echo "$name (${cols}x$rows):"
	grep -F 'TLS ' "$tmp/$name.screen" | sed 's/^/  | /'
	while IFS=$'\t' read -r sni rest xn; do
		line="TLS :8080 $sni$rest"
		# the item: NAME RATE/s (TOTAL)
		got=$(awk -v s="$line " '{ i = index($0, s); if (i) { split(substr($0, i + length(s)), a, " ")
			print a[1], a[2]; exit } }' "$tmp/$name.screen")
		[ -n "$got" ] || { fail "$name: no row '$line' on the pane"; continue; }
		[ "${got##*(}" = "$xn)" ] || fail "$name: '$line $got': exchanges, stats -r says $xn"
	done <"$tmp/want"
	# (C: top draws pure ASCII, a byte a column)
	[ "$lang" != C ] || LC_ALL=C awk -v w="$cols" 'length($0) > w { bad = 1 } END { exit bad }' "$tmp/$name.screen" ||
		fail "$name: a line wider than $cols columns"
	rx_tmux_quit "$name"
}
pane narrow 80 24 C
pane wide 100 30 C.UTF-8
rx_end "top -r: TLS rows (SNI, ALPN, handshakes/connections, exchanges) = stats -r's, at 80 and 100 columns"

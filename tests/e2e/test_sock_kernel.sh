#!/usr/bin/env bash
# The receiving socket from the kernel's own lookup at TC ingress (issue 14,
# part 4; datapath/sock.h): in the lab's server namespace, nginx on 8080, a
# Python API on 8081, a UDP echo on 9999 and a UDP service on IPv6 port
# 9996 are each attributed to their pid and comm with process.found_by
# "kernel" (the socket's inode from the lookup, mapped to a process by sock_diag and /proc/PID/fd), also after
# the API restarts on its port with a new pid. Packets that no socket
# receives are counted exactly: 8 SYNs (hping3) to the closed TCP port
# 8099, 9 datagrams to the closed UDP port 9998, in sockets.nosocket and
# rxray_nosocket_packets_total. A listener with a backlog of 0 that never
# accepts, its queue filled by one connection, drops 5 more SYNs: listen_full
# equals the kernel's own TcpExtListenOverflows.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" skk
rx_need nginx curl jq hping3 nstat
export RXRAY_AGENT=$tmp/agent.sock
PORT=19483
rx_lab

rx_nginx_api_udp
# IPv6: a UDP service on 2001:db8::2 (the lookup's IPv6 tuple)
rx_bg ip netns exec "$NB" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::2", 9996))
while True:
    s.recvfrom(2048)'
udp6_pid=$bg_pid
rx_until sh -c "ip netns exec $NB ss -Hlun 'sport = :9996' | grep -q ." || fail "the IPv6 UDP service did not start"
# a listener that never accepts, its accept queue 0 long
cat >"$tmp/full.py" <<'EOF2'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("192.0.2.2", 8097))
s.listen(0)
time.sleep(120)
EOF2
rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/full.py"
rx_until rx_listening 8097 || fail "the full listener did not start"

# a connection open before rxray starts (untracked: a lookup for each of its
# segments), to a port whose listener then closes: see "no listener" below
cat >"$tmp/old_srv.py" <<'EOF2'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("192.0.2.2", 8096))
s.listen(1)
c, _ = s.accept()
s.close()
while c.recv(2048):
    pass
EOF2
cat >"$tmp/old_cli.py" <<'EOF2'
import os, socket, struct, sys, time
tmp = sys.argv[1]
c = socket.create_connection(("192.0.2.2", 8096), timeout=5)
open(tmp + "/old.up", "w").close()
while not os.path.exists(tmp + "/old.go"):
    time.sleep(0.05)
def csum(b):
    if len(b) % 2:
        b += b"\0"
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while n >> 16:
        n = (n & 0xffff) + (n >> 16)
    return ~n & 0xffff
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
src, dst = socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2")
acks = []
for i in range(5):
    h = struct.pack("!HHIIBBHHH", 46000 + i, 8096, 1000, 2000, 5 << 4, 0x10, 502, 0, 0)
    ck = csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)
    acks.append(h[:16] + struct.pack("!H", ck) + h[18:])
# a segment of the old connection, then at once 5 ACKs of no connection to its port
c.send(b"x" * 10)  # then, 10 ms later, in order:
time.sleep(0.01)
for a in acks:
    raw.sendto(a, ("192.0.2.2", 0))
open(tmp + "/old.done", "w").close()
time.sleep(2)
EOF2
rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/old_srv.py"
rx_until rx_listening 8096 || fail "the old connection's server did not start"
# (on one CPU: the kept answers are per CPU, and its packets are received where they are sent)
rx_bg ip netns exec "$NA" taskset -c 0 /usr/bin/python3 "$tmp/old_cli.py" "$tmp"
rx_until test -e "$tmp/old.up" || fail "the old connection was not made"
rx_until sh -c "! ip netns exec $NB ss -Hltn 'sport = :8096' | grep -q ." || fail "the old connection's listener did not close"

rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$PORT --control "$RXRAY_AGENT" 2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until rx_scrapes $PORT || fail "serve did not start: $(cat "$tmp/serve.err")"

traffic() {
	local i
	for i in 1 2 3; do
		ina curl -sf -o /dev/null http://192.0.2.2:8080/ || fail "curl nginx"
		ina curl -sf -o /dev/null http://192.0.2.2:8081/users/$i || fail "curl api"
	done
	ina /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(b"ping", ("192.0.2.2", 9999))
    s.recvfrom(100)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(2):
    s6.sendto(b"ping", ("2001:db8::2", 9996))' || fail "udp echo"
}

# check FILE WHAT PORT PROTO PID COMM: the services row and (TCP) the endpoints' rows, found by the kernel
check() {
	local f=$1 what=$2 port=$3 proto=$4 pid=$5 comm=$6 got
	got=$(jq -c --argjson p "$port" --arg pr "$proto" \
		'[.. | objects | select(.port? == $p and .proto? == $pr)][0] | [.["process.pid"], .["process.command"], .["process.found_by"]]' "$f")
	[ "$got" = "[$pid,\"$comm\",\"kernel\"]" ] || fail "$what: services $port/$proto: $got, want [$pid,\"$comm\",\"kernel\"]"
	[ "$proto" = tcp ] || return 0
	got=$(jq -c --argjson p "$port" '[.. | objects | select(.["server.port"]? == $p) | [.["process.pid"], .["process.found_by"]]] | unique' "$f")
	[ "$got" = "[[$pid,\"kernel\"]]" ] || fail "$what: endpoints of port $port: $got, want [[$pid,\"kernel\"]]"
}

traffic
# no socket receives these: 8 SYNs to a closed TCP port, 9 datagrams to a closed UDP port
ina hping3 -q -S -p 8099 -c 8 -i u20000 192.0.2.2 >/dev/null 2>&1
ina /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(9):
    s.sendto(b"lost", ("192.0.2.2", 9998))'
# the full listener: one connection fills its queue, then 5 SYNs are dropped
ina /usr/bin/python3 -c '
import socket, time
c = socket.create_connection(("192.0.2.2", 8097), timeout=2)
time.sleep(0.3)' || fail "the first connection to the full listener"
ina hping3 -q -S -p 8097 -c 5 -i u20000 192.0.2.2 >/dev/null 2>&1
sleep 1.2 # the agent's maps are read at most once a second
inb curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s1.json" || fail "/api/stats"
check "$tmp/s1.json" "/api/stats" 8080 tcp "$nginx_pid" nginx
check "$tmp/s1.json" "/api/stats" 8081 tcp "$api_pid" python3
check "$tmp/s1.json" "/api/stats" 9999 udp "$udp_pid" python3
check "$tmp/s1.json" "/api/stats" 9996 udp "$udp6_pid" python3

overflows=$(inb nstat -az TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" { print $2 }')
sockets=$(jq -c '.interfaces[0].sockets' "$tmp/s1.json")
[ "$sockets" = "{\"nosocket\":{\"tcp\":8,\"udp\":9},\"listen_full\":$overflows}" ] ||
	fail "sockets $sockets, want nosocket tcp 8, udp 9, listen_full $overflows (TcpExtListenOverflows)"
[ "$overflows" = 5 ] || fail "TcpExtListenOverflows $overflows, want 5 (the SYNs to the full listener)"
inb curl -sf "http://127.0.0.1:$PORT/metrics" >"$tmp/m1.txt" || fail "/metrics"
for want in "rxray_nosocket_packets_total{interface=\"$IF\",proto=\"tcp\"} 8" \
	"rxray_nosocket_packets_total{interface=\"$IF\",proto=\"udp\"} 9" \
	"rxray_listen_full_total{interface=\"$IF\",proto=\"tcp\"} 5" \
	"rxray_records_lost_total{interface=\"$IF\",source=\"sock_ports\"} 0"; do
	grep -qxF "$want" "$tmp/m1.txt" || fail "/metrics has no line: $want"
done

# the API restarts on its port: a new pid, found by the kernel
rx_api_restart
traffic
sleep 1.2 # a new socket: the process walk is at most once a second
inb curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s2.json" || fail "/api/stats"
check "$tmp/s2.json" "/api/stats after the restart" 8081 tcp "$api2" python3
check "$tmp/s2.json" "/api/stats after the restart" 8080 tcp "$nginx_pid" nginx
check "$tmp/s2.json" "/api/stats after the restart" 9999 udp "$udp_pid" python3
# Answers kept a moment (bpf/sock.h, 67 ms per address, port and protocol):
# a flood to a closed port, or to a listener, counts every packet as the
# lookup would, and a socket that opens there is found once the kept answer
# has aged. 7 ACKs of no connection (untracked: the lookup, not a SYN's) to
# the closed port 8099 are no socket's; 6 to nginx's port find its listener
# (the kernel resets them); 6 datagrams to the closed UDP port 9995 are no
# socket's, then a UDP service opens there and, 0.3 s later, its 5 are its own.
# (source ports from 41000 and 42000: none of the SYNs' above, whose connections rx_flows tracks)
ina hping3 -q -A -s 41000 -p 8099 -c 7 -i u10000 192.0.2.2 >/dev/null 2>&1
ina hping3 -q -A -s 42000 -p 8080 -c 6 -i u10000 192.0.2.2 >/dev/null 2>&1
ina /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(6):
    s.sendto(b"lost", ("192.0.2.2", 9995))'
rx_bg ip netns exec "$NB" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 9995))
n = 0
while True:
    s.recvfrom(2048)
    n += 1
    open("'"$tmp"'/late.n", "w").write(str(n))'
late_pid=$bg_pid
rx_until sh -c "ip netns exec $NB ss -Hlun 'sport = :9995' | grep -q ." || fail "the late UDP service did not start"
sleep 0.3
ina /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"late", ("192.0.2.2", 9995))'
late_got() { [ "$(cat "$tmp/late.n" 2>/dev/null)" = 5 ]; }
rx_until late_got || fail "the late UDP service got $(cat "$tmp/late.n" 2>/dev/null) of 5"
sleep 1.2
inb curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s3.json" || fail "/api/stats"
sockets=$(jq -c '.interfaces[0].sockets.nosocket' "$tmp/s3.json")
[ "$sockets" = '{"tcp":15,"udp":15}' ] ||
	fail "kept answers: nosocket $sockets, want tcp 15 (8 SYNs + 7 ACKs to 8099; none of the 6 ACKs to 8080), udp 15 (9 + the 6 before the service opened)"
check "$tmp/s3.json" "/api/stats, the late service" 9995 udp "$late_pid" python3
# No listener: the old connection's segment finds its socket, but no
# listener takes its port (bpf/sock.h rx_sock_listener), so that answer is
# not kept for the port: the 5 ACKs of no connection that follow it at once
# are no socket's (kept as found, they would count none).
touch "$tmp/old.go"
rx_until test -e "$tmp/old.done" || fail "the old connection's client did not send"
sleep 1.2
inb curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s4.json" || fail "/api/stats"
sockets=$(jq -c '.interfaces[0].sockets.nosocket' "$tmp/s4.json")
[ "$sockets" = '{"tcp":20,"udp":15}' ] ||
	fail "no listener: nosocket $sockets, want tcp 20 (15 + the 5 ACKs to 8096 after the old connection's segment), udp 15"

# An ephemeral port: a connected UDP socket of this host (a client's, on
# its ephemeral port) receives only its peer's datagrams. A stray datagram
# to that port finds no socket, but that answer is not kept (it would be
# wrong for the peer): the peer's answer 1 ms later is the client's.
cat >"$tmp/eph_srv.py" <<'EOF2'
import socket, sys, time
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("192.0.2.1", 7000))
stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
stray.bind(("192.0.2.1", 7001))
open(sys.argv[1] + "/eph.up", "w").close()
data, peer = srv.recvfrom(100)
stray.sendto(b"stray", peer)
time.sleep(0.001)
srv.sendto(b"answer", peer)
time.sleep(1)
EOF2
rx_bg ip netns exec "$NA" taskset -c 0 /usr/bin/python3 "$tmp/eph_srv.py" "$tmp"
rx_until test -e "$tmp/eph.up" || fail "the peer of the ephemeral port did not start"
eph=$(inb /usr/bin/python3 -c '
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect(("192.0.2.1", 7000))
c.send(b"ask")
print(c.getsockname()[1], c.recv(100).decode())') || fail "the connected UDP client got no answer"
[ "${eph#* }" = answer ] || fail "the connected UDP client got: $eph"
lo=$(inb cat /proc/sys/net/ipv4/ip_local_port_range | awk '{ print $1 }')
[ "${eph% *}" -ge "$lo" ] || fail "the client's port ${eph% *} is not ephemeral (from $lo)"
sleep 1.2
inb curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s5.json" || fail "/api/stats"
sockets=$(jq -c '.interfaces[0].sockets.nosocket' "$tmp/s5.json")
[ "$sockets" = '{"tcp":20,"udp":16}' ] ||
	fail "ephemeral port: nosocket $sockets, want tcp 20, udp 16 (15 + the stray datagram to port ${eph% *}, not its peer's answer)"

# A BPF sk_lookup program on the namespace may answer by peer: while one is
# attached, serve keeps no answer (rx_cfg.sock_keep 0 in its .bss, checked
# at every read of the counters), and keeps them again once it is gone.
sock_keep() {
	local prog map
	prog=$(inb bpftool -j net show dev "$IF" | jq '[.[0].tc[] | select(.name == "tc_ingress")][0].prog_id')
	for map in $(bpftool -j prog show id "$prog" | jq '.map_ids[]'); do
		[ "$(bpftool -j map show id "$map" | jq -r .name)" = rxray_bp.bss ] || continue
		bpftool -j map dump id "$map" | jq '.[0].formatted.value[".bss"][0].rx_cfg.sock_keep'
		return
	done
}
keep_is() { [ "$(sock_keep)" = "$1" ]; }
keep_becomes() { # WANT: within 5 s (serve reads its counters each second)
	local _
	for _ in $(seq 25); do
		keep_is "$1" && return 0
		sleep 0.2
	done
	return 1
}
keep_becomes 1 || fail "sock_keep $(sock_keep) before any sk_lookup program, want 1"
rx_bg ip netns exec "$NB" "$BUILD/tests/sklookup_hold" >"$tmp/sklookup.out" 2>&1
skl=$bg_pid
rx_until grep -q attached "$tmp/sklookup.out" || fail "sklookup_hold: $(cat "$tmp/sklookup.out")"
keep_becomes 0 || fail "sock_keep $(sock_keep) with an sk_lookup program attached, want 0"
traffic # (the program passes every lookup on: the services answer as before)
rx_stop "$skl"
keep_becomes 1 || fail "sock_keep $(sock_keep) once the sk_lookup program is gone, want 1"

# lookups off (RXRAY_NO_SOCKET_LOOKUP, serve stopped): no sockets counted, processes found by port
rx_stop "$serve_pid"
RXRAY_NO_SOCKET_LOOKUP=1 RXRAY_AGENT=$tmp/none ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 3 \
	--json >"$tmp/off.json" 2>"$tmp/off.err" &
st=$!
rx_until rx_tc_attached || fail "stats -i did not attach: $(cat "$tmp/off.err")"
traffic
ina /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(b"lost", ("192.0.2.2", 9998))'
wait $st || fail "stats -i, lookups off: $(cat "$tmp/off.err")"
got=$(jq -c '[.sockets, ([.services[] | select(.port == 9999)][0] | [.["process.pid"], .["process.found_by"]])]' "$tmp/off.json")
[ "$got" = "[{\"nosocket\":{\"tcp\":0,\"udp\":0},\"listen_full\":0},[$udp_pid,\"port\"]]" ] ||
	fail "lookups off: $got, want no sockets counted and 9999 found by port"
echo "nginx $nginx_pid, api $api_pid then $api2, udp $udp_pid: found by the kernel; nosocket tcp 8 udp 9, listen_full $overflows"
echo PASS

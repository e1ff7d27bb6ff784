#!/usr/bin/env bash
# The receiving process (issue 14, part 4): three servers in the lab's
# namespace, nginx on 8080, a Python API (scripts/demo_api.py) on 8081 and a
# UDP echo service on 9999, each get their packets (and a closed TCP port
# 8099 and UDP port 9998 get some too: their services rows say socket
# "none", no socket received them); the services and
# endpoints rows of serve's /api/stats and of `stats -i --json` carry the
# right process.pid and process.command, also after the API restarts on the
# same port with a new pid. The agent runs in the servers' namespace (as
# it must, to attach to its interface): the sockets are looked up there.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" xpl
rx_need nginx curl jq
export RXRAY_AGENT=$tmp/agent.sock
PORT=19481
rx_lab

rx_nginx_api_udp

rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$PORT --control "$RXRAY_AGENT" 2>"$tmp/serve.err"
rx_until rx_scrapes $PORT || fail "serve did not start: $(cat "$tmp/serve.err")"

traffic() {
	local i
	for i in 1 2 3; do
		ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:8080/ || fail "curl nginx"
		ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:8081/users/$i || fail "curl api"
	done
	ip netns exec "$NA" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(b"ping", ("192.0.2.2", 9999))
    s.recvfrom(100)
for i in range(3):  # and to a closed port: no socket receives these
    s.sendto(b"lost", ("192.0.2.2", 9998))' || fail "udp echo"
	# a closed TCP port: the SYN gets a RST, no socket receives it
	ip netns exec "$NA" curl -s -o /dev/null --max-time 2 http://192.0.2.2:8099/ && fail "8099 answered"
}

# check FILE WHAT PORT PROTO PID COMM: the services row and (TCP) the endpoints' rows
check() {
	local f=$1 what=$2 port=$3 proto=$4 pid=$5 comm=$6 got
	got=$(jq -c --argjson p "$port" --arg pr "$proto" \
		'[.. | objects | select(.port? == $p and .proto? == $pr)][0] | [.["process.pid"], .["process.command"], .["process.executable.name"]]' "$f")
	case $got in
	"[$pid,\"$comm\",\""*) ;;
	*) fail "$what: services $port/$proto: $got, want pid $pid comm $comm" ;;
	esac
	[ "$proto" = tcp ] || return 0
	got=$(jq -c --argjson p "$port" '[.. | objects | select(.["server.port"]? == $p) | .["process.pid"]] | unique' "$f")
	[ "$got" = "[$pid]" ] || fail "$what: endpoints of port $port: pids $got, want [$pid]"
}

traffic
sleep 1.2 # the agent's maps are read at most once a second
ip netns exec "$NB" curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s1.json" || fail "/api/stats"
check "$tmp/s1.json" "/api/stats" 8080 tcp "$nginx_pid" nginx
check "$tmp/s1.json" "/api/stats" 8081 tcp "$api_pid" python3
check "$tmp/s1.json" "/api/stats" 9999 udp "$udp_pid" python3
# the socket of each port: the closed ones' packets went to none
sockets=$(jq -c '[.interfaces[0].services[] | select(.port == 8080 or .port == 8099 or .port == 9998 or .port == 9999)
	| "\(.port)/\(.proto) \(.socket) \(.packets)"] | sort' "$tmp/s1.json")
case $sockets in
'["8080/tcp listening '*'","8099/tcp none '*'","9998/udp none 3","9999/udp bound 3"]') ;;
*) fail "sockets of the ports: $sockets" ;;
esac
jq -e '.interfaces[0].services[] | select(.port == 8099 or .port == 9998) | has("process.pid") | not' \
	"$tmp/s1.json" >/dev/null || fail "a closed port has a process"

# the API restarts on its port: a new pid
rx_api_restart
traffic
sleep 1.2 # a new socket: the process walk is at most once a second
ip netns exec "$NB" curl -sf "http://127.0.0.1:$PORT/api/stats" >"$tmp/s2.json" || fail "/api/stats"
check "$tmp/s2.json" "/api/stats after the restart" 8081 tcp "$api2" python3
check "$tmp/s2.json" "/api/stats after the restart" 8080 tcp "$nginx_pid" nginx

# stats -i (reading the agent) annotates in its own process, the same namespace
ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 2 --json >"$tmp/s3.json" 2>"$tmp/s3.err" &
st=$!
sleep 0.3
traffic
wait $st || fail "stats -i: $(cat "$tmp/s3.err")"
check "$tmp/s3.json" "stats -i" 8081 tcp "$api2" python3
check "$tmp/s3.json" "stats -i" 9999 udp "$udp_pid" python3
check "$tmp/s3.json" "stats -i" 8080 tcp "$nginx_pid" nginx
echo "nginx $nginx_pid, api $api_pid then $api2, udp $udp_pid: attributed in /api/stats and stats -i"
echo PASS

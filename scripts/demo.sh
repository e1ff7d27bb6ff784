#!/usr/bin/env bash
# rxray's self-contained demo: two network namespaces joined by a veth pair,
# a small JSON API in one, real clients in the other, and rxray watching the
# API's interface from XDP. Everything it creates is removed on exit.
#   scripts/demo.sh BUILD
# Every step is checked: the first one that fails, or that shows nothing
# where it must show traffic, ends the demo with one line on stderr,
#   demo: FAILED at "STEP": WHY
# and exit 1. A demo that prints empty tables and exits 0 proves nothing.
set -u -o pipefail
BUILD=${1:-build}
RXRAY=$BUILD/rxray
NS_SRV=rxdemo-srv NS_CLI=rxdemo-cli
IF_SRV=rxdemo0 IF_CLI=rxdemo1
SRV=192.0.2.10 CLI=192.0.2.20
pids=()
step="start"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces and attaches XDP)" >&2
	exit 1
fi
if [ ! -x "$RXRAY" ]; then
	echo "demo: FAILED at \"start\": $RXRAY is not built (make all)" >&2
	exit 1
fi
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del $NS_SRV 2>/dev/null
	ip netns del $NS_CLI 2>/dev/null
	rm -rf "$tmp"
}
tmp=$(mktemp -d)
trap cleanup EXIT
ip netns del $NS_SRV 2>/dev/null
ip netns del $NS_CLI 2>/dev/null

say() {
	step=$*
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
run() { printf '$ %s\n' "$*"; "$@"; }
# fail WHY: the one line that says which step failed and why; the EXIT trap
# removes what the demo created.
fail() {
	printf '\ndemo: FAILED at "%s": %s\n' "$step" "$*" >&2
	exit 1
}
# last_line FILE: the reason a command gave, for fail
last_line() { tail -n 1 "$1" 2>/dev/null | tr -d '\r'; }
# must WHAT CMD...: run CMD, its stderr kept aside; stop the demo if it fails
must() {
	local what=$1
	shift
	"$@" 2>"$tmp/must.err" || fail "$what (exit $?): $(last_line "$tmp/must.err")"
}
# started PID ERR WHAT: wait until a background rxray has attached its XDP
# program (and a moment more for TC); if it stops first, say why. Loading
# can take a while on a busy machine: the verifier walks every program.
started() {
	local _
	for _ in $(seq 600); do
		kill -0 "$1" 2>/dev/null || break
		if ip -n $NS_SRV link show $IF_SRV | grep -q 'prog/xdp'; then
			sleep 0.3
			kill -0 "$1" 2>/dev/null && return 0
			break
		fi
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && fail "$3 attached no XDP program within 60 s"
	wait "$1"
	fail "$3 stopped (exit $?): $(last_line "$2")"
}
# reaped PID: a background job that has ended leaves the list cleanup kills
reaped() {
	local p keep=()
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}
# stopped PID ERR WHAT: interrupt a background rxray and check it ended well
stopped() {
	kill -INT "$1" 2>/dev/null
	wait "$1" || fail "$3 ended with exit $?: $(last_line "$2")"
	reaped "$1"
}

step="the lab: namespaces $NS_SRV and $NS_CLI, veth $IF_SRV-$IF_CLI"
must "ip netns add" ip netns add $NS_SRV
must "ip netns add" ip netns add $NS_CLI
must "ip link add veth" ip link add $IF_SRV netns $NS_SRV type veth peer name $IF_CLI netns $NS_CLI
must "ip addr add" ip -n $NS_SRV addr add $SRV/24 dev $IF_SRV
must "ip addr add" ip -n $NS_CLI addr add $CLI/24 dev $IF_CLI
must "ip addr add" ip -n $NS_SRV addr add 2001:db8:d::10/64 dev $IF_SRV nodad
must "ip addr add" ip -n $NS_CLI addr add 2001:db8:d::20/64 dev $IF_CLI nodad
for ns in $NS_SRV $NS_CLI; do must "ip link set lo up" ip -n "$ns" link set lo up; done
must "ip link set up" ip -n $NS_SRV link set $IF_SRV up
must "ip link set up" ip -n $NS_CLI link set $IF_CLI up

say "A sample API on $SRV:8080 in namespace $NS_SRV; clients in $NS_CLI"
ip netns exec $NS_SRV /usr/bin/python3 scripts/demo_api.py $SRV 8080 2>"$tmp/api.err" &
api_pid=$!
pids+=("$api_pid")
for _ in $(seq 50); do
	ip netns exec $NS_CLI curl -s -o /dev/null --max-time 1 http://$SRV:8080/health && break
	kill -0 $api_pid 2>/dev/null || fail "the API stopped: $(last_line "$tmp/api.err")"
	sleep 0.1
done
must "the API does not answer on $SRV:8080" \
	ip netns exec $NS_CLI curl -sS -o /dev/null --max-time 2 http://$SRV:8080/health

say "rxray watch -i $IF_SRV: every packet arriving at the API's interface, decoded at XDP"
ip netns exec $NS_SRV "$RXRAY" watch -i $IF_SRV -w "$tmp/demo.pcap" >"$tmp/watch.txt" 2>"$tmp/watch.err" &
watch_pid=$!
pids+=("$watch_pid")
started $watch_pid "$tmp/watch.err" "rxray watch -i $IF_SRV"
must "ping $SRV" ip netns exec $NS_CLI ping -c 2 -i 0.2 -q $SRV >/dev/null
must "curl GET /users/42" ip netns exec $NS_CLI curl -sS -o /dev/null http://$SRV:8080/users/42
must "curl POST /orders" \
	ip netns exec $NS_CLI curl -sS -o /dev/null -X POST -d '{"item":7}' http://$SRV:8080/orders
ip netns exec $NS_CLI curl -s -o /dev/null "http://[2001:db8:d::10]:8080/health" --connect-timeout 2 ||
	true # the API listens on IPv4 only: the SYN still shows, answered by a RST
must "scapy sending QinQ and a fragment" ip netns exec $NS_CLI /usr/bin/python3 - "$IF_CLI" "$SRV" <<'PY'
import logging
import sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
# a crafted QinQ frame and a non-first IPv4 fragment, to show more layers
from scapy.all import Ether, Dot1Q, IP, UDP, DNS, DNSQR, Raw, sendp
iface, dst = sys.argv[1:3]
pkts = [Ether(dst="ff:ff:ff:ff:ff:ff", type=0x88a8) / Dot1Q(vlan=100, type=0x8100) / Dot1Q(vlan=200) /
        IP(src="198.51.100.7", dst=dst) / UDP(sport=5353, dport=53) / DNS(qd=DNSQR(qname="api.example")),
        Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="203.0.113.9", dst=dst, flags="MF", frag=185, proto=17) / Raw(b"x" * 64)]
sendp(pkts, iface=iface, verbose=False)
PY
sleep 1
stopped $watch_pid "$tmp/watch.err" "rxray watch -i $IF_SRV"
cat "$tmp/watch.txt" "$tmp/watch.err"
grep -q 'HTTP GET /users/42' "$tmp/watch.txt" ||
	fail "rxray watch showed no 'HTTP GET /users/42' packet ($(grep -c . "$tmp/watch.txt") lines shown)"
[ -s "$tmp/demo.pcap" ] || fail "rxray watch -w wrote no pcap"

say "The same traffic, every field of one packet (-v), read back from the pcap rxray wrote (-w)"
printf '$ %s\n' "$RXRAY watch -r demo.pcap -v -c 1 'tcp[tcpflags] & tcp-syn != 0'"
must "rxray watch -r -v" "$RXRAY" watch -r "$tmp/demo.pcap" -v -c 1 'tcp[tcpflags] & tcp-syn != 0' >"$tmp/out.txt"
cat "$tmp/out.txt"
grep -q 'tcp: srcport' "$tmp/out.txt" || fail "no TCP SYN in the pcap rxray wrote"

say "JSON lines (--json), keys named like tshark's fields"
printf '$ %s\n' "$RXRAY watch -r demo.pcap --json -c 1 'vlan and vlan and udp port 53' | jq ."
must "rxray watch -r --json" "$RXRAY" watch -r "$tmp/demo.pcap" --json -c 1 'vlan and vlan and udp port 53' >"$tmp/out.json"
must "jq on rxray's JSON" jq . "$tmp/out.json" >"$tmp/out.txt"
cat "$tmp/out.txt"
[ -s "$tmp/out.txt" ] || fail "no QinQ DNS query in the pcap rxray wrote"

say "Offline needs no privileges: the same datapath code runs natively on the pcap"
printf '$ setpriv --reuid=nobody %s\n' "$RXRAY watch -r demo.pcap 'icmp'"
chmod 755 "$tmp" && chmod 644 "$tmp/demo.pcap"
must "rxray watch -r as nobody" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$RXRAY" watch -r "$tmp/demo.pcap" icmp

say "The traffic picture of the same capture: protocols, talkers, services, TCP, sizes"
must "rxray stats -r" run "$RXRAY" stats -r "$tmp/demo.pcap" --top 3

say "The API from its packets: rxray requests -i $IF_SRV, an access log with no change to the service"
ip netns exec $NS_SRV "$RXRAY" requests -i $IF_SRV >"$tmp/requests.txt" 2>"$tmp/requests.err" &
req_pid=$!
pids+=("$req_pid")
started $req_pid "$tmp/requests.err" "rxray requests -i $IF_SRV"
sent=0
for u in /users/42 /users/7 "/users/9?token=not-shown" /d20 /d100 /error /nope; do
	must "curl GET $u" ip netns exec $NS_CLI curl -sS -o /dev/null -A "demo-client/1.0" "http://$SRV:8080$u"
	sent=$((sent + 1))
done
must "curl POST /orders" \
	ip netns exec $NS_CLI curl -sS -o /dev/null -X POST -d '{"item":7}' http://$SRV:8080/orders
sent=$((sent + 1))
sleep 0.5
stopped $req_pid "$tmp/requests.err" "rxray requests -i $IF_SRV"
cat "$tmp/requests.txt" "$tmp/requests.err"
shown=$(grep -c ' -> ' "$tmp/requests.txt")
why=$(last_line "$tmp/requests.err")
[ "$shown" -gt 0 ] || fail "the access log is empty: 0 of $sent requests shown${why:+ ($why)}"

say "Per endpoint, counted in the kernel: rxray stats -i $IF_SRV while wrk and curl load the API"
ip netns exec $NS_SRV "$RXRAY" stats -i $IF_SRV --duration 6 --top 3 >"$tmp/stats.txt" 2>"$tmp/stats.err" &
stats_pid=$!
pids+=("$stats_pid")
started $stats_pid "$tmp/stats.err" "rxray stats -i $IF_SRV"
ip netns exec $NS_CLI wrk -t 1 -c 4 -d 2s http://$SRV:8080/users/42 >"$tmp/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
for _ in $(seq 10); do
	for u in /d20 /d100 /error /users/1234; do
		must "curl GET $u" ip netns exec $NS_CLI curl -sS -o /dev/null "http://$SRV:8080$u"
	done
done
wait $wrk_pid || fail "wrk ended with exit $?: $(last_line "$tmp/wrk.txt")"
reaped $wrk_pid
wait $stats_pid || fail "rxray stats -i $IF_SRV ended with exit $?: $(last_line "$tmp/stats.err")"
reaped $stats_pid
sed -n '/^endpoints/,/^$/p' "$tmp/stats.txt" >"$tmp/endpoints.txt"
cat "$tmp/endpoints.txt"
grep -i '^http' "$tmp/stats.txt"
why=$(grep -m 1 '^lost:' "$tmp/stats.txt" || last_line "$tmp/stats.err")
grep -q '^  [0-9]' "$tmp/endpoints.txt" || fail "the endpoint table is empty${why:+ ($why)}"

echo
echo "Next: '$RXRAY COMMAND --help' (watch, requests, stats, top, serve, alerts, guard, explain); the tests with 'make test'."

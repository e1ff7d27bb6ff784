#!/usr/bin/env bash
# rxray's self-contained demo: two network namespaces joined by a veth pair,
# a small JSON API in one, real clients in the other, and rxray watching the
# API's interface from XDP. Everything it creates is removed on exit.
#   scripts/demo.sh BUILD
set -u
BUILD=${1:-build}
RXRAY=$BUILD/rxray
NS_SRV=rxdemo-srv NS_CLI=rxdemo-cli
IF_SRV=rxdemo0 IF_CLI=rxdemo1
SRV=192.0.2.10 CLI=192.0.2.20
pids=()

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces and attaches XDP)" >&2
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

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

ip netns add $NS_SRV && ip netns add $NS_CLI || exit 1
ip link add $IF_SRV netns $NS_SRV type veth peer name $IF_CLI netns $NS_CLI
ip -n $NS_SRV addr add $SRV/24 dev $IF_SRV
ip -n $NS_CLI addr add $CLI/24 dev $IF_CLI
ip -n $NS_SRV addr add 2001:db8:d::10/64 dev $IF_SRV nodad
ip -n $NS_CLI addr add 2001:db8:d::20/64 dev $IF_CLI nodad
for ns in $NS_SRV $NS_CLI; do ip -n $ns link set lo up; done
ip -n $NS_SRV link set $IF_SRV up
ip -n $NS_CLI link set $IF_CLI up

say "A sample API on $SRV:8080 in namespace $NS_SRV; clients in $NS_CLI"
ip netns exec $NS_SRV /usr/bin/python3 scripts/demo_api.py $SRV 8080 &
pids+=($!)
sleep 0.5

say "rxray watch -i $IF_SRV: every packet arriving at the API's interface, decoded at XDP"
ip netns exec $NS_SRV "$RXRAY" watch -i $IF_SRV -w "$tmp/demo.pcap" >"$tmp/watch.txt" 2>"$tmp/watch.err" &
watch_pid=$!
pids+=($watch_pid)
sleep 1
ip netns exec $NS_CLI ping -c 2 -i 0.2 -q $SRV >/dev/null
ip netns exec $NS_CLI curl -s -o /dev/null http://$SRV:8080/users/42
ip netns exec $NS_CLI curl -s -o /dev/null -X POST -d '{"item":7}' http://$SRV:8080/orders
ip netns exec $NS_CLI curl -s -o /dev/null "http://[2001:db8:d::10]:8080/health" --connect-timeout 2 ||
	true # the API listens on IPv4 only: the SYN still shows, answered by a RST
ip netns exec $NS_CLI /usr/bin/python3 - "$IF_CLI" "$SRV" <<'PY' 2>/dev/null
import sys
# a crafted QinQ frame and a non-first IPv4 fragment, to show more layers
from scapy.all import Ether, Dot1Q, IP, UDP, DNS, DNSQR, Raw, sendp
iface, dst = sys.argv[1:3]
pkts = [Ether(dst="ff:ff:ff:ff:ff:ff", type=0x88a8) / Dot1Q(vlan=100, type=0x8100) / Dot1Q(vlan=200) /
        IP(src="198.51.100.7", dst=dst) / UDP(sport=5353, dport=53) / DNS(qd=DNSQR(qname="api.example")),
        Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="203.0.113.9", dst=dst, flags="MF", frag=185, proto=17) / Raw(b"x" * 64)]
sendp(pkts, iface=iface, verbose=False)
PY
sleep 1
kill -INT $watch_pid
wait $watch_pid 2>/dev/null
cat "$tmp/watch.txt"
cat "$tmp/watch.err"

say "The same traffic, every field of one packet (-v), read back from the pcap rxray wrote (-w)"
printf '$ %s\n' "$RXRAY watch -r demo.pcap -v -c 1 'tcp[tcpflags] & tcp-syn != 0'"
"$RXRAY" watch -r "$tmp/demo.pcap" -v -c 1 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null

say "JSON lines (--json), keys named like tshark's fields"
printf '$ %s\n' "$RXRAY watch -r demo.pcap --json -c 1 'vlan and vlan and udp port 53' | jq ."
"$RXRAY" watch -r "$tmp/demo.pcap" --json -c 1 'vlan and vlan and udp port 53' 2>/dev/null | jq .

say "Offline needs no privileges: the same datapath code runs natively on the pcap"
printf '$ setpriv --reuid=nobody %s\n' "$RXRAY watch -r demo.pcap 'icmp'"
chmod 755 "$tmp" && chmod 644 "$tmp/demo.pcap"
setpriv --reuid=65534 --regid=65534 --clear-groups "$RXRAY" watch -r "$tmp/demo.pcap" icmp

say "The traffic picture of the same capture: protocols, talkers, services, TCP, sizes"
run "$RXRAY" stats -r "$tmp/demo.pcap" --top 3

say "The API from its packets: rxray requests -i $IF_SRV, an access log with no change to the service"
ip netns exec $NS_SRV "$RXRAY" requests -i $IF_SRV >"$tmp/requests.txt" 2>"$tmp/requests.err" &
req_pid=$!
pids+=($req_pid)
sleep 1
for u in /users/42 /users/7 "/users/9?token=not-shown" /d20 /d100 /error /nope; do
	ip netns exec $NS_CLI curl -s -o /dev/null -A "demo-client/1.0" "http://$SRV:8080$u"
done
ip netns exec $NS_CLI curl -s -o /dev/null -X POST -d '{"item":7}' http://$SRV:8080/orders
sleep 0.5
kill -INT $req_pid
wait $req_pid 2>/dev/null
cat "$tmp/requests.txt" "$tmp/requests.err"

say "Per endpoint, counted in the kernel: rxray stats -i $IF_SRV while wrk and curl load the API"
ip netns exec $NS_SRV "$RXRAY" stats -i $IF_SRV --duration 6 --top 3 >"$tmp/stats.txt" 2>"$tmp/stats.err" &
stats_pid=$!
pids+=($stats_pid)
sleep 1
ip netns exec $NS_CLI wrk -t 1 -c 4 -d 2s http://$SRV:8080/users/42 >/dev/null 2>&1 &
wrk_pid=$!
for _ in $(seq 10); do
	for u in /d20 /d100 /error /users/1234; do
		ip netns exec $NS_CLI curl -s -o /dev/null "http://$SRV:8080$u"
	done
done
wait $wrk_pid
wait $stats_pid 2>/dev/null
sed -n '/^endpoints/,/^$/p' "$tmp/stats.txt"
grep -i '^http' "$tmp/stats.txt"

echo
echo "Next: '$RXRAY COMMAND --help' (watch, requests, stats, top, serve); the tests with 'make test'."

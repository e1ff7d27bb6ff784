#!/usr/bin/env bash
# The clsact fallback (kernels without tcx): forced with RXRAY_FORCE_CLSACT,
# the TC programs attach as clsact filters, count the same handshakes, and
# are removed on exit.
set -u
BUILD=$1
RXRAY=$(cd "$BUILD" && pwd)/rxray
. tests/lib/netns.sh
rx_need_root
P=rxcl$$
IF=${P}b
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rx_lab_down $P
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
rx_lab_up $P || fail "lab setup"
ip netns exec $P-b /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080 &
pids+=($!)
for _ in $(seq 50); do ip netns exec $P-b ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done

RXRAY_FORCE_CLSACT=1 RXRAY_AGENT=$tmp/none ip netns exec $P-b "$RXRAY" stats -i $IF --duration 3 --json \
	>"$tmp/s.json" 2>"$tmp/s.err" &
st=$!
sleep 1
ip netns exec $P-b tc filter show dev $IF ingress | grep -q 'tc_ingress' || fail "no clsact ingress filter"
ip netns exec $P-b tc filter show dev $IF egress | grep -q 'tc_egress' || fail "no clsact egress filter"
for i in 1 2 3; do ip netns exec $P-a curl -sf -o /dev/null http://192.0.2.2:8080/users/$i || fail curl; done
wait $st || fail "stats exited $?: $(cat "$tmp/s.err")"
[ "$(jq '.tcp.handshakes' "$tmp/s.json")" = 3 ] || fail "handshakes: $(jq -c .tcp "$tmp/s.json")"
[ "$(jq '[.endpoints[] | select(.["http.route"] == "/users/{id}") | .count] | add' "$tmp/s.json")" = 3 ] ||
	fail "endpoints: $(jq -c .endpoints "$tmp/s.json")"
ip netns exec $P-b tc filter show dev $IF ingress | grep -q 'tc_ingress' && fail "clsact filter left behind"
echo PASS

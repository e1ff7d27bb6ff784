#!/usr/bin/env bash
# The clsact fallback (kernels without tcx): forced with RXRAY_FORCE_CLSACT,
# the TC programs attach as clsact filters, count the same handshakes, and
# are removed on exit.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxcl$$
rx_lab
rx_demo_api

RXRAY_FORCE_CLSACT=1 RXRAY_AGENT=$tmp/none ip netns exec $P-b "$RXRAY" stats -i $IF --duration 5 --json \
	>"$tmp/s.json" 2>"$tmp/s.err" &
st=$!
rx_until rx_tc_attached # (not a fixed sleep: a loaded machine's start took over 1 s)
ip netns exec $P-b tc filter show dev $IF ingress | grep -q 'tc_ingress' || fail "no clsact ingress filter"
ip netns exec $P-b tc filter show dev $IF egress | grep -q 'tc_egress' || fail "no clsact egress filter"
for i in 1 2 3; do ip netns exec $P-a curl -sf -o /dev/null http://192.0.2.2:8080/users/$i || fail curl; done
wait $st || fail "stats exited $?: $(cat "$tmp/s.err")"
[ "$(jq '.tcp.handshakes' "$tmp/s.json")" = 3 ] || fail "handshakes: $(jq -c .tcp "$tmp/s.json")"
[ "$(jq '[.endpoints[] | select(.["http.route"] == "/users/{id}") | .count] | add' "$tmp/s.json")" = 3 ] ||
	fail "endpoints: $(jq -c .endpoints "$tmp/s.json")"
ip netns exec $P-b tc filter show dev $IF ingress | grep -q 'tc_ingress' && fail "clsact filter left behind"
echo PASS

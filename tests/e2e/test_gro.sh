#!/usr/bin/env bash
# GRO super-packets count as their real number of segments: with GRO on the
# receiving veth, a bulk upload reaches TC as merged super-packets; rxray's
# gro_segments add up to the wire segments XDP counted (the rest arrived
# unmerged), and every super-packet stands for more than one segment.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxgr$$
rx_need ethtool
rx_lab
ip netns exec $P-b ethtool -K $IF gro on >/dev/null 2>&1 || { echo "cannot turn GRO on"; exit 77; }
rx_demo_api
head -c 3000000 /dev/zero >"$tmp/big"
RXRAY_AGENT=$tmp/none ip netns exec $P-b "$RXRAY" stats -i $IF --duration 3 --json >"$tmp/s.json" 2>"$tmp/s.err" &
st=$!
sleep 1
ip netns exec $P-a curl -sf -o /dev/null -X POST --data-binary @"$tmp/big" http://192.0.2.2:8080/orders || fail curl
wait $st || fail "stats: $(cat "$tmp/s.err")"
read -r seg gp gs < <(jq -r '.tcp | "\(.segments) \(.gro_packets) \(.gro_segments)"' "$tmp/s.json")
echo "XDP: $seg TCP segments on the wire; TC: $gp super-packets holding $gs segments"
[ "$gp" -gt 0 ] || fail "no GRO super-packet seen at TC"
[ "$gs" -ge $((2 * gp)) ] || fail "super-packets of fewer than 2 segments on average"
[ "$gs" -le "$seg" ] || fail "more merged segments ($gs) than wire segments ($seg)"
[ "$gs" -ge $((seg / 2)) ] || fail "the upload's segments were not counted through GRO ($gs of $seg)"
echo PASS

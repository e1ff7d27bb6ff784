#!/usr/bin/env bash
# GRO super-packets count as their real number of segments: with GRO on the
# receiving veth, a bulk upload reaches TC as merged super-packets; rxray's
# gro_segments add up to the wire segments XDP counted (the rest arrived
# unmerged), and every super-packet stands for more than one segment.
set -u
BUILD=$1
RXRAY=$(cd "$BUILD" && pwd)/rxray
. tests/lib/netns.sh
rx_need_root
command -v ethtool >/dev/null || { echo "ethtool missing"; exit 77; }
P=rxgr$$
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
ip netns exec $P-b ethtool -K $IF gro on >/dev/null 2>&1 || { echo "cannot turn GRO on"; exit 77; }
ip netns exec $P-b /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080 &
pids+=($!)
for _ in $(seq 50); do ip netns exec $P-b ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
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

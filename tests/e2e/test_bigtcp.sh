#!/usr/bin/env bash
# BIG TCP (IPv4, Linux 6.3+): with gro_ipv4_max_size raised on the receiving
# veth, GRO builds super-packets of more than 64 KiB whose IPv4 total length
# is 0 (tcpdump prints them "IP bad-len 0"). rxray infers their length as
# the kernel does: at TC they are TCP, never malformed_ipv4, their segments
# count, and the HTTP upload they carry is one transaction of its full size.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxbt$$
rx_need ethtool
ip link help 2>&1 | grep -q gro_ipv4_max_size ||
	{ echo "iproute2 cannot set gro_ipv4_max_size (6.3+ iproute2 needed)"; exit 77; }
rx_lab
ip netns exec $P-b ethtool -K $IF gro on >/dev/null 2>&1 || { echo "cannot turn GRO on"; exit 77; }
ip -n $P-b link set dev $IF gro_max_size 185000 gro_ipv4_max_size 185000 2>"$tmp/ip.err" ||
	{ echo "this kernel does not take gro_ipv4_max_size: $(cat "$tmp/ip.err")"; exit 77; }
# the sender's bursts must be as big: its GSO packets are what GRO merges back
ip -n $P-a link set dev ${P}a gso_max_size 185000 gso_ipv4_max_size 185000 2>/dev/null
rx_demo_api
head -c 8000000 /dev/zero >"$tmp/big"
# the kernel's own view: packets past 64 KiB after GRO (tcpdump taps after GRO)
rx_bg ip netns exec $P-b tcpdump -i $IF -s 96 -w "$tmp/t.pcap" -U --immediate-mode tcp port 8080 2>/dev/null
td=$bg_pid
RXRAY_AGENT=$tmp/none ip netns exec $P-b "$RXRAY" stats -i $IF --duration 6 --json >"$tmp/s.json" 2>"$tmp/s.err" &
st=$!
sleep 1.5
ip netns exec $P-a curl -sf -o /dev/null -X POST --data-binary @"$tmp/big" http://192.0.2.2:8080/orders || fail curl
wait $st || fail "stats: $(cat "$tmp/s.err")"
sleep 0.3
kill $td 2>/dev/null
wait $td 2>/dev/null
big=$(tshark -r "$tmp/t.pcap" -Y 'frame.len > 65535' 2>/dev/null | wc -l)
echo "tcpdump: $big packets past 64 KiB after GRO"
[ "$big" -gt 0 ] || { echo "GRO built no BIG TCP packet here (kernel or veth without it)"; exit 77; }
read -r seg gp gs < <(jq -r '.tcp | "\(.segments) \(.gro_packets) \(.gro_segments)"' "$tmp/s.json")
echo "XDP: $seg TCP segments on the wire; TC: $gp super-packets holding $gs segments"
[ "$gp" -gt 0 ] || fail "no GRO super-packet seen at TC"
# every wire segment of the upload reached TC as TCP, merged or not: none lost as malformed
[ "$gs" -ge $((seg * 9 / 10)) ] || fail "only $gs of $seg wire segments counted at TC"
n=$(jq '[.endpoints[]? | select(."http.route" == "/orders") | .count] | add // 0' "$tmp/s.json")
[ "$n" = 1 ] || fail "POST /orders: $n transactions, want 1 ($(jq -c "[.endpoints, .lost, .http]" "$tmp/s.json"))"
size=$(jq '[.endpoints[]? | select(."http.route" == "/orders") | ."http.request.body.size"] | add' "$tmp/s.json")
[ "$size" = 8000000 ] || fail "request body size $size, want 8000000"
echo PASS

#!/usr/bin/env bash
# Counters are exact: a generated pcap with known per-source and per-port
# counts, replayed across a veth pair, plus real wrk sessions, gives the
# same numbers in `stats -i --json` (through the agent), on /metrics, and
# in `stats -r` of the same pcap offline.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxsl
rx_need tcpreplay wrk
export RXRAY_AGENT=$tmp/agent.sock
rx_lab
mac=$(ip netns exec $P-b cat /sys/class/net/$IF/address)

# sources 198.51.100.1..6 send i*7 packets each, spread over ports 5000..5003 (UDP) and 80 (TCP)
"${PYTHON:-/usr/bin/python3}" "${0%/*}/../lib/known_pcap.py" "$tmp/known.pcap" "$mac"

rx_bg ip netns exec $P-b "$RXRAY" serve -i $IF --listen 127.0.0.1:19470 --control "$RXRAY_AGENT" 2>"$tmp/serve.err"
rx_until test -S "$RXRAY_AGENT"
rx_demo_api

# before the window: a slow request and a 20 ms one (the agent's lifetime min/max
# must not pass for the window's)
ip netns exec $P-a curl -s -o /dev/null -o /dev/null "http://192.0.2.2:8080/slow?ms=300" \
	http://192.0.2.2:8080/d20 || fail "curl before"
ip netns exec $P-b "$RXRAY" stats -i $IF --duration 6 --json --top 1000 >"$tmp/live.json" 2>"$tmp/live.err" &
stats_pid=$!
# the oracle for the HTTP connections: tcpdump sees each SYN to the server
rx_bg ip netns exec $P-b tcpdump -i $IF -nn -U -w "$tmp/syn.pcap" 'tcp dst port 8080 and tcp[tcpflags] & tcp-syn != 0' 2>/dev/null
tcpdump_pid=$bg_pid
sleep 0.5
ip netns exec $P-a tcpreplay -q -i ${P}a --pps 500 "$tmp/known.pcap" >/dev/null 2>&1 || fail "tcpreplay"
ip netns exec $P-a wrk -t 1 -c 3 -d 2s http://192.0.2.2:8080/health >"$tmp/wrk.txt" 2>&1 || fail "wrk"
ip netns exec $P-a curl -s -o /dev/null -o /dev/null -o /dev/null -o /dev/null "http://192.0.2.2:8080/slow?ms=10" \
	http://192.0.2.2:8080/d20 http://192.0.2.2:8080/d20 http://192.0.2.2:8080/d20 || fail "curl in the window"
wait $stats_pid || fail "stats -i: $(cat "$tmp/live.err")"
kill -INT $tcpdump_pid
wait $tcpdump_pid 2>/dev/null
conns=$(tcpdump -nn -r "$tmp/syn.pcap" 2>/dev/null | wc -l)
grep -q "reading the running agent" "$tmp/live.err" || fail "stats did not read the agent"
"$RXRAY" stats -r "$tmp/known.pcap" --json --top 1000 >"$tmp/offline.json" || fail "stats -r"
ip netns exec $P-b curl -sf http://127.0.0.1:19470/metrics >"$tmp/metrics" || fail "/metrics"

# the known sources and ports: offline, live and /metrics agree exactly
pick='[.talkers[] | select(.address | startswith("198.51.100.")) | {address, packets, bytes}] | sort_by(.address)'
jq -c "$pick" "$tmp/offline.json" >"$tmp/t.off"
jq -c "$pick" "$tmp/live.json" >"$tmp/t.live"
cmp -s "$tmp/t.off" "$tmp/t.live" || fail "talkers: offline $(cat "$tmp/t.off") live $(cat "$tmp/t.live")"
[ "$(jq 'length' "$tmp/t.off")" = 6 ] || fail "offline talkers: $(cat "$tmp/t.off")"
[ "$(jq '.[5].packets' "$tmp/t.off")" = 42 ] || fail "198.51.100.6 sent 42 packets"
svc='[.services[] | select(.port >= 5000 and .port <= 5003) | {port, proto, packets, bytes}] | sort_by(.port)'
jq -c "$svc" "$tmp/offline.json" >"$tmp/s.off"
jq -c "$svc" "$tmp/live.json" >"$tmp/s.live"
cmp -s "$tmp/s.off" "$tmp/s.live" || fail "services: offline $(cat "$tmp/s.off") live $(cat "$tmp/s.live")"
for i in 1 2 3 4 5 6; do
	want=$(jq --arg a "198.51.100.$i" '.talkers[] | select(.address == $a) | .packets' "$tmp/offline.json")
	got=$(awk -v a="198.51.100.$i" -v I=$IF '$1 == "rxray_talker_packets_total{interface=\"" I "\",address=\"" a "\"}" {print $2}' "$tmp/metrics")
	[ "$got" = "$want" ] || fail "/metrics 198.51.100.$i: $got, sent $want"
done
syn_off=$(jq '.tcp.syn' "$tmp/offline.json")
# every wrk connection (wrk -c 3 opens 4: one to probe) is one handshake; the
# replayed SYNs to port 80 (from unroutable sources: never answered) complete none
hs=$(jq '.tcp.handshakes' "$tmp/live.json")
[ "$conns" -ge 3 ] && [ "$hs" = "$conns" ] || fail "handshakes in the window: $hs, tcpdump saw $conns connections"
syn=$(jq '.tcp.syn' "$tmp/live.json")
[ "$syn" = $((syn_off + conns)) ] || fail "SYNs in the window: $syn, want $syn_off replayed + $conns from wrk"
# the window's durations: one 10 ms /slow (not the 300 ms before it), three /d20
jq -e '.endpoints[] | select(.["http.route"] == "/slow") | .count == 1 and .duration_s.max < 0.05 and
	.duration_s.max == .duration_s.min and .duration_s.minmax_exact and
	.duration_s.p50 >= 0.010 and .duration_s.p50 < 0.05' "$tmp/live.json" >/dev/null ||
	fail "window /slow: $(jq -c '.endpoints[] | select(.["http.route"] == "/slow")' "$tmp/live.json")"
jq -e '.endpoints[] | select(.["http.route"] == "/d20") | .count == 3 and .duration_s.max <= 0.026 and
	.duration_s.p50 >= 0.018 and .duration_s.p50 <= 0.022' "$tmp/live.json" >/dev/null ||
	fail "window /d20: $(jq -c '.endpoints[] | select(.["http.route"] == "/d20")' "$tmp/live.json")"
echo "talkers, services and /metrics agree; $syn_off replayed SYNs; wrk: $hs handshakes = $conns connections"
echo PASS

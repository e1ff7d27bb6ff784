#!/usr/bin/env bash
# stats -i IFACE FILTER: only what the FILTER matches is counted, live as
# offline. A generated pcap (198.51.100.1..6 send i*7 packets each, UDP to
# ports 5000..5003 and TCP SYNs to port 80) is replayed across a veth while
# `stats -i --json FILTER` runs; its packets, talkers and services equal
# those of `stats -r` on the same pcap with the same FILTER, and differ from
# the unfiltered ones (so the filter did something). And requests -i FILTER:
# with 'tcp port 8080 and host 192.0.2.1' the 3 requests curl sends to the
# demo API are shown; with 'port 9999' none is, though all are seen.
#   bash tests/e2e/test_stats_filter.sh BUILD
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxpipe
rx_need tcpreplay jq bpftool curl
rx_lab
mac=$(ip netns exec "$NB" cat "/sys/class/net/$IF/address")

"${PYTHON:-/usr/bin/python3}" "${0%/*}/../lib/known_pcap.py" "$tmp/known.pcap" "$mac"

FILTER='src net 198.51.100.0/24 and (udp dst port 5001 or tcp)'
# shellcheck disable=SC2086 # the filter's words
rx_bg ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 4 --json --top 100 $FILTER \
	>"$tmp/live.json" 2>"$tmp/live.err"
stats_pid=$bg_pid
rx_until rx_xdp_attached || fail "stats -i FILTER did not attach: $(cat "$tmp/live.err")"
sleep 1 # (a veth's XDP sets up its peer's NAPI: the first frames after the attach may be lost)
ip netns exec "$NA" tcpreplay -q -i "${P}a" --pps 500 "$tmp/known.pcap" >/dev/null 2>&1 || fail "tcpreplay"
wait "$stats_pid" || fail "stats -i FILTER: $(cat "$tmp/live.err")"
# shellcheck disable=SC2086 # the filter's words
"$RXRAY" stats -r "$tmp/known.pcap" --json --top 100 $FILTER >"$tmp/off.json" || fail "stats -r FILTER"
"$RXRAY" stats -r "$tmp/known.pcap" --json --top 100 >"$tmp/all.json" || fail "stats -r"

pick='{packets, bytes, talkers: [.talkers[] | {address, packets, bytes}] | sort_by(.address),
       services: [.services[] | {port, proto, packets, bytes}] | sort_by(.port, .proto)}'
jq -c "$pick" "$tmp/off.json" >"$tmp/off"
jq -c "$pick" "$tmp/live.json" >"$tmp/live"
jq -c "$pick" "$tmp/all.json" >"$tmp/all"
cmp -s "$tmp/off" "$tmp/live" || fail "live FILTER counts differ from offline: offline $(cat "$tmp/off") live $(cat "$tmp/live")"
cmp -s "$tmp/off" "$tmp/all" && fail "the FILTER changed nothing: $(cat "$tmp/off")"
n=$(jq .packets "$tmp/off.json")
[ "$n" -gt 0 ] || fail "no packet matched offline"
jq -e '.lost.records == 0' "$tmp/live.json" >/dev/null || fail "capture records lost: $(jq -c .lost "$tmp/live.json")"
# requests -i FILTER (live): the filter decides per transaction
rx_demo_api
live_requests() { # live_requests NAME FILTER...: 3 requests to the API under requests -i FILTER
	local name=$1 pid
	shift
	ip netns exec "$NB" "$RXRAY" requests -i "$IF" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	# attached: the TC programs on the veth (both directions make a transaction)
	rx_wait_tc_egress 100 0.05
	sleep 0.3
	ip netns exec "$NA" curl -s -o /dev/null -o /dev/null -o /dev/null http://192.0.2.2:8080/users/1 \
		http://192.0.2.2:8080/users/2 http://192.0.2.2:8080/health || fail "$name: curl"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid" || fail "$name: requests -i exited $?: $(cat "$tmp/$name.err")"
}
live_requests match tcp port 8080 and host 192.0.2.1
[ "$(wc -l <"$tmp/match.out")" -eq 3 ] || fail "requests -i 'tcp port 8080 and host 192.0.2.1': $(wc -l <"$tmp/match.out") lines, want 3: $(cat "$tmp/match.out" "$tmp/match.err")"
live_requests none port 9999
[ -s "$tmp/none.out" ] && fail "requests -i 'port 9999' showed: $(cat "$tmp/none.out")"
grep -q '^0 transactions shown; 3 requests seen' "$tmp/none.err" ||
	fail "requests -i 'port 9999': $(cat "$tmp/none.err")"

rx_end "ok: requests -i FILTER shows 3 of 3 and 0 of 3; stats -i FILTER counted $n packets, the same talkers and services as stats -r FILTER ($(jq .packets "$tmp/all.json") unfiltered)"

#!/usr/bin/env bash
# HTTP transactions from packets, live and offline:
# - latency truth: endpoints answering after 0, 20 and 100 ms; rxray's
#   per-route p50 is within 10% (or 1 ms) of the delay, counts and errors exact;
# - against tshark: on a capture of the same traffic, `requests -r` gives
#   the method, status and duration (http.time) of every transaction tshark sees;
# - RED metrics: `stats -r` endpoints agree with the transactions.
set -u
BUILD=$1
RXRAY=$(cd "$BUILD" && pwd)/rxray
. tests/lib/netns.sh
rx_need_root
P=rxht
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
keep() { cp "$tmp"/*.json "$tmp"/*.err /tmp/rxht-debug/ 2>/dev/null; }
fail() { echo "FAIL: $*"; mkdir -p /tmp/rxht-debug; keep; exit 1; }
rx_lab_up $P || fail "lab setup"

ip netns exec $P-b /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080 &
pids+=($!)
for _ in $(seq 50); do ip netns exec $P-b ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
ip netns exec $P-b "$RXRAY" requests -i $IF --json >"$tmp/live.json" 2>"$tmp/live.err" &
req_pid=$!
pids+=($req_pid)
ip netns exec $P-b tcpdump -i $IF -nn -U -w "$tmp/cap.pcap" 'tcp port 8080' 2>/dev/null &
td_pid=$!
pids+=($td_pid)
sleep 1.5

N=15 E=7
urls=()
for _ in $(seq $N); do
	for d in d0 d20 d100; do urls+=(-o /dev/null http://192.0.2.2:8080/$d); done
done
# one keep-alive connection for all of them, then the errors on another
ip netns exec $P-a curl -s "${urls[@]}" || fail "curl"
errs=()
for _ in $(seq $E); do errs+=(-o /dev/null http://192.0.2.2:8080/error); done
ip netns exec $P-a curl -s "${errs[@]}"
sleep 0.5
kill -INT $req_pid $td_pid
wait $req_pid || fail "requests -i exited $?: $(cat "$tmp/live.err")"
wait $td_pid 2>/dev/null

check_routes() { # FILE WHERE
	local f=$1 w=$2 route n want p50 delay
	for route in /d0 /d20 /d100 /error; do
		n=$(jq -s --arg r $route '[.[] | select(.["http.route"] == $r)] | length' "$f")
		want=$N
		[ $route = /error ] && want=$E
		[ "$n" = "$want" ] || fail "$w: $route: $n transactions, sent $want"
	done
	[ "$(jq -s '[.[] | select(.["http.response.status_code"] == 500)] | length' "$f")" = $E ] ||
		fail "$w: 500s"
	for delay in 0 20 100; do
		p50=$(jq -s --arg r /d$delay '[.[] | select(.["http.route"] == $r) | .duration_s] | sort | .[length/2|floor]' "$f")
		awk -v p="$p50" -v d=$delay 'BEGIN { e = p * 1000 - d; if (e < 0) e = -e;
			tol = d * 0.10; if (tol < 1) tol = 1; exit !(e <= tol) }' ||
			fail "$w: /d$delay p50 $p50 s, configured $delay ms"
		echo "$w: /d$delay p50 $(awk -v p="$p50" 'BEGIN{printf "%.2f", p*1000}') ms (configured $delay)"
	done
}
check_routes "$tmp/live.json" live

# offline on the capture: the same transactions, and tshark agrees on each
"$RXRAY" requests -r "$tmp/cap.pcap" --json >"$tmp/off.json" 2>/dev/null || fail "requests -r"
check_routes "$tmp/off.json" offline
tshark -r "$tmp/cap.pcap" -o tcp.desegment_tcp_streams:FALSE -o http.desegment_headers:FALSE \
	-o http.desegment_body:FALSE -Y 'http.response' -T fields -e http.response.code -e http.time \
	-e http.request_in 2>/dev/null >"$tmp/tshark.txt"
n_ts=$(wc -l <"$tmp/tshark.txt")
n_rx=$(wc -l <"$tmp/off.json")
[ "$n_ts" = "$n_rx" ] && [ "$n_rx" = $((3 * N + E)) ] || fail "transactions: tshark $n_ts, rxray $n_rx"
paste <(jq -r '"\(.["http.response.status_code"]) \(.duration_s)"' "$tmp/off.json") "$tmp/tshark.txt" |
	awk '{ if ($1 != $3) { print "status " $1 " != " $3; bad = 1 }
	       d = $2 - $4; if (d < 0) d = -d; if (d > 0.000002) { print "duration " $2 " != http.time " $4; bad = 1 } }
	     END { exit bad }' || fail "rxray and tshark disagree"
echo "tshark: $n_ts responses, status and http.time agree"

# RED metrics from the same capture
"$RXRAY" stats -r "$tmp/cap.pcap" --json >"$tmp/stats.json" || fail "stats -r"
jq -e --argjson n $N '.endpoints[] | select(.["http.route"] == "/d20") | .count == $n and .errors == 0' \
	"$tmp/stats.json" >/dev/null || fail "stats endpoint /d20: $(jq -c '.endpoints' "$tmp/stats.json")"
jq -e --argjson e $E '.endpoints[] | select(.["http.route"] == "/error") | .errors == $e and .status["500"] == $e' \
	"$tmp/stats.json" >/dev/null || fail "stats endpoint /error"
echo PASS

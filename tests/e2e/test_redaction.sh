#!/usr/bin/env bash
# Secrets never leave the kernel by default: requests carrying unique canary
# values in Authorization, Cookie and the query string; none of the canaries
# appears in any output (line, -v, --json, the -w pcap, /metrics, stderr),
# while the request itself is seen (method, path, Host).
set -u
BUILD=$1
RXRAY=$(cd "$BUILD" && pwd)/rxray
. tests/lib/netns.sh
rx_need_root
P=rxrd
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
C1=canaryQ$RANDOM$RANDOM C2=canaryA$RANDOM$RANDOM C3=canaryC$RANDOM$RANDOM

ip netns exec $P-b /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080 &
pids+=($!)
for _ in $(seq 50); do ip netns exec $P-b ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
ip netns exec $P-b "$RXRAY" serve -i lo --listen 127.0.0.1:19471 --control "$tmp/agent.sock" 2>"$tmp/serve.err" &
pids+=($!)
# one XDP program per interface: the three views one after the other, live
for v in json line verbose; do
	case $v in json) o=--json ;; verbose) o=-v ;; *) o= ;; esac
	ip netns exec $P-b "$RXRAY" watch -i $IF $o -w "$tmp/$v.pcap" 'tcp port 8080' >"$tmp/$v.out" 2>"$tmp/$v.err" &
	watch_pid=$!
	pids+=($watch_pid)
	sleep 1
	for i in 1 2; do
		ip netns exec $P-a curl -sf -o /dev/null -H "Authorization: Bearer $C2" -H "Cookie: session=$C3" \
			"http://192.0.2.2:8080/users/$i?access_token=$C1&page=2" || fail "curl"
	done
	sleep 0.5
	kill -INT $watch_pid
	wait $watch_pid || fail "watch $v exited $?"
done
"$RXRAY" watch -r "$tmp/json.pcap" -v >"$tmp/offline.out" 2>"$tmp/offline.err"
ip netns exec $P-b curl -sf http://127.0.0.1:19471/metrics >"$tmp/metrics" || fail "/metrics"

grep -q '"uri":"/users/1"' "$tmp/json.out" || fail "the request was not seen: $(head -c 600 "$tmp/json.out")"
grep -q '"host":"192.0.2.2:8080"' "$tmp/json.out" || fail "Host not seen"
grep -q 'HTTP GET /users/2?... HTTP/1.1 host 192.0.2.2:8080' "$tmp/line.out" || fail "line view: $(head -3 "$tmp/line.out")"
grep -q 'uri /users/1 (query string not kept)' "$tmp/verbose.out" || fail "-v view"
# every byte rxray wrote anywhere, pcaps included (binary-safe search)
for f in "$tmp"/*.out "$tmp"/*.err "$tmp"/*.pcap "$tmp/metrics"; do
	for c in $C1 $C2 $C3; do
		grep -aq "$c" "$f" && fail "canary $c found in $(basename "$f")"
	done
done
echo "no canary in $(ls "$tmp" | wc -l) outputs; requests seen"
echo PASS

#!/usr/bin/env bash
# `rxray requests` against tshark, per transaction, on a real server:
#   bash tests/e2e/test_http_nginx_oracle.sh BUILD
#
# nginx (its own config in a temp dir, 192.0.2.2:8080, one worker) runs in
# ns b; `rxray requests -i --json` runs live on b's veth while tcpdump
# captures the same interface. Traffic: a handful of curl requests
# (different paths, a query string with a canary, a custom User-Agent, a
# 404, HTTP/1.0, HEAD), then `wrk -t2 -c8 -d1s` with a User-Agent of its
# own and a Lua script asking for random /items/<n>. Asserted:
#
#   (a) offline: `requests -r` on the capture agrees with tshark, transaction
#       by transaction (tests/lib/http_oracle.py: method, url.path, version,
#       User-Agent, status, duration_s = http.time), and on the count;
#   (b) live: `requests -i` gave as many transactions as the capture (or,
#       when it reports transaction records lost, exactly that many fewer),
#       with the same multiset of (method, url.path, status) (when a side
#       reports transactions without their path, what it says is allowed
#       for: those are absent from (a) anyway);
#   (c) the query-string canary appears in no output of rxray.
# A disagreement with tshark fails the test after (b) and (c) have run.
# tcpdump must drop nothing, or the capture is no reference. About 10 s
# (wrk's ~50,000 transactions; tshark reads the capture in ~4 s).
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
PY=${PYTHON:-/usr/bin/python3}
rx_begin "${1:-}" rxto$(($$ % 10000))
rx_need nginx wrk jq tshark tcpdump curl
URL=http://192.0.2.2:8080
CANARY=canaryT$RANDOM$RANDOM
export RXRAY_AGENT=$tmp/no-agent.sock
rx_keep_on_fail /tmp/rxto-nginx-debug '*.json' '*.err' '*.txt' '*.pcap'
rx_lab

rx_nginx <<EOF
	access_log off;
	server {
		listen 192.0.2.2:8080;
		default_type text/plain;
		location = /hello { return 200 "hello\n"; }
		location /items/ { return 200 "ok\n"; }
		location = /api/users { default_type application/json; return 200 '{"users":[1,2]}'; }
		location / { return 404; }
	}
EOF

rx_bg ip netns exec $P-b "$RXRAY" requests -i $IF --json >"$tmp/live.json" 2>"$tmp/live.err"
req_pid=$bg_pid
# immediate mode: a signal never leaves packets behind in an unretired
# block; its ring has one slot per snaplen, so a snaplen well above the
# largest frame here (all are under 1,500 bytes) and not the default 256 KiB
rx_bg ip netns exec $P-b tcpdump -i $IF -nn --immediate-mode -s 4096 -B 65536 -w "$tmp/cap.pcap" \
	'tcp port 8080' 2>"$tmp/tcpdump.err"
td_pid=$bg_pid
rx_until rx_tc_attached || rx_until rx_tc_attached ||
	fail "requests -i did not start: $(cat "$tmp/live.err")"
rx_until rx_capturing "$tmp/tcpdump.err" || fail "tcpdump: $(cat "$tmp/tcpdump.err")"

c() { ip netns exec $P-a curl -s -o /dev/null -w '%{http_code}\n' "$@" >>"$tmp/curl.txt" || fail "curl $*"; }
c $URL/hello
c -A "oracle-curl/1.0 (test)" $URL/api/users -o /dev/null "$URL/items/7?token=$CANARY&page=2" \
	-o /dev/null $URL/items/8
c $URL/missing/page
c -0 $URL/hello
c -I $URL/api/users
c -H 'User-Agent:' $URL/items/9
c -X POST -d 'a=1' $URL/hello
[ "$(grep -c . "$tmp/curl.txt")" = 9 ] && grep -q 404 "$tmp/curl.txt" || fail "curl: $(paste -sd ' ' "$tmp/curl.txt")"

cat >"$tmp/items.lua" <<'EOF'
math.randomseed(os.time())
request = function()
	return wrk.format("GET", "/items/" .. math.random(1, 1000000))
end
EOF
ip netns exec $P-a wrk -t2 -c8 -d1s -H 'User-Agent: wrk-oracle' -s "$tmp/items.lua" $URL/ \
	>"$tmp/wrk.txt" 2>&1 || fail "wrk: $(cat "$tmp/wrk.txt")"
sleep 0.5
kill -INT $req_pid $td_pid
wait $req_pid || fail "requests -i exited $?: $(cat "$tmp/live.err")"
wait $td_pid 2>/dev/null
dropped=$(awk '/dropped by kernel/ { print $1 }' "$tmp/tcpdump.err")
[ "$dropped" = 0 ] || fail "tcpdump dropped ${dropped:-?} packets: the capture is no reference ($(cat "$tmp/tcpdump.err"))"
echo "wrk: $(grep 'requests in' "$tmp/wrk.txt")"
echo "live: $(cat "$tmp/live.err")"

# (a) offline vs tshark
"$RXRAY" requests -r "$tmp/cap.pcap" --json >"$tmp/off.json" 2>"$tmp/off.err" || fail "requests -r: $(cat "$tmp/off.err")"
echo "offline: $(cat "$tmp/off.err")"
t0=$(date +%s.%N)
# a disagreement fails the test at the end, after (b) and (c) have run too
oracle_fail=
"$PY" tests/lib/http_oracle.py "$tmp/cap.pcap" "$tmp/off.json" >"$tmp/oracle.txt" 2>&1 ||
	oracle_fail="$(cat "$tmp/oracle.txt") [requests -r: $(cat "$tmp/off.err")]"
cat "$tmp/oracle.txt"
echo "oracle took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
n_off=$(grep -c . "$tmp/off.json")
[ "$n_off" -gt 1000 ] || fail "only $n_off transactions: wrk did not run at speed"
[ "$(grep -c '"user_agent.original":"wrk-oracle"' "$tmp/off.json")" -gt 1000 ] ||
	fail "wrk's User-Agent not in the transactions"
jq -e -s 'any(.[]; .["url.path"] == "/missing/page" and .["http.response.status_code"] == 404)' \
	"$tmp/off.json" >/dev/null || fail "the 404 is missing"

# (b) live vs offline: the count, less what live says it lost; the same
# (method, url.path, status) multiset ("?" for a path rxray did not join)
n_live=$(grep -c . "$tmp/live.json")
summary='s/.* \([0-9]*\) records lost; \([0-9]*\) without their path.*/\1 \2/p'
read -r lost nopath <<<"$(sed -n "$summary" "$tmp/live.err")"
read -r _ off_nopath <<<"$(sed -n "$summary" "$tmp/off.err")"
[ -n "$lost" ] && [ -n "$off_nopath" ] || fail "no summary line from requests: $(cat "$tmp/live.err" "$tmp/off.err")"
[ $((n_off - n_live)) = "$lost" ] ||
	fail "live $n_live transactions, offline $n_off, live reports $lost records lost"
key='[.["http.request.method"], .["url.path"] // "?", .["http.response.status_code"]] | @tsv'
jq -r "$key" "$tmp/live.json" | sort >"$tmp/live.txt"
jq -r "$key" "$tmp/off.json" | sort >"$tmp/off.txt"
if [ "$lost" = 0 ] && [ "$nopath" = 0 ] && [ "$off_nopath" = 0 ]; then
	cmp -s "$tmp/live.txt" "$tmp/off.txt" ||
		fail "live and offline (method, path, status) differ: $(diff "$tmp/live.txt" "$tmp/off.txt" | head -5 | paste -sd ' ')"
else
	# every live transaction is one of the capture's, its path unknown on
	# one side or the other at most as often as rxray says
	n=$(grep -v "	?	" "$tmp/live.txt" | comm -23 - "$tmp/off.txt" | grep -c .)
	[ "$n" -le "$off_nopath" ] || fail "live transactions not in the capture:" \
		"$(grep -v "	?	" "$tmp/live.txt" | comm -23 - "$tmp/off.txt" | head -3 | paste -sd ' ')"
	extra=$(cut -f1,3 "$tmp/live.txt" | sort | comm -23 - <(cut -f1,3 "$tmp/off.txt" | sort) | head -3)
	[ -z "$extra" ] || fail "live (method, status) not in the capture: $extra"
	[ "$(grep -c "	?	" "$tmp/live.txt")" = "$nopath" ] || fail "live: $nopath without their path, not as many absent"
fi
echo "live: $n_live transactions, offline $n_off (live lost $lost; without their path: live $nopath," \
	"offline $off_nopath), (method, path, status) agree"

# (c) the query string never leaves the kernel
grep -aq "$CANARY" "$tmp/cap.pcap" || fail "the canary is not even on the wire"
! grep -q "$CANARY" "$tmp/live.json" "$tmp/live.err" "$tmp/off.json" "$tmp/off.err" || fail "the canary leaked"
[ -z "$oracle_fail" ] || fail "$oracle_fail"
echo PASS

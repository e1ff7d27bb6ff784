#!/usr/bin/env bash
# HTTP transactions under load, against a real server's own log:
#   bash tests/e2e/test_http_load.sh BUILD
#
# nginx (its own config in a temp dir: 192.0.2.2:8080, keep-alive, one
# worker, an access log line per response) runs in ns b; `rxray stats -i`
# runs standalone on b's veth (its TC programs pair requests and responses)
# for a window that covers all the traffic: wrk -t 2 -c 16 -d 5s at full
# speed against two 200 locations, then wrk -t 1 -c 4 -d 1s against the 500
# one. nginx closes the connection after every 500 (and after 1,000 requests
# on one connection), so the second run is ~25,000 short connections whose
# client ports, hence whole 4-tuples, come back while the server's old
# socket is in TIME_WAIT: connection turnover, not only keep-alive. wrk
# closes its connections when it ends, so none stays open past the window.
# Asserted, for the whole window:
#
#   * the log is this run's: per phase, nginx logged what wrk completed plus
#     at most the requests in flight when wrk stopped;
#   * completeness: sum(endpoints[].count) + the transactions rxray says it
#     lost = nginx's access log lines, exactly (see LOSS below), and the
#     losses are few (at most 2 per connection);
#   * errors: the endpoints' errors = the 500 lines in the log, and the
#     500s are all on /error;
#   * per route: each route's count + the losses covers its lines;
#   * .http.requests (request start lines seen) = the log lines: every
#     request nginx answered was recognised on the wire.
#
# LOSS. A transaction nginx logged but rxray did not count shows up as one
# of: http_expired (its request was seen, its response never paired: the
# connection ended first, or the server's stream had a gap), endpoints_overflow
# (paired, but no endpoint slot left), http_pipe_full (its request did not
# fit the 16-deep queue; wrk does not pipeline, so never here). txn_lost is
# not one: it counts streamed records (`rxray requests`), not the metrics.
# http_unmatched (a response with no request waiting) must be 0: it would
# mean a request not seen (excluded: requests seen = log lines) or one given
# up before its response came and then a response counted nowhere, i.e. a
# 500 missing from errors. wrk ends by exiting, after the responses to its
# last requests left nginx, so no FIN overtakes a response here.
# Takes about 15 s.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
# a prefix of its own: two runs of this test at once must not share a lab
rx_begin "${1:-}" rxhl$(($$ % 10000))
rx_need nginx wrk jq
URL=http://192.0.2.2:8080
WINDOW=12
# standalone: never read a running agent's counters
export RXRAY_AGENT=$tmp/no-agent.sock
rx_keep_on_fail /tmp/rxhl-debug '*.json' '*.log' '*.txt' '*.err'
rx_lab

rx_nginx <<EOF
	log_format rx '\$status \$uri \$connection \$connection_requests \$remote_port';
	access_log $tmp/access.log rx;
	server {
		listen 192.0.2.2:8080;
		location = /hello { default_type text/plain; return 200 "hello\n"; }
		location = /api/items { default_type application/json; return 200 '{"items":[1,2,3]}'; }
		location = /error { return 500; }
	}
EOF

rx_bg ip netns exec $P-b "$RXRAY" stats -i $IF --duration $WINDOW --json --top 5 >"$tmp/stats.json" 2>"$tmp/stats.err"
stats_pid=$bg_pid
rx_until rx_tc_attached || rx_until rx_tc_attached ||
	fail "stats -i: TC programs not attached after 10 s: $(cat "$tmp/stats.err")"

# wrk: two routes at full speed (a Lua script alternates them), then the 500s
cat >"$tmp/two.lua" <<'EOF'
local n = 0
request = function()
	n = n + 1
	if n % 2 == 0 then return wrk.format("GET", "/api/items") end
	return wrk.format("GET", "/hello")
end
EOF
t0=$(date +%s.%N)
ip netns exec $P-a wrk -t 2 -c 16 -d 5s -s "$tmp/two.lua" $URL/ >"$tmp/wrk.txt" 2>&1 || fail "wrk: $(cat "$tmp/wrk.txt")"
ip netns exec $P-a wrk -t 1 -c 4 -d 1s $URL/error >"$tmp/wrk500.txt" 2>&1 || fail "wrk /error: $(cat "$tmp/wrk500.txt")"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v w=$WINDOW 'BEGIN { exit !(b - a < w - 2) }' ||
	fail "wrk took $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}') s, more than the window allows"
wait $stats_pid || fail "stats -i exited $?: $(cat "$tmp/stats.err")"
grep -q "reading the running agent" "$tmp/stats.err" && fail "stats read an agent, not its own datapath"
# nothing of wrk's is still open in ns a
[ -z "$(ip netns exec $P-a ss -Htn state established)" ] || fail "connections still open after the window"

lines=$(wc -l <"$tmp/access.log")
l500=$(awk '$1 == 500' "$tmp/access.log" | wc -l)
read -r count errors unmatched expired pipe_full ep_over requests <<<"$(jq -r '[
	([.endpoints[].count] | add // 0), ([.endpoints[].errors] | add // 0),
	.lost.http_unmatched, .lost.http_expired, .lost.http_pipe_full,
	.lost.endpoints_overflow, .http.requests] | @tsv' "$tmp/stats.json")"
lost=$((expired + pipe_full + ep_over))
conns=$(awk '{print $3}' "$tmp/access.log" | sort -u | wc -l)
# nginx closes the connection after a 500: wrk reconnects, and a client port
# (so the whole 4-tuple) comes back while the server's old socket is in TIME_WAIT
ports=$(awk '{print $5}' "$tmp/access.log" | sort -u | wc -l)
echo "nginx: $lines log lines ($l500 with 500) on $conns connections from $ports client ports"
echo "rxray: endpoints count $count, errors $errors; requests seen $requests;" \
	"lost: http_expired $expired, http_pipe_full $pipe_full, endpoints_overflow $ep_over," \
	"http_unmatched $unmatched"
echo "wrk:   $(grep -h 'requests in' "$tmp/wrk.txt" "$tmp/wrk500.txt" | paste -sd ';')"
jq -c '.endpoints[] | {route: .["http.route"], count, errors, status}' "$tmp/stats.json"

[ "$lines" -gt 1000 ] || fail "only $lines requests: wrk did not run at speed"
# the log is this run's: every request wrk completed is in it (and at most the
# ones in flight when wrk stopped besides), per phase
w200=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
w500=$(awk '/requests in/ { print $1 }' "$tmp/wrk500.txt")
l200=$((lines - l500))
if [ "$l200" -lt "$w200" ] || [ "$l200" -gt $((w200 + 16)) ]; then
	fail "wrk completed $w200 200s, nginx logged $l200"
fi
if [ "$w500" -eq 0 ] || [ "$l500" -lt "$w500" ] || [ "$l500" -gt $((w500 + 4)) ]; then
	fail "wrk completed $w500 500s, nginx logged $l500"
fi
[ "$requests" = "$lines" ] || fail "request start lines seen $requests, nginx answered $lines"
[ "$unmatched" = 0 ] || fail "http_unmatched $unmatched: responses without a request seen"
[ $((count + lost)) = "$lines" ] ||
	fail "endpoints count $count + lost $lost = $((count + lost)), nginx logged $lines"
[ "$lost" -le $((conns * 2)) ] || fail "lost $lost transactions on $conns connections"
[ "$errors" = "$l500" ] || fail "errors $errors, nginx logged $l500 responses with 500"
e500=$(jq '[.endpoints[] | select(.["http.route"] == "/error") | .status["500"] // 0] | add // 0' "$tmp/stats.json")
[ "$e500" = "$l500" ] || fail "/error has $e500 500s, nginx logged $l500"
for r in /hello /api/items /error; do
	n=$(awk -v r=$r '$2 == r' "$tmp/access.log" | wc -l)
	c=$(jq --arg r $r '[.endpoints[] | select(.["http.route"] == $r) | .count] | add // 0' "$tmp/stats.json")
	if [ "$c" -gt "$n" ] || [ $((n - c)) -gt "$lost" ]; then
		fail "$r: rxray $c, nginx $n (lost $lost)"
	fi
done
echo PASS

#!/usr/bin/env bash
# Route patterns (--route, config "route"): live (TC programs) and offline
# (native build) name the same paths by the same patterns, tried in order
# before the built-in {id}/{uuid}/{hex}; paths no pattern matches keep the
# built-in templating; serve exports the pattern as the http_route label.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxrp
rx_lab

rx_demo_api

routes=(--route '/users/{uid}' --route '/static/*' --route '/users/{uid}/{what}')
traffic() {
	ip netns exec $P-a curl -s -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
		-o /dev/null http://192.0.2.2:8080/users/7 http://192.0.2.2:8080/users/8 \
		http://192.0.2.2:8080/static/css/a.css http://192.0.2.2:8080/health \
		http://192.0.2.2:8080/users/7/orders http://192.0.2.2:8080/things/123
}
# the expected (url.path, http.route) pairs, in order
cat >"$tmp/want" <<'WANT'
/users/7 /users/{uid}
/users/8 /users/{uid}
/static/css/a.css /static/*
/health /health
/users/7/orders /users/{uid}/{what}
/things/123 /things/{id}
WANT

rx_bg ip netns exec $P-b "$RXRAY" requests -i $IF --json "${routes[@]}" >"$tmp/live.json" 2>"$tmp/live.err"
req=$bg_pid
rx_bg ip netns exec $P-b tcpdump -i $IF -nn -U -w "$tmp/cap.pcap" 'tcp port 8080' 2>/dev/null
td=$bg_pid
sleep 1.5
traffic
sleep 0.5
kill -INT $req $td
wait $req || fail "requests -i exited $?: $(cat "$tmp/live.err")"
wait $td 2>/dev/null
jq -r '"\(.["url.path"]) \(.["http.route"])"' "$tmp/live.json" >"$tmp/live.got"
diff -u "$tmp/want" "$tmp/live.got" || fail "live routes"
"$RXRAY" requests -r "$tmp/cap.pcap" --json "${routes[@]}" 2>/dev/null |
	jq -r '"\(.["url.path"]) \(.["http.route"])"' >"$tmp/off.got"
diff -u "$tmp/want" "$tmp/off.got" || fail "offline routes"
# the same capture without patterns: the built-in templating only
"$RXRAY" requests -r "$tmp/cap.pcap" --json 2>/dev/null | jq -r '.["http.route"]' | sort -u | tr '\n' ' ' >"$tmp/plain"
[ "$(cat "$tmp/plain")" = "/health /static/css/a.css /things/{id} /users/{id} /users/{id}/orders " ] ||
	fail "without patterns: $(cat "$tmp/plain")"

# serve with the patterns in its config file
printf 'interface = %s\nlisten = 127.0.0.1:19481\nroute = /users/{uid}\nroute = /static/*\n' $IF >"$tmp/serve.conf"
rx_bg ip netns exec $P-b "$RXRAY" serve --config "$tmp/serve.conf" --control "$tmp/agent.sock" 2>"$tmp/serve.err"
rx_until rx_scrapes 19481
traffic
sleep 0.5
ip netns exec $P-b curl -sf http://127.0.0.1:19481/metrics >"$tmp/metrics" || fail "/metrics: $(cat "$tmp/serve.err")"
grep -q '^http_server_request_duration_seconds_count{.*http_route="/users/{uid}".*} 2$' "$tmp/metrics" ||
	fail "serve: /users/{uid}: $(grep _count "$tmp/metrics" | head)"
grep -q '^http_server_request_duration_seconds_count{.*http_route="/static/\*".*} 1$' "$tmp/metrics" ||
	fail "serve: /static/*"
# a bad pattern in the config names the file, the line and the key
printf 'interface = %s\nroute = /a//b\n' $IF >"$tmp/bad.conf"
"$RXRAY" serve --config "$tmp/bad.conf" 2>"$tmp/bad.err"
[ $? = 2 ] && grep -q "bad.conf:2: route /a//b: segment 2 is empty" "$tmp/bad.err" ||
	fail "bad config: $(cat "$tmp/bad.err")"
echo "routes: live = offline = expected ($(wc -l <"$tmp/want") transactions); serve exports the patterns"
echo PASS

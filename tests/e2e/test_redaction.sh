#!/usr/bin/env bash
# Secrets never leave the kernel by default: requests carrying unique canary
# values in Authorization, Cookie, X-Api-Key, the query string, a path
# parameter and the userinfo of an absolute-form target; none of
# the canaries appears in any output (line, -v, --json, the -w pcap,
# `requests`, /metrics, stderr), while the request itself is seen (method,
# path, Host, User-Agent). With --payload (the explicit opt-in) the payload
# is captured and the secrets in it are masked byte for byte.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxrd
rx_lab
C1=canaryQ$RANDOM$RANDOM C2=canaryA$RANDOM$RANDOM C3=canaryC$RANDOM$RANDOM C4=canaryK$RANDOM$RANDOM
C5=canaryJ$RANDOM$RANDOM C6=canaryU$RANDOM$RANDOM

rx_demo_api
rx_bg ip netns exec $P-b "$RXRAY" serve -i lo --listen 127.0.0.1:19471 --control "$tmp/agent.sock" 2>"$tmp/serve.err"
# one XDP program per interface: the three views one after the other, live
for v in json line verbose payload requests; do
	case $v in json) o=--json ;; verbose) o=-v ;; payload) o=--payload ;; *) o= ;; esac
	if [ $v = requests ]; then
		ip netns exec $P-b "$RXRAY" requests -i $IF --json >"$tmp/$v.out" 2>"$tmp/$v.err" &
	else
		ip netns exec $P-b "$RXRAY" watch -i $IF $o -w "$tmp/$v.pcap" 'tcp port 8080' >"$tmp/$v.out" 2>"$tmp/$v.err" &
	fi
	watch_pid=$!
	pids+=("$watch_pid")
	# attached (XDP; requests also TC egress, attached last), not a guess of
	# how long loading takes: a loaded machine took 1.4 s
	for i in $(seq 100); do
		if [ $v = requests ]; then
			ip netns exec $P-b bpftool net show dev $IF 2>/dev/null | grep -q tc_egress && break
		else
			ip -n $P-b link show dev $IF | grep -q 'prog/xdp' && break
		fi
		kill -0 $watch_pid 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.3
	for i in 1 2; do
		ip netns exec $P-a curl -sf -o /dev/null -A "rx-agent/$i" -H "Authorization: Bearer $C2" \
			-H "Cookie: session=$C3" -H "X-Api-Key: $C4" \
			"http://192.0.2.2:8080/users/$i?access_token=$C1&page=2" || fail "curl"
	done
	# a session id in a path parameter; userinfo in an absolute-form target
	# (whatever the API answers: only what rxray shows of them matters)
	ip netns exec $P-a curl -s -o /dev/null "http://192.0.2.2:8080/users/3;jsessionid=$C5" || fail "curl ;"
	ip netns exec $P-a curl -s -o /dev/null --request-target "http://bob:$C6@192.0.2.2:8080/users/4" \
		http://192.0.2.2:8080/ || fail "curl absolute-form"
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
jq -se 'any(.[]; .["url.path"] == "/users/2" and .["user_agent.original"] == "rx-agent/2" and
	.["http.route"] == "/users/{id}")' "$tmp/requests.out" >/dev/null ||
	fail "requests: $(head -c 600 "$tmp/requests.out")"
# --payload: the payload is there, its secrets masked in place (same length)
tshark -r "$tmp/payload.pcap" -Y http.request -T fields -e http.request.uri -e http.authorization \
	-e http.cookie -e http.user_agent 2>/dev/null >"$tmp/payload.fields"
want_q=$(printf '%*s' $((${#C1} + 20)) '' | tr ' ' '*')
want_a=$(printf '%*s' $((${#C2} + 8)) '' | tr ' ' '*')
grep -qF "/users/1?$want_q	$want_a" "$tmp/payload.fields" ||
	fail "--payload: secrets not masked in place: $(cat "$tmp/payload.fields")"
grep -q 'rx-agent/1' "$tmp/payload.fields" || fail "--payload: the payload was not captured"
grep -qF "/users/3;$(printf '%*s' $((${#C5} + 11)) '' | tr ' ' '*')" "$tmp/payload.fields" ||
	fail "--payload: path parameter not masked in place: $(cat "$tmp/payload.fields")"
jq -se 'any(.[]; .["url.path"] == "/users/3")' "$tmp/requests.out" >/dev/null ||
	fail "requests: the path parameter was not dropped from url.path"
# absolute-form: url.path is the path alone; the userinfo appears nowhere
jq -se 'any(.[]; .["url.path"] == "/users/4")' "$tmp/requests.out" >/dev/null ||
	fail "requests: url.path of the absolute-form target is not its path"
! grep -qF -e "bob:" -e "$C6" "$tmp/requests.out" ||
	fail "requests: userinfo of the absolute-form target reached the output"
grep -q 'X-Api-Key:\*\*\*' <(tshark -r "$tmp/payload.pcap" -Y http.request -V 2>/dev/null) ||
	fail "--payload: X-Api-Key"
# every byte rxray wrote anywhere, pcaps included (binary-safe search)
for f in "$tmp"/*.out "$tmp"/*.err "$tmp"/*.pcap "$tmp/metrics"; do
	for c in $C1 $C2 $C3 $C4 $C5 $C6; do
		grep -aq "$c" "$f" && fail "canary $c found in $(basename "$f")"
	done
done
echo "no canary in $(ls "$tmp" | wc -l) outputs; requests seen"
echo PASS

# The alert tests' helpers (source it after runner.sh): a real Alertmanager and its
# webhook receiver, the agent under test, and the notifications received.
#   rx_alertmanager GROUP_BY   GROUP_BY: the route's group_by list, e.g. "'alertname', 'interface'"
# Starts, in namespace $NB on loopback, the webhook receiver tests/lib/webhook_sink.py on
# port $HOOK (recording to $tmp/hook.json) and prometheus-alertmanager on port $AM
# (config $tmp/am.yml: group_wait 100 ms, resolved alerts sent on), waits until it is
# ready; sets am_pid.
rx_alertmanager() {
	cat >"$tmp/am.yml" <<YML
route:
  receiver: sink
  group_by: [$1]
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:$HOOK/
        send_resolved: true
YML
	rx_bg ip netns exec "$NB" /usr/bin/python3 tests/lib/webhook_sink.py 127.0.0.1 "$HOOK" "$tmp/hook.json"
	rx_bg ip netns exec "$NB" prometheus-alertmanager --config.file="$tmp/am.yml" --storage.path="$tmp/am" \
		--web.listen-address=127.0.0.1:"$AM" --cluster.listen-address= --log.level=warn \
		>"$tmp/am.log" 2>&1
	am_pid=$bg_pid
	rx_until inb curl -sf -o /dev/null "http://127.0.0.1:$AM/-/ready" ||
		rx_until inb curl -sf -o /dev/null "http://127.0.0.1:$AM/-/ready" ||
		fail "alertmanager did not start: $(tail -n 3 "$tmp/am.log")"
}

# rx_alert_serve [ARGS...]: the agent under test, in $NB on $IF: rxray serve
# --listen 127.0.0.1:$LISTEN with config $tmp/rxray.conf, control socket
# $tmp/agent.sock, alert log $tmp/alerts.json (stderr $tmp/serve.err) and ARGS;
# waits until it answers a scrape; sets serve_pid.
rx_alert_serve() {
	rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:"$LISTEN" --config "$tmp/rxray.conf" \
		--control "$tmp/agent.sock" --alert-log "$tmp/alerts.json" "$@" 2>"$tmp/serve.err"
	serve_pid=$bg_pid
	rx_until rx_scrapes "$LISTEN" || rx_until rx_scrapes "$LISTEN" || fail "serve did not start: $(cat "$tmp/serve.err")"
}

# The notifications a webhook receiver recorded (tests/lib/webhook_sink.py: one
# JSON object a line, {"t": receive time, "body": what was posted}); FILE is
# $tmp/hook.json unless given, AFTER 0.
# hook_has JQ [AFTER [FILE]]: one received at or after AFTER satisfies JQ (over .body)
hook_has() {
	local f=${3:-$tmp/hook.json}
	[ -s "$f" ] && jq -e -s "any(.[]; .t >= ${2:-0} and (.body | $1))" "$f" >/dev/null
}
# hook_time JQ [AFTER [FILE]]: the receive time of the first such notification
hook_time() { jq -s "[.[] | select(.t >= ${2:-0} and (.body | $1))][0].t" "${3:-$tmp/hook.json}"; }
# wait_hook JQ SECONDS [AFTER [FILE]]: poll (every 0.1 s, at most SECONDS) until hook_has
wait_hook() {
	local _
	for _ in $(seq $(($2 * 10))); do
		hook_has "$1" "${3:-0}" "${4:-}" && return 0
		sleep 0.1
	done
	return 1
}
# hook_alert JQ SEL [AFTER]: the alerts satisfying SEL (as Alertmanager sent them on,
# one a line) in the first notification received at or after AFTER that satisfies JQ
hook_alert() { jq -s -c "[.[] | select(.t >= ${3:-0} and (.body | $1))][0].body.alerts[] | select($2)" "$tmp/hook.json"; }

# A real Alertmanager for the alert tests (source it after runner.sh and rx_lab).
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

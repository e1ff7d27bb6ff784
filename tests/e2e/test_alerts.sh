#!/usr/bin/env bash
# Anomaly alerts end to end: rxray serve's detectors on real traffic in the
# lab, delivered to a real Alertmanager (Debian's prometheus-alertmanager,
# started here on loopback in the server's namespace, its own config and
# storage, group_wait low), whose webhook goes to a receiver of this test
# (tests/lib/webhook_sink.py) that records what Alertmanager sends on.
#   1. a SYN flood from 1,008 documentation addresses (198.51.100.0/24,
#      203.0.113.0/24 and 2001:db8:5::/64; scapy, one frame per address and
#      round) reaches Alertmanager as alertname=syn_flood within 2 s of the
#      window that crossed the threshold, with its labels and top sources,
#      and is resolved there after the flood stops;
#   2. an endpoint answering 500 gives error_spike; a wrk burst over a learnt
#      baseline gives rate_spike;
#   3. Alertmanager down: the alert is queued (bounded), its POSTs fail and
#      are counted, nothing is lost silently;
#   5. serve's own generic webhook (--alert-webhook, a second receiver):
#      Alertmanager's webhook JSON (version 4) of syn_flood, firing then
#      resolved, within 2 s of the crossing; still delivered while
#      Alertmanager is down;
#   4. a bad config (unknown key, out-of-range threshold) is one line, exit 2.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
# shellcheck source=../lib/alertmanager.sh
. "${0%/*}/../lib/alertmanager.sh"
rx_begin "${1:-}" alrt
rx_need prometheus-alertmanager wrk curl jq
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-alerts-fail}" '*.log' '*.err' '*.json' '*.conf' '*.yml'

AM=19093 HOOK=19094 LISTEN=19464 HOOK2=19095
# the thresholds for a small lab: short warm-up and hysteresis (6 s: the checks
# of the firing alert, a few jq runs, outlast 3 s on a loaded machine)
cat >"$tmp/rxray.conf" <<CONF
alertmanager = http://127.0.0.1:$AM
alert-webhook = http://127.0.0.1:$HOOK2/rxray
alert-resend = 2
alert-resolve-after = 6
alert-warmup = 6
alert-baseline = 30
alert-syn-half-open = 300
CONF

rx_bg ip netns exec "$NB" /usr/bin/python3 tests/lib/webhook_sink.py 127.0.0.1 $HOOK2 "$tmp/hook2.json"
rx_alertmanager "'alertname', 'interface'"

# ---- 4. bad config: one line, exit 2, nothing attached ---------------------------
printf 'alert-syn-half-open = 0\n' >"$tmp/bad.conf"
inb "$RXRAY" serve -i "$IF" --config "$tmp/bad.conf" --control "$tmp/x.sock" 2>"$tmp/bad.err"
rc=$?
[ $rc = 2 ] || fail "out-of-range threshold: exit $rc, want 2"
[ "$(cat "$tmp/bad.err")" = "rxray: $tmp/bad.conf:1: alert-syn-half-open 0: expected 1..1000000000 per second" ] ||
	fail "out-of-range threshold: '$(cat "$tmp/bad.err")'"
printf '# ok\nalert-nonsense = 1\n' >"$tmp/bad.conf"
inb "$RXRAY" serve -i "$IF" --config "$tmp/bad.conf" --control "$tmp/x.sock" 2>"$tmp/bad.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] && grep -q "bad.conf:2: alert-nonsense: unknown key" "$tmp/bad.err" ||
	fail "unknown key: exit $rc, '$(cat "$tmp/bad.err")'"
inb "$RXRAY" serve -i "$IF" --alertmanager ftp://x --control "$tmp/x.sock" 2>"$tmp/bad.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "bad --alertmanager: exit $rc, '$(cat "$tmp/bad.err")'"
rx_xdp_attached && fail "a bad config left a program attached"
echo "bad config: exit 2, one line each"

# ---- the agent ----------------------------------------------------------------------
rx_demo_api
rx_alert_serve
export RXRAY_AGENT=$tmp/agent.sock

# normal traffic through the warm-up: a few requests a second
normal() {
	local i
	for i in $(seq "$1"); do
		ina curl -s -o /dev/null http://192.0.2.2:8080/health
		sleep 0.2
	done
}
normal 40
[ -s "$tmp/alerts.json" ] && fail "alerts on normal traffic: $(cat "$tmp/alerts.json")"


# ---- 1. SYN flood ---------------------------------------------------------------------
mac=$(inb cat /sys/class/net/"$IF"/address)
FIRING='.status == "firing" and any(.alerts[]; .labels.alertname == "syn_flood" and .labels.service == null and .status == "firing")'
flood=$(ina /usr/bin/python3 tests/lib/synflood.py "${P}a" "$mac" 192.0.2.2 2001:db8::2 8080 3) ||
	fail "synflood.py"
read -r t_flood n_flood secs_flood <<<"$flood"
echo "flood: $n_flood SYNs from 1008 addresses in ${secs_flood}s"
wait_hook "$FIRING" 10 || fail "no syn_flood at Alertmanager: $(cat "$tmp/hook.json" 2>/dev/null | head -c 600)"
t_hook=$(hook_time "$FIRING")
since=$(jq -s '[.[] | select(.alert == "syn_flood" and .state == "firing" and .subject.service == null)][0].since' "$tmp/alerts.json")
lag=$(jq -n "$t_hook - $since")
since_flood=$(jq -n "$since - $t_flood")
echo "syn_flood: crossed in the window ending ${since_flood}s after the first SYN; at Alertmanager ${lag}s after that"
jq -e -n "$lag <= 2 and $lag >= 0" >/dev/null || fail "syn_flood reached Alertmanager ${lag}s after the crossing (> 2 s)"
jq -e -n "$since_flood <= 2.5" >/dev/null || fail "syn_flood crossed ${since_flood}s after the flood began"
# the interface's alert (the flooded port has its own, service 8080/tcp: alerts.md, "Per port")
a=$(hook_alert "$FIRING" '.labels.alertname == "syn_flood" and .labels.service == null')
[ "$(jq -r .labels.severity <<<"$a")" = critical ] || fail "severity: $a"
[ "$(jq -r .labels.interface <<<"$a")" = "$IF" ] || fail "interface label: $a"
jq -e '.annotations.summary | test("half-open")' <<<"$a" >/dev/null || fail "summary: $a"
ev=$(jq -r .annotations.evidence <<<"$a")
jq -e '[.top_subnets[].subnet] | index("198.51.100.0/24") != null and index("203.0.113.0/24") != null' <<<"$ev" >/dev/null ||
	fail "top subnets in the evidence: $ev"
jq -e '.sources >= 1000 and (.top_sources | length) == 5 and .top_ports[0].port == 8080' <<<"$ev" >/dev/null ||
	fail "sources and ports in the evidence: $ev"
inb curl -sf http://127.0.0.1:$LISTEN/api/alerts >"$tmp/api.json" || fail "GET /api/alerts"
jq -e '.alerts | any(.alert == "syn_flood" and .state == "firing" and .action == "none" and (.fingerprint | length) == 16)' \
	"$tmp/api.json" >/dev/null || fail "/api/alerts: $(head -c 400 "$tmp/api.json")"
inb curl -sf http://127.0.0.1:$LISTEN/metrics >"$tmp/metrics" || fail "GET /metrics"
# the interface's and the flooded port's (8080/tcp)
grep -q '^rxray_alerts_firing{alert="syn_flood",severity="critical"} 2$' "$tmp/metrics" ||
	fail "rxray_alerts_firing: $(grep rxray_alerts_firing "$tmp/metrics")"
promtool check metrics <"$tmp/metrics" >/dev/null 2>&1 || fail "promtool check metrics: $(promtool check metrics <"$tmp/metrics" 2>&1 | head -3)"
inb "$RXRAY" alerts --json >"$tmp/cli.json" || fail "rxray alerts"
jq -e -s 'any(.alert == "syn_flood" and .state == "firing")' "$tmp/cli.json" >/dev/null || fail "rxray alerts: $(cat "$tmp/cli.json")"
inb "$RXRAY" alerts | grep -q "firing   syn_flood" || fail "rxray alerts (text)"

RESOLVED='any(.alerts[]; .labels.alertname == "syn_flood" and .status == "resolved")'
wait_hook "$RESOLVED" 15 || fail "syn_flood not resolved at Alertmanager"
t_res=$(hook_time "$RESOLVED")
echo "syn_flood: resolved at Alertmanager $(jq -n "$t_res - $t_flood - $secs_flood" | cut -c1-5)s after the flood ended (hysteresis 6 s)"
jq -e -s 'any(.alert == "syn_flood" and .state == "resolved" and .ends > .since)' "$tmp/alerts.json" >/dev/null ||
	fail "no resolved line in the alert log"

# ---- 5. the generic webhook: syn_flood firing, then resolved ---------------------------
WH='.version == "4" and .groupKey == "{}:{}" and .receiver == "rxray" and .groupLabels == {}
	and (.externalURL | test("^http://127.0.0.1:'$LISTEN'$")) and (.commonAnnotations | type) == "object"'
WA='.labels.alertname == "syn_flood" and .labels.service == null and .labels.severity == "critical" and (.annotations.summary | test("half-open"))
	and (.fingerprint | test("^[0-9a-f]{16}$")) and (.generatorURL | test("/api/alerts$")) and (.startsAt | test("Z$"))'
wh_has() { hook_has "$1" 0 "$tmp/hook2.json"; }
WFIRE="$WH and .status == \"firing\" and .commonLabels.interface == \"$IF\" and (.commonLabels as \$c | all(.alerts[]; .labels | contains(\$c)))
	and any(.alerts[]; $WA and .status == \"firing\" and .endsAt == \"0001-01-01T00:00:00Z\")"
WRES="$WH and any(.alerts[]; $WA and .status == \"resolved\" and .endsAt > .startsAt)"
wh_has "$WFIRE" || fail "webhook: no firing syn_flood in Alertmanager's webhook form: $(head -c 700 "$tmp/hook2.json" 2>/dev/null)"
wh_has "$WRES" || fail "webhook: no resolved syn_flood: $(tail -c 700 "$tmp/hook2.json" 2>/dev/null)"
t_wh=$(jq -s "[.[] | select(.body | $WFIRE)][0].t // 1e12" "$tmp/hook2.json")
jq -e -n "$t_wh - $since <= 2" >/dev/null || fail "webhook: firing $(jq -n "$t_wh - $since")s after the crossing (> 2 s)"
[ "$(jq -s "[.[] | select(.body | $WFIRE)] | length" "$tmp/hook2.json")" = 1 ] ||
	fail "webhook: the firing state posted more than once (each change once)"
echo "webhook: syn_flood firing $(jq -n "$t_wh - $since" | cut -c1-5)s after the crossing, then resolved, in Alertmanager's webhook JSON"

# ---- 2. error_spike and rate_spike ----------------------------------------------------
for _ in $(seq 30); do ina curl -s -o /dev/null http://192.0.2.2:8080/error; done
wait_hook 'any(.alerts[]; .labels.alertname == "error_spike" and .labels.http_route == "/error")' 5 ||
	fail "no error_spike at Alertmanager: $(jq -c . "$tmp/alerts.json" | tail -n 3)"
echo "error_spike: at Alertmanager, route /error"
normal 15
ina wrk -t2 -c20 -d3s http://192.0.2.2:8080/health >/dev/null 2>&1 || fail "wrk"
wait_hook 'any(.alerts[]; .labels.alertname == "rate_spike")' 5 ||
	fail "no rate_spike at Alertmanager: $(jq -c '[.alert,.state,.annotations.summary]' "$tmp/alerts.json" | tail -n 5)"
echo "rate_spike: at Alertmanager after a wrk burst"

# ---- 3. Alertmanager down -------------------------------------------------------------
rx_stop "$am_pid"
sleep 3
sent_before=$(inb curl -sf http://127.0.0.1:$LISTEN/api/alerts | jq .delivery.sent)
ina /usr/bin/python3 tests/lib/synflood.py "${P}a" "$mac" 192.0.2.2 2001:db8::2 8080 2 >/dev/null || fail "synflood.py"
# the flood's alert queued and its POST failed (polled, 10 s at most)
down_seen() {
	inb curl -sf http://127.0.0.1:$LISTEN/api/alerts >"$tmp/down.json" &&
		jq -e '.delivery.failed_posts >= 1 and .delivery.queued >= 1' "$tmp/down.json" >/dev/null
}
rx_until down_seen || rx_until down_seen || [ -s "$tmp/down.json" ] || fail "GET /api/alerts"
jq -e ".delivery.failed_posts >= 1 and .delivery.queued >= 1 and .delivery.sent == $sent_before" "$tmp/down.json" >/dev/null ||
	fail "Alertmanager down: $(jq -c .delivery "$tmp/down.json")"
inb curl -sf http://127.0.0.1:$LISTEN/metrics | grep -q '^rxray_alerts_post_failures_total [1-9]' ||
	fail "rxray_alerts_post_failures_total"
echo "alertmanager down: $(jq -c .delivery "$tmp/down.json")"
jq -e '.delivery.webhook.configured and .delivery.webhook.sent >= 3 and .delivery.webhook.failed_posts == 0
	and .delivery.webhook.undelivered == 0' "$tmp/down.json" >/dev/null ||
	fail "webhook delivery while Alertmanager is down: $(jq -c .delivery.webhook "$tmp/down.json")"
inb curl -sf http://127.0.0.1:$LISTEN/metrics | awk '$1 == "rxray_alerts_webhook_sent_total" && $2 >= 3 { ok = 1 } END { exit !ok }' ||
	fail "rxray_alerts_webhook_sent_total: $(inb curl -sf http://127.0.0.1:$LISTEN/metrics | grep webhook)"

rx_stop "$serve_pid"
echo "alerts: syn_flood at Alertmanager ${lag}s after the crossing; error_spike, rate_spike; delivery failures counted"

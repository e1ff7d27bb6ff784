#!/usr/bin/env bash
# Per-port alerts end to end (rx_tcp_ports, docs/alerts.md): rxray serve on
# the lab's veth, delivered to a real Alertmanager (tests/lib/alertmanager.sh,
# one group per alertname, interface, service and event), its webhook to
# tests/lib/webhook_sink.py.
#   1. a SYN flood from 1,008 documentation addresses (198.51.100.0/24,
#      203.0.113.0/24, 2001:db8:5::/64; tests/lib/synflood.py) at 8080 while
#      8081 (a second server) gets normal curl requests: syn_flood with
#      service="8080/tcp" at Alertmanager within 2 s of the window that
#      crossed; none for 8081/tcp; resolved there after the flood stops;
#   2. a RST storm to one port (tests/lib/tcp_storms.py: 300 RSTs a second
#      to port 9): tcp_storm with service="9/tcp", event="rst" within 2 s
#      of its crossing, resolved after; no tcp_storm for 8080 or 8081;
#   3. a UDP service answering on 30 ports (one client, 90 datagrams, every
#      one answered) raises no port_scan; nmap -sU over 30 closed ports
#      still does;
#   4. a bad per-port threshold is one line, exit 2.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
# shellcheck source=../lib/alertmanager.sh
. "${0%/*}/../lib/alertmanager.sh"
rx_begin "${1:-}" apo
rx_need prometheus-alertmanager nmap curl jq
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-alerts-port-fail}" '*.log' '*.err' '*.json' '*.conf' '*.yml'

AM=19293 HOOK=19294 LISTEN=19664 HYST=4
cat >"$tmp/rxray.conf" <<CONF
alertmanager = http://127.0.0.1:$AM
alert-resend = 60
alert-resolve-after = $HYST
alert-warmup = 4
alert-baseline = 30
alert-syn-half-open = 300
alert-syn-port-half-open = 200
alert-tcp-port-min = 100
CONF

# ---- 4. bad per-port thresholds: one line, exit 2 -------------------------------------
for bad in "alert-syn-port-half-open = 0" "alert-tcp-port-min = x"; do
	printf '%s\n' "$bad" >"$tmp/bad.conf"
	inb "$RXRAY" serve -i "$IF" --config "$tmp/bad.conf" --control "$tmp/x.sock" 2>"$tmp/bad.err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] && grep -q "bad.conf:1: ${bad%% *} .*: expected 1\.\." "$tmp/bad.err" ||
		fail "'$bad': exit $rc, '$(cat "$tmp/bad.err")'"
done
rx_xdp_attached && fail "a bad config left a program attached"
echo "bad per-port thresholds: exit 2, one line each"

rx_alertmanager "'alertname', 'interface', 'service', 'event'"

# the agent; 8080: demo_api (the flood's target), 8081: a second server (normal traffic)
rx_demo_api
rx_bg ip netns exec "$NB" /usr/bin/python3 -m http.server 8081 --bind 192.0.2.2 --directory "$tmp" >"$tmp/http8081.log" 2>&1
rx_until ina curl -sf -o /dev/null http://192.0.2.2:8081/ || fail "the server on 8081 did not start"
rx_alert_serve

# normal N: N requests to each port, 5 a second
normal() {
	local _
	for _ in $(seq "$1"); do
		ina curl -s -o /dev/null http://192.0.2.2:8080/health
		ina curl -s -o /dev/null http://192.0.2.2:8081/
		sleep 0.2
	done
}
normal 30 # past the warm-up
[ -s "$tmp/alerts.json" ] && fail "alerts on normal traffic: $(cat "$tmp/alerts.json")"

# port_alert NAME SERVICE STATE: jq over Alertmanager's webhook body
port_alert() {
	echo "any(.alerts[]; .labels.alertname == \"$1\" and .labels.service == \"$2\" and .status == \"$3\")"
}
# since NAME SERVICE: the alert log's crossing time (window end) of the alert's first firing
since() {
	jq -s "[.[] | select(.alert == \"$1\" and .state == \"firing\" and .subject.service == \"$2\")][0].since" "$tmp/alerts.json"
}

# ---- 1. SYN flood at 8080, normal traffic at 8081 ------------------------------------
mac=$(inb cat /sys/class/net/"$IF"/address)
normal 10 &
normal_pid=$!
flood=$(ina /usr/bin/python3 tests/lib/synflood.py "${P}a" "$mac" 192.0.2.2 2001:db8::2 8080 3) ||
	fail "synflood.py"
read -r t_flood n_flood secs_flood <<<"$flood"
echo "flood: $n_flood SYNs to 8080 from 1008 addresses in ${secs_flood}s"
FIRING=$(port_alert syn_flood 8080/tcp firing)
wait_hook "$FIRING" 10 || fail "no syn_flood for 8080/tcp at Alertmanager: $(head -c 800 "$tmp/hook.json" 2>/dev/null)"
wait "$normal_pid"
t_hook=$(hook_time "$FIRING")
s=$(since syn_flood 8080/tcp)
lag=$(jq -n "$t_hook - $s")
echo "syn_flood 8080/tcp: crossed in the window ending $(jq -n "$s - $t_flood" | cut -c1-5)s after the first SYN; at Alertmanager ${lag}s after that"
jq -e -n "$lag >= 0 and $lag <= 2" >/dev/null || fail "syn_flood 8080/tcp at Alertmanager ${lag}s after the crossing (> 2 s)"
a=$(hook_alert "$FIRING" '.labels.service == "8080/tcp"')
[ "$(jq -r '[.labels.alertname, .labels.severity, .labels.interface, .labels.service] | join(" ")' <<<"$a")" = \
	"syn_flood critical $IF 8080/tcp" ] || fail "syn_flood labels: $a"
ev=$(jq -r .annotations.evidence <<<"$a")
echo "syn_flood 8080/tcp evidence: $ev"
jq -e '.port == 8080 and .half_open_per_s >= 200 and .syn_per_s >= .half_open_per_s and .threshold_per_s == 200' <<<"$ev" >/dev/null ||
	fail "syn_flood 8080/tcp evidence: $ev"
jq -e '.annotations.summary | test("port 8080/tcp")' <<<"$a" >/dev/null || fail "summary: $a"
RESOLVED=$(port_alert syn_flood 8080/tcp resolved)
wait_hook "$RESOLVED" $((HYST + 8)) || fail "syn_flood 8080/tcp not resolved at Alertmanager"
t_res=$(hook_time "$RESOLVED")
echo "syn_flood 8080/tcp: resolved at Alertmanager $(jq -n "$t_res - $t_flood - $secs_flood" | cut -c1-5)s after the flood ended (hysteresis $HYST s)"
jq -e -s 'any(.alert == "syn_flood" and .subject.service == "8080/tcp" and .state == "resolved" and .ends > .since)' \
	"$tmp/alerts.json" >/dev/null || fail "no resolved syn_flood 8080/tcp in the alert log"
jq -e -s 'any(.alert == "syn_flood" and .subject.service == null)' "$tmp/alerts.json" >/dev/null ||
	fail "the interface's syn_flood is gone: $(jq -c '[.alert, .subject]' "$tmp/alerts.json")"
# (its requests end before the flood's resolution: a traffic_drop for 8081 may follow, rightly)
jq -e -s 'any(.[]; (.alert == "syn_flood" or .alert == "tcp_storm") and .subject.service == "8081/tcp")' \
	"$tmp/alerts.json" >/dev/null && fail "a per-port alert for the normal port 8081: $(grep 8081/tcp "$tmp/alerts.json")"
hook_has 'any(.alerts[]; .labels.service == "8081/tcp" and (.labels.alertname == "syn_flood" or .labels.alertname == "tcp_storm"))' &&
	fail "Alertmanager got a per-port alert for 8081/tcp"
echo "8081/tcp: normal requests during the flood, no syn_flood or tcp_storm"

# ---- 2. RST storm to port 9 ------------------------------------------------------------
storm=$(ina /usr/bin/python3 tests/lib/tcp_storms.py "${P}a" "$mac" 192.0.2.1 192.0.2.2 rst 300 3) ||
	fail "tcp_storms.py"
read -r t_storm n_storm <<<"$storm"
echo "storm: $n_storm RSTs to port 9 in 3 s"
FIRING=$(port_alert tcp_storm 9/tcp firing)
wait_hook "$FIRING" 5 || fail "no tcp_storm for 9/tcp at Alertmanager: $(tail -c 800 "$tmp/hook.json" 2>/dev/null)"
t_hook=$(hook_time "$FIRING")
s=$(since tcp_storm 9/tcp)
lag=$(jq -n "$t_hook - $s")
echo "tcp_storm 9/tcp: crossed $(jq -n "$s - $t_storm" | cut -c1-5)s after the first RST; at Alertmanager ${lag}s after that"
jq -e -n "$lag >= 0 and $lag <= 2" >/dev/null || fail "tcp_storm 9/tcp at Alertmanager ${lag}s after the crossing (> 2 s)"
a=$(hook_alert "$FIRING" '.labels.service == "9/tcp"')
[ "$(jq -r '[.labels.alertname, .labels.severity, .labels.service, .labels.event] | join(" ")' <<<"$a")" = \
	"tcp_storm warning 9/tcp rst" ] || fail "tcp_storm labels: $a"
ev=$(jq -r .annotations.evidence <<<"$a")
echo "tcp_storm 9/tcp evidence: $ev"
jq -e '.port == 9 and .per_s >= 100 and .threshold_per_s == 100' <<<"$ev" >/dev/null || fail "tcp_storm 9/tcp evidence: $ev"
wait_hook "$(port_alert tcp_storm 9/tcp resolved)" $((HYST + 8)) || fail "tcp_storm 9/tcp not resolved at Alertmanager"
jq -e -s '[.[] | select(.alert == "tcp_storm" and (.subject.service == "8080/tcp" or .subject.service == "8081/tcp"))] | length == 0' \
	"$tmp/alerts.json" >/dev/null || fail "tcp_storm on a port without a storm: $(jq -c '[.alert, .subject]' "$tmp/alerts.json")"
echo "tcp_storm 9/tcp: at Alertmanager and resolved; none for 8080 or 8081"

# ---- 3. UDP: a service that answers is no scan; nmap -sU over closed ports is ---------
cat >"$tmp/udp_service.py" <<'PY'
import select, socket, sys, time
socks = []
for port in range(7100, 7130):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.2", port))
    socks.append(s)
open(sys.argv[1], "w").close()
end = time.time() + 30
while time.time() < end:
    for s in select.select(socks, [], [], 0.5)[0]:
        data, peer = s.recvfrom(2048)
        s.sendto(b"re:" + data, peer)
PY
rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/udp_service.py" "$tmp/udp.ready"
rx_until test -e "$tmp/udp.ready" || fail "the UDP service did not start"
answered=$(ina /usr/bin/python3 - <<'PY'
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("192.0.2.1", 40123))
c.settimeout(1)
got = 0
for rnd in range(3):
    for port in range(7100, 7130):
        c.sendto(b"ping %d" % rnd, ("192.0.2.2", port))
        try:
            c.recvfrom(2048)
            got += 1
        except socket.timeout:
            pass
print(got)
PY
)
[ "$answered" = 90 ] || fail "the UDP service answered $answered of 90 datagrams"
sleep 2
jq -e -s '[.[] | select(.alert == "port_scan")] | length == 0' "$tmp/alerts.json" >/dev/null ||
	fail "port_scan on a UDP service that answers: $(jq -c 'select(.alert == "port_scan") | .annotations.evidence' "$tmp/alerts.json")"
inb curl -sf http://127.0.0.1:$LISTEN/metrics >"$tmp/metrics" || fail "GET /metrics"
grep -q '^rxray_service_packets_total{.*port="7100",proto="udp"} [1-9]' "$tmp/metrics" ||
	fail "the datapath did not see the UDP service's traffic: $(grep -c rxray_service_packets_total "$tmp/metrics") service series"
echo "udp: 90 datagrams to 30 ports of a UDP service, each answered: no port_scan"

ip -n "$NA" addr add 192.0.2.15/24 dev "${P}a"
inb sysctl -qw net.ipv4.icmp_ratelimit=0 || fail "icmp_ratelimit"
ina nmap -n -Pn -e "${P}a" -S 192.0.2.15 --max-retries 1 -sU -p 7000-7029 192.0.2.2 >"$tmp/nmap.log" 2>&1 ||
	fail "nmap -sU: $(tail -n 3 "$tmp/nmap.log")"
wait_hook 'any(.alerts[]; .labels.alertname == "port_scan" and .labels.source == "192.0.2.15")' 5 ||
	fail "no port_scan for nmap -sU over closed ports"
hook_has 'any(.alerts[]; .labels.alertname == "port_scan" and .labels.source == "192.0.2.1")' &&
	fail "port_scan for the UDP service's client"
echo "udp: nmap -sU over 30 closed ports: port_scan at Alertmanager"

inb curl -sf http://127.0.0.1:$LISTEN/metrics >"$tmp/metrics" || fail "GET /metrics"
grep -q "^rxray_records_lost_total{interface=\"$IF\",source=\"tcp_ports\"} 0$" "$tmp/metrics" ||
	fail "tcp_ports losses: $(grep rxray_records_lost_total "$tmp/metrics")"
grep -q "^rxray_alert_input{interface=\"$IF\",input=\"port_half_open_per_second_max\"} " "$tmp/metrics" ||
	fail "rxray_alert_input port_half_open_per_second_max: $(grep rxray_alert_input "$tmp/metrics")"
rx_stop "$serve_pid"
echo "alerts per port: syn_flood 8080/tcp and tcp_storm 9/tcp at Alertmanager within 2 s, resolved; none for 8081; an answering UDP service is no scan"

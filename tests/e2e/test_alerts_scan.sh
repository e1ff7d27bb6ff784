#!/usr/bin/env bash
# port_scan end to end: nmap scans from the client's namespace against the
# agent's (rxray serve on the veth), delivered to a real Alertmanager
# (Debian's prometheus-alertmanager on loopback in the agent's namespace,
# group_wait low, one group per source) whose webhook goes to
# tests/lib/webhook_sink.py. Each scan comes from an address of its own
# (192.0.2.11-14, nmap -S), so each is its own alert:
#   1. a client making 60 requests to one port: no port_scan;
#   2. nmap -sS over 30 ports (8080 among them, open: it does not count),
#      -sF over 30, -sU over 30 and a slow nmap -T2 -sS over 20: each gives
#      port_scan {interface, source} at Alertmanager within 2 s of the probe
#      of its 15th unanswered port (from a capture in the agent's namespace;
#      the delay is printed), with the right labels and evidence (scope
#      host, the host, distinct ports, probe kinds), and is resolved there
#      within the hysteresis (3 s here, plus a window and a group interval)
#      after the scan's last probe.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
# shellcheck source=../lib/alertmanager.sh
. "${0%/*}/../lib/alertmanager.sh"
rx_begin "${1:-}" psc
rx_need prometheus-alertmanager nmap tcpdump curl jq
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-scan-fail}" '*.log' '*.err' '*.json' '*.conf' '*.yml' '*.pcap'

AM=19193 HOOK=19194 LISTEN=19564 HYST=3
cat >"$tmp/rxray.conf" <<CONF
alertmanager = http://127.0.0.1:$AM
alert-resend = 60
alert-resolve-after = $HYST
CONF
rx_alertmanager "'alertname', 'interface', 'source'"

# the scanners' own addresses; closed UDP ports answer at once (no ICMP rate limit here)
for i in 11 12 13 14; do ip -n "$NA" addr add 192.0.2.$i/24 dev "${P}a"; done
inb sysctl -qw net.ipv4.icmp_ratelimit=0 || fail "icmp_ratelimit"

rx_demo_api
rx_bg ip netns exec "$NB" tcpdump -i "$IF" -n -U --immediate-mode -w "$tmp/probes.pcap" 'src net 192.0.2.8/29 or src host 192.0.2.1' \
	2>"$tmp/tcpdump.err"
rx_alert_serve

# ---- 1. a client with many requests to one port ------------------------------------------
for _ in $(seq 60); do ina curl -s -o /dev/null http://192.0.2.2:8080/health; done
sleep 2
grep -q port_scan "$tmp/alerts.json" 2>/dev/null && fail "port_scan on a client's requests: $(cat "$tmp/alerts.json")"
echo "client: 60 requests to 8080, no port_scan"


# probe_times SRC: "T15 TLAST": the capture time of the probe of SRC's 15th
# distinct unanswered port (8080 answers), and of its last probe
probe_times() {
	/usr/bin/python3 - "$tmp/probes.pcap" "$1" <<'PY'
import sys
from scapy.all import IP, TCP, UDP, PcapReader
seen, t15, last = set(), None, None
for p in PcapReader(sys.argv[1]):
    if IP not in p or p[IP].src != sys.argv[2]:
        continue
    l4 = p[TCP] if TCP in p else p[UDP] if UDP in p else None
    if l4 is None or (TCP in p and l4.flags & 0x14):  # not its RSTs and ACKs
        continue
    last = float(p.time)
    if l4.dport != 8080 and (l4.name, l4.dport) not in seen:
        seen.add((l4.name, l4.dport))
        if len(seen) == 15:
            t15 = float(p.time)
print(t15, last)
PY
}

# scan NAME SRC KIND NMAP-ARGS...: the scan, then its alert at Alertmanager
scan() {
	local name=$1 src=$2 kind=$3 t_hook t15 tlast delay a ev res t_res
	shift 3
	local FIRING=".status == \"firing\" and any(.alerts[]; .labels.alertname == \"port_scan\" and .labels.source == \"$src\" and .status == \"firing\")"
	local RESOLVED="any(.alerts[]; .labels.alertname == \"port_scan\" and .labels.source == \"$src\" and .status == \"resolved\")"
	ina nmap -n -Pn -e "${P}a" -S "$src" --max-retries 1 "$@" 192.0.2.2 >"$tmp/nmap-$name.log" 2>&1 ||
		fail "nmap $name: $(tail -n 3 "$tmp/nmap-$name.log")"
	wait_hook "$FIRING" 5 || fail "$name: no port_scan for $src at Alertmanager: $(tail -c 600 "$tmp/hook.json" 2>/dev/null)"
	t_hook=$(hook_time "$FIRING")
	sleep 0.5 # the capture's last packets on disk
	read -r t15 tlast <<<"$(probe_times "$src")"
	[ "$t15" != None ] || fail "$name: fewer than 15 unanswered ports in the capture"
	delay=$(jq -n "$t_hook - $t15")
	a=$(hook_alert "$FIRING" ".labels.source == \"$src\"")
	ev=$(jq -r .annotations.evidence <<<"$a")
	echo "$name: port_scan at Alertmanager ${delay}s after the 15th unanswered port; evidence $ev"
	jq -e -n "$delay >= 0 and $delay <= 2" >/dev/null || fail "$name: ${delay}s from the 15th port to Alertmanager (> 2 s)"
	[ "$(jq -r '[.labels.alertname, .labels.severity, .labels.interface, .labels.source] | join(" ")' <<<"$a")" = \
		"port_scan warning $IF $src" ] || fail "$name: labels $a"
	jq -e --arg k "$kind" '.scope == "host" and .host == "192.0.2.2" and .distinct_ports >= 15 and
		.unanswered >= 15 and (.kinds | index($k)) != null and (.first_ports | length) == 8 and
		.first_seen <= .last_seen' <<<"$ev" >/dev/null || fail "$name: evidence $ev"
	jq -e '.annotations.summary | test("unanswered ports")' <<<"$a" >/dev/null || fail "$name: summary $a"
	wait_hook "$RESOLVED" $((HYST + 8)) || fail "$name: not resolved at Alertmanager"
	t_res=$(hook_time "$RESOLVED")
	res=$(jq -n "$t_res - $tlast")
	echo "$name: resolved at Alertmanager ${res}s after the last probe (hysteresis ${HYST} s)"
	jq -e -n "$res <= $HYST + 2.5" >/dev/null || fail "$name: resolved ${res}s after the scan (hysteresis $HYST s)"
}

# ---- 2. the scans ------------------------------------------------------------------------
scan syn 192.0.2.11 syn -sS -p 8070-8099
scan fin 192.0.2.12 fin -sF -p 9000-9029
scan udp 192.0.2.13 udp -sU -p 7000-7029
scan slow 192.0.2.14 syn -sS -T2 -p 6000-6019

# the SYN scan's last evidence: 8080 answered and not counted
inb curl -sf http://127.0.0.1:$LISTEN/api/alerts >"$tmp/api.json" || fail "GET /api/alerts"
jq -e '[.alerts[] | select(.alert == "port_scan" and .subject.source == "192.0.2.11")][0].evidence |
	.distinct_ports == 30 and .answered == 1 and .unanswered == 29' "$tmp/api.json" >/dev/null ||
	fail "syn scan's final evidence: $(jq -c '[.alerts[] | select(.alert == "port_scan")]' "$tmp/api.json" | head -c 800)"
n=$(jq -s '[.[] | select(.alert == "port_scan" and .state == "firing")] | length' "$tmp/alerts.json")
[ "$n" = 4 ] || fail "port_scan firing $n times, want 4 (one per scan): $(jq -c '[.alert,.subject.source,.state]' "$tmp/alerts.json")"
grep -q '"source":"192.0.2.1"' "$tmp/alerts.json" && fail "port_scan for the client 192.0.2.1"
inb curl -sf http://127.0.0.1:$LISTEN/metrics >"$tmp/metrics" || fail "GET /metrics"
grep -q "^rxray_records_lost_total{interface=\"$IF\",source=\"scans\"} 0$" "$tmp/metrics" ||
	fail "scan losses: $(grep rxray_records_lost_total "$tmp/metrics")"
grep -q '^rxray_alerts_firing{alert="port_scan",severity="warning"} 0$' "$tmp/metrics" ||
	fail "rxray_alerts_firing: $(grep rxray_alerts_firing "$tmp/metrics")"
rx_stop "$serve_pid"
echo "port_scan: SYN, FIN, UDP and slow scans at Alertmanager within 2 s of their 15th port, resolved after; none for the client"

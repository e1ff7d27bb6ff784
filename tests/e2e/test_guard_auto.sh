#!/usr/bin/env bash
# Automatic blocks live (docs/guard.md, "Automatic blocks"; issue 13): an
# agent with guard-auto = port_scan on the lab's veth, an nmap SYN scan
# from a scanner address of the client's namespace (192.0.2.21, nmap -S),
# and a legitimate client in a third namespace (203.0.113.10, routed
# through the client's) making requests all along. Twice:
#   1. acting: the port_scan alert fires about 192.0.2.21 and the scanner
#      is blocked (owner port_scan, reason "alert port_scan FINGERPRINT")
#      within 1 s of the alert's since, by the agent's own clocks (the
#      alert's since against the audit log's time of the block; the figure
#      is printed, and the time from the scan's 15th unanswered port in the
#      server's capture); the rule (guard list, its "alert") and the audit
#      log's "auto" line carry the alert's fingerprint and evidence
#      (distinct ports, unanswered, first and last seen); then
#      N probes from the scanner are all counted dropped by the rule and
#      none reaches the server (its tcpdump behind XDP);
#   2. guard-auto-dry-run: the same scan only makes a dry-run rule; the
#      alert's action is would_block; N probes are counted would_drop, none
#      dropped, all reach the server, and the scanner still gets an answer.
# The legitimate client is never blocked: every request answered, no rule.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" gau
rx_need nmap tcpdump jq curl
PY=${PYTHON:-/usr/bin/python3}
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
LISTEN=19571 SCANNER=192.0.2.21 LEGIT=203.0.113.10 N=200
NC=$P-c
rx_on_exit() { ip netns del "$NC" 2>/dev/null; }
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-guard-auto-fail}" '*.log' '*.err' '*.json' '*.conf'
rx_lab

# the scanner's address in ns a; a third namespace behind ns a for the legitimate client
ip -n "$NA" addr add $SCANNER/24 dev "${P}a" || fail "scanner address"
ip netns del "$NC" 2>/dev/null
ip netns add "$NC" || fail "netns $NC"
ip link add "${P}c" netns "$NC" type veth peer name "${P}r" netns "$NA" || fail "veth ${P}c"
ip -n "$NC" link set lo up
ip -n "$NC" addr add $LEGIT/24 dev "${P}c"
ip -n "$NA" addr add 203.0.113.1/24 dev "${P}r"
ip -n "$NC" link set "${P}c" up
ip -n "$NA" link set "${P}r" up
ip -n "$NC" route add default via 203.0.113.1
ina sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward"
ip -n "$NB" route add 203.0.113.0/24 via 192.0.2.1 || fail "route to the legitimate client"
rx_demo_api
ip netns exec "$NC" curl -sf -m 2 -o /dev/null http://192.0.2.2:8080/health || fail "the legitimate client cannot reach the server"

guard() { inb "$RXRAY" guard "$@"; }
MAC=$(ip -n "$NB" link show "$IF" | awk '/ether/ { print $2 }')
# probes N: N SYNs from the scanner to 8080 (scapy: an exact count)
probes() {
	ina "$PY" - "$MAC" "$SCANNER" "$1" "${P}a" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, sendp, conf
conf.verb = 0
mac, src, n, ifname = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sendp([Ether(dst=mac) / IP(src=src, dst="192.0.2.2") / TCP(sport=40000 + i % 1000, dport=8080, flags="S")
       for i in range(n)], iface=ifname)
PY
}

# t15 PCAP: the capture time of the scanner's SYN to its 15th distinct port other than 8080 (open)
t15() {
	"$PY" - "$1" <<'PY'
import sys
from scapy.all import TCP, PcapReader
seen, t15 = set(), None
for p in PcapReader(sys.argv[1]):
    if TCP in p and p[TCP].flags == "S" and p[TCP].dport != 8080 and p[TCP].dport not in seen:
        seen.add(p[TCP].dport)
        if len(seen) == 15:
            t15 = float(p.time)
print(t15)
PY
}

# the legitimate client: a request every 0.1 s while the run lasts; its failures counted
legit_loop() {
	local ok=0 bad=0
	while [ ! -e "$tmp/legit.stop" ]; do
		if ip netns exec "$NC" curl -sf -m 1 -o /dev/null http://192.0.2.2:8080/health; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
		sleep 0.1
	done
	echo "$ok $bad" >"$tmp/legit.result"
}

# run NAME DRY: serve with guard-auto (dry run DRY: on/off), the scan, the checks
run() {
	local name=$1 dry=$2 all t15 rule since ts delay ev id fp ok bad want_drop want_would seen got
	rm -f "$tmp/legit.stop" "$tmp/legit.result" "$tmp/audit-$name.log"
	cat >"$tmp/$name.conf" <<CONF
guard-auto = port_scan
guard-auto-dry-run = $dry
guard-log = $tmp/audit-$name.log
CONF
	rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/$name.conf" \
		--control "$SOCK" --alert-log "$tmp/alerts-$name.json" 2>"$tmp/serve-$name.err"
	local serve_pid=$bg_pid
	rx_until rx_scrapes $LISTEN || fail "$name: serve did not start: $(cat "$tmp/serve-$name.err")"
	legit_loop &
	local legit_pid=$!
	pids+=("$legit_pid")
	# the scan as the server's side sees it, for the time of its 15th unanswered port
	rx_bg ip netns exec "$NB" tcpdump -i "$IF" -n -U --immediate-mode -w "$tmp/scan-$name.pcap" "src host $SCANNER" \
		2>"$tmp/tcpdump-scan-$name.err"
	local tscan=$bg_pid
	rx_until grep -q "listening on" "$tmp/tcpdump-scan-$name.err" || fail "$name: tcpdump did not start"
	sleep 0.5
	ina nmap -n -Pn -e "${P}a" -S $SCANNER --max-retries 1 -sS -p 8060-8099 192.0.2.2 >"$tmp/nmap-$name.log" 2>&1 ||
		fail "$name: nmap: $(tail -n 3 "$tmp/nmap-$name.log")"
	# the rule, made by the alert
	rx_until guard list --json >/dev/null
	for _ in $(seq 30); do
		rule=$(guard list --json | jq -c --arg c "$SCANNER/32" '.rules[] | select(.cidr == $c)')
		[ -n "$rule" ] && break
		sleep 0.1
	done
	[ -n "$rule" ] || fail "$name: no rule for $SCANNER after the scan: $(guard list --json | head -c 400); alerts: $(cat "$tmp/alerts-$name.json" 2>/dev/null)"
	echo "$name: rule $(jq -c 'del(.alert.evidence.first_ports)' <<<"$rule")"
	jq -e --argjson d "$([ "$dry" = on ] && echo true || echo false)" \
		'.action == "block" and .owner == "port_scan" and (.reason | test("^alert port_scan [0-9a-f]+$")) and
		.dry_run == $d and .expires > .created' <<<"$rule" >/dev/null || fail "$name: the rule $rule"
	id=$(jq .id <<<"$rule")
	# the alert that made it, its action, and the audit log's evidence
	a=$(jq -s -c --arg s $SCANNER '[.[] | select(.alert == "port_scan" and .state == "firing" and .subject.source == $s)][0]' \
		"$tmp/alerts-$name.json")
	[ "$a" != null ] || fail "$name: no firing port_scan for $SCANNER in the alert log"
	fp=$(jq -r .fingerprint <<<"$a")
	jq -e --arg fp "$fp" '.reason == "alert port_scan " + $fp' <<<"$rule" >/dev/null ||
		fail "$name: the rule's reason $(jq .reason <<<"$rule") is not the alert's fingerprint $fp"
	[ "$(jq -r .action <<<"$a")" = "$([ "$dry" = on ] && echo would_block || echo blocked)" ] ||
		fail "$name: the alert's action $(jq -r .action <<<"$a")"
	ev=$(jq -s -c --argjson id "$id" '[.[] | select(.action == "auto" and .rule.rule.id == $id)][0]' "$tmp/audit-$name.log")
	[ "$ev" != null ] || fail "$name: no auto line for rule $id in the audit log: $(cat "$tmp/audit-$name.log")"
	jq -e --arg fp "$fp" --arg s $SCANNER '.by == "port_scan" and .rule.alert == "port_scan" and
		.rule.subject.source == $s and .rule.evidence.distinct_ports >= 15 and .rule.evidence.unanswered >= 15 and
		.rule.evidence.first_seen <= .rule.evidence.last_seen and .rule.rule.reason == "alert port_scan " + $fp' \
		<<<"$ev" >/dev/null || fail "$name: the audit's evidence $ev"
	# the rule itself carries the alert: its fingerprint, since and evidence
	jq -e --arg fp "$fp" --argjson since "$(jq .since <<<"$a")" '.alert.name == "port_scan" and
		.alert.fingerprint == $fp and .alert.since == $since and .alert.evidence.distinct_ports >= 15 and
		.alert.evidence.unanswered >= 15 and .alert.evidence.first_seen <= .alert.evidence.last_seen' \
		<<<"$rule" >/dev/null || fail "$name: the rule does not carry its alert's evidence: $rule"
	# the agent's own clocks: the alert's since, the block's time in the audit log
	since=$(jq .since <<<"$a")
	ts=$(jq -s --argjson id "$id" '[.[] | select(.action == "block" and .rule.id == $id)][0].ts' "$tmp/audit-$name.log")
	delay=$(jq -n "$ts - $since")
	echo "$name: rule $id made ${delay}s after the alert's since, $(jq -n "$ts - $(jq .rule.evidence.last_seen <<<"$ev")")s after" \
		"the last probe of its evidence ($(jq -c '.rule.evidence | {distinct_ports, unanswered, first_seen, last_seen}' <<<"$ev"))"
	jq -e -n "$delay >= 0 and $delay <= 1" >/dev/null || fail "$name: the rule came ${delay}s after the alert's since (> 1 s)"
	sleep 0.3
	rx_stop "$tscan"
	t15=$(t15 "$tmp/scan-$name.pcap")
	[ "$t15" != None ] || fail "$name: fewer than 15 unanswered ports in the capture"
	delay=$(jq -n "$ts - $t15")
	echo "$name: rule $id made ${delay}s after the scan's 15th unanswered port (the server's capture)"
	jq -e -n "$delay >= 0 and $delay <= 2" >/dev/null || fail "$name: ${delay}s from the 15th port to the rule (> 2 s)"

	# N probes after the rule: dropped at XDP (or only counted, in dry run)
	local d0 w0 d1 w1
	d0=$(jq .dropped <<<"$rule") w0=$(jq .would_drop <<<"$rule")
	rule=$(guard list --json | jq -c --argjson id "$id" '.rules[] | select(.id == $id)')
	d0=$(jq .dropped <<<"$rule") w0=$(jq .would_drop <<<"$rule")
	rx_bg ip netns exec "$NB" tcpdump -Q in -i "$IF" -nn --immediate-mode -w "$tmp/probes-$name.pcap" "src host $SCANNER" \
		2>"$tmp/tcpdump-$name.err"
	local tcpd=$bg_pid
	rx_until grep -q "listening on" "$tmp/tcpdump-$name.err" || fail "$name: tcpdump did not start"
	probes $N
	# until the rule's counts stop moving (in dry run the scanner's resets
	# trail its probes): the capture then holds every packet they count
	local last=- now _
	for _ in $(seq 30); do
		sleep 0.3
		now=$(guard list --json | jq -c --argjson id "$id" '.rules[] | select(.id == $id) | [.dropped, .would_drop]')
		[ "$now" = "$last" ] && break
		last=$now
	done
	sleep 0.3
	rx_stop "$tcpd"
	rule=$(guard list --json | jq -c --argjson id "$id" '.rules[] | select(.id == $id)')
	d1=$(jq .dropped <<<"$rule") w1=$(jq .would_drop <<<"$rule")
	seen=$(tcpdump -nn -r "$tmp/probes-$name.pcap" 'tcp dst port 8080 and tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l)
	# (in dry run the server answers, and the scanner's kernel resets each answer: would_drop too)
	all=$(tcpdump -nn -r "$tmp/probes-$name.pcap" 2>/dev/null | wc -l)
	if [ "$dry" = on ]; then want_drop=0 want_would=$all; else want_drop=$N want_would=0; fi
	echo "$name: $N probes from the scanner: $((d1 - d0)) dropped, $((w1 - w0)) would_drop, $seen reached the server" \
		"($all packets of the scanner in all)"
	[ "$dry" = off ] || [ "$all" -ge $N ] || fail "$name: $all packets of the scanner reached the server, sent $N"
	[ $((d1 - d0)) = "$want_drop" ] || fail "$name: $((d1 - d0)) of $N probes dropped, want $want_drop"
	[ $((w1 - w0)) = "$want_would" ] || fail "$name: $((w1 - w0)) of $N probes would_drop, want $want_would"
	[ "$seen" = $((N - want_drop)) ] || fail "$name: $seen probes reached the server, want $((N - want_drop))"
	got=$(ina curl -s -m 2 --interface $SCANNER -o /dev/null -w '%{http_code}' http://192.0.2.2:8080/health)
	if [ "$dry" = on ]; then
		[ "$got" = 200 ] || fail "$name: the scanner no longer reaches the server in dry run ($got)"
	else
		[ "$got" = 200 ] && fail "$name: the blocked scanner still gets an answer"
	fi
	guard explain $SCANNER | grep -q "^$SCANNER: $([ "$dry" = on ] && echo would_drop || echo drop)" ||
		fail "$name: explain $SCANNER: $(guard explain $SCANNER)"

	# the legitimate client: never blocked
	touch "$tmp/legit.stop"
	wait "$legit_pid"
	read -r ok bad <"$tmp/legit.result"
	echo "$name: the legitimate client: $ok requests answered, $bad failed"
	{ [ "$bad" = 0 ] && [ "$ok" -gt 5 ]; } || fail "$name: the legitimate client: $ok answered, $bad failed"
	guard list --json | jq -e --arg c "$LEGIT/32" '[.rules[] | select(.cidr == $c)] | length == 0' >/dev/null ||
		fail "$name: a rule for the legitimate client"
	guard explain $LEGIT | grep -q "^$LEGIT: pass" || fail "$name: explain $LEGIT: $(guard explain $LEGIT)"
	[ "$(guard list --json | jq '[.rules[] | select(.owner == "port_scan")] | length')" = 1 ] ||
		fail "$name: not one automatic rule: $(guard list --json | jq -c '.rules')"
	rx_stop "$serve_pid"
}

run act off
run dry on
echo "guard-auto: an nmap scan blocked within 1 s of its alert, its probes dropped at XDP; in dry run only counted; the legitimate client never blocked"

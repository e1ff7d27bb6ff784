#!/usr/bin/env bash
# `rxray guard explain ADDR [--port P] [--syn]` (docs/guard.md), live: a
# real agent on the lab's veth with a rule of every kind (allow, deny, a
# dry-run deny, a port cap, a source's own limit, a port's limit, the SYN
# guard). For an address hit by each kind, explain's deciding step, verdict
# and rule are asserted, and then checked against the datapath: packets
# like the explained one are sent (scapy, documentation addresses) and the
# rule that explain named must count them (dropped, would_drop, allowed;
# for limits, at least half of what is over the rate even on a loaded machine),
# while one that explain says passes must leave every counter unchanged.
# `rxray explain` (a packet's story) gives the packet's port and SYN flag
# to the same walk.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" gex
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
PY=${PYTHON:-/usr/bin/python3}
PORT=19493
rx_need jq curl tcpdump
rx_lab

rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$PORT --control "$SOCK" \
	--guard-log "$tmp/audit.log" >"$tmp/serve.out" 2>"$tmp/serve.err"
for _ in $(seq 300); do test -S "$SOCK" && break; sleep 0.1; done
test -S "$SOCK" || fail "no control socket: $(cat "$tmp/serve.err")"

guard() { ip netns exec "$NB" "$RXRAY" guard "$@"; }
add() { guard "$@" --json | jq -r .rule.id; }
# count ID FIELD: a rule's counter (dropped, would_drop, allowed)
count() { guard list --json | jq -r --argjson i "$1" ".rules[] | select(.id == \$i) | .$2"; }
# all: every rule's counters, to show that nothing counted
all() { guard list --json | jq -c '[.rules[] | [.id, .dropped, .would_drop, .allowed]]'; }
metric() { ip netns exec "$NB" curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# ex ADDR [ARGS]: explain's answer as "decides verdict rule"
ex() { guard explain "$@" --json | jq -r '[.decides, .verdict, (.rule.id // 0)] | join(" ")'; }
MAC=$(ip -n "$NB" link show "$IF" | awk '/ether/ { print $2 }')
# send SRC N PORT udp|syn: N packets from SRC to the lab's B, as fast as scapy sends them
send() {
	ip netns exec "$NA" "$PY" - "$MAC" "$1" "$2" "$3" "$4" "${P}a" <<'PY' || fail "scapy send"
import sys
from scapy.all import Ether, IP, IPv6, UDP, TCP, sendp, conf
conf.verb = 0
mac, src, n, dport, kind, ifname = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
l3 = IPv6(src=src, dst="2001:db8::2") if ":" in src else IP(src=src, dst="192.0.2.2")
l4 = UDP(sport=4000, dport=dport) if kind == "udp" else TCP(sport=4000, dport=dport, flags="S")
sendp([Ether(dst=mac) / l3 / l4] * n, iface=ifname)
PY
	sleep 0.3
}
# uncounted WHAT SRC N PORT udp|syn: send, and no rule counts them (explain said pass)
uncounted() {
	local what=$1 before
	shift
	before=$(all)
	send "$@"
	[ "$(all)" = "$before" ] || fail "$what: explain said pass, a rule counted: $before -> $(all)"
}

A=$(add allow 198.51.100.7)
D=$(add block 198.51.100.0/24 --reason "e2e deny")
DRY=$(add block 203.0.113.64/26 --dry-run)
D6=$(add block 2001:db8:dead::/48)
CAP=$(add cap --port 8080 --syn 20/s)
SRC=$(add limit --source 203.0.113.9 --port 18080 --syn 10/s)
LIM=$(add limit --port 9090 --per-source 50/s)
[ -n "$A" ] && [ -n "$LIM" ] || fail "the rules were not made: $(guard list)"

# ---- allow, deny, dry-run deny ---------------------------------------------------------------
[ "$(ex 198.51.100.7)" = "allow pass $A" ] || fail "explain 198.51.100.7: $(ex 198.51.100.7)"
guard explain 198.51.100.7 --json | jq -e ".overrides.id == $D" >/dev/null || fail "explain: the overridden deny rule"
guard explain 198.51.100.7 --json | jq -e '.steps | length == 6 and ([.[].kind] == ["allow","deny","syn_guard","port_cap","source_limit","limit"])' >/dev/null ||
	fail "explain: steps[] not the six kinds in the datapath's order: $(guard explain 198.51.100.7 --json | jq -c .steps)"
send 198.51.100.7 60 9 udp
[ "$(count "$A" allowed)" = 60 ] || fail "allow rule $A passed $(count "$A" allowed) of 60"
[ "$(count "$D" dropped)" = 0 ] || fail "the deny rule dropped an allowed source's packets"
[ "$(ex 198.51.100.9 --port 9)" = "deny drop $D" ] || fail "explain 198.51.100.9: $(ex 198.51.100.9 --port 9)"
guard explain 198.51.100.9 --port 9 >"$tmp/ex.txt"
grep -q "^198.51.100.9 to port 9: drop" "$tmp/ex.txt" && grep -q "^  why: deny rule $D: drops it" "$tmp/ex.txt" &&
	grep -q "^  2\. deny .*rule $D .*<- decides" "$tmp/ex.txt" || fail "explain's text: $(cat "$tmp/ex.txt")"
cat "$tmp/ex.txt"
send 198.51.100.9 70 9 udp
[ "$(count "$D" dropped)" = 70 ] || fail "deny rule $D dropped $(count "$D" dropped) of 70"
[ "$(ex 2001:db8:dead::9)" = "deny drop $D6" ] || fail "explain 2001:db8:dead::9: $(ex 2001:db8:dead::9)"
send 2001:db8:dead::9 30 9 udp
[ "$(count "$D6" dropped)" = 30 ] || fail "IPv6 deny rule $D6 dropped $(count "$D6" dropped) of 30"
[ "$(ex 203.0.113.70)" = "deny would_drop $DRY" ] || fail "explain 203.0.113.70: $(ex 203.0.113.70)"
send 203.0.113.70 40 9 udp
[ "$(count "$DRY" would_drop)" = 40 ] && [ "$(count "$DRY" dropped)" = 0 ] ||
	fail "dry-run rule $DRY: would_drop $(count "$DRY" would_drop) dropped $(count "$DRY" dropped), want 40 and 0"
echo "allow, deny (IPv4, IPv6), dry-run deny: explain's rule counted every packet sent (60, 70, 30, 40)"

# ---- the port cap: SYNs only ---------------------------------------------------------------------
[ "$(ex 192.0.2.50 --port 8080 --syn)" = "port_cap rate_limited_above $CAP" ] ||
	fail "explain 192.0.2.50 --port 8080 --syn: $(ex 192.0.2.50 --port 8080 --syn)"
guard explain 192.0.2.50 --port 8080 --syn --json | jq -e '.steps[3] | .rate == 20 and .unit == "syn/s"' >/dev/null ||
	fail "explain: the cap's rate"
[ "$(ex 192.0.2.50 --port 8080)" = "none pass 0" ] || fail "explain 192.0.2.50 --port 8080 (not a SYN): $(ex 192.0.2.50 --port 8080)"
uncounted "UDP to the capped port" 192.0.2.50 100 8080 udp
send 192.0.2.50 200 8080 syn
c=$(count "$CAP" dropped)
[ "$c" -ge 100 ] || fail "cap rule $CAP dropped $c of 200 SYNs at 20/s"
echo "port cap: UDP to the port passes uncounted as explained; $c of 200 SYNs dropped by rule $CAP"

# ---- a source's own limit, and the port's limit ----------------------------------------------------
[ "$(ex 203.0.113.9 --port 18080 --syn)" = "source_limit rate_limited_above $SRC" ] ||
	fail "explain 203.0.113.9 --port 18080 --syn: $(ex 203.0.113.9 --port 18080 --syn)"
guard explain 203.0.113.9 --port 18080 --syn
[ "$(ex 203.0.113.10 --port 18080 --syn)" = "none pass 0" ] || fail "explain 203.0.113.10: $(ex 203.0.113.10 --port 18080 --syn)"
uncounted "another source's SYNs" 203.0.113.10 100 18080 syn
send 203.0.113.9 100 18080 syn
c=$(count "$SRC" dropped)
[ "$c" -ge 50 ] || fail "source limit $SRC dropped $c of 100 SYNs at 10/s"
[ "$(ex 192.0.2.60 --port 9090)" = "limit rate_limited_above $LIM" ] || fail "explain 192.0.2.60 --port 9090: $(ex 192.0.2.60 --port 9090)"
send 192.0.2.60 300 9090 udp
l=$(count "$LIM" dropped)
[ "$l" -ge 150 ] || fail "port limit $LIM dropped $l of 300 at 50/s"
[ "$(ex 192.0.2.60 --port 9091)" = "none pass 0" ] || fail "explain 192.0.2.60 --port 9091: $(ex 192.0.2.60 --port 9091)"
uncounted "another port" 192.0.2.60 100 9091 udp
echo "source limit: $c of 100 SYNs dropped by rule $SRC, other sources uncounted; port limit: $l of 300 dropped by rule $LIM"

# ---- rxray explain: the packet's port and SYN flag go to the same walk ------------------------------
"$PY" -c 'import sys; from scapy.all import Ether, IP, TCP, UDP, wrpcap
wrpcap(sys.argv[1], [Ether() / IP(src="203.0.113.9", dst="192.0.2.2") / TCP(sport=4000, dport=18080, flags="S"),
                     Ether() / IP(src="203.0.113.9", dst="192.0.2.2") / TCP(sport=4000, dport=18080, flags="A"),
                     Ether() / IP(src="192.0.2.50", dst="192.0.2.2") / TCP(sport=4000, dport=8080, flags="S")])' \
	"$tmp/explain.pcap" || fail "scapy wrpcap"
pex() { "$RXRAY" explain -r "$tmp/explain.pcap" --frame "$1" --json | jq -r '.explain.guard.agent | [.decides, .port, .syn] | join(" ")'; }
[ "$(pex 1)" = "source_limit 18080 true" ] || fail "rxray explain frame 1: $(pex 1)"
[ "$(pex 2)" = "none 18080 false" ] || fail "rxray explain frame 2 (an ACK): $(pex 2)"
[ "$(pex 3)" = "port_cap 8080 true" ] || fail "rxray explain frame 3: $(pex 3)"
"$RXRAY" explain -r "$tmp/explain.pcap" --frame 1 | grep -q "^guard: source_limit rule $SRC" ||
	fail "rxray explain's text: $("$RXRAY" explain -r "$tmp/explain.pcap" --frame 1 | grep guard)"
echo "rxray explain: a SYN and an ACK of one connection, explained by their port and flag"

# ---- the SYN guard: engaged, unproven sources' SYNs drop; a proven one passes ------------------------
for id in $A $D $DRY $D6 $CAP $SRC $LIM; do guard del "$id" >/dev/null || fail "del $id"; done
rx_bg ip netns exec "$NB" "$PY" -m http.server 7071 --bind 192.0.2.2 >/dev/null 2>&1
rx_until ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:7071/ || fail "no HTTP server"
SG=$(add syn-guard --half-open 100/s)
# the lab's A completes a handshake while the guard is on: proven
ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:7071/ || fail "curl before the flood"
[ "$(ex 192.0.2.80 --port 7070 --syn)" = "none pass 0" ] || fail "explain before the SYN guard engaged: $(ex 192.0.2.80 --port 7070 --syn)"
# 6 rounds of 1,008 sources at 500/s (about 12 s), in the background
ip netns exec "$NA" "$PY" tests/lib/synflood.py "${P}a" "$MAC" 192.0.2.2 2001:db8::2 7070 6 500 >"$tmp/flood.out" 2>&1 &
flood=$!
pids+=("$flood")
for _ in $(seq 100); do [ "$(metric rxray_guard_syn_guard_engaged)" = 1 ] && break; sleep 0.1; done
[ "$(metric rxray_guard_syn_guard_engaged)" = 1 ] || fail "the SYN guard did not engage"
[ "$(ex 192.0.2.80 --port 7070 --syn)" = "syn_guard drop $SG" ] || fail "explain while engaged: $(guard explain 192.0.2.80 --port 7070 --syn)"
guard explain 192.0.2.1 --port 7071 --syn --json | jq -e '.decides == "none" and .proven == true and .steps[2].verdict == "proven"' >/dev/null ||
	fail "explain of the proven 192.0.2.1: $(guard explain 192.0.2.1 --port 7071 --syn --json)"
[ "$(ex 192.0.2.80 --port 7070)" = "none pass 0" ] || fail "explain while engaged, not a SYN: $(ex 192.0.2.80 --port 7070)"
# while the flood runs: the unproven source's SYNs all drop at XDP (the rule
# counts them with the flood's; none reaches the host), the proven source connects
rx_bg ip netns exec "$NB" tcpdump -Q in -i "$IF" -nn --immediate-mode -w "$tmp/sg.pcap" src host 192.0.2.80 2>"$tmp/tcpdump.err"
tcpd=$bg_pid
rx_until grep -q "listening on" "$tmp/tcpdump.err" || fail "tcpdump did not start"
b=$(count "$SG" dropped)
send 192.0.2.80 50 7070 syn
a=$(count "$SG" dropped)
eng=$(metric rxray_guard_syn_guard_engaged)
ip netns exec "$NA" curl -sf -o /dev/null --max-time 3 http://192.0.2.2:7071/ || fail "the proven source could not connect while engaged"
rx_stop "$tcpd"
seen=$(tcpdump -nn -r "$tmp/sg.pcap" 2>/dev/null | wc -l)
kill -0 "$flood" 2>/dev/null || echo "(the flood had ended: the guard still engaged by hysteresis)"
wait "$flood"
[ "$eng" = 1 ] || fail "the SYN guard let go during the check"
[ "$seen" = 0 ] || fail "$seen of 192.0.2.80's 50 SYNs reached the host, explain said drop"
[ $((a - b)) -ge 50 ] || fail "syn-guard rule $SG dropped $((a - b)) while 50 unproven SYNs were sent"
echo "SYN guard: engaged; explain says drop for an unproven source (none of its 50 SYNs reached the host; rule $SG dropped $((a - b)) with the flood's), proven for 192.0.2.1 (it connected)"
rx_end "guard explain: every rule kind's decision, as the datapath counts it"

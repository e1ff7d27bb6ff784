#!/usr/bin/env bash
# The SYN guard and per-port SYN caps (docs/guard.md), live: nginx in the
# lab's B, a legitimate client in A running wrk, and a SYN flood at a set
# rate from 1,008 documentation addresses (198.51.100.0/24, 203.0.113.0/24,
# 2001:db8:5::/48; tests/lib/synflood.py, scapy) into the same veth.
# * the SYN guard engages past its half-open threshold (audit log, metrics),
#   drops the SYNs of sources that never completed a handshake at XDP, and
#   counts them: the rule's drops + the flood SYNs tcpdump saw behind XDP =
#   the SYNs sent; every rate_limited drop is the flood's;
# * wrk's success rate through the flood is >= 99.9 % (non-2xx and socket
#   errors over requests); the legitimate source is never dropped;
# * the guard lets go after the flood (hysteresis), audit line and metric;
# * a cap of N SYN/s on a port, 5x N sent from 1,008 sources: the SYNs
#   admitted behind XDP are N +- 5 % over the window;
# * bad input: one line, exit 2.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" syg
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
PY=/usr/bin/python3
PORT=19591
HALF=400   # half-open handshakes/s that engage the SYN guard
FLOOD=2000 # the flood's SYNs a second
CAP=200    # the port cap's SYNs a second
rx_need jq tcpdump wrk curl nginx
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-syg-fail}" '*.log' '*.err' '*.out' '*.conf'

rx_nginx <<EOF
	access_log off;
	server {
		listen 192.0.2.2:8080;
		listen 192.0.2.2:8081;
		location / { default_type text/plain; return 200 "ok\n"; }
	}
EOF

cat >"$tmp/serve.conf" <<EOF
guard-log = $tmp/audit.log
guard-syn-guard = $HALF/s
EOF
rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$PORT --control "$SOCK" \
	--config "$tmp/serve.conf" --alert-log "$tmp/alerts.log" 2>"$tmp/serve.err"
for _ in $(seq 300); do test -S "$SOCK" && break; sleep 0.1; done
test -S "$SOCK" || fail "no control socket: $(cat "$tmp/serve.err")"

guard() { ip netns exec "$NB" "$RXRAY" guard "$@"; }
metric() { ip netns exec "$NB" curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
rule() { guard list --json | jq -r ".rules[] | select(.action == \"$1\") | .$2"; }

[ "$(rule syn-guard half_open)" = $HALF ] || fail "guard list: no syn-guard rule of $HALF/s: $(guard list --json)"
[ "$(metric rxray_guard_syn_guard_engaged)" = 0 ] || fail "engaged before any flood"

# ---- bad input ----------------------------------------------------------------------------
bad() {
	local out rc
	out=$(guard "$@" 2>&1)
	rc=$?
	[ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "guard $*: exit $rc, '$out' (want one line, exit 2)"
}
bad cap --port 8081
bad cap --syn 10/s
bad cap --port 0 --syn 10/s
bad cap --port 8081 --syn 0/s
bad syn-guard --syn 5/s
bad syn-guard --half-open x/s
bad syn-guard --half-open 100/s # one SYN guard: the rule exists
bad limit --per-source 10/s --half-open 5/s
echo "bad input: 8 cases, one line and exit 2 each"

# ---- the SYN guard under a flood, wrk running -------------------------------------------
mac=$(inb cat /sys/class/net/"$IF"/address)
# the legitimate client completes handshakes before the flood (and wrk's connections)
ina curl -sf -o /dev/null http://192.0.2.2:8080/ || fail "curl before the flood"
rx_bg ip netns exec "$NB" tcpdump -Q in -i "$IF" -nn --immediate-mode -B 16384 -w "$tmp/flood.pcap" \
	"(src net 198.51.100.0/24 or src net 203.0.113.0/24 or src net 2001:db8:5::/48) and dst port 8080" 2>"$tmp/tcpdump.err"
tcpd=$bg_pid
rx_until grep -q "listening on" "$tmp/tcpdump.err" || fail "tcpdump did not start"
rx_bg ip netns exec "$NA" wrk -t2 -c16 -d12s --latency http://192.0.2.2:8080/ >"$tmp/wrk.out" 2>&1
wrk_pid=$bg_pid
sleep 2
# 8 rounds of 1,008 sources: 8,064 SYNs at FLOOD/s (about 4 s)
flood=$(ina "$PY" tests/lib/synflood.py "${P}a" "$mac" 192.0.2.2 2001:db8::2 8080 8 $FLOOD) || fail "synflood.py"
read -r _ n_flood secs_flood <<<"$flood"
wait "$wrk_pid"
sleep 0.5
rx_stop "$tcpd"
echo "flood: $n_flood SYNs from 1008 addresses in ${secs_flood}s ($(awk -v n="$n_flood" -v s="$secs_flood" 'BEGIN { printf "%.0f", n / s }')/s)"
grep -q '"action":"engage"' "$tmp/audit.log" || fail "no engage line in the audit log: $(cat "$tmp/audit.log")"
[ "$(metric rxray_guard_syn_guard_engagements_total)" -ge 1 ] || fail "rxray_guard_syn_guard_engagements_total 0"
dropped=$(rule syn-guard dropped)
seen=$(tcpdump -nn -r "$tmp/flood.pcap" 2>/dev/null | wc -l)
kdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/tcpdump.err")
echo "SYN guard: $dropped of $n_flood flood SYNs dropped at XDP, $seen passed before it engaged (tcpdump lost ${kdrop:-?})"
[ $((dropped + seen)) = "$n_flood" ] || fail "dropped $dropped + passed $seen != sent $n_flood"
awk -v d="$dropped" -v n="$n_flood" 'BEGIN { exit !(d >= 0.9 * n) }' || fail "only $dropped of $n_flood flood SYNs dropped"
lim=$(metric 'rxray_packets_total{interface="'"$IF"'",verdict="drop",reason="rate_limited"}')
[ "$lim" = "$dropped" ] || fail "rate_limited drops $lim != the SYN guard's $dropped: another source was dropped"
[ "$(metric 'rxray_guard_dropped_packets_total{owner="config",reason="syn_guard"}')" = "$dropped" ] ||
	fail "rxray_guard_dropped_packets_total{reason=syn_guard} != $dropped"
# wrk: requests, non-2xx, socket errors
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$tmp/wrk.out")
sockerr=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$tmp/wrk.out" |
	awk '{ print $1 + $2 + $3 + $4 }')
p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
[ -n "$reqs" ] && [ "$reqs" -gt 0 ] || fail "wrk made no requests: $(cat "$tmp/wrk.out")"
errs=$((${non2xx:-0} + ${sockerr:-0}))
ok=$(awk -v r="$reqs" -v e="$errs" 'BEGIN { printf "%.4f", 100 * (r - e) / r }')
echo "wrk through the flood: $reqs requests, $errs failed: $ok % success, p99 $p99"
awk -v r="$reqs" -v e="$errs" 'BEGIN { exit !(e <= 0.001 * r) }' || fail "wrk success $ok % < 99.9 %"
# the guard lets go: under half the threshold for RX_SYNGUARD_HOLD_S (3 s)
for _ in $(seq 80); do [ "$(metric rxray_guard_syn_guard_engaged)" = 0 ] && break; sleep 0.1; done
[ "$(metric rxray_guard_syn_guard_engaged)" = 0 ] || fail "still engaged 8 s after the flood"
grep -q '"action":"disengage"' "$tmp/audit.log" || fail "no disengage line in the audit log"
grep -q "SYN guard engaged" "$tmp/serve.err" || fail "serve did not say it engaged"
echo "SYN guard: engaged, then let go after the flood (audit log, metrics)"

# ---- a per-port cap ---------------------------------------------------------------------------
guard del "$(rule syn-guard id)" >/dev/null || fail "del the syn-guard rule"
guard cap --port 8081 --syn $CAP/s --reason "e2e cap" >/dev/null || fail "guard cap"
[ "$(rule cap syn)" = $CAP ] || fail "guard list: no cap of $CAP/s"
rx_bg ip netns exec "$NB" tcpdump -Q in -i "$IF" -nn --immediate-mode -tt -B 16384 -w "$tmp/cap.pcap" \
	"dst port 8081 and (src net 198.51.100.0/24 or src net 203.0.113.0/24 or src net 2001:db8:5::/48)" 2>"$tmp/tcpdump2.err"
tcpd=$bg_pid
rx_until grep -q "listening on" "$tmp/tcpdump2.err" || fail "tcpdump did not start"
# 5x the cap: 5 rounds of 1,008 SYNs at 5 * CAP/s (about 5 s)
flood=$(ina "$PY" tests/lib/synflood.py "${P}a" "$mac" 192.0.2.2 2001:db8::2 8081 5 $((5 * CAP))) || fail "synflood.py"
read -r _ n_cap secs_cap <<<"$flood"
sleep 0.5
rx_stop "$tcpd"
read -r n span < <(tcpdump -tt -nn -r "$tmp/cap.pcap" 2>/dev/null |
	awk 'NR == 1 { f = $1 } { l = $1; n++ } END { printf "%d %.6f\n", n, l - f }')
# the admitted rate: the SYNs less the burst (1/20 s of the cap), over their span
rate=$(awk -v n="$n" -v s="$span" -v c=$CAP 'BEGIN { printf "%.1f", (n - c / 20) / s }')
capd=$(rule cap dropped)
echo "cap $CAP/s: $n_cap SYNs sent in ${secs_cap}s, $n admitted over ${span}s = $rate/s, $capd dropped"
awk -v r="$rate" -v c=$CAP 'BEGIN { exit !(r >= 0.95 * c && r <= 1.05 * c) }' || fail "capped rate $rate/s, want $CAP +- 5 %"
[ $((capd + n)) = "$n_cap" ] || fail "cap dropped $capd + admitted $n != sent $n_cap"
[ "$(metric 'rxray_guard_dropped_packets_total{owner="manual",reason="port_cap"}')" = "$capd" ] ||
	fail "rxray_guard_dropped_packets_total{reason=port_cap} != $capd"
grep -q '"action":"cap"' "$tmp/audit.log" || fail "no cap line in the audit log"
rx_end "SYN guard and port cap"

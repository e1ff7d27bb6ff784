#!/usr/bin/env bash
# The alerts outside serve: the detectors (default thresholds) run by the
# views themselves, live, on a SYN flood from 1,008 documentation addresses
# (tests/lib/synflood.py, scapy) into the lab.
#   1. `stats -i IF --duration 7 --json` (attached itself, no agent): its
#      `alerts` holds syn_flood (firing, subject interface IF, the flood's
#      subnets in the evidence; and the flooded port's own, 8080/tcp); a run without a flood has `alerts` [].
#   2. `top -i IF` in a real terminal (tmux, 100x30): no ALERT line on quiet
#      traffic, then "ALERT critical syn_flood" above the key line within
#      3 s of the flood, the key line still the last line.
#   bash tests/e2e/test_alert_views.sh BUILD
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" alv
rx_need tmux jq
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { echo "scapy is missing (python3-scapy)"; exit 77; }
SOCK=rxray-alv-$$ # a tmux server of our own
rx_on_exit() { tmux -L "$SOCK" kill-server 2>/dev/null; [ -n "${RX_KEEP_DIR:-}" ] && cp "$tmp"/*.json "$RX_KEEP_DIR"/ 2>/dev/null; }
tm() { tmux -L "$SOCK" "$@"; }
rx_soft_fails
export RXRAY_AGENT=$tmp/no-agent.sock # never an agent's counters: the views attach themselves
rx_lab
mac=$(ip netns exec "$NB" cat /sys/class/net/"$IF"/address)
flood() { ip netns exec "$NA" /usr/bin/python3 tests/lib/synflood.py "$IF_A" "$mac" 192.0.2.2 2001:db8::2 8080 "$1" >/dev/null ||
	fail "synflood.py"; }
IF_A=${P}a
# detached: no XDP program on IF (the last run's link goes a moment after its process)
detached() {
	local _
	for _ in $(seq 200); do
		ip -n "$NB" link show "$IF" | grep -q 'prog/xdp' || return 0
		sleep 0.05
	done
	return 1
}
# attached: an XDP program on IF (loading and verifying take a while on a busy machine)
attached() {
	local _
	for _ in $(seq 200); do
		ip -n "$NB" link show "$IF" | grep -q 'prog/xdp' && return 0
		sleep 0.05
	done
	return 1
}

# ---- 1. stats -i --duration: quiet, then a flood ------------------------------------
ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 4 --json >"$tmp/quiet.json" 2>"$tmp/quiet.err" &
sp=$!
attached || fail "stats -i: not attached after 10 s"
ip netns exec "$NA" ping -n -q -c 20 -i 0.1 192.0.2.2 >/dev/null
wait $sp || fail "stats -i (quiet): $(cat "$tmp/quiet.err")"
jq -e '.alerts == [] and .packets >= 20' "$tmp/quiet.json" >/dev/null ||
	fail "stats -i without a flood: alerts $(jq -c '.alerts' "$tmp/quiet.json")"

detached || fail "the quiet run's XDP program still attached after 10 s"
ip netns exec "$NB" "$RXRAY" stats -i "$IF" --duration 7 --json >"$tmp/flood.json" 2>"$tmp/flood.err" &
sp=$!
attached || fail "stats -i: not attached after 10 s"
sleep 2
flood 3
wait $sp || fail "stats -i (flood): $(cat "$tmp/flood.err")"
# the interface's syn_flood (the flooded port, 8080/tcp, has its own: alerts.md, "Per port")
jq -e --arg i "$IF" '[.alerts[] | select(.subject.service == null)] | length == 1 and .[0].alert == "syn_flood" and .[0].severity == "critical"
	and .[0].subject.interface == $i and (.[0].fingerprint | length) == 16
	and ([(.[0].evidence.top_subnets // (.[0].annotations.evidence | fromjson).top_subnets)[].subnet]
	     | index("198.51.100.0/24") != null)' "$tmp/flood.json" >/dev/null ||
	fail "stats -i --duration during a SYN flood: alerts $(jq -c '.alerts' "$tmp/flood.json" | head -c 600)"
jq -e '.alerts | any(.alert == "syn_flood" and .subject.service == "8080/tcp")' "$tmp/flood.json" >/dev/null ||
	fail "stats -i: no syn_flood for 8080/tcp: $(jq -c '[.alerts[].subject]' "$tmp/flood.json")"
echo "stats -i: $(jq -r '.alerts[] | "\(.alert) \(.state): \(.annotations.summary)"' "$tmp/flood.json")"

# ---- 2. top -i: the firing alert above the key line ----------------------------------
detached || fail "stats' XDP program still attached after 10 s"
tm new-session -d -s alv -x 100 -y 30 -e LANG=C -e LC_ALL=C \
	"ip netns exec $NB $RXRAY top -i $IF 2>$tmp/top.err; echo \$? >$tmp/top.rc" || fail "tmux new-session"
for _ in $(seq 100); do
	tm capture-pane -p -t alv 2>/dev/null | head -n 1 | grep -q '^rxray top ' && break
	sleep 0.05
done
attached || fail "top: not attached after 10 s"
ip netns exec "$NA" ping -n -q -c 20 -i 0.1 192.0.2.2 >/dev/null
tm capture-pane -p -t alv >"$tmp/quiet.screen"
grep -q '^rxray top ' "$tmp/quiet.screen" || fail "top: no dashboard: $(cat "$tmp/top.err")"
grep -q 'ALERT' "$tmp/quiet.screen" && fail "top: an ALERT line on quiet traffic: $(grep ALERT "$tmp/quiet.screen")"
flood 3
t0=$(date +%s.%N)
shown=''
for _ in $(seq 60); do
	tm capture-pane -p -t alv >"$tmp/flood.screen"
	if grep -q '^ ALERT critical syn_flood: SYN flood' "$tmp/flood.screen"; then
		shown=$(date +%s.%N)
		break
	fi
	sleep 0.05
done
[ -n "$shown" ] || fail "top: no ALERT line 3 s after the flood: $(cat "$tmp/flood.screen")"
lines=$(wc -l <"$tmp/flood.screen")
tail -n 1 "$tmp/flood.screen" | grep -q '^q quit' || fail "top: the key line is not the last: $(tail -n 2 "$tmp/flood.screen")"
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/flood.screen")" -le 100 ] ||
	fail "top: a line wider than the terminal"
[ "$lines" -le 30 ] || fail "top: $lines lines on a 30-line terminal"
[ -n "$shown" ] && echo "top: $(grep -m1 ALERT "$tmp/flood.screen" | cut -c1-90) ($(jq -n "$shown - $t0" | cut -c1-4)s after the flood)"
tm send-keys -t alv q
for _ in $(seq 40); do
	[ -s "$tmp/top.rc" ] && break
	sleep 0.05
done
[ "$(cat "$tmp/top.rc" 2>/dev/null)" = 0 ] || fail "top: exit '$(cat "$tmp/top.rc" 2>/dev/null)' after q"
rx_end "alert views: stats -i and top -i show a live syn_flood, none on quiet traffic"

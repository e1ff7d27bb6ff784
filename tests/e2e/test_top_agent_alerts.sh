#!/usr/bin/env bash
# top over a running agent shows the agent's own alerts (its detectors,
# with its configured thresholds), not those of top's default detectors:
# serve with alert-syn-half-open = 20 and alert-syn-port-half-open = 1e9,
# then 40 SYNs a second for 5 s to a closed port (hping3, from a
# documentation address): under the default thresholds (200 a second) no
# syn_flood, under the agent's one. In a real terminal (tmux, 100x30),
# `top` over the agent shows "ALERT critical syn_flood" while `rxray
# alerts` says it fires, and no ALERT line before the SYNs.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" tpa
rx_need jq tmux hping3
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
LISTEN=19573
TM=rxray-tpa-$$ # a tmux server of our own
rx_on_exit() { tmux -L "$TM" kill-server 2>/dev/null; }
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-top-agent-alerts-fail}" '*.json' '*.err' '*.screen' '*.conf'
tm() { tmux -L "$TM" "$@"; }
rx_lab

printf '%s\n' "alert-syn-half-open = 20" "alert-syn-port-half-open = 1e9" "alert-resolve-after = 30" >"$tmp/rxray.conf"
rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/rxray.conf" \
	--control "$SOCK" --alert-log "$tmp/alerts.json" 2>"$tmp/serve.err"
rx_until rx_scrapes $LISTEN || fail "serve did not start: $(cat "$tmp/serve.err")"

tm new-session -d -s tpa -x 100 -y 30 \
	"RXRAY_AGENT=$SOCK ip netns exec $NB $RXRAY top -i $IF 2>$tmp/top.err; echo \$? >$tmp/top.rc" || fail "tmux new-session"
for _ in $(seq 100); do
	tm capture-pane -p -t tpa 2>/dev/null | head -n 1 | grep -q '^rxray top ' && break
	sleep 0.1
done
sleep 2
tm capture-pane -p -t tpa >"$tmp/quiet.screen"
grep -q '^rxray top ' "$tmp/quiet.screen" || fail "top: no dashboard: $(cat "$tmp/top.err")"
grep -q 'ALERT' "$tmp/quiet.screen" && fail "top: an ALERT line before the SYNs: $(grep ALERT "$tmp/quiet.screen")"

# 40 SYNs a second for 5 s from 192.0.2.1 to a closed port: half-open 40/s, none completed
ina hping3 -q -S -p 9999 -i u25000 -c 200 192.0.2.2 >"$tmp/hping.log" 2>&1
firing() { jq -e -s 'any(.[]; .alert == "syn_flood" and .state == "firing")' "$tmp/alerts.json" >/dev/null 2>&1; }
rx_until firing || fail "the agent raised no syn_flood at 40 half-open/s (threshold 20): $(cat "$tmp/alerts.json")"
inb "$RXRAY" alerts --json >"$tmp/agent-alerts.json" 2>"$tmp/alerts.err" || fail "rxray alerts: $(cat "$tmp/alerts.err")"
shown=
for _ in $(seq 30); do
	tm capture-pane -p -t tpa >"$tmp/flood.screen"
	grep -q '^ ALERT critical syn_flood' "$tmp/flood.screen" && shown=1 && break
	sleep 0.1
done
[ -n "$shown" ] || fail "top over the agent: no ALERT line for the agent's syn_flood: $(cat "$tmp/flood.screen")"
[ -n "$shown" ] && echo "top over the agent: $(grep -m1 ALERT "$tmp/flood.screen" | cut -c1-90)"
# the default detectors (top's own, 200 a second) would not have fired on 40 a second
half=$(jq -s '[.[] | select(.alert == "syn_flood" and .state == "firing")][0].evidence.half_open_per_s' "$tmp/alerts.json")
jq -en "$half < 200" >/dev/null && echo "the agent's syn_flood at $half half-open/s, under the default 200" ||
	fail "half-open $half/s: the default threshold would have fired too"
tm send-keys -t tpa q
for _ in $(seq 50); do
	[ -s "$tmp/top.rc" ] && break
	sleep 0.1
done
[ "$(cat "$tmp/top.rc" 2>/dev/null)" = 0 ] || fail "top: exit '$(cat "$tmp/top.rc" 2>/dev/null)' after q"
rx_end "top over the agent: the agent's own syn_flood (its threshold 20/s) on the ALERT line"

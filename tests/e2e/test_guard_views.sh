#!/usr/bin/env bash
# The guard in top and stats (docs/guard.md, "In top and stats"): over a
# running agent with rules of three owners (config, manual, a dry-run one),
# known packets from documentation addresses (scapy), then
#   * stats -i --json (a rate limit too): the guard object's rules by owner, dropped and
#     would_drop by reason (in all and by owner) equal the agent's
#     rxray_guard_* metrics, and its keys are in docs/json.md;
#   * stats -i (text): the guard section with the same numbers;
#   * top over the agent (tmux): the GUARD line shows the state, the rules
#     by owner as rxray_guard_rules, the totals as the metrics, and while a
#     blocked source sends 100 packets/s, dropped about 100/s; after
#     `guard dry-run on` it says dry-run and counts would-drop per second.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" gauv
rx_need jq tmux
PY=${PYTHON:-/usr/bin/python3}
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
LISTEN=19572
TM=rxray-gauv-$$ # a tmux server of our own
rx_on_exit() { tmux -L "$TM" kill-server 2>/dev/null; }
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-guard-views-fail}" '*.json' '*.err' '*.txt' '*.screen' '*.metrics'
tm() { tmux -L "$TM" "$@"; }
rx_lab

cat >"$tmp/rxray.conf" <<CONF
guard-block = 198.51.100.0/24
guard-block = 2001:db8:bad::/48
CONF
rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/rxray.conf" \
	--control "$SOCK" 2>"$tmp/serve.err"
rx_until rx_scrapes $LISTEN || fail "serve did not start: $(cat "$tmp/serve.err")"
guard() { inb "$RXRAY" guard "$@"; }
guard block 203.0.113.0/26 --reason views >/dev/null || fail "guard block"
guard block 203.0.113.64/26 --dry-run >/dev/null || fail "guard block --dry-run"
guard limit --port 7777 --per-source 100/s >/dev/null || fail "guard limit"

MAC=$(ip -n "$NB" link show "$IF" | awk '/ether/ { print $2 }')
# send SRC N [RATE [DPORT]]: N UDP packets from SRC to the lab's B (RATE a second: spaced; 0: at once)
send() {
	ina "$PY" - "$MAC" "$1" "$2" "${3:-0}" "${P}a" "${4:-9}" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, sendp, conf
conf.verb = 0
mac, src, n, rate, ifname = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
dport = int(sys.argv[6])
sendp([Ether(dst=mac) / IP(src=src, dst="192.0.2.2") / UDP(sport=4000, dport=dport) / b"guard"] * n,
      iface=ifname, inter=1 / rate if rate else 0)
PY
}
metrics() { inb curl -sf "http://127.0.0.1:$LISTEN/metrics" >"$tmp/now.metrics" || fail "GET /metrics"; }
# m FAMILY LABEL-FILTER: the sum of FAMILY's samples whose labels contain LABEL-FILTER
m() { awk -v f="$1" -v l="$2" 'index($1, f "{") == 1 && (l == "" || index($1, l)) { s += $2 } END { printf "%d\n", s }' "$tmp/now.metrics"; }

send 198.51.100.9 300   # config: dropped
send 203.0.113.9 200    # manual: dropped
send 203.0.113.70 150   # manual, dry run: would_drop
send 192.0.2.1 50       # no rule
send 192.0.2.1 400 0 7777 # over the limit at once: rate_limited, all but a burst
sleep 0.5

# ---- stats -i --json and text ------------------------------------------------------------------
inb "$RXRAY" stats -i "$IF" --duration 1 --json >"$tmp/stats.json" 2>"$tmp/stats.err" || fail "stats -i --json: $(cat "$tmp/stats.err")"
inb "$RXRAY" stats -i "$IF" --duration 1 >"$tmp/stats.txt" 2>"$tmp/stats-text.err" || fail "stats -i: $(cat "$tmp/stats-text.err")"
metrics
g=$(jq -c .guard "$tmp/stats.json")
echo "stats -i --json: guard $g"
[ "$g" != null ] || fail "no guard object in stats -i --json: $(head -c 300 "$tmp/stats.json")"
for owner in config manual; do
	want=$(m rxray_guard_rules "owner=\"$owner\"")
	[ "$(jq ".owners.$owner.rules" <<<"$g")" = "$want" ] || fail "guard.owners.$owner.rules != rxray_guard_rules $want"
	for reason in blocked rate_limited; do
		for w in dropped would_drop; do
			want=$(m "rxray_guard_${w}_packets_total" "owner=\"$owner\",reason=\"$reason\"")
			[ "$(jq ".owners.$owner.$w.$reason" <<<"$g")" = "$want" ] ||
				fail "guard.owners.$owner.$w.$reason = $(jq ".owners.$owner.$w.$reason" <<<"$g"), metrics $want"
		done
	done
done
for reason in blocked rate_limited; do
	for w in dropped would_drop; do
		want=$(m "rxray_guard_${w}_packets_total" "reason=\"$reason\"")
		[ "$(jq ".$w.$reason" <<<"$g")" = "$want" ] || fail "guard.$w.$reason = $(jq ".$w.$reason" <<<"$g"), metrics $want"
	done
done
jq -e '.on == true and .dry_run == false and .rules == 5 and .dropped.blocked == 500 and
	.would_drop.blocked == 150 and .owners.config.dropped.blocked == 300 and .owners.manual.rules == 3 and
	.dropped.rate_limited > 300 and .dropped.rate_limited < 400' <<<"$g" >/dev/null ||
	fail "the guard object's numbers: $g (sent 300 + 200 blocked, 150 dry run, 400 over a limit)"
# every key of the guard object is documented (docs/json.md, "stats --json")
for k in $(jq -r '.guard | paths(scalars) | map(if type == "number" then "[]" else . end) | join(".")' "$tmp/stats.json" |
	sed -E 's/^owners\.[^.]+\./owners.*./'); do
	grep -qF "| \`guard.$k\` |" "${0%/*}/../../docs/json.md" || fail "guard.$k is not in docs/json.md"
done
grep -q '^guard (the agent' "$tmp/stats.txt" || fail "no guard section in stats -i: $(tail -n 12 "$tmp/stats.txt")"
read -r _ db dl wb wl <<<"$(grep -E '^  all ' "$tmp/stats.txt")"
[ "$db $dl $wb $wl" = "500 $(jq .dropped.rate_limited <<<"$g") 150 0" ] || fail "stats -i text, guard line 'all': $db $dl $wb $wl"
grep -qE '^  config +2 +300 +0 +0 +0$' "$tmp/stats.txt" || fail "stats -i text, config: $(grep -E '^  config' "$tmp/stats.txt")"
echo "stats -i: the guard object and section equal rxray_guard_* (500 blocked, $(jq .dropped.rate_limited <<<"$g") rate_limited, 150 would_drop, 5 rules)"

# ---- top over the agent ------------------------------------------------------------------------
tm new-session -d -s top -x 160 -y 40 -e LANG=C.UTF-8 -e "RXRAY_AGENT=$SOCK" \
	"ip netns exec $NB $RXRAY top -i $IF 2>$tmp/top.err; echo \$? >$tmp/top.rc" || fail "tmux new-session"
guard_line() { tm capture-pane -p -t top | grep -E '^ GUARD '; }
rx_until guard_line >/dev/null || fail "top: no GUARD line: $(tm capture-pane -p -t top | tail -n 5) $(cat "$tmp/top.err")"
# flowing FAMILY N: FAMILY's total over N (a flow started: scapy takes its time to start)
flowing() { metrics && [ "$(m "$1" '')" -gt "$2" ]; }
# rate_over FAMILY: FAMILY's packets per second over the next 1.2 s, by the metrics
rate_over() {
	local n0 n1 t0 t1
	metrics && n0=$(m "$1" '') t0=$(date +%s.%N)
	sleep 1.2
	metrics && n1=$(m "$1" '') t1=$(date +%s.%N)
	awk -v a="$n0" -v b="$n1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f\n", (b - a) / (e - s) }'
}
# near RATE MEASURED: top's RATE within 25 % (and 5/s) of the metrics' over the same second
near() { awk -v r="$1" -v m="$2" 'BEGIN { d = r - m; if (d < 0) d = -d; exit !(m >= 30 && d <= 0.25 * m + 5) }'; }
# a blocked source at 100 packets/s for 6 s; top's line 2.5 s into it
metrics
base=$(m rxray_guard_dropped_packets_total '')
send 203.0.113.9 600 100 &
sender=$!
rx_until flowing rxray_guard_dropped_packets_total "$base" || fail "the flow did not start"
sleep 1.5
measured=$(rate_over rxray_guard_dropped_packets_total)
tm capture-pane -p -t top >"$tmp/top-flow.screen"
wait "$sender"
sleep 2.5
tm capture-pane -p -t top >"$tmp/top-after.screen"
metrics
line=$(grep -E '^ GUARD ' "$tmp/top-flow.screen")
rate=$(sed -nE 's/.*dropped ([0-9.]+)\/s.*/\1/p' <<<"$line")
echo "top, while about 100 packets/s are blocked: $line (the metrics: $measured/s)"
near "$rate" "$measured" || fail "top: dropped ${rate}/s, the metrics $measured/s"
line=$(grep -E '^ GUARD ' "$tmp/top-after.screen")
echo "top, after: $line"
grep -qF "GUARD on  rules $(m rxray_guard_rules '') (" <<<"$line" || fail "top: '$line', want 'GUARD on  rules $(m rxray_guard_rules '')'"
for owner in manual config; do
	want="$owner $(m rxray_guard_rules "owner=\"$owner\"")"
	grep -qE "(\(|, )${want}(,|\))" <<<"$line" || fail "top: '$line', want '$want' (rxray_guard_rules)"
done
want="(total $(m rxray_guard_dropped_packets_total ''), $(m rxray_guard_would_drop_packets_total ''))"
grep -qF "$want" <<<"$line" || fail "top: '$line', want totals $want"
grep -qF "dropped 0/s" <<<"$line" || fail "top: dropped per second after the flow: $line"
# the global dry run: the state, and would-drop per second
guard dry-run on >/dev/null || fail "guard dry-run on"
metrics
base=$(m rxray_guard_would_drop_packets_total '')
send 198.51.100.9 400 100 &
sender=$!
rx_until flowing rxray_guard_would_drop_packets_total "$base" || fail "the dry-run flow did not start"
sleep 1.5
measured=$(rate_over rxray_guard_would_drop_packets_total)
tm capture-pane -p -t top >"$tmp/top-dry.screen"
wait "$sender"
line=$(grep -E '^ GUARD ' "$tmp/top-dry.screen")
rate=$(sed -nE 's/.*would-drop ([0-9.]+)\/s.*/\1/p' <<<"$line")
echo "top, global dry run, about 100 packets/s: $line (the metrics: $measured/s)"
grep -q "^ GUARD dry-run " <<<"$line" || fail "top: not dry-run: $line"
near "$rate" "$measured" || fail "top: would-drop ${rate}/s, the metrics $measured/s"
tm send-keys -t top q
rx_until test -e "$tmp/top.rc" || fail "top did not quit"
[ "$(cat "$tmp/top.rc")" = 0 ] || fail "top exited $(cat "$tmp/top.rc"): $(cat "$tmp/top.err")"
echo "top: the GUARD line's rules and totals equal rxray_guard_*, its rates the packets sent"

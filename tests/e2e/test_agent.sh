#!/usr/bin/env bash
# stats -i uses a running agent (no second attachment): through the 0600
# control socket it reports exactly the packets sent during its window.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxag
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
rx_lab

# the agent's settings from a configuration file (docs/config.md)
cat >"$tmp/serve.conf" <<CONF
# test agent
interface = $IF
listen = 127.0.0.1:19468   # not the default port
control = $SOCK
top = 5
CONF
rx_bg ip netns exec $P-b "$RXRAY" serve --config "$tmp/serve.conf" 2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until test -S "$SOCK"
[ -S "$SOCK" ] || fail "no control socket: $(cat "$tmp/serve.err")"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "control socket mode $(stat -c %a "$SOCK"), want 600"

# traffic before the window must not count
ip netns exec $P-a ping -c 4 -i 0.05 -q 192.0.2.2 >/dev/null
ip netns exec $P-b "$RXRAY" stats -i $IF --duration 3 --json >"$tmp/stats.json" 2>"$tmp/stats.err" &
stats_pid=$!
sleep 0.5
ip netns exec $P-a ping -c 6 -i 0.05 -q 192.0.2.2 >/dev/null
wait $stats_pid || fail "stats -i exited $?: $(cat "$tmp/stats.err")"
grep -q "reading the running agent" "$tmp/stats.err" || fail "stats did not use the agent: $(cat "$tmp/stats.err")"
icmp=$(jq '.protocols.icmp' "$tmp/stats.json")
[ "$icmp" = 6 ] || fail "stats -i via the agent: icmp $icmp, sent 6 in its window"
jq -e '.talkers[] | select(.address == "192.0.2.1" and .packets == 6)' "$tmp/stats.json" >/dev/null ||
	fail "talker 192.0.2.1 with 6 packets missing"
# only the agent's one XDP program is attached, and it kept serving
n=$(ip netns exec $P-b bpftool net show dev $IF | sed -n '/^xdp:/,/^$/p' | grep -c " id ")
[ "$n" = 1 ] || fail "$n XDP programs attached"
kill -0 $serve_pid || fail "the agent died"
ip netns exec $P-b curl -sf http://127.0.0.1:19468/metrics >"$tmp/m" || fail "listen from the config file"
n=$(grep -c '^rxray_talker_packets_total' "$tmp/m")
[ "$n" -le 6 ] || fail "top = 5 from the config file: $n talker series"

# an agent that does not watch the interface: stats attaches by itself
ip netns exec $P-b "$RXRAY" stats -i lo --duration 1 --json >/dev/null 2>"$tmp/lo.err" ||
	fail "stats -i lo beside the agent: $(cat "$tmp/lo.err")"
grep -q "reading the running agent" "$tmp/lo.err" && fail "lo is not the agent's"

# the same interface name in another network namespace is another interface
ip -n $P-a link add $IF type veth peer name ${P}z && ip -n $P-a link set $IF up ||
	fail "a second $IF in $P-a"
ip netns exec $P-a "$RXRAY" stats -i $IF --duration 1 --json >/dev/null 2>"$tmp/ns.err" ||
	fail "stats -i $IF in $P-a: $(cat "$tmp/ns.err")"
grep -q "reading the running agent" "$tmp/ns.err" && fail "$IF in $P-a was read from the agent in $P-b"

kill -TERM $serve_pid
wait $serve_pid
[ -e "$SOCK" ] && fail "control socket left behind"
echo PASS

#!/usr/bin/env bash
# serve --pin and the guard (docs/guard.md): the rules and their counters
# live in pinned maps, so enforcement does not stop while the agent is down.
# An attack from a blocked source runs while the agent is killed with -9 and
# started again: not one of its packets reaches the host (tcpdump behind
# XDP), a legitimate source loses none, the restarted agent takes the rules
# over (ids, owners, reasons) and its counters count every attack packet.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" grdp
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
PORT=19493
mounted_bpffs=
rx_on_exit() {
	rm -rf "/sys/fs/bpf/rxray/$IF"
	rmdir /sys/fs/bpf/rxray 2>/dev/null # only if no other interface is pinned
	[ -n "$mounted_bpffs" ] && umount /sys/fs/bpf
}
rx_need jq tcpdump hping3 nsenter
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf /sys/fs/bpf || fail "cannot mount bpffs on /sys/fs/bpf"
	mounted_bpffs=1
fi
rx_lab
rm -rf "/sys/fs/bpf/rxray/$IF"
printf 'guard-block = 198.51.100.0/24\nguard-log = %s\n' "$tmp/audit.log" >"$tmp/guard.conf"

# nsenter, not ip netns exec: the latter remounts /sys and hides /sys/fs/bpf
start_serve() {
	rm -f "$SOCK"
	rx_bg nsenter --net=/run/netns/$NB "$RXRAY" serve -i "$IF" --pin --listen 127.0.0.1:$PORT \
		--control "$SOCK" --config "$tmp/guard.conf" --alert-log /dev/null 2>>"$tmp/serve.err"
	serve_pid=$bg_pid
	rx_until test -S "$SOCK" || fail "serve did not come up: $(cat "$tmp/serve.err")"
}
guard() { ip netns exec "$NB" "$RXRAY" guard "$@"; }

start_serve
guard block 2001:db8:bad::/48 --reason "pinned v6" >/dev/null || fail "guard block failed"
rx_bg ip netns exec "$NB" tcpdump -Q in -i "$IF" -nn --immediate-mode -w "$tmp/seen.pcap" udp port 9 or udp port 10 2>"$tmp/tcpdump.err"
tcpd=$bg_pid
rx_until grep -q "listening on" "$tmp/tcpdump.err" || fail "tcpdump did not start"

# 6 s of attack (1,000 packets/s) and of legitimate traffic (200/s)
rx_bg ip netns exec "$NA" hping3 -q --udp -p 9 -a 198.51.100.66 -i u1000 -c 6000 192.0.2.2 >/dev/null 2>&1
attack=$bg_pid
rx_bg ip netns exec "$NA" hping3 -q --udp -p 10 -i u5000 -c 1200 192.0.2.2 >/dev/null 2>&1
legit=$bg_pid
sleep 1.5
kill -9 "$serve_pid"
wait "$serve_pid" 2>/dev/null
rx_xdp_attached || fail "the pinned XDP link went with the agent"
sleep 1.5 # no agent at all
start_serve
grep -q "guard: 2 rules taken over from the pinned maps" "$tmp/serve.err" ||
	fail "the restarted agent did not take the rules over: $(cat "$tmp/serve.err")"
wait "$attack" "$legit"
sleep 0.5
rx_stop "$tcpd"

through=$(tcpdump -nn -r "$tmp/seen.pcap" src host 198.51.100.66 2>/dev/null | wc -l)
[ "$through" = 0 ] || fail "$through attack packets reached the host around the restart"
legit_n=$(tcpdump -nn -r "$tmp/seen.pcap" src host 192.0.2.1 and udp dst port 10 2>/dev/null | wc -l)
# (hping3 has been seen sending one packet more than -c on a loaded machine)
[ "$legit_n" = 1200 ] || [ "$legit_n" = 1201 ] || fail "the legitimate source lost packets: $legit_n of 1200 arrived"
guard list --json >"$tmp/list.json" || fail "guard list after the restart"
[ "$(jq '.rules | length' "$tmp/list.json")" = 2 ] || fail "rules after the restart: $(jq -c .rules "$tmp/list.json")"
jq -e '.rules[] | select(.cidr == "198.51.100.0/24" and .owner == "config" and .id == 1)' "$tmp/list.json" >/dev/null ||
	fail "the config rule came back changed: $(jq -c .rules "$tmp/list.json")"
jq -e '.rules[] | select(.cidr == "2001:db8:bad::/48" and .owner == "manual" and .reason == "pinned v6")' "$tmp/list.json" >/dev/null ||
	fail "the manual rule came back changed"
dropped=$(jq '.rules[] | select(.id == 1) | .dropped' "$tmp/list.json")
[ "$dropped" = 6000 ] || fail "the pinned counter says $dropped dropped, 6000 were sent"
grep -q '"action":"resume"' "$tmp/audit.log" || fail "no resume line in the audit log"
echo "pin: kill -9 and restart during a 6,000-packet attack: 0 reached the host, 6000 counted dropped, 1200 of 1200 legitimate arrived, 2 rules taken over"
rx_end "guard --pin: enforcement went on while the agent was down"

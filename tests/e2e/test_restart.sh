#!/usr/bin/env bash
# serve --pin: counters survive kill -9 and a restart (nothing reset, nothing
# counted twice; the pinned datapath keeps counting while no agent runs).
# Without --pin, kill -9 leaves nothing attached.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" rxrs
mounted_bpffs=
rx_on_exit() {
	rm -rf "/sys/fs/bpf/rxray/$IF"
	rmdir /sys/fs/bpf/rxray 2>/dev/null # only if no other interface is pinned
	[ -n "$mounted_bpffs" ] && umount /sys/fs/bpf
}
# a machine without systemd may not mount bpffs: the test mounts it (and unmounts it after)
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf /sys/fs/bpf || fail "cannot mount bpffs on /sys/fs/bpf"
	mounted_bpffs=1
fi
rx_lab
rm -rf "/sys/fs/bpf/rxray/$IF"

# nsenter, not ip netns exec: the latter remounts /sys and hides /sys/fs/bpf
start_serve() {
	rx_bg nsenter --net=/run/netns/$P-b "$RXRAY" serve -i $IF --listen 127.0.0.1:19466 --control "$tmp/agent.sock" "$@" 2>>"$tmp/serve.err"
	serve_pid=$bg_pid
	rx_until rx_scrapes 19466 || fail "serve did not come up: $(cat "$tmp/serve.err")"
}
icmp() {
	ip netns exec $P-b curl -sf http://127.0.0.1:19466/metrics |
		awk -v I=$IF '$1 == "rxray_protocol_packets_total{interface=\"" I "\",proto=\"icmp\"}" {print $2}'
}
ping_n() { ip netns exec $P-a ping -c "$1" -i 0.05 -q 192.0.2.2 >/dev/null || fail "ping"; }
# HTTP transactions of GET /users/{id}, counted by the TC stages
http_txns() {
	ip netns exec $P-b curl -sf http://127.0.0.1:19466/metrics |
		awk '/^http_server_request_duration_seconds_count\{/ && /users\/\{id\}/ { n += $2 } END { print n + 0 }'
}
get_n() {
	local i
	for i in $(seq "$1"); do
		ip netns exec $P-a curl -sf -o /dev/null "http://192.0.2.2:8080/users/$i" || fail "GET /users/$i"
	done
}
stage_miss() {
	ip netns exec $P-b curl -sf http://127.0.0.1:19466/metrics |
		awk '/^rxray_records_lost_total\{/ && /source="stages"/ { n += $2 } END { print n + 0 }'
}
tc_attached() { ip netns exec $P-b bpftool net show dev $IF | grep -q 'tc_ingress\|tc_egress'; }

rx_demo_api

# --pin: 10 before, 7 while no agent runs, 5 after the restart; HTTP too
# (the TC stages, reached by tail calls, keep running with no agent)
start_serve --pin
ping_n 10
get_n 2
[ "$(icmp)" = 10 ] || fail "before the kill: $(icmp)"
[ "$(http_txns)" = 2 ] || fail "before the kill: $(http_txns) HTTP transactions, want 2"
kill -9 $serve_pid
wait $serve_pid 2>/dev/null
rx_xdp_attached || fail "pinned XDP link gone after kill -9"
ping_n 7
get_n 3
start_serve --pin
[ "$(icmp)" = 17 ] || fail "after the restart: $(icmp), want 17 (10 + 7 counted while no agent ran)"
[ "$(http_txns)" = 5 ] ||
	fail "after the restart: $(http_txns) HTTP transactions, want 5 (2 + 3 while no agent ran)"
[ "$(stage_miss)" = 0 ] || fail "stage_miss $(stage_miss): the stages were not there while no agent ran"
get_n 1
[ "$(http_txns)" = 6 ] || fail "after the restart, one more GET: $(http_txns), want 6"
ping_n 5
[ "$(icmp)" = 22 ] || fail "after more traffic: $(icmp), want 22"
echo "pinned: 10 -> kill -9 -> +7 unattended -> restart -> 17 -> +5 -> 22"
# a clean stop keeps the pins (that is what --pin is for); removing them detaches
kill -TERM $serve_pid
wait $serve_pid
rx_xdp_attached || fail "pinned XDP link gone after SIGTERM"
rm -rf "/sys/fs/bpf/rxray/$IF"
sleep 0.2
rx_xdp_attached && fail "XDP still attached after removing the pins"
tc_attached && fail "TC still attached after removing the pins"

# without --pin: kill -9 leaves nothing, and a new agent starts from zero
start_serve
ping_n 3
[ "$(icmp)" = 3 ] || fail "unpinned: $(icmp)"
kill -9 $serve_pid
wait $serve_pid 2>/dev/null
for _ in $(seq 25); do rx_xdp_attached || tc_attached || break; sleep 0.1; done
rx_xdp_attached && fail "XDP left attached after kill -9 without --pin"
tc_attached && fail "TC left attached after kill -9 without --pin"
[ -e "/sys/fs/bpf/rxray/$IF" ] && fail "pins created without --pin"
echo PASS

#!/usr/bin/env bash
# Live mode leaves nothing attached, however it ends.
#   bash tests/e2e/test_detach.sh BUILD
#
# In a two-namespace lab, `rxray watch -i IF` runs in ns b on its veth. While
# it runs, `bpftool net show dev IF` (in ns b) lists an XDP program, and
# `bpftool link` lists the XDP link (rxray attaches through a BPF link).
# Then, one run each:
#   SIGKILL  the kernel must drop the link with the last fd (bpf_link
#            semantics): within ~2 s no XDP program on IF, the link id and the
#            program id are gone; a new rxray can attach again right away.
#            A second rxray on the busy interface fails (exit 1, one line)
#            and leaves the first one attached.
#   SIGINT   exit 0 within 2 s, the end-of-run summary printed, nothing
#   SIGTERM  attached afterwards, link and program gone.
#   -c 2     stops by itself after two packets shown: exit 0, nothing attached.
# Traffic (ping from ns a) flows while each run is attached, so the ring
# buffer is in use when the signal lands.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" rxdt$(($$ % 100000))
rx_need bpftool
rx_soft_fails
rx_lab

# bpftool's view of IF in ns b: "PROG_ID" of the XDP program, empty if none.
xdp_prog() {
	ip netns exec "$NB" bpftool -j net show dev "$IF" 2>/dev/null |
		jq -r '[.[].xdp[]?.id] | map(tostring) | join(" ")'
}
# The id of the BPF link holding PROG_ID, empty if none.
link_of() {
	bpftool -j link show 2>/dev/null | jq -r --argjson p "$1" '[.[] | select(.prog_id == $p) | .id] | map(tostring) | join(" ")'
}
prog_exists() { bpftool prog show id "$1" >/dev/null 2>&1; }
link_exists() { bpftool link show id "$1" >/dev/null 2>&1; }

# start_rxray NAME [ARGS]: starts rxray in ns b, sets RX_PID, RX_PROG, RX_LINK
start_rxray() {
	local name=$1 i
	shift
	rx_bg ip netns exec "$NB" "$RXRAY" watch -i "$IF" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	RX_PID=$bg_pid
	RX_PROG=
	for i in $(seq 1 100); do
		RX_PROG=$(xdp_prog)
		[ -n "$RX_PROG" ] && break
		kill -0 "$RX_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$RX_PROG" ]; then
		fail "$name: no XDP program on $IF after start (stderr: $(cat "$tmp/$name.err"))"
		return 1
	fi
	case $RX_PROG in
	*" "*) fail "$name: more than one XDP program on $IF: $RX_PROG" ;;
	esac
	RX_LINK=$(link_of "$RX_PROG")
	if [ -z "$RX_LINK" ]; then
		fail "$name: XDP program $RX_PROG on $IF is not held by a BPF link"
	fi
	echo "$name: attached: prog $RX_PROG link ${RX_LINK:-none}"
	# some traffic while attached
	ip netns exec "$NA" ping -n -q -c 2 -i 0.1 -W 1 192.0.2.2 >/dev/null ||
		fail "$name: ping through the attached interface failed"
	return 0
}

# gone NAME: waits up to 2.5 s for the program, its link and the attachment to go
gone() {
	local name=$1 i
	for i in $(seq 1 50); do
		if [ -z "$(xdp_prog)" ] && ! { [ -n "$RX_LINK" ] && link_exists "$RX_LINK"; } &&
			! prog_exists "$RX_PROG"; then
			echo "$name: released after ~$((i * 50)) ms"
			return 0
		fi
		sleep 0.05
	done
	[ -n "$(xdp_prog)" ] && fail "$name: XDP program still on $IF: $(ip netns exec "$NB" bpftool net show dev "$IF")"
	[ -n "$RX_LINK" ] && link_exists "$RX_LINK" && fail "$name: link $RX_LINK still exists"
	prog_exists "$RX_PROG" && fail "$name: program $RX_PROG still loaded"
	return 1
}

# ends MSG: rxray (RX_PID) ends within 2 s, or MSG fails and it is killed;
# returns its exit status
ends() {
	local i
	for i in $(seq 1 40); do
		kill -0 "$RX_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$RX_PID" 2>/dev/null; then
		fail "$1"
		kill -9 "$RX_PID"
	fi
	wait "$RX_PID"
}

# --- SIGKILL: nothing runs in rxray, the kernel must clean up
if start_rxray kill; then
	kill -9 "$RX_PID"
	{ wait "$RX_PID"; } 2>/dev/null
	rc=$?
	[ "$rc" -eq 137 ] || fail "kill: exit status $rc after SIGKILL (want 137)"
	gone kill
	# and the interface is free for the next one
	if start_rxray reattach; then
		# a second rxray on the busy interface: exit 1, one line naming it,
		# the first one's attachment untouched
		ip netns exec "$NB" timeout 10 "$RXRAY" watch -i "$IF" >"$tmp/second.out" 2>"$tmp/second.err"
		rc=$?
		[ "$rc" -eq 1 ] || fail "second: exit status $rc on a busy interface (want 1)"
		if [ "$(wc -l <"$tmp/second.err")" -ne 1 ] || ! grep -q "$IF" "$tmp/second.err"; then
			fail "second: want one line naming $IF, got: $(cat "$tmp/second.err")"
		fi
		[ "$(xdp_prog)" = "$RX_PROG" ] ||
			fail "second: XDP on $IF is now '$(xdp_prog)', was $RX_PROG"
		kill -INT "$RX_PID"
		wait "$RX_PID" || fail "reattach: exit status $? after SIGINT"
		gone reattach
	fi
fi

# --- SIGINT and SIGTERM: clean exit 0, promptly, summary printed
for sig in INT TERM; do
	name=sig$sig
	start_rxray "$name" || continue
	t0=$(date +%s%N)
	kill -"$sig" "$RX_PID"
	ends "$name: still running 2 s after SIG$sig"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$name: exit $rc after $ms ms"
	[ "$rc" -eq 0 ] || fail "$name: exit status $rc after SIG$sig (want 0)"
	grep -q '^[0-9]* packets seen by the datapath' "$tmp/$name.err" ||
		fail "$name: no end-of-run summary on stderr: $(cat "$tmp/$name.err")"
	if grep -qv -e 'packets shown$' -e 'packets seen by the datapath' \
		-e 'capture records produced, [0-9]* lost' "$tmp/$name.err"; then
		fail "$name: unexpected stderr: $(cat "$tmp/$name.err")"
	fi
	# 2 pings => at least 2 echo requests shown
	n=$(grep -c 'ICMP' "$tmp/$name.out")
	[ "$n" -ge 2 ] || fail "$name: $n ICMP lines shown, want >= 2"
	gone "$name"
done

# --- -c N: stops by itself after N packets shown, exit 0, detached
# (the filter keeps ns a's IPv6 chatter from counting)
if start_rxray count -c 2 icmp; then # start_rxray sends 2 echo requests
	ends "count: -c 2 icmp still running 2 s after 2 echo requests arrived"
	rc=$?
	[ "$rc" -eq 0 ] || fail "count: exit status $rc (want 0)"
	n=$(wc -l <"$tmp/count.out")
	[ "$n" -eq 2 ] || fail "count: -c 2 printed $n lines"
	gone count
fi

rx_end "ok: SIGKILL, SIGINT, SIGTERM leave nothing attached"

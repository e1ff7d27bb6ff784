#!/usr/bin/env bash
# rxray top: the live dashboard, driven through a real terminal (tmux).
#   bash tests/e2e/test_top.sh BUILD
#
# In a two-namespace lab, `rxray top -i IF` runs in ns b inside a detached
# tmux session of a given size while ns a sends known traffic: 60 pings
# (192.0.2.1 -> 192.0.2.2, 20/s) and 40 UDP datagrams to port 5353. The
# pane is read with `tmux capture-pane -p`; three runs:
#   100x30, UTF-8  the header shows a nonzero pkt/s, the talkers table a
#                  row for 192.0.2.1, the services table a row for 5353/udp,
#                  the key line is the last line; p shows PAUSED and freezes
#                  the frame; q exits 0 within 2 s; nothing stays attached.
#   80x24, C       no line wider than 80 columns, pure ASCII (sparkline
#                  fallback), the talker still visible; Ctrl-C exits 0.
#   200x50, UTF-8  two columns: the talker and the service on one line;
#                  SIGTERM exits 0.
# Plus the one-line errors: no -i, not a terminal, unknown interface.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
RX_KILL=-9
rx_begin "${1:-}" rxtp$(($$ % 100000))
rx_need tmux bpftool jq
SOCK=rxray-top-$$ # a tmux server of our own, never the user's
rx_on_exit() { tmux -L "$SOCK" kill-server 2>/dev/null; }
rx_soft_fails
tm() { tmux -L "$SOCK" "$@"; }

rx_lab
# an HTTP API in ns b, for the endpoints panel
rx_demo_api

# An XDP program on IF in ns b (bpftool's view)?
xdp_attached() {
	ip netns exec "$NB" bpftool -j net show dev "$IF" 2>/dev/null | jq -e '[.[].xdp[]?] | length > 0' >/dev/null
}

# start_top NAME COLS ROWS LANG [ARGS]: rxray top in a new tmux session; sets
# TOP_PID. The session's shell writes rxray's exit status to $tmp/NAME.rc.
start_top() {
	local name=$1 cols=$2 rows=$3 lang=$4 args=${5:-} i shell_pid
	tm new-session -d -s "$name" -x "$cols" -y "$rows" -e "LANG=$lang" -e "LC_ALL=$lang" \
		"ip netns exec $NB $RXRAY top -i $IF $args 2>$tmp/$name.err; echo \$? >$tmp/$name.rc" ||
		{ fail "$name: tmux new-session"; return 1; }
	TOP_PID=
	for i in $(seq 1 100); do
		shell_pid=$(tm display-message -p -t "$name" '#{pane_pid}' 2>/dev/null)
		[ -n "$shell_pid" ] && TOP_PID=$(pgrep -P "$shell_pid" | head -n 1)
		[ -n "$TOP_PID" ] && tm capture-pane -p -t "$name" | head -n 1 | grep -q '^rxray top ' && break
		[ -e "$tmp/$name.rc" ] && break
		sleep 0.05
	done
	[ -n "$TOP_PID" ] && pids+=("$TOP_PID")
	if ! tm capture-pane -p -t "$name" 2>/dev/null | head -n 1 | grep -q '^rxray top '; then
		fail "$name: no dashboard after 5 s (stderr: $(cat "$tmp/$name.err" 2>/dev/null))"
		return 1
	fi
	xdp_attached || fail "$name: no XDP program on $IF while top runs"
	echo "$name: top runs as pid $TOP_PID on a ${cols}x$rows terminal ($lang)"
}

# traffic_and_capture NAME: known traffic from ns a; the pane mid-way, while it flows
traffic_and_capture() {
	local name=$1 t1 t2
	ip netns exec "$NA" ping -n -q -c 60 -i 0.05 192.0.2.2 >/dev/null &
	t1=$!
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$NA" bash -c 'for i in $(seq 40); do echo rxray >/dev/udp/192.0.2.2/5353; sleep 0.07; done' &
	t2=$!
	pids+=("$t1" "$t2")
	ip netns exec "$NA" curl -s -o /dev/null -o /dev/null -o /dev/null http://192.0.2.2:8080/users/1 \
		http://192.0.2.2:8080/users/2 http://192.0.2.2:8080/users/3 &
	pids+=("$!")
	sleep 2.2
	tm capture-pane -p -t "$name" >"$tmp/$name.screen"
	wait "$t1" "$t2"
}

# ends NAME HOW: top must be gone within 2 s with status 0, leaving nothing attached
ends() {
	local name=$1 how=$2 i
	for i in $(seq 1 40); do
		[ -s "$tmp/$name.rc" ] && break
		sleep 0.05
	done
	if [ ! -s "$tmp/$name.rc" ]; then
		fail "$name: still running 2 s after $how"
		return
	fi
	[ "$(cat "$tmp/$name.rc")" = 0 ] || fail "$name: exit status $(cat "$tmp/$name.rc") after $how (want 0)"
	[ -s "$tmp/$name.err" ] && fail "$name: unexpected stderr: $(cat "$tmp/$name.err")"
	kill -0 "$TOP_PID" 2>/dev/null && fail "$name: pid $TOP_PID still alive"
	for _ in $(seq 1 20); do
		xdp_attached || break
		sleep 0.05
	done
	xdp_attached && fail "$name: XDP still attached to $IF: $(ip netns exec "$NB" bpftool net show dev "$IF")"
	echo "$name: exit 0 after $how in ~$((i * 50)) ms, nothing attached"
}

# fits NAME COLS ROWS: the screen has the terminal's size at most
fits() {
	local name=$1 cols=$2 rows=$3 w n
	w=$(LC_ALL=C.UTF-8 wc -L <"$tmp/$name.screen")
	n=$(wc -l <"$tmp/$name.screen")
	[ "$w" -le "$cols" ] || fail "$name: a line $w columns wide on a $cols-column terminal"
	[ "$n" -le "$rows" ] || fail "$name: $n lines on a $rows-line terminal"
	tail -n 1 "$tmp/$name.screen" | grep -q '^q quit' || fail "$name: the key line is not the last line"
}

# in_order NAME: the one-column layout's panels, each once, top to bottom, nothing
# else at the start of a line but table rows and indented continuations
in_order() {
	local name=$1 titles want got
	titles='rxray top |pkt/s |bit/s |protocols |talkers \(|services \(|tcp |endpoints |lost |reasons |q quit '
	want='rxray top |pkt/s |bit/s |protocols |talkers (|services (|tcp |endpoints |lost |reasons |q quit '
	got=$(grep -oE "^($titles)" "$tmp/$name.screen" | paste -sd '|')
	[ "$got" = "$want" ] || fail "$name: panels in the wrong order or repeated: $got"
	if grep -vE "^($titles|[0-9a-f:.]+ |[0-9]+/(tcp|udp) | |\.\.\. [0-9]+ more|\$)" \
		"$tmp/$name.screen" >"$tmp/$name.stray"; then
		fail "$name: stray lines: $(cat "$tmp/$name.stray")"
	fi
}

show() { sed 's/^/    | /' "$tmp/$1.screen"; }

# --- 100x30: the content, pause, q
if start_top std 100 30 C.UTF-8; then
	traffic_and_capture std
	show std
	s=$tmp/std.screen
	head -n 1 "$s" | grep -Eq '(^|  )([1-9][0-9.]*[kMGT]?|0\.[1-9]) pkt/s' ||
		fail "std: no nonzero pkt/s in the header: $(head -n 1 "$s")"
	grep -Eq '^192\.0\.2\.1 +[0-9.]+[kMGT]? +[0-9.]+[kMGT]? +[1-9]' "$s" || fail "std: no talker row for 192.0.2.1"
	grep -Eq '^5353/udp +[0-9.]+[kMGT]? +[0-9.]+[kMGT]? +[1-9]' "$s" || fail "std: no service row for 5353/udp"
	grep -q 'GET /users/{id}' "$s" || fail "std: no endpoint GET /users/{id} in the endpoints panel"
	grep -q '^protocols .*icmp [1-9]' "$s" || fail "std: no icmp rate in the protocol mix"
	grep -q '[▁▂▃▄▅▆▇█]' "$s" || fail "std: no sparkline blocks on a UTF-8 terminal"
	fits std 100 30
	in_order std
	tm send-keys -t std p
	sleep 0.4
	tm capture-pane -p -t std >"$tmp/paused1"
	head -n 1 "$tmp/paused1" | grep -q 'PAUSED' || fail "std: no PAUSED indicator after p: $(head -n 1 "$tmp/paused1")"
	sleep 1.3 # a sample or more later, the frozen frame is still the same
	tm capture-pane -p -t std >"$tmp/paused2"
	cmp -s "$tmp/paused1" "$tmp/paused2" || fail "std: the frame changed while paused"
	tm send-keys -t std q
	ends std q
fi

# --- 80x24, ASCII: nothing wider than the terminal, the talker still there; Ctrl-C
if start_top small 80 24 C; then
	traffic_and_capture small
	show small
	fits small 80 24
	in_order small
	LC_ALL=C grep -q '[^ -~]' "$tmp/small.screen" && fail "small: non-ASCII output in the C locale"
	grep -Eq '^192\.0\.2\.1 +[0-9]' "$tmp/small.screen" || fail "small: no talker row for 192.0.2.1"
	grep -Eq '^5353/udp +[0-9]' "$tmp/small.screen" || fail "small: no service row for 5353/udp"
	tm send-keys -t small C-c
	ends small Ctrl-C
fi

# --- 200x50: two columns, a route pattern of top's own; SIGTERM
if start_top wide 200 50 C.UTF-8 "--route /users/{uid}"; then
	traffic_and_capture wide
	fits wide 200 50
	grep -q 'GET /users/{uid}' "$tmp/wide.screen" ||
		{ show wide; fail "wide: --route /users/{uid} is not the endpoint's route"; }
	grep -Eq '^192\.0\.2\.1 +[0-9].* 5353/udp +[0-9]' "$tmp/wide.screen" ||
		{ show wide; fail "wide: talkers and services not side by side"; }
	kill -TERM "$TOP_PID"
	ends wide SIGTERM
fi

# --- one-line errors, exit 2, nothing attached
"$RXRAY" top >/dev/null 2>"$tmp/noi.err"
rc=$?
if ! { [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/noi.err")" -eq 1 ] && grep -q -- '-i IFACE' "$tmp/noi.err"; }; then
	fail "no -i: rc=$rc $(cat "$tmp/noi.err")"
fi
ip netns exec "$NB" "$RXRAY" top -i "$IF" </dev/null >"$tmp/notty.out" 2>"$tmp/notty.err"
rc=$?
if ! { [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/notty.err")" -eq 1 ] && grep -q 'terminal' "$tmp/notty.err"; }; then
	fail "not a terminal: rc=$rc $(cat "$tmp/notty.err")"
fi
xdp_attached && fail "not a terminal: XDP attached to $IF"
tm new-session -d -s badif -x 100 -y 30 \
	"ip netns exec $NB $RXRAY top -i nosuchif0 2>$tmp/badif.err; echo \$? >$tmp/badif.rc"
for _ in $(seq 1 40); do
	[ -s "$tmp/badif.rc" ] && break
	sleep 0.05
done
if ! { [ "$(cat "$tmp/badif.rc" 2>/dev/null)" = 2 ] && [ "$(wc -l <"$tmp/badif.err")" -eq 1 ] &&
	grep -q 'nosuchif0: no such interface' "$tmp/badif.err"; }; then
	fail "unknown interface: rc=$(cat "$tmp/badif.rc" 2>/dev/null) $(cat "$tmp/badif.err" 2>/dev/null)"
fi
ip netns exec "$NB" "$RXRAY" top -i "$IF" --route /a//b >/dev/null 2>"$tmp/badroute.err"
rc=$?
if ! { [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/badroute.err")" -eq 1 ] && grep -q "segment 2 is empty" "$tmp/badroute.err"; }; then
	fail "bad --route: rc=$rc $(cat "$tmp/badroute.err")"
fi
echo "errors: no -i, not a terminal, unknown interface, bad --route: one line each, exit 2"

rx_end "ok: top shows the talker, the service and the rates at 100x30, 80x24 and 200x50; p, q, Ctrl-C, SIGTERM"

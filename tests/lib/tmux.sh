# shellcheck shell=bash
# What the tests that drive `rxray top` in tmux share. The caller defines
# tm (tmux on a server of its own), fail, and $tmp, where a session NAME's
# shell writes rxray's exit status to $tmp/NAME.rc and its stderr to
# $tmp/NAME.err.
#   rx_tmux_quit NAME   q, then rxray exits 0 within 2 s (else fail)
rx_tmux_quit() {
	local name=$1 _
	tm send-keys -t "$name" q
	for _ in $(seq 40); do
		[ -s "$tmp/$name.rc" ] && break
		sleep 0.05
	done
	[ "$(cat "$tmp/$name.rc" 2>/dev/null)" = 0 ] ||
		fail "$name: exit '$(cat "$tmp/$name.rc" 2>/dev/null)' after q: $(cat "$tmp/$name.err")"
}

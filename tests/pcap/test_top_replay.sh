#!/usr/bin/env bash
# rxray top -r FILE: a replay of a capture at its own pace (--speed X), in a
# real terminal (tmux), no root. The capture: 400 UDP datagrams from
# 192.0.2.1 to port 5353, one every 10 ms (4 s, 100 pkt/s). Read from the
# pane (tmux capture-pane -p):
#   --speed 1 (the default): after ~1.6 s the talker's total is above 0 and
#     below 400 (paced, not read at once), after ~2.6 s the rate is 100
#     pkt/s (per second of the capture), within ~5 s all 400 are there; q
#     exits 0.
#   --speed 4: all 400 within 3 s (1 s of replay; at --speed 1 they take 4 s,
#     so 3 s still tells the two apart with room for a loaded machine's
#     start); --speed 0: all 400 at the first frame.
#   (each waits by polling the pane, at most as long as said)
#   A firing alert: top -r --speed 0 of a SYN flood (1,000 SYNs in a second
#     from 198.51.100.0/24 and 203.0.113.0/24, nothing answered) shows
#     "ALERT critical syn_flood" above the key line (the detectors over the
#     capture's seconds); the quiet capture shows no ALERT line.
#   Errors, one line and exit 2: --speed without -r, --speed abc, no terminal.
#   bash tests/pcap/test_top_replay.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
RXRAY=$BUILD/rxray
PY=${PYTHON:-/usr/bin/python3}
command -v tmux >/dev/null || { echo "tmux is missing (Debian tmux)"; exit 77; }
"$PY" -c 'import scapy.all' 2>/dev/null ||
	{ echo "scapy is missing (Debian python3-scapy, /usr/bin/python3)"; exit 77; }
tmp=$(mktemp -d)
SOCK=rxray-pipe-top-$$ # a tmux server of our own
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$PY" - "$tmp/paced.pcap" <<'PYEOF' 2>/dev/null || { echo "FAIL: writing the capture"; exit 1; }
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
pk = []
for i in range(400):
    p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.1", dst="192.0.2.2")
         / UDP(sport=40000, dport=5353) / Raw(b"rxray"))
    p.time = 1700000000 + i * 0.01
    pk.append(p)
wrpcap(sys.argv[1], pk)
PYEOF

"$PY" - "$tmp/flood.pcap" <<'PYEOF' 2>/dev/null || { echo "FAIL: writing the flood capture"; exit 1; }
import sys
from scapy.all import Ether, IP, TCP, UDP, Raw, wrpcap
pk, t0 = [], 1700000000
eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
for i in range(20):  # a quiet second first
    p = eth / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=40000, dport=5353) / Raw(b"rxray")
    p.time = t0 + i * 0.05
    pk.append(p)
for i in range(1000):  # the flood: one SYN from each of 1,000 addresses within a second
    src = "%s.%d" % ("198.51.100" if i % 2 else "203.0.113", 1 + (i // 2) % 250)
    p = eth / IP(src=src, dst="192.0.2.2") / TCP(sport=10000 + i, dport=8080, flags="S", seq=i)
    p.time = t0 + 1 + i * 0.0009
    pk.append(p)
for i in range(20):  # and quiet again
    p = eth / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=40000, dport=5353) / Raw(b"rxray")
    p.time = t0 + 2 + i * 0.05
    pk.append(p)
wrpcap(sys.argv[1], pk)
PYEOF

# talker NAME: the packets column of 192.0.2.1's row (empty if none)
talker() { tm capture-pane -p -t "$1" | awk '$1 == "192.0.2.1" { print $4; exit }'; }

# start NAME ARGS...: top -r in a 100x30 terminal
start() {
	local name=$1
	shift
	local _
	# (the last session's server may still be exiting: "server exited unexpectedly")
	for _ in 1 2 3 4 5; do
		tm new-session -d -s "$name" -x 100 -y 30 \
			"$RXRAY top -r ${PCAP:-$tmp/paced.pcap} $* 2>$tmp/$name.err; echo \$? >$tmp/$name.rc" 2>/dev/null &&
			return 0
		sleep 0.3
	done
	fail "$name: tmux new-session"
}

# quit NAME: q, then exit 0 within 2 s
# shellcheck source=../lib/tmux.sh
. "${0%/*}/../lib/tmux.sh"
quit() { rx_tmux_quit "$1"; }

# wait_talker NAME TENTHS: poll (every 0.1 s, at most TENTHS tenths of a
# second) until the talker's total is 400; prints the total last read
wait_talker() {
	local n end=$(($(date +%s%N) / 100000000 + $2))
	while :; do
		n=$(talker "$1")
		[ "$n" = 400 ] || [ $(($(date +%s%N) / 100000000)) -ge $end ] && break
		sleep 0.1
	done
	echo "$n"
}

start paced
sleep 1.6
n=$(talker paced)
head=$(tm capture-pane -p -t paced | head -n 1)
if [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 400 ]; then
	echo "ok   --speed 1: $n of 400 packets after 1.6 s ($head)"
else
	fail "--speed 1: talker total '$n' after 1.6 s, want 1..399"
	tm capture-pane -p -t paced | head -n 8
fi
sleep 1
head=$(tm capture-pane -p -t paced | head -n 1)
echo "$head" | grep -Eq ' (99|100|101) pkt/s ' && echo "ok   --speed 1: 100 pkt/s after 2.6 s" ||
	fail "--speed 1: not 100 pkt/s after 2.6 s: $head"
n=$(wait_talker paced 26)
[ "$n" = 400 ] && echo "ok   --speed 1: all 400 within 5.2 s" || fail "--speed 1: '$n' packets after 5.2 s, want 400"
quit paced

start fast --speed 4
n=$(wait_talker fast 30)
[ "$n" = 400 ] && echo "ok   --speed 4: all 400 within 3 s" || fail "--speed 4: '$n' packets after 3 s, want 400"
quit fast

start once --speed 0
n=$(wait_talker once 12)
[ "$n" = 400 ] && echo "ok   --speed 0: all 400 at once" || fail "--speed 0: '$n' packets after 1.2 s, want 400"
tm capture-pane -p -t once | grep -q ALERT && fail "--speed 0: an ALERT line on the quiet capture"
quit once

PCAP=$tmp/flood.pcap start flood --speed 0
for _ in $(seq 12); do # the ALERT line and the key line, within 1.2 s
	tm capture-pane -p -t flood >"$tmp/flood.screen"
	grep -q '^ ALERT critical syn_flood' "$tmp/flood.screen" && tail -n 1 "$tmp/flood.screen" | grep -q '^q quit' &&
		break
	sleep 0.1
done
if grep -q '^ ALERT critical syn_flood: SYN flood on flood.pcap: 1000 half-open' "$tmp/flood.screen" &&
	tail -n 1 "$tmp/flood.screen" | grep -q '^q quit'; then
	echo "ok   SYN flood capture: $(grep -m1 ALERT "$tmp/flood.screen" | cut -c1-80)"
else
	fail "SYN flood capture: no ALERT line above the key line"
	cat "$tmp/flood.screen"
fi
quit flood

err() { # err NAME ARGS...: one line, exit 2 (stdin and stdout not a terminal)
	local name=$1 rc
	shift
	"$RXRAY" top "$@" </dev/null >/dev/null 2>"$tmp/e"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ]; then
		echo "ok   $name: exit 2, $(cat "$tmp/e")"
	else
		fail "$name: exit $rc: $(cat "$tmp/e")"
	fi
}
err "--speed without -r" -i lo --speed 2
err "--speed abc" -r "$tmp/paced.pcap" --speed abc
err "no terminal" -r "$tmp/paced.pcap"
grep -q 'stats -r' "$tmp/e" || fail "no terminal: does not name stats -r: $(cat "$tmp/e")"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo PASS

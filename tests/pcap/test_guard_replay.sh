#!/usr/bin/env bash
# rxray guard --replay -r FILE --config C (docs/guard.md): the guard-* rules
# of a configuration over a capture, in the native build, packet by packet.
# Crafted capture (scapy), exact expectations: blocked sources dropped with
# the rule and its line, an allow rule beating a block, a limit at 100/s
# over a source sending 1,000/s for 1 s of capture time (100 + the burst of
# 5 pass), the global dry run, the SYN guard engaging and letting go in
# the capture's time, a port cap, and bad input (a bad key value, a
# non-Ethernet capture) as one line and exit 2. Offline: no root.
#   tests/pcap/test_guard_replay.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd)
RX=$BUILD/rxray
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c "import scapy" 2>/dev/null || { echo "scapy is missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PY" - "$tmp/in.pcap" "$tmp/raw.pcap" <<'PY'
import sys
from scapy.all import Ether, IP, IPv6, UDP, TCP, wrpcap, conf
pk, t = [], 1700000000.0
def add(p, dt=0.01):
    global t
    t += dt
    p.time = t
    pk.append(p)
e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
for i in range(5):
    add(e / IP(src="198.51.100.9", dst="192.0.2.2") / UDP(dport=53))
for i in range(3):
    add(e / IP(src="198.51.100.7", dst="192.0.2.2") / UDP(dport=53))
for i in range(4):
    add(e / IPv6(src="2001:db8:bad::1", dst="2001:db8::2") / TCP(dport=443, flags="S"))
for i in range(2):
    add(e / IP(src="203.0.113.70", dst="192.0.2.2") / UDP(dport=53))
for i in range(1000):  # 1,000/s for 1 s to port 8080
    add(e / IP(src="203.0.113.5", dst="192.0.2.2") / TCP(dport=8080, flags="A"), 0.001)
wrpcap(sys.argv[1], pk)
wrpcap(sys.argv[2], [IP(src="198.51.100.9", dst="192.0.2.2") / UDP()], linktype=101)
PY
cat >"$tmp/c.conf" <<'EOF2'
# serve's other keys are ignored by --replay
interface = eth0
guard-block = 198.51.100.0/24
guard-allow = 198.51.100.7
guard-block = 2001:db8:bad::/48
guard-limit = 8080:100/s
EOF2
"$RX" guard --replay -r "$tmp/in.pcap" --config "$tmp/c.conf" >"$tmp/out" 2>"$tmp/err" ||
	fail "guard --replay exited $?: $(cat "$tmp/err")"
n() { grep -c "$1" "$tmp/out"; }
[ "$(n ' 198.51.100.9 drop blocked rule 1 (block 198.51.100.0/24, .*c.conf:3: guard-block)')" = 5 ] || fail "198.51.100.9: $(n 198.51.100.9) lines, want 5 drops by rule 1: $(head -3 "$tmp/out")"
[ "$(n 198.51.100.7)" = 0 ] || fail "the allowed source was reported"
[ "$(n ' 2001:db8:bad::1 drop blocked rule 3 ')" = 4 ] || fail "IPv6 drops: $(n 2001:db8:bad::1), want 4"
[ "$(n 203.0.113.70)" = 0 ] || fail "an unruled source was reported"
limited=$(n ' 203.0.113.5 drop rate_limited rule 4 (limit port 8080 100/s')
# 1 s at 1,000/s against 100/s with a burst of 5: 1000 - (100 + 5) limited, +- 2
[ "$limited" -ge 893 ] && [ "$limited" -le 897 ] || fail "rate limited $limited of 1000, want 895 +- 2"
grep -q "^1014 packets: $((9 + limited)) dropped, 0 would be dropped (dry run), 3 passed by an allow rule, 4 rules$" "$tmp/err" ||
	fail "summary: $(cat "$tmp/err")"
echo "replay: 5 + 4 blocked, 3 allowed over a block, $limited of 1000 rate limited at 100/s"

# the global dry run: the same decisions, as would_drop
echo "guard-dry-run = on" >>"$tmp/c.conf"
"$RX" guard --replay -r "$tmp/in.pcap" --config "$tmp/c.conf" >"$tmp/out" 2>"$tmp/err" || fail "dry run: exit $?"
[ "$(n ' would_drop blocked ')" = 9 ] || fail "dry run: $(n ' would_drop blocked ') would_drop blocked, want 9"
[ "$(n ' drop ')" = 0 ] || fail "dry run dropped"
echo "replay dry run: 9 blocked and $(n ' would_drop rate_limited ') rate-limited packets reported as would_drop"

# bad input: one line, exit 2
bad() {
	local want=$1 rc
	shift
	"$RX" guard "$@" >/dev/null 2>"$tmp/bad"
	rc=$?
	[ $rc = 2 ] || fail "guard $*: exit $rc, want 2"
	[ "$(wc -l <"$tmp/bad")" = 1 ] && grep -q -- "$want" "$tmp/bad" || fail "guard $*: $(cat "$tmp/bad")"
}
printf 'guard-block = 198.51.100.1/24\n' >"$tmp/bad.conf"
bad "bad.conf:1: guard-block 198.51.100.1/24: host bits set" --replay -r "$tmp/in.pcap" --config "$tmp/bad.conf"
printf 'guard-limit = 0/s\n' >"$tmp/bad.conf"
bad "expected \[PORT:\]N/s" --replay -r "$tmp/in.pcap" --config "$tmp/bad.conf"
bad "only Ethernet captures" --replay -r "$tmp/raw.pcap" --config "$tmp/c.conf"
bad "go with --replay" -r "$tmp/in.pcap"
# the SYN guard in the capture's time: a client completes handshakes, then
# 1 s of SYNs at 2,000/s from 400 spoofed documentation addresses, then 4 s
# of the client alone; and a port cap of 100/s under 1,000 SYN/s
"$PY" - "$tmp/syn.pcap" "$tmp/cap.pcap" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, wrpcap
c2s = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
s2c = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
pk = []
def at(t, p):
    p.time = 1700000000.0 + t
    pk.append(p)
def handshake(t, sport):
    at(t, c2s / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=sport, dport=80, flags="S", seq=1000))
    at(t + 0.0001, s2c / IP(src="192.0.2.2", dst="192.0.2.1") / TCP(sport=80, dport=sport, flags="SA", seq=5000, ack=1001))
    at(t + 0.0002, c2s / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=sport, dport=80, flags="A", seq=1001, ack=5001))
srcs = ["198.51.100.%d" % i for i in range(1, 201)] + ["203.0.113.%d" % i for i in range(1, 201)]
for i in range(5):
    handshake(i * 0.02, 30000 + i)
for i in range(2000):
    at(0.2 + i * 0.0005, c2s / IP(src=srcs[i % 400], dst="192.0.2.2") / TCP(sport=20000 + i, dport=80, flags="S"))
    if i % 100 == 50:
        handshake(0.2 + i * 0.0005 + 0.00001, 31000 + i)
for i in range(40):
    handshake(1.3 + i * 0.1, 32000 + i)
pk.sort(key=lambda p: p.time)
wrpcap(sys.argv[1], pk)
pk = []
for i in range(1000):
    at(i * 0.001, c2s / IP(src=srcs[i % 400], dst="192.0.2.2") / TCP(sport=20000 + i, dport=8081, flags="S"))
wrpcap(sys.argv[2], pk)
PY
printf 'guard-syn-guard = 500/s\n' >"$tmp/syn.conf"
"$RX" guard --replay -r "$tmp/syn.pcap" --config "$tmp/syn.conf" >"$tmp/out" 2>"$tmp/err" ||
	fail "syn-guard replay: exit $?: $(cat "$tmp/err")"
grep -q " syn-guard engaged: " "$tmp/err" || fail "syn-guard replay: never engaged: $(cat "$tmp/err")"
grep -q " syn-guard let go: " "$tmp/err" || fail "syn-guard replay: never let go: $(cat "$tmp/err")"
[ "$(n 192.0.2.1)" = 0 ] || fail "syn-guard replay: the client that completes handshakes was dropped"
sg=$(n ' drop rate_limited rule 1 (syn-guard half-open 500/s syn 0/s')
# engaged at the first step (0.1 s) after the flood began: about 200 of 2,000 pass
[ "$sg" -ge 1700 ] && [ "$sg" = "$(wc -l <"$tmp/out")" ] || fail "syn-guard replay: $sg flood SYNs dropped: $(head -3 "$tmp/out")"
# with 2/s per unproven source: each of the 400 sources sends a SYN every
# 0.2 s; once engaged (0.3 s) a source's bucket (2/s, a burst of one) admits
# 3 of its 4 or 5 SYNs left: 200 sources lose 2, 200 lose 1 (599 here: one
# source's fourth fell before the step)
printf 'guard-syn-guard = 500/s,2/s\n' >"$tmp/syn2.conf"
"$RX" guard --replay -r "$tmp/syn.pcap" --config "$tmp/syn2.conf" >"$tmp/out" 2>"$tmp/err" ||
	fail "syn-guard 2/s replay: exit $?"
sg2=$(n ' drop rate_limited rule 1 (syn-guard half-open 500/s syn 2/s')
most=$(awk '{ print $3 }' "$tmp/out" | sort | uniq -c | sort -n | awk 'END { print $1 }')
[ "$sg2" -ge 590 ] && [ "$sg2" -le 610 ] && [ "$most" = 2 ] && [ "$(n 192.0.2.1)" = 0 ] ||
	fail "syn-guard 2/s replay: $sg2 dropped (want 600 +- 10), at most $most of one source (want 2)"
printf 'guard-cap = 8081:100/s\n' >"$tmp/cap.conf"
"$RX" guard --replay -r "$tmp/cap.pcap" --config "$tmp/cap.conf" >"$tmp/out" 2>"$tmp/err" || fail "cap replay: exit $?"
capped=$(n ' drop rate_limited rule 1 (cap port 8081 syn 100/s')
[ "$capped" -ge 893 ] && [ "$capped" -le 897 ] || fail "cap replay: $capped of 1000 capped, want 895 +- 2"
echo "replay: the SYN guard engaged and let go, dropped $sg of 2000 spoofed SYNs and none of the client's ($sg2 at 2/s per source); a cap of 100/s dropped $capped of 1000"
bad "expected PORT:N/s" --replay -r "$tmp/in.pcap" --config <(printf 'guard-cap = 100/s\n')
bad "expected N/s\[,M/s\]" --replay -r "$tmp/in.pcap" --config <(printf 'guard-syn-guard = 80:100/s\n')
echo "guard --replay: as specified"

#!/usr/bin/env bash
# tcpdump's habits that watch takes (issue 15, "tcpdump habits"), offline:
#   - options after the FILTER, as tcpdump takes them (watch -r F tcp port 80
#     -c 2), and "--" that ends the options;
#   - -n and -nn, accepted and without effect: rxray never resolves names;
#   - -s 0 is the largest snaplen, as tcpdump's;
#   - an unknown short option inside a cluster is named by its letter;
#   - -w -: the pcap alone on stdout (tcpdump -r - and rxray watch -r - read
#     as many packets as the input holds), the summary on stderr;
#   - -l and -U: with a slow feed on stdin (a pipe), the first packet's line
#     (-l) or record (-U -w -) comes out before the rest of the input goes in;
#   - a reader that went away (a broken pipe: `| head`) ends watch,
#     requests and stats, text and --json, quietly: no message, status 1
#     (tcpdump 4.99 ends with 14 there, after a message), and watch -w -
#     with 0, as tcpdump -w - does;
#   - stats -r F FILTER counts what tcpdump -r F FILTER reads (and options
#     may follow the FILTER); requests -r F FILTER shows the transactions of
#     the plain run whose addresses or ports the FILTER names; a bad FILTER
#     is one line, exit 2 (stats -i FILTER: tests/e2e/test_stats_filter.sh).
# Each case compares against the plain spelling of the same command, so a
# case fails if the habit is refused or changes what is shown.
#   bash tests/pcap/test_tcpdump_habits.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
RXRAY=$BUILD/rxray
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c 'import scapy.all' 2>/dev/null ||
	{ echo "scapy is missing (Debian python3-scapy, /usr/bin/python3): no corpus"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" tests/pcap/gen_corpus.py "$tmp" >/dev/null || { echo "FAIL: gen_corpus.py"; exit 1; }
F=$tmp/http.pcap
fails=0

# same NAME WANT_FILE -- COMMAND...: COMMAND exits 0 and prints exactly WANT_FILE
same() {
	local name=$1 want=$2
	shift 3
	"$@" >"$tmp/got" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $name: exit $rc: $(head -1 "$tmp/err")"
		fails=$((fails + 1))
	elif ! cmp -s "$tmp/got" "$want"; then
		echo "FAIL: $name: output differs from the plain spelling:"
		diff "$want" "$tmp/got" | head -5
		fails=$((fails + 1))
	else
		echo "ok   $name ($(wc -l <"$want") lines)"
	fi
}

"$RXRAY" watch -r "$F" -c 2 tcp port 80 >"$tmp/plain2" 2>/dev/null || { echo "FAIL: plain watch"; exit 1; }
[ "$(wc -l <"$tmp/plain2")" -eq 2 ] || { echo "FAIL: -c 2 printed $(wc -l <"$tmp/plain2") lines"; exit 1; }
same "options after the filter" "$tmp/plain2" -- "$RXRAY" watch -r "$F" tcp port 80 -c 2
same "options around the filter" "$tmp/plain2" -- "$RXRAY" watch tcp -r "$F" port 80 -c 2
same "-- ends the options" "$tmp/plain2" -- "$RXRAY" watch -r "$F" -c 2 -- tcp port 80

"$RXRAY" watch -r "$F" --json >"$tmp/plain" 2>/dev/null || { echo "FAIL: plain watch --json"; exit 1; }
same "-n" "$tmp/plain" -- "$RXRAY" watch -n -r "$F" --json
same "-nn" "$tmp/plain" -- "$RXRAY" watch -nn -r "$F" --json
same "-s 0 (= -s 2048)" "$tmp/plain" -- "$RXRAY" watch -s 0 -r "$F" --json
"$RXRAY" watch -r "$F" -s 0 -w "$tmp/s0.pcap" >/dev/null 2>&1 &&
	"$RXRAY" watch -r "$F" -s 2048 -w "$tmp/s2048.pcap" >/dev/null 2>&1 &&
	cmp -s "$tmp/s0.pcap" "$tmp/s2048.pcap" && echo "ok   -s 0 writes what -s 2048 writes" ||
	{ echo "FAIL: -s 0 and -s 2048 write different pcaps"; fails=$((fails + 1)); }

"$RXRAY" watch -r "$F" -nZ >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -qF "unknown option '-Z'" "$tmp/err"; then
	echo "ok   -nZ: exit 2, names -Z"
else
	echo "FAIL: -nZ: exit $rc: $(cat "$tmp/err")"
	fails=$((fails + 1))
fi

# -w -: nothing but the pcap on stdout
want=$(tcpdump -nn -r "$F" 2>/dev/null | wc -l)
[ "$want" -gt 0 ] || want=$("$RXRAY" watch -r "$F" 2>/dev/null | wc -l)
"$RXRAY" watch -r "$F" -w - 2>"$tmp/err" >"$tmp/w.pcap"
rc=$?
got=$("$RXRAY" watch -r - <"$tmp/w.pcap" 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$got" -eq "$want" ] && grep -q "^$want packets shown" "$tmp/err"; then
	echo "ok   -w - | rxray watch -r -: $got packets, the summary on stderr"
else
	echo "FAIL: -w -: exit $rc, rxray watch -r - read $got packets of $want; stderr: $(head -2 "$tmp/err")"
	fails=$((fails + 1))
fi
if command -v tcpdump >/dev/null; then
	got=$("$RXRAY" watch -r "$F" -w - 2>/dev/null | tcpdump -nn -r - 2>/dev/null | wc -l)
	[ "$got" -eq "$want" ] && echo "ok   -w - | tcpdump -r -: $got packets" ||
		{ echo "FAIL: -w - | tcpdump -r - read $got packets of $want"; fails=$((fails + 1)); }
	got=$("$RXRAY" watch -r "$F" -w - tcp port 80 2>/dev/null | tcpdump -nn -r - 2>/dev/null | wc -l)
	want=$(tcpdump -nn -r "$F" tcp port 80 2>/dev/null | wc -l)
	[ "$got" -eq "$want" ] && echo "ok   -w - FILTER | tcpdump -r -: $got packets" ||
		{ echo "FAIL: -w - tcp port 80 | tcpdump -r - read $got packets of $want"; fails=$((fails + 1)); }
else
	echo "skip -w - | tcpdump -r - (no tcpdump)"
fi

# -l, -U: the first packet's output before the second packet goes in. A
# pipe as stdout is block-buffered, so without them nothing comes before
# the end (the control, reported, not asserted).
"$PY" - "$RXRAY" "$F" <<'PYEOF' || fails=$((fails + 1))
import os, select, struct, subprocess, sys
rx, f = sys.argv[1], sys.argv[2]
data = open(f, "rb").read()
end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
first = 24 + 16 + struct.unpack(end + "I", data[32:36])[0]  # file header, record 1

def early(args, wait=5):
    """bytes out of `watch -r - ARGS` after record 1 alone went in (wait s at most)"""
    p = subprocess.Popen([rx, "watch", "-r", "-"] + args, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(data[:first])
    p.stdin.flush()
    got = b""
    while len(got) < 4096 and select.select([p.stdout], [], [], wait if not got else 0.3)[0]:
        b = os.read(p.stdout.fileno(), 65536)
        if not b:
            break
        got += b
    p.stdin.write(data[first:])
    p.stdin.close()
    rest = p.stdout.read()
    return got, got + rest, p.wait()

fails = 0
for name, args, want in (("-l", ["-l"], lambda g: g.count(b"\n") == 1),
                         ("-l --json", ["-l", "--json"], lambda g: g.count(b"\n") == 1 and g.startswith(b"{")),
                         ("-U -w -", ["-U", "-w", "-"], lambda g: len(g) == first)):
    got, alls, rc = early(args)
    ctl, _, _ = early([a for a in args if a not in ("-l", "-U")], 0.5)
    if rc == 0 and want(got):
        print("ok   %s: %d bytes out after the first packet in, before the rest (without: %d)"
              % (name, len(got), len(ctl)))
    else:
        print("FAIL: %s: exit %d, %d bytes out after the first packet in: %r" % (name, rc, len(got), got[:80]))
        fails += 1
sys.exit(1 if fails else 0)
PYEOF

# A reader gone: each command's stdout a pipe whose read end is closed
# before it starts (deterministic, as `| head` once head has exited).
gone() { # gone NAME WANT_STATUS COMMAND...: quiet end with WANT_STATUS
	local name=$1 want=$2
	shift 2
	"$PY" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.call(sys.argv[1:], stdout=w, stderr=open(os.environ["ERRF"], "w")))' "$@"
	local rc=$?
	if [ $rc -eq "$want" ] && ! grep -q '^rxray:' "$tmp/err"; then
		echo "ok   broken pipe, $name: exit $rc, no message"
	else
		echo "FAIL: broken pipe, $name: exit $rc (want $want): $(grep '^rxray:' "$tmp/err")"
		fails=$((fails + 1))
	fi
}
export ERRF=$tmp/err
gone "watch" 1 "$RXRAY" watch -r "$F"
gone "watch --json" 1 "$RXRAY" watch -r "$F" --json
gone "watch -w -" 0 "$RXRAY" watch -r "$F" -w -
gone "requests" 1 "$RXRAY" requests -r "$F"
gone "requests --json" 1 "$RXRAY" requests -r "$F" --json
gone "stats" 1 "$RXRAY" stats -r "$F"
gone "stats --json" 1 "$RXRAY" stats -r "$F" --json
# and through a real head, on output larger than a pipe's buffer
"$PY" -c 'import sys
from scapy.utils import rdpcap, wrpcap
p = rdpcap(sys.argv[1])
wrpcap(sys.argv[2], list(p) * 100)' "$F" "$tmp/big.pcap" 2>/dev/null
"$RXRAY" watch -r "$tmp/big.pcap" 2>"$tmp/err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 1 ] && ! grep -q '^rxray:' "$tmp/err"; then
	echo "ok   watch -r BIG | head -1: exit 1, no message ($(head -1 "$tmp/err"))"
else
	echo "FAIL: watch -r BIG | head -1: exit $rc: $(grep '^rxray:' "$tmp/err")"
	fails=$((fails + 1))
fi

# FILTER for stats and requests
if command -v tcpdump >/dev/null && command -v jq >/dev/null; then
	for case in "http.pcap:tcp port 80" "udp_icmp.pcap:udp" "udp_icmp.pcap:icmp or icmp6" \
		"http.pcap:host 192.0.2.20 and not port 443" "l2.pcap:vlan"; do
		g=$tmp/${case%%:*} flt=${case#*:}
		# shellcheck disable=SC2086 # the filter's words
		want=$(tcpdump -nn -r "$g" $flt 2>/dev/null | grep -c "^[0-9]")
		# shellcheck disable=SC2086 # the filter's words
		got=$("$RXRAY" stats -r "$g" $flt --json 2>/dev/null | jq .packets)
		[ "$got" = "$want" ] && [ "$want" -gt 0 ] &&
			echo "ok   stats -r ${case%%:*} $flt --json: $got packets, as tcpdump" ||
			{ echo "FAIL: stats -r ${case%%:*} $flt: $got packets, tcpdump reads $want"; fails=$((fails + 1)); }
	done
else
	echo "skip stats FILTER against tcpdump (no tcpdump or jq)"
fi
"$RXRAY" requests -r "$F" >"$tmp/all" 2>/dev/null
# requests FILTER WANT_AWK: the plain run's lines WANT_AWK selects ($2 client, $4 server)
req_filter() {
	local flt=$1 sel=$2
	awk "$sel" "$tmp/all" >"$tmp/want"
	# a case that selects nothing or all would prove nothing of the filter
	[ "$(wc -l <"$tmp/want")" -gt 0 ] && [ "$(wc -l <"$tmp/want")" -lt "$(wc -l <"$tmp/all")" ] ||
		{ echo "FAIL: requests FILTER '$flt' selects nothing or all"; fails=$((fails + 1)); }
	# shellcheck disable=SC2086 # the filter's words
	same "requests -r F $flt" "$tmp/want" -- "$RXRAY" requests -r "$F" $flt
}
req_filter "port 80" '$2 ~ /[.:]80$/ || $4 ~ /[.:]80$/'
req_filter "not port 80" '!($2 ~ /:80$/ || $4 ~ /:80$/)'
req_filter "src host 198.51.100.20" '$2 ~ /^198\.51\.100\.20:/ || $4 ~ /^198\.51\.100\.20:/'
for c in "requests -r $F tcp port" "stats -r $F tcp port"; do
	# shellcheck disable=SC2086 # the words
	"$RXRAY" $c >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		echo "ok   ${c/$F/F}: exit 2, $(cat "$tmp/err")"
	else
		echo "FAIL: ${c/$F/F}: exit $rc: $(cat "$tmp/err")"
		fails=$((fails + 1))
	fi
done

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo PASS

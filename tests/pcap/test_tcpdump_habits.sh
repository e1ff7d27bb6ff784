#!/usr/bin/env bash
# tcpdump's habits that watch takes (issue 15, "tcpdump habits"), offline:
#   - options after the FILTER, as tcpdump takes them (watch -r F tcp port 80
#     -c 2), and "--" that ends the options;
#   - -n and -nn, accepted and without effect: rxray never resolves names;
#   - -s 0 is the largest snaplen, as tcpdump's;
#   - an unknown short option inside a cluster is named by its letter.
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

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo PASS

#!/usr/bin/env bash
# Golden outputs, the oracle that needs no tshark: `rxray watch -r` and
# `rxray requests -r`, as text and --json, on every capture that
# tests/pcap/gen_corpus.py writes (deterministic: fixed bytes and fixed
# timestamps, byte-identical from run to run), compared byte for byte with
# tests/pcap/golden/FILE.VIEW.txt: stdout, then a line "--- exit N", then
# stderr. Any change of output fails here, tshark installed or not (the
# tshark tests say whether an output is right; this one that it stayed so).
#   tests/pcap/test_golden.sh BUILD
# After a change of output on purpose, write the files anew and review them
# with git diff:
#   RXRAY_GOLDEN_UPDATE=1 tests/pcap/test_golden.sh BUILD
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
RXRAY=$BUILD/rxray
PY=${PYTHON:-/usr/bin/python3}
GOLDEN=tests/pcap/golden
# watch and requests print local time; the messages are C's
export TZ=UTC LC_ALL=C
"$PY" -c 'import scapy.all' 2>/dev/null ||
	{ echo "scapy is missing (Debian python3-scapy, /usr/bin/python3): no corpus"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" tests/pcap/gen_corpus.py "$tmp/corpus" >/dev/null || { echo "FAIL: gen_corpus.py"; exit 1; }

fails=0 n=0
mkdir -p "$tmp/now"
cd "$tmp/corpus" || exit 1 # the messages name the file as given: no temp path
for f in *.pcap *.pcapng; do
	for view in watch watch-json requests requests-json; do
		cmd=${view%-json}
		opt=
		[ "$view" != "$cmd" ] && opt=--json
		name=$f.$view.txt
		# p0f.* depends on the p0f database installed: tests/pcap/test_p0f.py checks it
		# shellcheck disable=SC2086 # no option is ""
		RXRAY_P0F_DB=off "$RXRAY" "$cmd" -r "$f" $opt >"$tmp/now/$name" 2>"$tmp/err"
		echo "--- exit $?" >>"$tmp/now/$name"
		cat "$tmp/err" >>"$tmp/now/$name"
		n=$((n + 1))
	done
done
cd - >/dev/null || exit 1
if [ "${RXRAY_GOLDEN_UPDATE:-}" = 1 ]; then
	rm -rf "$GOLDEN"
	cp -r "$tmp/now" "$GOLDEN"
	echo "wrote $n golden files to $GOLDEN: review them with git diff"
	exit 0
fi
for g in "$tmp"/now/*.txt "$GOLDEN"/*.txt; do
	name=$(basename "$g")
	[ "$g" = "$GOLDEN/$name" ] && [ -e "$tmp/now/$name" ] && continue # compared once
	if [ ! -e "$GOLDEN/$name" ]; then
		echo "FAIL: $name: no golden file (RXRAY_GOLDEN_UPDATE=1 writes it)"
	elif [ ! -e "$tmp/now/$name" ]; then
		echo "FAIL: $GOLDEN/$name: no such output any more (a capture or a view gone?)"
	elif ! cmp -s "$GOLDEN/$name" "$g"; then
		echo "FAIL: $name differs from $GOLDEN/$name:"
		diff -u "$GOLDEN/$name" "$g" | head -n 20
	else
		continue
	fi
	fails=$((fails + 1))
done
[ "$fails" -eq 0 ] || { echo "$fails of $n outputs differ from the golden ones"; exit 1; }
echo "PASS: $n outputs byte for byte as in $GOLDEN"

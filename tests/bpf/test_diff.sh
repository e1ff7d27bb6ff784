#!/usr/bin/env bash
# BPF and native agree: the generated corpus through BPF_PROG_TEST_RUN and
# through the native build gives identical records and counters; again with
# payload capture on (secrets masked in place: the same bytes both ways).
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp" >/dev/null
"$BUILD"/tests/bpf_diff "$tmp"/*.pcap "$tmp"/*.pcapng | tee "$tmp/out" | grep -v '^skip' || true
# frames are skipped only when the kernel cannot test-run them (< 14 bytes)
grep '^skip' "$tmp/out" | grep -v ': \([0-9]\|1[0-3]\) bytes cannot' && { echo "unexpected skips"; exit 1; }
tail -n 1 "$tmp/out" | grep -q ' 0 mismatched$'
grep -q 'slots compared, 0 differ' "$tmp/out"
grep -q 'table talkers: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
grep -q 'table services: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
! grep -q '^SIZES\|^TCPKIND' "$tmp/out"
# --payload: the same records both ways, and no secret of the corpus in them
"$BUILD"/tests/bpf_diff --payload "$tmp"/*.pcap "$tmp"/*.pcapng >"$tmp/out.payload"
tail -n 1 "$tmp/out.payload" | grep -q ' 0 mismatched$'
n=0
for f in "$tmp"/*.pcap "$tmp"/*.pcapng; do
	"$BUILD"/rxray watch -r "$f" --payload -w "$tmp/masked.pcap" >"$tmp/masked.txt" 2>/dev/null
	n=$((n + $(grep -ac 'Authorization:\*\*\*' "$tmp/masked.pcap" || true)))
	! grep -aq SECRET "$tmp/masked.pcap" "$tmp/masked.txt" || { echo "a secret left the datapath: $f"; exit 1; }
done
[ $n -ge 1 ] || { echo "--payload captured no masked header"; exit 1; }
echo "payload capture: secrets masked, none in the records"

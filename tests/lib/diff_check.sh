#!/usr/bin/env bash
# The BPF = native differential and its verdict, in one place for the two
# places that run it: tests/bpf/test_diff.sh (this machine's kernel) and the
# kernel matrix (tests/kernels/guest.sh, inside a QEMU guest).
#   tests/lib/diff_check.sh BUILD CORPUS_DIR
# BUILD holds rxray and tests/bpf_diff; CORPUS_DIR the files written by
# tests/pcap/gen_corpus.py. Exit 0 when BPF and native agree; otherwise the
# last line names the check that failed.
set -eu
BUILD=$1
CORPUS=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# need WHAT GREP_ARGS...: the output holds a line that matches
need() {
	local what=$1
	shift
	grep -q "$@" || fail "$what"
}

# run_diff OUT [ARGS]: bpf_diff over the corpus; its stderr (a verifier log
# when a program does not load) shortened to its end
run_diff() {
	local out=$1
	shift
	"$BUILD"/tests/bpf_diff "$@" "$CORPUS"/*.pcap "$CORPUS"/*.pcapng >"$out" 2>"$out.err" || true
	tail -n 20 "$out.err" >&2
	[ -s "$out" ] || fail "bpf_diff${*:+ $*}: no output: $(tail -n 1 "$out.err")"
}

run_diff "$tmp/out"
grep -v '^skip' "$tmp/out" || true
# frames are skipped only when the kernel cannot test-run them (< 14 bytes)
grep '^skip' "$tmp/out" | grep -v ': \([0-9]\|1[0-3]\) bytes cannot' && fail "unexpected skips"
tail -n 1 "$tmp/out" | need "records: BPF and native differ (or bpf_diff did not finish)" ' 0 mismatched$'
need "counter slots differ" 'slots compared, 0 differ' "$tmp/out"
need "talkers differ (or none compared)" 'table talkers: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
need "services differ (or none compared)" 'table services: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
if grep -q '^SIZES\|^TCPKIND' "$tmp/out"; then fail "size or TCP-kind histograms differ"; fi
# --payload: the same records both ways, and no secret of the corpus in them
run_diff "$tmp/out.payload" --payload
tail -n 1 "$tmp/out.payload" | need "--payload records: BPF and native differ: $(tail -n 1 "$tmp/out.payload")" ' 0 mismatched$'
n=0
for f in "$CORPUS"/*.pcap "$CORPUS"/*.pcapng; do
	"$BUILD"/rxray watch -r "$f" --payload -w "$tmp/masked.pcap" >"$tmp/masked.txt" 2>/dev/null
	n=$((n + $(grep -ac 'Authorization:\*\*\*' "$tmp/masked.pcap" || true)))
	! grep -aq SECRET "$tmp/masked.pcap" "$tmp/masked.txt" || fail "a secret left the datapath: $f"
done
[ $n -ge 1 ] || fail "--payload captured no masked header"
echo "payload capture: secrets masked, none in the records"

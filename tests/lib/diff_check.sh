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

# at least this many transactions through each TC program: the check cannot pass on nothing
# (http.pcap alone makes 36 transactions and 43 request records)
MIN_TXNS=30
MIN_INFOS=30
# route patterns that http.pcap's paths match (and some do not)
run_diff "$tmp/out" --route '/api/{version}/items/{id}' --route '/static/*'
grep -v '^skip' "$tmp/out" || true
# frames are skipped only when the kernel cannot test-run them (< 14 bytes;
# at TC also an IP frame cut inside its IP header, on kernels that refuse
# it) and, at TC, when the capture cut them (snaplen): TC sees whole packets
grep '^skip' "$tmp/out" | grep -v ': \([0-9]\|1[0-3]\) bytes cannot' |
	grep -v '^skip TC [^ ]* frame [0-9]*: snaplen cut ([0-9]* of [0-9]* bytes): no TC counterpart$' |
	grep -v '^skip TC \(ingress\|egress\) [^ ]* frame [0-9]*: \([0-9]\|[1-4][0-9]\|5[0-3]\) bytes: the kernel does not test-run an IP frame shorter than its IP header$' &&
	fail "unexpected skips"
tail -n 1 "$tmp/out" | need "records: BPF and native differ (or bpf_diff did not finish)" ' 0 mismatched$'
need "counter slots differ" 'slots compared, 0 differ' "$tmp/out"
need "talkers differ (or none compared)" 'table talkers: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
need "services differ (or none compared)" 'table services: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
if grep -q '^SIZES\|^TCPKIND' "$tmp/out"; then fail "size or TCP-kind histograms differ"; fi
for pass in ingress egress; do
	tc="TC $pass"
	need "$tc: transactions differ (or none compared)" \
		"^$tc: [1-9][0-9]* frames, [0-9]* transactions and [0-9]* request records compared, [0-9]* skipped, 0 differ$" "$tmp/out"
	txns=$(sed -n "s/^$tc: .* frames, \([0-9]*\) transactions and \([0-9]*\) .*/\1/p" "$tmp/out")
	infos=$(sed -n "s/^$tc: .* transactions and \([0-9]*\) request records .*/\1/p" "$tmp/out")
	[ "$txns" -ge $MIN_TXNS ] || fail "$tc: $txns transactions compared, want >= $MIN_TXNS"
	[ "$infos" -ge $MIN_INFOS ] || fail "$tc: $infos request records compared, want >= $MIN_INFOS"
	# the corpus reaches the trackers' losses too: unmatched, expired, retransmitted
	need "$tc: HTTP stats differ" \
		"^$tc stats: [0-9]* counters compared (.*http_unmatched [1-9][0-9]*, http_expired [1-9][0-9]*, stage_miss 0), 0 differ$" "$tmp/out"
	need "$tc: TCP health differs" \
		"^$tc health: [0-9]* counters and [0-9]* latency counts compared (handshakes [1-9][0-9]*, retransmits [1-9][0-9]*, .*), 0 differ$" "$tmp/out"
	for t in endpoints routes budgets flows http_conns; do
		need "$tc: table $t differs (or is empty)" "^$tc table $t: [1-9][0-9]* keys compared, 0 differ$" "$tmp/out"
	done
done
# --payload: the same records both ways, and no secret of the corpus in them
run_diff "$tmp/out.payload" --payload --no-tc
tail -n 1 "$tmp/out.payload" | need "--payload records: BPF and native differ: $(tail -n 1 "$tmp/out.payload")" ' 0 mismatched$'
n=0
for f in "$CORPUS"/*.pcap "$CORPUS"/*.pcapng; do
	"$BUILD"/rxray watch -r "$f" --payload -w "$tmp/masked.pcap" >"$tmp/masked.txt" 2>/dev/null
	n=$((n + $(grep -ac 'Authorization:\*\*\*' "$tmp/masked.pcap" || true)))
	! grep -aq SECRET "$tmp/masked.pcap" "$tmp/masked.txt" || fail "a secret left the datapath: $f"
done
[ $n -ge 1 ] || fail "--payload captured no masked header"
echo "payload capture: secrets masked, none in the records"
# --guard: the guard's rules (allow over deny, IPv4 and IPv6, a dry run) give
# the same verdicts, reasons, counters and per-rule hits both ways
run_diff "$tmp/out.guard" --guard --no-tc
tail -n 1 "$tmp/out.guard" | need "--guard records or verdicts: BPF and native differ: $(tail -n 1 "$tmp/out.guard")" ' 0 mismatched$'
need "--guard counter slots differ" 'slots compared, 0 differ' "$tmp/out.guard"
need "--guard: rule hits differ (or a kind never matched)" '^guard: [0-9]* rules compared (.* dropped, .* would drop, .* allowed), 0 differ$' "$tmp/out.guard"
echo "guard: BPF and native verdicts agree: $(grep '^guard:' "$tmp/out.guard")"

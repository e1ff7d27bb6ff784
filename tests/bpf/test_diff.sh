#!/usr/bin/env bash
# BPF and native agree: the generated corpus through BPF_PROG_TEST_RUN and
# through the native build gives identical records and counters; again with
# payload capture on (secrets masked in place: the same bytes both ways).
# The TC programs (tc_ingress, tc_egress) and the native TCP and HTTP
# trackers agree too: transactions, request records, stats, TCP health and
# the trackers' tables.
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# at least this many transactions through each TC program: the test cannot pass on nothing
# (http.pcap alone makes 36 transactions and 43 request records)
MIN_TXNS=30
MIN_INFOS=30
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp" >/dev/null
# route patterns that http.pcap's paths match (and some do not)
"$BUILD"/tests/bpf_diff --route '/api/{version}/items/{id}' --route '/static/*' \
	"$tmp"/*.pcap "$tmp"/*.pcapng | tee "$tmp/out" | grep -v '^skip' || true
need() {
	grep -q "$1" "$tmp/out" || { echo "no line matches: $1"; exit 1; }
}
# frames are skipped only when the kernel cannot test-run them (< 14 bytes;
# at TC also an IP frame cut inside its IP header, on kernels that refuse
# it) and, at TC, when the capture cut them (snaplen): TC sees whole packets
grep '^skip' "$tmp/out" | grep -v ': \([0-9]\|1[0-3]\) bytes cannot' |
	grep -v '^skip TC [^ ]* frame [0-9]*: snaplen cut ([0-9]* of [0-9]* bytes): no TC counterpart$' |
	grep -v '^skip TC \(ingress\|egress\) [^ ]* frame [0-9]*: \([0-9]\|[1-4][0-9]\|5[0-3]\) bytes: the kernel does not test-run an IP frame shorter than its IP header$' &&
	{ echo "unexpected skips"; exit 1; }
tail -n 1 "$tmp/out" | grep -q ' 0 mismatched$'
grep -q 'slots compared, 0 differ' "$tmp/out"
grep -q 'table talkers: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
grep -q 'table services: [1-9][0-9]* keys compared, 0 differ' "$tmp/out"
# (a bare "! grep" would not stop the script: set -e ignores negated commands)
grep '^SIZES\|^TCPKIND' "$tmp/out" && { echo "the traffic picture differs"; exit 1; }
for pass in ingress egress; do
	tc="TC $pass"
	need "^$tc: [1-9][0-9]* frames, [0-9]* transactions and [0-9]* request records compared, [0-9]* skipped, 0 differ$"
	txns=$(sed -n "s/^$tc: .* frames, \([0-9]*\) transactions and \([0-9]*\) .*/\1/p" "$tmp/out")
	infos=$(sed -n "s/^$tc: .* transactions and \([0-9]*\) request records .*/\1/p" "$tmp/out")
	[ "$txns" -ge $MIN_TXNS ] || { echo "$tc: $txns transactions compared, want >= $MIN_TXNS"; exit 1; }
	[ "$infos" -ge $MIN_INFOS ] || { echo "$tc: $infos request records compared, want >= $MIN_INFOS"; exit 1; }
	# the corpus reaches the trackers' losses too: unmatched, expired, retransmitted
	need "^$tc stats: [0-9]* counters compared (.*http_unmatched [1-9][0-9]*, http_expired [1-9][0-9]*, stage_miss 0), 0 differ$"
	need "^$tc health: [0-9]* counters and [0-9]* latency counts compared (handshakes [1-9][0-9]*, retransmits [1-9][0-9]*, .*), 0 differ$"
	for t in endpoints routes budgets flows http_conns; do
		need "^$tc table $t: [1-9][0-9]* keys compared, 0 differ$"
	done
done
# --payload: the same records both ways, and no secret of the corpus in them
"$BUILD"/tests/bpf_diff --payload --no-tc "$tmp"/*.pcap "$tmp"/*.pcapng >"$tmp/out.payload"
tail -n 1 "$tmp/out.payload" | grep -q ' 0 mismatched$'
n=0
for f in "$tmp"/*.pcap "$tmp"/*.pcapng; do
	"$BUILD"/rxray watch -r "$f" --payload -w "$tmp/masked.pcap" >"$tmp/masked.txt" 2>/dev/null
	n=$((n + $(grep -ac 'Authorization:\*\*\*' "$tmp/masked.pcap" || true)))
	! grep -aq SECRET "$tmp/masked.pcap" "$tmp/masked.txt" || { echo "a secret left the datapath: $f"; exit 1; }
done
[ $n -ge 1 ] || { echo "--payload captured no masked header"; exit 1; }
echo "payload capture: secrets masked, none in the records"

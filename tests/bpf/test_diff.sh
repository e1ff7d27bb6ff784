#!/usr/bin/env bash
# BPF and native agree: the generated corpus through BPF_PROG_TEST_RUN and
# through the native build gives identical records and counters; again with
# payload capture on (secrets masked in place: the same bytes both ways).
# The TC programs (tc_ingress, tc_egress) and the native TCP and HTTP
# trackers agree too: transactions, request records, stats, TCP health and
# the trackers' tables, the TLS rows. The checks live in tests/lib/diff_check.sh, shared with the kernel matrix.
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp" >/dev/null
tests/lib/diff_check.sh "$BUILD" "$tmp"

# the reordering capture of tests/pcap/test_http_reorder.py (late heads on
# both sides, a hole never filled): the trackers' holes agree both ways
mkdir "$tmp/reorder"
"${PYTHON:-/usr/bin/python3}" - "$tmp/reorder/reorder.pcap" <<'PY'
import sys
sys.path.insert(0, "tests/pcap")
import test_http_reorder as t
from scapy.all import wrpcap
frames, _ = t.conversations()
for ts, p, _ in frames:
    p.time = ts
wrpcap(sys.argv[1], [p for _, p, _ in frames])
PY
"$BUILD"/tests/bpf_diff "$tmp/reorder/reorder.pcap" >"$tmp/reorder/out" 2>&1 || true
for tc in "TC ingress" "TC egress"; do
	grep -q "^$tc: [0-9]* frames, 1[0-9] transactions and [0-9]* request records compared, 0 skipped, 0 differ$" "$tmp/reorder/out" ||
		{ tail -n 25 "$tmp/reorder/out"; echo "FAIL: reorder capture: $tc transactions differ"; exit 1; }
	grep -q "^$tc stats: .*http_expired [1-9][0-9]*, stage_miss 0), 0 differ$" "$tmp/reorder/out" ||
		{ echo "FAIL: reorder capture: $tc stats differ"; exit 1; }
done
tail -n 1 "$tmp/reorder/out" | grep -q ' 0 mismatched$' || { echo "FAIL: reorder capture: records differ"; exit 1; }
echo "reorder capture: BPF and native agree"
# bad TLS hellos (tests/pcap/test_tls_bad.py): every cut length, lists past
# what is kept, lying lengths: the TLS stage's records agree both ways (the
# 3 KiB frame is skipped: larger than a BPF_PROG_TEST_RUN XDP frame)
mkdir "$tmp/tls"
"${PYTHON:-/usr/bin/python3}" tests/pcap/test_tls_bad.py "$BUILD" "$tmp/tls/bad.pcap"
"$BUILD"/tests/bpf_diff "$tmp/tls/bad.pcap" >"$tmp/tls/out" 2>&1 || true
tail -n 1 "$tmp/tls/out" | grep -q '^320 frames, 319 compared, 1 skipped, 0 mismatched$' ||
	{ tail -n 5 "$tmp/tls/out"; echo "FAIL: bad TLS hellos: records differ"; exit 1; }
echo "bad TLS hellos: BPF and native agree ($(tail -n 1 "$tmp/tls/out"))"
# ClientHellos split over two segments (tests/pcap/test_tls_split.py): the
# held pieces and the reassembled hellos, retransmits, gaps, out of order
"${PYTHON:-/usr/bin/python3}" tests/pcap/test_tls_split.py "$BUILD" "$tmp/tls/split.pcap"
"$BUILD"/tests/bpf_diff "$tmp/tls/split.pcap" >"$tmp/tls/split.out" 2>&1 || true
tail -n 1 "$tmp/tls/split.out" | grep -q '^\([0-9]*\) frames, \1 compared, 0 skipped, 0 mismatched$' ||
	{ tail -n 5 "$tmp/tls/split.out"; echo "FAIL: split TLS hellos: records differ"; exit 1; }
echo "split TLS hellos: BPF and native agree ($(tail -n 1 "$tmp/tls/split.out"))"
# tls_agree PCAP NAME ROWS CONNS EXCHANGES: on each TC hook the TLS stage's
# connections and its (port, SNI, ALPN) rows agree both ways (counts; the
# times are each build's clock), with these totals; bpf_diff's output in
# $tmp/tlsconv/PCAP's file name.out
mkdir "$tmp/tlsconv"
tls_agree() {
	local out=$tmp/tlsconv/${1##*/}.out tc
	"$BUILD"/tests/bpf_diff "$1" >"$out" 2>&1 || true
	for tc in "TC ingress" "TC egress"; do
		grep -q "^$tc TLS: $3 rows compared (connections $4, exchanges $5), 0 differ$" "$out" &&
			grep -q "^$tc table tls_conns: $4 keys compared, 0 differ$" "$out" ||
			{ grep TLS "$out"; echo "FAIL: $2: $tc TLS rows differ"; exit 1; }
	done
	echo "$2: BPF and native agree ($(grep -m1 'TC ingress TLS' "$out"))"
}
# TLS conversations (tests/pcap/tls_conv.py)
"${PYTHON:-/usr/bin/python3}" tests/pcap/tls_conv.py "$tmp/tlsconv/conv.pcap"
tls_agree "$tmp/tlsconv/conv.pcap" "TLS conversations" 3 6 12
# a real TLS 1.3 capture (tests/pcap/data/tls13_ticket2.pcap): a first
# request sent with the Finished, before the tickets (RX_TLSC_EARLY), and one
# between two ticket segments: 16 exchanges on each of the 3 rows
tls_agree tests/pcap/data/tls13_ticket2.pcap "TLS 1.3 tickets and early requests" 4 7 48
# TLS 1.3 first requests with the Finished, after it, after the tickets, no
# tickets, a client certificate (tests/pcap/test_tls13_early.py)
"${PYTHON:-/usr/bin/python3}" tests/pcap/test_tls13_early.py "$BUILD" "$tmp/tlsconv/early.pcap"
tls_agree "$tmp/tlsconv/early.pcap" "TLS 1.3 first requests" 5 5 14
# ServerHellos split over two segments (tests/pcap/test_tls2_sh_split.py): the
# capture records (held, reassembled) and the TLS stage's version inference
"${PYTHON:-/usr/bin/python3}" tests/pcap/test_tls2_sh_split.py "$BUILD" "$tmp/tlsconv/sh.pcap"
tls_agree "$tmp/tlsconv/sh.pcap" "split ServerHellos" 151 151 302
tail -n 1 "$tmp/tlsconv/sh.pcap.out" | grep -q '^\([0-9]*\) frames, \1 compared, 0 skipped, 0 mismatched$' ||
	{ tail -n 5 "$tmp/tlsconv/sh.pcap.out"; echo "FAIL: split ServerHellos: records differ"; exit 1; }
echo "split ServerHellos: records agree ($(tail -n 1 "$tmp/tlsconv/sh.pcap.out"))"
# routes the datapath cuts at 64 bytes (RX_ROUTE_MAX) and paths cut at 128:
# the cut is part of the route's id and its flags, the same both ways
mkdir "$tmp/routes"
"${PYTHON:-/usr/bin/python3}" - "$tmp/routes/routes.pcap" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, Raw, wrpcap
paths = [b"/" + b"ghijklmnop" * 8, b"/" + b"g" * 60 + b"/123456", b"/" + b"k" * 50 + b"/" + b"1" * 30,
         b"/x/" + b"z" * 140, b"/" + b"q" * 63, b"/" + b"q" * 64]
pkts, t = [], 1700000000.0
for i, path in enumerate(paths):
    req = b"GET " + path + b" HTTP/1.1\r\nHost: h\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.10", dst="198.51.100.1")
    s = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src="198.51.100.1", dst="192.0.2.10")
    for p in (c / TCP(sport=30000 + i, dport=80, flags="PA", seq=100, ack=500) / Raw(req),
              s / TCP(sport=80, dport=30000 + i, flags="PA", seq=500, ack=100 + len(req)) / Raw(resp)):
        t += 0.001
        p.time = t
        pkts.append(p)
wrpcap(sys.argv[1], pkts)
PY
"$BUILD"/tests/bpf_diff "$tmp/routes/routes.pcap" >"$tmp/routes/out" 2>&1 || true
for tc in "TC ingress" "TC egress"; do
	grep -q "^$tc: [0-9]* frames, 6 transactions and [0-9]* request records compared, 0 skipped, 0 differ$" "$tmp/routes/out" ||
		{ tail -n 25 "$tmp/routes/out"; echo "FAIL: cut routes: $tc transactions differ"; exit 1; }
done
tail -n 1 "$tmp/routes/out" | grep -q ' 0 mismatched$' || { echo "FAIL: cut routes: records differ"; exit 1; }
echo "cut routes: BPF and native agree"

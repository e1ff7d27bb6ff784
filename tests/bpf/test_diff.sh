#!/usr/bin/env bash
# BPF and native agree: the generated corpus through BPF_PROG_TEST_RUN and
# through the native build gives identical records and counters; again with
# payload capture on (secrets masked in place: the same bytes both ways).
# The TC programs (tc_ingress, tc_egress) and the native TCP and HTTP
# trackers agree too: transactions, request records, stats, TCP health and
# the trackers' tables. The checks live in tests/lib/diff_check.sh, shared with the kernel matrix.
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp" >/dev/null
tests/lib/diff_check.sh "$BUILD" "$tmp"

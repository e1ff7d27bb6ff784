#!/usr/bin/env bash
# The BPF_PROG_TEST_RUN benchmarks (bench/xdp_cost, bench/tc_http_cost) time
# what they claim: their packets, through rxray's XDP and TC programs, take
# the paths they are timed for (tests/bpf/bench_check.c says which).
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
"$BUILD"/tests/bench_check

#!/usr/bin/env bash
# The port-scan accounting's budget in the BPF build (tests/bpf/scanbudget_check.c):
# past RX_SCAN_NEW_PER_S new targets in a second on a CPU, a probe is counted
# in scan_overflow, not tracked; below it every new target is. The native
# build's budget: tests/pcap/test_scan_budget.py. Then the cache of known
# targets: a target whose touch the LRU dropped is still known by its tag.
set -eu
BUILD=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)"; exit 77; }
"$BUILD"/tests/scanbudget_check

#!/bin/bash
# The guard's drop rate live on a veth (issue 13: "the XDP drop rate for
# blocked traffic as a ratio to a drop-only XDP program, goal >= 0.9"), the
# way xdp-bench (xdp-tools) measures a drop rate: packets dropped per second
# under a flood, not ns per BPF_PROG_TEST_RUN (bench/guard_cost.c).
#
#   bench/guard_drop.sh BUILD         (root: namespaces, XDP)
#
# bench/live_cost.sh's lab, rounds and medians with the modes
#   pass   the pass-only XDP program (reference: packets/s the veth takes)
#   drop   bench/trivial_drop.bpf.c's xdp_trivial_drop (driver mode): the
#          baseline, its per-CPU counter = packets dropped
#   guard  `rxray serve -i IF --config C`, C a block list of
#          BENCH_GUARD_RULES (100,000) IPv4 and IPv6 CIDRs that holds the
#          flood's sources (198.18.0.0/24): every packet is dropped at XDP
#          entry by the guard's early check, counted by
#          rxray_guard_dropped_packets_total
# and the udp shape (60-byte UDP from 256 sources, trafgen at its maximum
# rate). Per mode: packets/s received on ns b's veth, packets/s the program
# counted (in drop and guard: dropped), CPU 0's busy and softirq ns per
# packet; then guard / drop-only of the packets dropped per second.
#
# Environment: as bench/live_cost.sh's (BENCH_LIVE_SECONDS 10,
# BENCH_LIVE_ROUNDS 3, BENCH_GUARD_RULES 100000), with the defaults
# BENCH_LIVE_MODES "pass drop guard" and BENCH_LIVE_SHAPES "udp" (tcp works
# too: its sources are the same). `BENCH_ONLY=gdrop make bench` runs it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BENCH_LIVE_MODES=${BENCH_LIVE_MODES:-pass drop guard} BENCH_LIVE_SHAPES=${BENCH_LIVE_SHAPES:-udp} \
	exec "$here/live_cost.sh" "$@"

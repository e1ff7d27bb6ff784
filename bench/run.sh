#!/bin/bash
# rxray's benchmarks (make bench): the machine, then
#   1. bench/xdp_cost     XDP per-packet cost against a trivial XDP program
#                         (BPF_PROG_TEST_RUN; needs root or CAP_BPF+CAP_PERFMON)
#   2. bench/offline.sh   offline decoding throughput against tshark and tcpdump
# and a summary. Full logs go to BUILD/bench/*.log; bench/RESULTS.md records
# them by hand, with the machine they ran on.
#
#   bench/run.sh BUILD        (BENCH_ONLY=xdp or BENCH_ONLY=offline for one)
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/bench
mkdir -p "$out"
rm -f "$out/xdp_cost.log" "$out/offline.log"
only=${BENCH_ONLY:-}

machine() {
	echo "machine"
	echo "  kernel   $(uname -r)"
	echo "  cpu      $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "  nproc    $(nproc)"
	echo "  date     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "  rxray    $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)"
	echo "  clang    $(clang --version | head -1)"
	echo "  libbpf   $(pkg-config --modversion libbpf 2>/dev/null || echo unknown)"
	echo "  tshark   $(tshark --version 2>/dev/null | head -1 || echo none)"
	echo "  tcpdump  $(tcpdump --version 2>/dev/null | head -1 || echo none)"
}

machine | tee "$out/machine.log"
status=0

if [ -z "$only" ] || [ "$only" = xdp ]; then
	echo
	echo "== 1. XDP per-packet cost (bench/xdp_cost)"
	if "$out/xdp_cost" | tee "$out/xdp_cost.log"; then :; else
		echo "xdp_cost failed (needs root / CAP_BPF, a kernel with BPF_PROG_TEST_RUN for XDP)"
		status=1
	fi
fi

if [ -z "$only" ] || [ "$only" = offline ]; then
	echo
	echo "== 2. offline decoding throughput (bench/offline.sh)"
	if "$here/offline.sh" "$build" | tee "$out/offline.log"; then :; else
		echo "offline.sh failed"
		status=1
	fi
fi

echo
echo "== summary"
if [ -s "$out/xdp_cost.log" ]; then
	grep -E 'worst ratio|records produced' "$out/xdp_cost.log" | sed 's/^ */  xdp /'
fi
if [ -s "$out/offline.log" ]; then
	grep -E 'x  (goal|\(reference)' "$out/offline.log" | sed 's/^ */  offline: /'
fi
exit $status

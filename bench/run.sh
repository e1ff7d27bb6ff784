#!/bin/bash
# rxray's benchmarks (make bench): the machine, then
#   1. bench/xdp_cost     XDP per-packet cost against a trivial XDP program
#                         (BPF_PROG_TEST_RUN; needs root or CAP_BPF+CAP_PERFMON)
#   2. bench/offline.sh   offline decoding throughput against tshark and tcpdump
#   3. bench/live_cost.sh packets/s on a veth with rxray serve attached against
#                         a pass-only XDP program (trafgen; root)
#      bench/guard_drop.sh packets/s dropped on the same veth by rxray's guard
#                         (100,000 rules) against a drop-only XDP program
#   4. bench/agent_cost.sh CPU and RSS of rxray serve (and top) at 100,000
#                         packets/s with /metrics scraped every second (root)
#   5. bench/tc_http_cost TC per-packet cost of an HTTP request and its response
#                         against a trivial TC program (BPF_PROG_TEST_RUN; root)
#      bench/http_cost.sh nginx under wrk across a veth, with and without
#                         rxray serve attached, 16 connections then one
#                         (root, nginx, wrk)
#   6. bench/alerts_day.sh false alarms of the anomaly detectors over a
#                         generated normal day (24 h, ~14 M frames through
#                         rxray alerts -r; about 10 min; BENCH_ONLY=alerts)
# and a summary. Full logs go to BUILD/bench/*.log; bench/RESULTS.md records
# them by hand, with the machine they ran on.
#
#   bench/run.sh BUILD        (BENCH_ONLY=xdp, offline, live, gdrop, agent or http for one)
#
# Side by side with a baseline build: BENCH_BASE=REV (any git revision:
# HEAD~3, a tag, a commit id), e.g. `BENCH_BASE=main make bench`, first
# builds REV into BUILD/bench-base/ (bench/base_build.sh: git archive into
# BUILD/bench-base/src, make -j2 all bench-bins into BUILD/bench-base/build;
# reused while REV names the same commit), then every benchmark runs the
# baseline build's rxray next to this build's in the same run, interleaved
# round by round, and prints both and rxray / base:
#   xdp_cost, tc_http_cost  bench/pair_cost.sh: each build's own binary (its own
#                         skeleton), alternately, -r 1 per invocation, for
#                         BENCH_PAIR_ROUNDS (7) rounds; BENCH_XDP_ARGS and
#                         BENCH_TC_ARGS add options to every invocation
#   live, agent, http     a mode (window) base: the baseline's rxray serve
#   offline               the baseline's rxray watch -r F --json
# The scripts take the baseline as BENCH_BASE_BUILD (a build directory);
# run.sh sets it. Without BENCH_BASE nothing changes.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/bench
mkdir -p "$out"
rm -f "$out/xdp_cost.log" "$out/offline.log" "$out/live_cost.log" "$out/agent_cost.log" \
	"$out/guard_drop.log" "$out/tc_http_cost.log" "$out/http_cost.log" "$out/http_latency.log" "$out/alerts_day.log"
only=${BENCH_ONLY:-}
base=${BENCH_BASE:-}
unset BENCH_BASE_BUILD BENCH_BASE_DESC

if [ -n "$base" ]; then
	echo "== 0. the baseline build: $base (bench/base_build.sh)"
	BENCH_BASE_BUILD=$("$here/base_build.sh" "$build" "$base") || {
		echo "the baseline build of $base failed"
		exit 1
	}
	BENCH_BASE_DESC="$base = $(git -C "$here/.." describe --always "$(cat "$build/bench-base/commit")")"
	export BENCH_BASE_BUILD BENCH_BASE_DESC
	echo
fi

machine() {
	echo "machine"
	echo "  kernel   $(uname -r)"
	echo "  cpu      $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "  nproc    $(nproc)"
	echo "  date     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "  rxray    $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)"
	if [ -n "${BENCH_BASE_BUILD:-}" ]; then
		echo "  base     $BENCH_BASE_DESC ($BENCH_BASE_BUILD)"
	fi
	echo "  clang    $(clang --version | head -1)"
	echo "  libbpf   $(pkg-config --modversion libbpf 2>/dev/null || echo unknown)"
	echo "  tshark   $(tshark --version 2>/dev/null | head -1 || echo none)"
	echo "  tcpdump  $(tcpdump --version 2>/dev/null | head -1 || echo none)"
	echo "  trafgen  $({ trafgen --version 2>/dev/null || true; } | head -1)"
	echo "  nginx    $(nginx -v 2>&1 | head -1 || echo none)"
	echo "  wrk      $({ wrk -v 2>&1 || true; } | head -1)"
}

machine | tee "$out/machine.log"
status=0

# step TITLE LOG FAILED CMD...: one benchmark, its output kept in $out/LOG;
# when CMD fails, FAILED says what it needs and the run's status is 1
step() {
	local title=$1 log=$2 failed=$3
	shift 3
	echo
	echo "== $title"
	if "$@" | tee "$out/$log"; then :; else
		echo "$failed"
		status=1
	fi
}
wanted() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# prog_step TITLE BIN KIND NEEDS: a BPF_PROG_TEST_RUN benchmark, this build's
# BIN alone, or with a baseline both builds' BIN side by side (pair_cost.sh KIND)
prog_step() {
	if [ -n "$base" ]; then
		step "$1" "$2.log" "pair_cost.sh $3 failed (needs root / CAP_BPF, both builds' bench/$2)" \
			"$here/pair_cost.sh" "$3" "$build" "$BENCH_BASE_BUILD"
	else
		step "$1" "$2.log" "$2 failed (needs root / CAP_BPF, $4)" "$out/$2"
	fi
}

if wanted xdp; then
	prog_step "1. XDP per-packet cost (bench/xdp_cost)" xdp_cost xdp \
		"a kernel with BPF_PROG_TEST_RUN for XDP"
fi
if wanted offline; then
	step "2. offline decoding throughput (bench/offline.sh)" offline.log "offline.sh failed" \
		"$here/offline.sh" "$build"
fi
if wanted live; then
	step "3. live cost on veth (bench/live_cost.sh)" live_cost.log "live_cost.sh failed (needs root, trafgen, bpftool)" \
		"$here/live_cost.sh" "$build"
fi
if wanted gdrop; then
	step "3. the guard's drop rate on veth (bench/guard_drop.sh)" guard_drop.log \
		"guard_drop.sh failed (needs root, trafgen, bpftool)" "$here/guard_drop.sh" "$build"
fi
if wanted agent; then
	step "4. agent cost at 100,000 packets/s (bench/agent_cost.sh)" agent_cost.log "agent_cost.sh failed (needs root, trafgen)" \
		"$here/agent_cost.sh" "$build"
fi
if wanted http; then
	prog_step "5. HTTP: TC cost per request and response (bench/tc_http_cost)" tc_http_cost tc \
		"BPF_PROG_TEST_RUN for SCHED_CLS"
	step "5. HTTP: nginx under wrk with and without rxray (bench/http_cost.sh)" http_cost.log \
		"http_cost.sh failed (needs root, nginx, wrk, bpftool)" "$here/http_cost.sh" "$build"
	step "5. HTTP: the same, one connection (latency without queueing; bench/http_cost.sh)" http_latency.log \
		"http_cost.sh (one connection) failed" env BENCH_HTTP_WRK="-t 1 -c 1" "$here/http_cost.sh" "$build"
fi
if wanted alerts; then
	step "6. alerts: false alarms over a normal day (bench/alerts_day.sh)" alerts_day.log \
		"alerts_day.sh failed (needs jq, python3)" "$here/alerts_day.sh" "$build"
fi

echo
echo "== summary"
# summary LOG PATTERN PREFIX: the lines of $out/LOG that matter, when it ran
summary() {
	if [ -s "$out/$1" ]; then
		grep -E "$2" "$out/$1" | sed "s/^ */  $3/"
	fi
}
summary xdp_cost.log 'worst ratio|records produced' 'xdp '
summary offline.log 'x  (goal|\(reference|\(speed)' 'offline: '
summary live_cost.log 'rxray / pass-only|base  / pass-only|rxray / base' 'live: '
summary guard_drop.log 'guard / drop-only' 'guard drop rate: '
summary agent_cost.log 'goal (MET|MISSED)|serve / base serve|goal < 0.5' 'agent: '
summary tc_http_cost.log 'the HTTP tracker|rxray http=1  +- trivial|http=1 transaction:' 'tc_http: '
summary http_cost.log 'rxray / none|base / none|rxray / base' 'http (wrk -t 2 -c 16): '
summary http_latency.log 'rxray / none|base / none|rxray / base' 'http (wrk -t 1 -c 1): '
summary alerts_day.log '^RESULT alerts_day' 'alerts: '
exit $status

#!/usr/bin/env bash
# Fuzzing: replay the seed corpus and every past crash (regressions/), then
# fuzz the datapath for a bounded time (RXRAY_FUZZ_SECONDS, default 60).
# A crash found here is saved under the build directory; copy it into
# tests/fuzz/regressions/ with the fix so it is replayed forever.
set -eu
BUILD=$1
FUZZ=$BUILD/fuzz/fuzz_datapath
[ -x "$FUZZ" ] || { echo "fuzzer not built (make fuzz)"; exit 77; }
work=$BUILD/fuzz/work
mkdir -p "$work/corpus" "$work/crashes"
seeds=$(find tests/fuzz/corpus -type f | wc -l)
[ "$seeds" -gt 30 ] || { echo "seed corpus has only $seeds inputs"; exit 1; }
# 1. replay: every seed and every regression must run clean
"$FUZZ" -runs=0 tests/fuzz/corpus tests/fuzz/regressions 2>&1 | tail -n 3
# 2. bounded fuzzing from the seeds (the work corpus grows across runs)
"$FUZZ" -max_total_time="${RXRAY_FUZZ_SECONDS:-60}" -timeout=5 -rss_limit_mb=2048 \
	-artifact_prefix="$work/crashes/" -print_final_stats=1 \
	"$work/corpus" tests/fuzz/corpus 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY' || true
if ls "$work/crashes/"* >/dev/null 2>&1; then
	echo "crash inputs in $work/crashes/"
	exit 1
fi

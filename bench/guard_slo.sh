#!/bin/bash
# The guard's SLO loop against its baseline (bench/RESULTS.md, section 17):
# tests/e2e/test_guard_slo.sh's lab and traffic run ROUNDS times with the
# loop off (GLS_SLO=off: the baseline) and on, interleaved in this one
# invocation, and its figures printed side by side: when slo_burn fired and
# resolved, the heavy client's requests, the light client's latency while
# the heavy client runs. Root; about a minute a run.
#   bash bench/guard_slo.sh [BUILD [ROUNDS]]
set -u
BUILD=${1:-build}
ROUNDS=${2:-2}
cd "$(dirname "$0")/.." || exit 1
LOG=$BUILD/test-logs/tests_e2e_test_guard_slo.sh.log
for r in $(seq "$ROUNDS"); do
	for mode in off on; do
		echo "== round $r, guard-slo = $mode"
		GLS_SLO=$mode tests/run.sh "$BUILD" test_guard_slo >/dev/null 2>&1 || echo "(the test failed: $LOG)"
		grep -E '^(baseline|timeline|heavy client|light client|steps)' "$LOG"
	done
done

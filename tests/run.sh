#!/usr/bin/env bash
# rxray's test runner: every test is an executable that exits 0 (pass),
# 77 (skip, with a reason on its last line) or anything else (fail).
#   tests/run.sh BUILD [PATTERN]
# Runs, in order: host unit tests (cmocka), the code-shape check
# (tests/shape), BPF_PROG_RUN tests, pcap golden and oracle tests, live
# netns tests, the fuzz replay, and last the kernel
# matrix (tests/kernels: QEMU guests, the slowest). Ends with the summary
# line "N passed, N failed, N skipped".
# RXRAY_TESTS=offline keeps only the tiers that need no root, BPF or netns
# (unit, shape, pcap, the fuzz replay): for a chroot or an unprivileged build.
set -u
BUILD=${1:-build}
PATTERN=${2:-}
BUILD=$(cd "$BUILD" && pwd)
cd "$(dirname "$0")/.." || exit 2
export RXRAY_BUILD=$BUILD
export PYTHON=/usr/bin/python3 # Debian's, with scapy
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

tests=()
for t in "$BUILD"/tests/unit_*; do [ -x "$t" ] && tests+=("$t"); done
for dir in tests/shape tests/bpf tests/pcap tests/e2e tests/fuzz; do
	[ "${RXRAY_TESTS:-}" = offline ] && [ "$dir" != tests/shape ] && [ "$dir" != tests/pcap ] &&
		[ "$dir" != tests/fuzz ] && continue
	for t in "$dir"/test_*; do [ -f "$t" ] && tests+=("$t"); done
done
tests+=(tests/kernels/test_kernels.sh)

pass=0 fail=0 skip=0 failed=()
for t in "${tests[@]}"; do
	name=${t#"$BUILD"/}
	[ -n "$PATTERN" ] && [[ $name != *$PATTERN* ]] && continue
	log=$LOGDIR/$(echo "$name" | tr '/' '_').log
	start=$(date +%s)
	case $t in
	*.py) "$PYTHON" "$t" "$BUILD" >"$log" 2>&1 ;;
	*.sh) bash "$t" "$BUILD" >"$log" 2>&1 ;;
	*) "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-40s %4ss\n' "$name" "$secs"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		printf 'SKIP  %-40s %4ss  %s\n' "$name" "$secs" "$(tail -n 1 "$log")"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %-40s %4ss  (exit %s)\n' "$name" "$secs" "$rc"
		sed 's/^/      | /' "$log" | tail -n 25
	fi
done
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

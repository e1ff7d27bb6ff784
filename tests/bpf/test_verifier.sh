#!/usr/bin/env bash
# Verifier budget: every BPF program of rxray is accepted by this kernel's
# verifier within 200,000 processed instructions (a fifth of the kernel's
# limit; docs/architecture.md, "The verifier budget"). The counts are printed for the log, so
# growth shows in the commit that causes it.
#   bash tests/bpf/test_verifier.sh BUILD
# Also pins the line format the QEMU kernel matrix parses, and that every
# program of the object is reported, and the exit status agrees with the lines.
set -u
BUILD=${1:-build}
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF load)"; exit 77; }
OBJ=$BUILD/rxray.bpf.o
OUT=$(mktemp /tmp/rxray-verifier.XXXXXX)
trap 'rm -f "$OUT"' EXIT

"$BUILD"/tests/verifier_stats "$OBJ" >"$OUT"
rc=$?
cat "$OUT"

fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# PROG <name> <ok|FAIL> insns=<N> time_us=<T>[ error=<one line>]
re='^PROG [A-Za-z_][A-Za-z0-9_]* (ok insns=[0-9]+ time_us=[0-9]+|FAIL insns=[0-9]+ time_us=[0-9]+ error=.+)$'
while IFS= read -r line; do
	[[ $line =~ $re ]] || fail "malformed line: $line"
done <"$OUT"

# the object's entry programs (tests/lib/bpfobj.sh)
# shellcheck source=../lib/bpfobj.sh
. "${0%/*}/../lib/bpfobj.sh"
want=$(rx_bpf_entries "$OBJ")
got=$(awk '{ print $2 }' "$OUT" | sort)
[ -n "$want" ] || fail "no programs found in $OBJ"
[ "$want" = "$got" ] || fail "programs reported ($(tr '\n' ' ' <<<"$got")) are not the object's ($(tr '\n' ' ' <<<"$want"))"

over=$(awk -v b=200000 '$3 == "ok" { split($4, a, "="); if (a[2] + 0 > b) print $2 }' "$OUT")
bad=$(awk '$3 == "FAIL" { print $2 }' "$OUT")
if [ -n "$over$bad" ]; then
	[ "$rc" -eq 1 ] || fail "verifier_stats exited $rc with programs over budget or failing (want 1)"
	for p in $bad; do fail "$p: refused by the verifier"; done
	for p in $over; do fail "$p: over the budget of 200000 processed instructions"; done
else
	[ "$rc" -eq 0 ] || fail "verifier_stats exited $rc with every program within budget (want 0)"
fi
[ "$fails" -eq 0 ] || exit 1
echo "ok: every program within 200000 processed instructions"

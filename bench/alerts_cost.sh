#!/bin/bash
# What serve's detectors cost a second, this tree against a baseline
# revision side by side (RESULTS.md 16): bench/alerts_cost.c built twice
# from source, once with this tree's src/ and once with REV's (exported by
# git archive into BUILD/bench-alerts/REV; only the detectors' modules, the
# ones unit_alerts links), each run ROUNDS times in turn (base, new, base,
# new, ...) so that the machine's load falls on both alike. No root, no
# lab: the windows are made up (full tables: 8,192 talkers, 1,024 services).
#
#   bench/alerts_cost.sh BUILD REV [ROUNDS [SECONDS [TALKERS [SERVICES [FLOOD]]]]]
#
# FLOOD 1: syn_flood fires every second (its evidence made again each time).
#
# Prints each run's line and, per build, the median us per second and % of
# a core; then new / base.
set -euo pipefail

build=${1:?usage: bench/alerts_cost.sh BUILD REV [ROUNDS [SECONDS [TALKERS [SERVICES]]]]}
rev=${2:?usage: bench/alerts_cost.sh BUILD REV [ROUNDS [SECONDS [TALKERS [SERVICES]]]]}
rounds=${3:-5} secs=${4:-300} talkers=${5:-8192} services=${6:-1024} flood=${7:-0}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$build/bench-alerts" && cd "$build/bench-alerts" && pwd)
MODS="src/alerts.c src/slo.c src/seenset.c src/snapshot.c src/picture.c src/quantile.c src/render.c
	src/tlsview.c src/tcpseq.c src/linklayer.c src/jsonw.c src/util.c"
CFLAGS="-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE"
LIBS="-ljansson -lm -lpthread -lpcap $(pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)"

# compile TREE OUT: bench/alerts_cost.c (this tree's) against TREE's detector modules and headers
compile() {
	local tree=$1 bin=$2 m srcs=()
	for m in $MODS; do srcs+=("$tree/$m"); done
	# shellcheck disable=SC2086 # flags are words
	gcc $CFLAGS -I"$tree/src" -o "$bin" "$repo/bench/alerts_cost.c" "${srcs[@]}" $LIBS
}

commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
base=$out/base-$commit
if [ ! -d "$base/src" ]; then
	mkdir -p "$base"
	git -C "$repo" archive --format=tar "$commit" src datapath native | tar -x -C "$base"
fi
compile "$base" "$out/alerts_cost.base"
compile "$repo" "$out/alerts_cost.new"
echo "base: $rev ($commit); new: this tree ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo ', modified'))"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$out/runs"
for i in $(seq "$rounds"); do
	for b in base new; do
		line=$("$out/alerts_cost.$b" "$secs" "$talkers" "$services" "$flood" 2>"$out/err.$b")
		echo "$b round $i: $line ($(sed 's/^alerts_cost: //' "$out/err.$b"))"
		echo "$b $line" >>"$out/runs"
	done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { awk -v b="$1" '$1 == b { print $(NF - 2) }' "$out/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb=$(median base) mn=$(median new)
awk -v b="$mb" -v n="$mn" 'BEGIN {
	printf "median us per second: base %.1f (%.3f %% of a core), new %.1f (%.3f %% of a core); new / base %.3f\n",
		b, b / 1e4, n, n / 1e4, n / b
}'

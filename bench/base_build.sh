#!/bin/bash
# The baseline build for side-by-side benchmarks (BENCH_BASE=REV make bench):
# git revision REV of this repository, exported with `git archive` into
# BUILD/bench-base/src and built there with its own Makefile into
# BUILD/bench-base/build (make -j2 all bench-bins; an absolute BUILD, so its
# dependency files name nothing of the current build). BUILD/bench-base/commit
# records the commit id: the same commit again reuses the tree (make only
# finishes what is missing), another one replaces it. No worktree is added.
#
#   bench/base_build.sh BUILD REV     prints the base build directory
#
# Progress and the build's output go to stderr (the build's to
# BUILD/bench-base/build.log). A revision too old to have bench-bins still
# gives a base rxray: bench/pair_cost.sh then says the binary is missing.
set -euo pipefail

build=${1:?usage: bench/base_build.sh BUILD REV}
rev=${2:?usage: bench/base_build.sh BUILD REV}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

die() {
	echo "base_build: $*" >&2
	exit 1
}
mkdir -p "$build"
build=$(cd "$build" && pwd)
top=$build/bench-base
src=$top/src
out=$top/build

commit=$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}") ||
	die "$rev is not a commit of $repo"
if [ "$(cat "$top/commit" 2>/dev/null)" != "$commit" ] || [ ! -f "$src/Makefile" ]; then
	echo "base_build: exporting $rev ($commit) into $src" >&2
	rm -rf "$top"
	mkdir -p "$src" "$out"
	git -C "$repo" archive --format=tar "$commit" | tar -x -C "$src" ||
		die "git archive $commit failed"
	echo "$commit" >"$top/commit"
else
	echo "base_build: reusing $src ($commit)" >&2
fi

# a make of its own: not the caller's jobserver, not its command-line variables
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" -j2 --no-print-directory BUILD="$out" "$@"
}
echo "base_build: make -j2 BUILD=$out all bench-bins (log: $top/build.log)" >&2
submake all >"$top/build.log" 2>&1 || {
	tail -20 "$top/build.log" >&2
	die "building $rev failed"
}
if ! submake bench-bins >>"$top/build.log" 2>&1; then
	echo "base_build: $rev has no bench-bins (or they failed to build): no base xdp_cost / tc_http_cost" >&2
fi
[ -x "$out/rxray" ] || die "$out/rxray was not built"
echo "$out"

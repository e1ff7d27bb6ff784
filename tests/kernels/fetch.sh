#!/usr/bin/env bash
# Fetch the kernels of the test matrix: the newest Debian 6.1 and 6.12 cloud
# kernels that apt offers, unpacked into CACHE_DIR.
#   tests/kernels/fetch.sh CACHE_DIR
# Prints one line per kernel on stdout:
#   SERIES RELEASE PACKAGE_VERSION DIR
#   6.1 6.1.0-57-cloud-amd64 6.1.192-3 CACHE_DIR/linux-image-6.1.0-57-cloud-amd64-unsigned
# where DIR/boot/vmlinuz-RELEASE and DIR/lib/modules/RELEASE are the kernel
# and its modules. Everything else goes to stderr.
#
# Never pins a version: old kernels leave the archive. The newest is read
# from apt's local package lists (no network); a kernel already unpacked in
# CACHE_DIR is not downloaded again. When apt names none or the download
# fails (offline, stale lists), the newest kernel of the series in the cache
# is used, and the script says so. Older kernels of a series are removed from
# the cache once a newer one is unpacked.
set -euo pipefail

CACHE=${1:?usage: fetch.sh CACHE_DIR}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# series -> package name pattern (ERE). 6.12 comes from bookworm-backports
# (and bookworm-security), named 6.12.N+deb12.
declare -A PKG_RE=(
	[6.1]='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
	[6.12]='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$'
)

say() { echo "fetch: $*" >&2; }

# The newest package of a series that apt can install, or nothing.
apt_newest() {
	local re=$1 pkg policy
	command -v apt-cache >/dev/null || return 0
	for pkg in $(apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' |
		grep -E "$re" | sort -rV); do
		policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
		if [[ $policy == *"Candidate: "[0-9]* ]]; then
			echo "$pkg"
			return 0
		fi
	done
}

# The newest complete cache entry of a series, or nothing.
cache_newest() {
	local re=$1
	find "$CACHE" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' 2>/dev/null |
		xargs -r -n1 basename | { grep -E "$re" || true; } | sort -V | tail -n 1
}

# Download and unpack PKG into the cache; 0 on success.
fetch_pkg() {
	local pkg=$1 dl rc=0
	dl=$(mktemp -d "$CACHE/.dl.XXXXXX")
	# apt's sandbox user cannot write to a root-owned mktemp directory
	chmod 755 "$dl"
	if ! (cd "$dl" && apt-get download -q "$pkg" >/dev/null 2>"$dl/err"); then
		say "apt-get download $pkg failed: $(grep -v '^W: ' "$dl/err" | tail -n 1)"
		rc=1
	else
		rm -rf "${CACHE:?}/$pkg"
		mkdir -p "$CACHE/$pkg"
		dpkg-deb -f "$dl"/*.deb Version >"$CACHE/$pkg/.version"
		dpkg -x "$dl"/*.deb "$CACHE/$pkg" || rc=1
		# merged-/usr packages ship usr/lib/modules
		[ -d "$CACHE/$pkg/lib" ] || ln -s usr/lib "$CACHE/$pkg/lib"
		[ $rc -eq 0 ] && touch "$CACHE/$pkg/.complete"
	fi
	rm -rf "$dl"
	return $rc
}

# Older kernels of the series of PKG leave the cache (they are ~100 MB each).
prune_series() {
	local re=$1 keep=$2 d
	for d in "$CACHE"/linux-image-*; do
		[ -d "$d" ] || continue
		d=$(basename "$d")
		[ "$d" = "$keep" ] && continue
		echo "$d" | grep -qE "$re" && { say "removing older $d from the cache"; rm -rf "${CACHE:?}/$d"; }
	done
	return 0
}

if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	say "note: bookworm-backports is not among apt's sources (scripts/deps.sh adds it)"
fi

rc=0
for series in 6.1 6.12; do
	re=${PKG_RE[$series]}
	pkg=$(apt_newest "$re")
	cached=$(cache_newest "$re")
	if [ -z "$pkg" ]; then
		if [ -z "$cached" ]; then
			say "$series: apt offers no package matching $re and the cache has none" \
				"(for 6.12, enable bookworm-backports: scripts/deps.sh; then apt-get update)"
			rc=1
			continue
		fi
		say "$series: apt names no package (offline? no lists?); using the cached $cached"
		pkg=$cached
	elif [ ! -e "$CACHE/$pkg/.complete" ]; then
		say "$series: downloading $pkg"
		if ! fetch_pkg "$pkg"; then
			if [ -n "$cached" ]; then
				say "$series: using the cached $cached instead (apt's lists may be stale: apt-get update)"
				pkg=$cached
			else
				rc=1
				continue
			fi
		fi
	fi
	prune_series "$re" "$pkg"
	dir=$CACHE/$pkg
	vmlinuz=$(find "$dir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
	release=${vmlinuz##*/vmlinuz-}
	if [ -z "$vmlinuz" ] || [ ! -d "$dir/lib/modules/$release" ]; then
		say "$series: $dir has no kernel or no modules; remove it and run again"
		rc=1
		continue
	fi
	echo "$series $release $(cat "$dir/.version") $dir"
done
exit $rc

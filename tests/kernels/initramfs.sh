#!/usr/bin/env bash
# Build the initramfs of the kernel-matrix guests: one gzip'd cpio per kernel.
#   tests/kernels/initramfs.sh BUILD OUT_DIR MODULES_DIR...
# MODULES_DIR is a kernel's lib/modules/RELEASE (from fetch.sh); writes
# OUT_DIR/RELEASE.cpio.gz for each. Contents:
#   /init, /rx/guest.sh, /rx/diff_check.sh  the guest side (tests/kernels/)
#   /bin                                    busybox-static and its applets;
#                                           bash, jq, bpftool and iproute2's
#                                           ip (busybox's makes no named veth
#                                           peer and knows no netns)
#   /rx/verifier_stats                      one binary: it loads any object
#   /rx/CC/{rxray,tests/bpf_diff,rxray.bpf.o}  per compiler: clang14 = BUILD,
#                                           clang19 = BUILD/clang19; those in
#                                           $RXRAY_CCS (default: both, the
#                                           second if built)
#   /rx/corpus                              tests/pcap/gen_corpus.py's files
#   /lib/modules/RELEASE/*.ko, /rx/modules  veth, sch_ingress, cls_bpf and
#                                           what they depend on, decompressed
#                                           (busybox insmod reads plain .ko),
#                                           in load order
# plus every shared library the binaries need (ldd), the loader included.
# The common part is packed once; each kernel's modules are a second cpio
# appended to it (the kernel unpacks concatenated archives in order).
set -euo pipefail

BUILD=${1:?usage: initramfs.sh BUILD OUT_DIR MODULES_DIR...}
OUT=${2:?usage: initramfs.sh BUILD OUT_DIR MODULES_DIR...}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
MODULES=(veth sch_ingress cls_bpf)

die() { echo "initramfs: $*" >&2; exit 1; }
command -v cpio >/dev/null || die "cpio is missing (apt-get install cpio)"
# Debian's busybox-static installs the static binary as /bin/busybox
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
	die "no static busybox (apt-get install busybox-static)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
stage=$(mktemp -d "$OUT/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
common=$stage/common
mkdir -p "$common"/{bin,dev,proc,sys,tmp,run,etc,rx,www,lib64,lib/x86_64-linux-gnu}

# copy FILE [DEST]: a binary and every library it needs, at ldd's paths
libs_seen=" "
copy_bin() {
	local src=$1 dst=${2:-$1} lib
	install -D -m 755 "$src" "$common$dst"
	for lib in $(ldd "$src" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		case $libs_seen in *" $lib "*) continue ;; esac
		libs_seen+="$lib "
		mkdir -p "$common$(dirname "$lib")"
		cp -L "$lib" "$common$lib"
	done
}

# busybox and its applets, then the host tools that replace or add to them
cp "$BUSYBOX" "$common/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$common/bin/$a"
done
for tool in ip bash jq bpftool; do
	p=$(PATH=/usr/sbin:/sbin:$PATH command -v "$tool") || die "$tool is missing on this machine"
	rm -f "$common/bin/$tool"
	copy_bin "$p" "/bin/$tool"
done

# rxray, per compiler; one verifier_stats for every object
copy_bin "$BUILD/tests/verifier_stats" /rx/verifier_stats
for cc in ${RXRAY_CCS:-clang14 clang19}; do
	b=$BUILD
	[ $cc = clang19 ] && b=$BUILD/clang19
	[ -n "${RXRAY_CCS:-}" ] || [ -f "$b/rxray.bpf.o" ] || continue
	for f in rxray tests/bpf_diff rxray.bpf.o; do
		[ -f "$b/$f" ] || die "$b/$f is missing (make test-kernels builds it)"
	done
	copy_bin "$b/rxray" "/rx/$cc/rxray"
	copy_bin "$b/tests/bpf_diff" "/rx/$cc/tests/bpf_diff"
	cp "$b/rxray.bpf.o" "$common/rx/$cc/"
	echo $cc >>"$common/rx/compilers"
done
[ -s "$common/rx/compilers" ] || die "no BPF object in $BUILD"

"${PYTHON:-/usr/bin/python3}" "$ROOT/tests/pcap/gen_corpus.py" "$common/rx/corpus" >/dev/null ||
	die "tests/pcap/gen_corpus.py failed"
rm -f "$common/rx/corpus/manifest.json"
install -m 755 "$HERE/init" "$common/init"
install -m 755 "$HERE/guest.sh" "$common/rx/guest.sh"
install -m 755 "$ROOT/tests/lib/diff_check.sh" "$common/rx/diff_check.sh"
(cd "$common" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$stage/common.cpio.gz"

# A module's file: kernel/**/NAME.ko[.xz|.zst|.gz], '-' and '_' alike.
mod_file() {
	local dir=$1 name=$2
	find "$dir/kernel" -regextype posix-extended \
		-regex ".*/$(echo "$name" | sed 's/[-_]/[-_]/g')\.ko(\.xz|\.zst|\.gz)?" | head -n 1
}

mod_cat() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# Debian's packages carry no modules.dep (depmod writes it on install), so
# the dependencies are read where depmod reads them: each module's modinfo
# "depends=" field. Appends NAME after what it depends on, once.
order=()
add_module() {
	local dir=$1 name=$2 f deps d
	case " ${order[*]-} " in *" $name "*) return 0 ;; esac
	f=$(mod_file "$dir" "$name")
	[ -n "$f" ] || die "module $name not found in $dir (built into this kernel? then drop it from MODULES)"
	deps=$(mod_cat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
	for d in $deps; do add_module "$dir" "$d"; done
	mod_cat "$f" >"$mods/lib/modules/$release/$name.ko"
	order+=("$name")
}

for dir in "$@"; do
	dir=$(cd "$dir" && pwd)
	release=$(basename "$dir")
	mods=$stage/mods-$release
	mkdir -p "$mods/lib/modules/$release" "$mods/rx"
	order=()
	for m in "${MODULES[@]}"; do add_module "$dir" "$m"; done
	printf "/lib/modules/$release/%s.ko\n" "${order[@]}" >"$mods/rx/modules"
	(cd "$mods" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$stage/mods.cpio.gz"
	cat "$stage/common.cpio.gz" "$stage/mods.cpio.gz" >"$OUT/$release.cpio.gz"
	echo "$OUT/$release.cpio.gz"
done

#!/usr/bin/env bash
# Make a Debian machine ready to build and test rxray, from Debian's archive
# only. Knows which release it is on (/etc/os-release):
#   Debian 12 (bookworm)  adds bookworm-backports for libbpf 1.4, bpftool 7.5,
#                         linux-libc-dev 6.12 (the tcx UAPI) and iproute2 6.x
#   Debian 13 (trixie)    its own libbpf, bpftool and linux-libc-dev
#   anything else         names what to install, by purpose, and exits 1
# Idempotent and quiet: does nothing when everything is already present.
# RXRAY_OS_RELEASE=FILE reads another os-release (to try the other paths).
set -euo pipefail

# By purpose, with Debian 12's names; the names that differ on 13 are set below.
BUILD_PKGS=(clang llvm make gcc pkg-config libelf-dev zlib1g-dev libpcap-dev
	libjansson-dev libcmocka-dev libncurses-dev libmicrohttpd-dev
	libyaml-dev libgnutls28-dev libcrypt-dev # these three: serve --web-config
	scdoc) # scdoc: the man pages (docs/man)
BPF_PKGS=(libbpf-dev bpftool linux-libc-dev iproute2) # libbpf >= 1.4, bpftool >= 7.5, UAPI >= 6.12,
	# iproute2 >= 6.3 (BIG TCP's gro_ipv4_max_size, for tests/e2e/test_bigtcp.sh)
FUZZ_PKGS=(libclang-rt-14-dev)               # libFuzzer + sanitizers of the default clang
TEST_PKGS=(tshark tcpdump tcpreplay python3-scapy iproute2 iputils-ping curl
	nginx-light wrk hping3 nmap tmux prometheus jq netsniff-ng ethtool
	openssl whois # certificates and bcrypt hashes (mkpasswd) for tests/e2e/test_serve_tls.sh
	chromium chromium-driver # chromium: the page of serve in a real browser (tests/e2e/test_web.sh)
	bash-completion strace systemd python3-yaml # the completion, serve under the unit's grants, the rules
	p0f # /etc/p0f/p0f.fp, the SYN fingerprints rxray reads, and `p0f -r`, the oracle of tests/pcap/test_p0f.py
	prometheus-alertmanager # a real Alertmanager receiving rxray's alerts (tests/e2e/test_alerts.sh)
	nftables) # packet loss for tests/e2e/test_alerts_more.sh (the kernels here lack netem)
# the Debian package (debian/, scripts/check_deb.sh): built with debhelper,
# checked by lintian, installed in a debootstrap chroot
PACKAGING_PKGS=(build-essential debhelper dpkg-dev lintian debootstrap)
# the kernel matrix (tests/kernels): Debian's kernel packages booted in QEMU
# with an initramfs the test builds; BPF built with clang 19 as on Debian 13
MATRIX_PKGS=(clang-19 qemu-system-x86 busybox-static cpio kmod xz-utils zstd)

# name what to install when this is not a Debian release the script knows
unsupported() {
	cat >&2 <<EOF
deps.sh: $1: this script installs rxray's dependencies on Debian 12 (bookworm,
with bookworm-backports) and Debian 13 (trixie) only. Install these yourself
(Debian's package names; the versions are what matters):
  build:        ${BUILD_PKGS[*]}
  BPF:          libbpf-dev (libbpf >= 1.4), bpftool (>= 7.5),
                kernel UAPI headers >= 6.12 (linux-libc-dev), iproute2 >= 6.3
  fuzzing:      the libFuzzer/sanitizer runtime of your clang (libclang-rt-N-dev)
  tests:        ${TEST_PKGS[*]}
                (nginx-light is nginx where the distribution has no light build)
  packaging:    ${PACKAGING_PKGS[*]}
  kernel tests: ${MATRIX_PKGS[*]}
Then 'make all' builds and 'tests/run.sh build' runs the tests.
EOF
	exit 1
}

os_release=${RXRAY_OS_RELEASE:-/etc/os-release}
ID='' VERSION_ID='' PRETTY_NAME=''
# shellcheck disable=SC1090 # the file is the system's, or the one asked for
[ -r "$os_release" ] && . "$os_release"
name=${PRETTY_NAME:-${ID:-an unknown system}}
[ "$ID" = debian ] || unsupported "$name"
case $VERSION_ID in
12) release=bookworm ;;
13) release=trixie ;;
*) unsupported "$name" ;;
esac
if [ $release = trixie ]; then
	FUZZ_PKGS=(libclang-rt-19-dev)
	# trixie's nginx-light is a transitional package pulling in nginx
	TEST_PKGS=("${TEST_PKGS[@]/#nginx-light/nginx}")
	# systemd.pc (the unit directory, for debian/rules) moved to systemd-dev
	PACKAGING_PKGS+=(systemd-dev)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
# at_least PKG MIN: PKG is installed in version MIN or later
at_least() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge "$2"
}

missing=()
for p in "${BUILD_PKGS[@]}" "${FUZZ_PKGS[@]}" "${TEST_PKGS[@]}" "${PACKAGING_PKGS[@]}" "${MATRIX_PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
# bookworm's own libbpf 1.1, bpftool 7.1 and 6.1 UAPI are too old: backports
bpf_needed=0
at_least libbpf-dev 1:1.4 || bpf_needed=1
at_least bpftool 7.5 || bpf_needed=1
at_least linux-libc-dev 6.12 || bpf_needed=1
at_least iproute2 6.3 || bpf_needed=1

if [ ${#missing[@]} -eq 0 ] && [ $bpf_needed -eq 0 ]; then
	exit 0
fi
bpf=()
[ $bpf_needed -eq 1 ] && bpf=("${BPF_PKGS[@]}")
all=("${missing[@]}" "${bpf[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${all[*]}); run as root to install them" >&2
	exit 1
fi
from="Debian 13"
[ $release = bookworm ] && from="Debian 12${bpf:+; ${bpf[*]} from bookworm-backports}"
echo "deps.sh: installing ${all[*]} ($from)..."

if [ $release = bookworm ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >/etc/apt/sources.list.d/rxray-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
if [ ${#bpf[@]} -gt 0 ] && [ $release = bookworm ]; then
	apt-get install -y -qq -t bookworm-backports "${bpf[@]}" >/dev/null
else
	missing+=("${bpf[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nginx and prometheus packages start services on install; the
# tests start their own instances on their own ports and addresses.
for s in nginx prometheus prometheus-node-exporter prometheus-alertmanager; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
# what was installed must now satisfy the checks above
for p in "${missing[@]}"; do
	installed "$p" || { echo "deps.sh: $p did not install" >&2; exit 1; }
done
if ! at_least libbpf-dev 1:1.4 || ! at_least bpftool 7.5 || ! at_least linux-libc-dev 6.12 ||
	! at_least iproute2 6.3; then
	echo "deps.sh: need libbpf-dev >= 1.4, bpftool >= 7.5, linux-libc-dev >= 6.12, iproute2 >= 6.3;" \
		"have $(dpkg-query -W -f='${Package} ${Version}, ' libbpf-dev bpftool linux-libc-dev iproute2)" >&2
	exit 1
fi
echo "deps.sh: dependencies installed"

#!/usr/bin/env bash
# Make a fresh Debian 12 (bookworm) machine ready to build and test rxray.
# Adds bookworm-backports for libbpf 1.4, bpftool 7.5 and linux-libc-dev 6.12,
# then installs the build and test dependencies from Debian's archive only.
# Idempotent: does nothing when everything is already present.
set -euo pipefail

BUILD_PKGS=(clang llvm make gcc pkg-config libelf-dev zlib1g-dev libpcap-dev
	libjansson-dev libcmocka-dev libncurses-dev libmicrohttpd-dev libclang-rt-14-dev)
BPO_PKGS=(libbpf-dev bpftool linux-libc-dev)
TEST_PKGS=(tshark tcpdump tcpreplay python3-scapy iproute2 iputils-ping curl
	nginx-light wrk hping3 nmap tmux prometheus jq netsniff-ng ethtool)

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
bpo_needed=0
ver=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)
case "$ver" in 1:1.[4-9]*|1:[2-9]*) ;; *) bpo_needed=1 ;; esac
command -v bpftool >/dev/null 2>&1 || bpo_needed=1
ver=$(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null || true)
case "$ver" in 6.1[0-9]*|6.[2-9][0-9]*) ;; *) bpo_needed=1 ;; esac

if [ ${#missing[@]} -eq 0 ] && [ $bpo_needed -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]:-backports}); run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]:-} (and libbpf/bpftool/linux-libc-dev from bookworm-backports)..."

src=/etc/apt/sources.list.d/rxray-backports.sources
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$src" <<'SRC'
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
apt-get install -y -qq -t bookworm-backports "${BPO_PKGS[@]}" >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nginx and prometheus packages start services on install; the
# tests start their own instances on their own ports and addresses.
for s in nginx prometheus prometheus-node-exporter; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
echo "deps.sh: dependencies installed"

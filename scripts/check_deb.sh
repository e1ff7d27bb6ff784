#!/usr/bin/env bash
# The Debian package, end to end, as a Debian user meets it:
#   1. dpkg-buildpackage -us -uc -b on a copy of the source tree (in
#      BUILD/deb; the developer's tree and build/ stay as they are), then
#      lintian on the result: 0 errors required, the rest counted;
#   2. a fresh debootstrap chroot of this machine's release (BUILD/deb-root;
#      downloads cached in BUILD/deb-cache), where apt installs the .deb
#      with its dependencies (on Debian 12 from bookworm-backports, which
#      has the libbpf the package needs);
#   3. there: systemd-analyze verify on the installed unit, rxray --version,
#      rxray doctor, rxray watch/requests/stats -r on the sample capture
#      (samples/sample.pcap, else one that tests/pcap/gen_corpus.py makes)
#      also as nobody, man rxray-serve;
#   4. rxray serve from the chroot as a plain process on a veth in a test
#      namespace (prefix pkgdeb), ping across it, scrape /metrics: the
#      counts, promtool's check, and every metric name the shipped
#      dashboard and rules use is in the exposition;
#   5. apt-get purge: nothing of the package is left (files, /etc/rxray).
#   scripts/check_deb.sh [BUILD]
# Not part of make test (it downloads a base system). Root. Ends with a
# summary, also in BUILD/deb-check.txt; docs/packaging.md records a run.
set -euo pipefail

BUILD=${1:-build}
MIRROR=http://deb.debian.org/debian
P=pkgdeb
PORT=19480
cd "$(dirname "$0")/.."
SRC=$(pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "check_deb: run as root (debootstrap, chroot, namespaces)" >&2
	exit 1
fi
for t in dpkg-buildpackage lintian debootstrap nsenter; do
	command -v $t >/dev/null || { echo "check_deb: $t is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
WORK=$BUILD/deb
ROOT=$BUILD/deb-root
CACHE=$BUILD/deb-cache
REPORT=$BUILD/deb-check.txt
LOG=$BUILD/deb-check.log
: >"$LOG"
exec 9>"$BUILD/deb-root.lock"
flock -n 9 || { echo "check_deb: another run holds $BUILD/deb-root.lock" >&2; exit 1; }
# shellcheck source=../tests/lib/netns.sh
. tests/lib/netns.sh
# shellcheck disable=SC1091 # the system's
. /etc/os-release
release=$VERSION_CODENAME
results=()
note() { results+=("$*"); echo "check_deb: $*"; }
die() { note "FAILED: $*"; summary; exit 1; }
summary() {
	{
		echo "rxray .deb on Debian $VERSION_ID ($release), $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r)"
		printf '  %s\n' "${results[@]}"
	} >"$REPORT"
	echo
	cat "$REPORT"
}

mounted_under() { awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r; }
serve_pid='' api_pid=''
cleanup() {
	local m p
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for m in $(mounted_under "$ROOT"); do umount "$m" 2>/dev/null || umount -l "$m"; done
	rx_lab_down $P || true
}
trap cleanup EXIT
cleanup

# ---- 1. build and lint ------------------------------------------------------
rm -rf --one-file-system "$WORK"
# shellcheck source=scripts/source_tree.sh
. scripts/source_tree.sh
rx_copy_source "$WORK/rxray"
start=$(date +%s)
(cd "$WORK/rxray" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1 ||
	die "dpkg-buildpackage: $(tail -n 3 "$WORK/build.log" | tr '\n' ' ') ($WORK/build.log)"
deb=$(ls "$WORK"/rxray_*.deb)
note "built $(basename "$deb") in $(($(date +%s) - start)) s ($(du -k "$deb" | cut -f1) kB,\
 $(dpkg-deb -c "$deb" | grep -vc '/$') files)"
lintian --pedantic -I --no-tag-display-limit "$WORK"/rxray_*.changes >"$WORK/lintian.txt" 2>&1 || true
count() { grep -c "^$1: " "$WORK/lintian.txt" || true; }
note "lintian --pedantic: $(count E) errors, $(count W) warnings, $(count I) info, $(count P) pedantic$(
	grep -E '^[WIP]: ' "$WORK/lintian.txt" | sed 's/^/; /' | tr -d '\n')"
[ "$(count E)" -eq 0 ] || die "lintian errors: $(grep '^E: ' "$WORK/lintian.txt" | tr '\n' ' ')"

# ---- 2. a fresh chroot, the package installed by apt --------------------------
for m in $(mounted_under "$ROOT"); do umount -l "$m"; done
rm -rf --one-file-system "$ROOT"
mkdir -p "$CACHE"
start=$(date +%s)
debootstrap --variant=minbase --cache-dir="$CACHE" --include=systemd,man-db,ca-certificates \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$release" "$ROOT" "$MIRROR" >>"$LOG" 2>&1 ||
	die "debootstrap $release: $(tail -n 1 "$LOG")"
note "debootstrap $release (minbase + systemd, man-db) in $(($(date +%s) - start)) s"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
target=()
if [ "$release" = bookworm ]; then
	echo "deb $MIRROR bookworm-backports main" >"$ROOT/etc/apt/sources.list.d/backports.list"
	target=(-t bookworm-backports)
fi
mount -t proc proc "$ROOT/proc"
mount -t sysfs -o ro sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --make-slave "$ROOT/dev"
mount -o remount,bind,ro "$ROOT/dev"
in_root() {
	chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$1"
}
# what is on the file system before the package (for after the purge)
fs_list() { in_root 'find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /var/cache \
	-o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log -o -path /root -o -path /run \) -prune -o -print' | sort; }
fs_list >"$WORK/fs-before.txt"
# shellcheck disable=SC2016 # dpkg-query's format
pkgs() { in_root 'dpkg-query -W -f="\${db:Status-Abbrev} \${Package}\n"' | awk '$1 == "ii" { print $2 }' | sort; }
pkgs >"$WORK/pkgs-before.txt"
cp "$deb" "$ROOT/tmp/"
in_root "apt-get update -qq && apt-get install -y -qq ${target[*]} /tmp/$(basename "$deb")" >>"$LOG" 2>&1 ||
	die "apt-get install: $(tail -n 3 "$LOG" | tr '\n' ' ')"
# shellcheck disable=SC2016 # dpkg-query's format
note "apt-get install ${target[*]} ./$(basename "$deb"): ok; with $(in_root 'dpkg-query -W -f="\${Version}" libbpf1') libbpf1"

# ---- 3. the installed package --------------------------------------------------
unit=$(in_root 'dpkg -L rxray | grep "systemd/system/rxray.service$"')
out=$(in_root "systemd-analyze verify $unit 2>&1") || die "systemd-analyze verify $unit: $out"
[ -z "$out" ] || die "systemd-analyze verify $unit warns: $out"
note "systemd-analyze verify $unit: clean; enabled: $(in_root 'systemctl is-enabled rxray 2>&1' || true)"
v=$(in_root 'rxray --version') || die "rxray --version"
note "rxray --version: $v"
set +e
in_root 'rxray doctor' >"$WORK/doctor.txt" 2>&1
rc=$?
set -e
[ $rc -le 1 ] || die "rxray doctor: exit $rc: $(tail -n 2 "$WORK/doctor.txt")"
note "rxray doctor: exit $rc, $(grep -c ' ok' "$WORK/doctor.txt" || true) lines ok,\
 $(grep -c 'unavailable' "$WORK/doctor.txt" || true) unavailable ($WORK/doctor.txt)"
sample=samples/sample.pcap
if [ ! -f "$sample" ]; then
	/usr/bin/python3 tests/pcap/gen_corpus.py "$WORK/corpus" >/dev/null ||
		die "no samples/sample.pcap, and gen_corpus.py failed"
	sample=$WORK/corpus/http.pcap
fi
cp "$sample" "$ROOT/tmp/sample.pcap"
chmod 644 "$ROOT/tmp/sample.pcap"
lines=$(in_root 'setpriv --reuid=65534 --regid=65534 --clear-groups rxray watch -r /tmp/sample.pcap | wc -l')
[ "$lines" -gt 0 ] || die "rxray watch -r as nobody printed nothing"
reqs=$(in_root 'rxray requests -r /tmp/sample.pcap --json | wc -l')
pk=$(in_root 'rxray stats -r /tmp/sample.pcap --json' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
note "rxray watch -r ${sample#"$WORK"/} as nobody: $lines lines; requests -r: $reqs transactions; stats -r: $pk packets"
in_root 'MANWIDTH=80 man rxray-serve 2>&1' | grep -q 'rxray-serve - the agent' || die "man rxray-serve"
note "man rxray-serve: renders"

# ---- 4. serve on a veth in a test namespace ---------------------------------------
rx_lab_up $P || die "lab setup"
nsenter --net=/run/netns/$P-b chroot "$ROOT" /usr/bin/rxray serve -i ${P}b --listen 127.0.0.1:$PORT \
	--control /tmp/agent.sock >"$WORK/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do
	ip netns exec $P-b curl -sf -o /dev/null http://127.0.0.1:$PORT/metrics && break
	sleep 0.1
done
ip netns exec $P-a ping -c 10 -i 0.05 -q 192.0.2.2 >/dev/null || die "ping across the veth"
# HTTP across it too (the API of make demo, on the host): the endpoint histograms
ip netns exec $P-b /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080 &
api_pid=$!
for _ in $(seq 50); do ip netns exec $P-b ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
for i in 1 2 3 4 5; do
	ip netns exec $P-a curl -s -o /dev/null http://192.0.2.2:8080/users/$i || die "curl across the veth"
done
ip netns exec $P-a curl -s -o /dev/null http://192.0.2.2:8080/error || true
sleep 0.5
ip netns exec $P-b curl -sf http://127.0.0.1:$PORT/metrics >"$WORK/metrics.txt" ||
	die "scrape /metrics: $(cat "$WORK/serve.log")"
icmp=$(awk -v i="${P}b" '$1 == "rxray_protocol_packets_total{interface=\"" i "\",proto=\"icmp\"}" { print $2 }' \
	"$WORK/metrics.txt")
[ "$icmp" = 10 ] || die "/metrics counts $icmp ICMP packets, 10 were sent"
n200=$(awk -v i="${P}b" 'index($1, "http_server_request_duration_seconds_count{interface=\"" i "\",") == 1 &&
	/http_route="\/users\/\{id\}"/ && /status_code="200"/ { print $2 }' "$WORK/metrics.txt")
[ "$n200" = 5 ] || die "/metrics counts '$n200' GET /users/{id} 200, 5 were sent"
if command -v promtool >/dev/null; then
	promtool check metrics <"$WORK/metrics.txt" >/dev/null 2>&1 || die "promtool check metrics"
fi
# every metric the shipped dashboard and rules name is in the real exposition
missing=''
# (not the recording rules' names, level:metric:operations)
# shellcheck disable=SC2013 # words
for m in $(grep -ohP '(?<![:\w])(rxray|http_server)_[a-z_]+(?![:\w])' contrib/grafana/rxray.json \
	contrib/prometheus/rxray.rules.yml | sort -u); do
	grep -q "^${m}[{ ]" "$WORK/metrics.txt" || missing="$missing $m"
done
[ -z "$missing" ] || die "the dashboard or rules name what serve does not export:$missing"
kill $api_pid
wait $api_pid 2>/dev/null || true
api_pid=''
kill -TERM $serve_pid
rc=0
wait $serve_pid || rc=$?
serve_pid=''
[ $rc -eq 0 ] || die "serve after SIGTERM: exit $rc"
note "rxray serve on a veth (netns $P-b): /metrics $(grep -vc '^#' "$WORK/metrics.txt") series, icmp=$icmp,\
 GET /users/{id} 200 count=$n200, promtool clean, every metric of the dashboard and rules present; SIGTERM: exit 0"
rx_lab_down $P || true

# ---- 5. purge ------------------------------------------------------------------
files=$(in_root 'dpkg -L rxray' | grep -c .)
in_root 'apt-get purge -y -qq rxray && apt-get autoremove --purge -y -qq' >>"$LOG" 2>&1 || die "apt-get purge"
left=$(in_root 'dpkg -l rxray 2>/dev/null | grep "^[a-z][a-z] *rxray " || true')
[ -z "$left" ] || die "dpkg still knows rxray: $left"
fs_list >"$WORK/fs-after.txt"
extra=$(comm -13 "$WORK/fs-before.txt" "$WORK/fs-after.txt")
echo "$extra" >"$WORK/fs-left.txt"
! echo "$extra" | grep -qi rxray || die "left after purge: $(echo "$extra" | grep -i rxray | tr '\n' ' ')"
pkgs_left=$(comm -13 "$WORK/pkgs-before.txt" <(pkgs) | tr '\n' ' ')
note "apt-get purge rxray (+ autoremove): $files package paths gone, /etc/rxray gone, no path with\
 'rxray' left; $(echo "$extra" | grep -c . || true) other paths differ from before the install, those of the\
 packages apt kept: ${pkgs_left:-none} ($WORK/fs-left.txt)"
summary
echo "check_deb: the package builds, installs, runs and purges cleanly"

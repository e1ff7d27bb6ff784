#!/usr/bin/env bash
# Boot one kernel-matrix guest under QEMU (TCG: /dev/kvm here does not run
# stock kernels) and wait for it to power off.
#   tests/kernels/boot.sh VMLINUZ INITRD OUT_PREFIX [TIMEOUT_S]
# Writes OUT_PREFIX.console (ttyS0: kernel and guest output) and
# OUT_PREFIX.results (ttyS1: the guest's RXRAY- lines only). Exit status:
# the guest's (RXRAY-GUEST-RC), 124 when it did not finish in TIMEOUT_S
# (default 600), 125 when it stopped without reporting.
set -u
VMLINUZ=${1:?usage: boot.sh VMLINUZ INITRD OUT_PREFIX [TIMEOUT_S]}
INITRD=${2:?usage: boot.sh VMLINUZ INITRD OUT_PREFIX [TIMEOUT_S]}
OUT=${3:?usage: boot.sh VMLINUZ INITRD OUT_PREFIX [TIMEOUT_S]}
TIMEOUT=${4:-600}
: >"$OUT.results"
# thread=single: both vCPUs run in one host thread. With a thread per vCPU
# (MTTCG), the kernel's live code patching (static keys: int3, then the new
# bytes) races with the other vCPU under load, which then traps on a stale
# int3: "Oops: int3" in inet_ehashfn at the first TCP packet, a panic, seen
# in CI on 6.12 and here under a load average of 20.
# panic=-1 with -no-reboot: a guest that dies (or whose /init exits) ends
# QEMU at once instead of hanging until the timeout
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 2G -smp 2 \
	-nographic -monitor none -serial stdio -serial "file:$OUT.results" -nic none -no-reboot \
	-kernel "$VMLINUZ" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 mitigations=off" \
	</dev/null >"$OUT.console" 2>&1 &
qpid=$!
# stopped early (Ctrl-C, the matrix torn down): QEMU stops too (timeout
# passes the signal on)
trap 'kill $qpid 2>/dev/null; exit 130' INT TERM
wait $qpid
qrc=$?
trap - INT TERM
tr -d '\r' <"$OUT.results" >"$OUT.results.tmp" && mv "$OUT.results.tmp" "$OUT.results"
rc=$(sed -n 's/^RXRAY-GUEST-RC=\([0-9]*\)$/\1/p' "$OUT.results" | tail -n 1)
# no second serial port in the guest: the lines are on the console too
if [ -z "$rc" ]; then
	tr -d '\r' <"$OUT.console" | grep '^RXRAY-' >"$OUT.results"
	rc=$(sed -n 's/^RXRAY-GUEST-RC=\([0-9]*\)$/\1/p' "$OUT.results" | tail -n 1)
fi
[ -n "$rc" ] && exit "$rc"
[ $qrc -eq 124 ] && exit 124
exit 125

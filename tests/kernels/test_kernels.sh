#!/usr/bin/env bash
# The kernel matrix (docs/kernels.md): rxray's BPF programs, as built by
# clang 14 (BUILD) and clang 19 (BUILD/clang19), on the newest Debian 6.1 and
# 6.12 cloud kernels booted in QEMU, and on this machine's kernel.
#   tests/kernels/test_kernels.sh BUILD
# In each guest, per compiler (tests/kernels/guest.sh): every program loads
# within the budget, the BPF = native differential agrees, and rxray stats -i
# counts 5 + 3 HTTP GETs across a veth pair exactly. On this machine: every
# program loads within the budget. Prints the kernels, a table compiler x
# kernel x program -> processed instructions and verification time, and the
# checks; exits 0 only when all of them pass (77: cannot run here).
# Environment: RXRAY_KERNELS_TIMEOUT (seconds per guest, default 900).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BUILD=$(cd "$BUILD" && pwd) || exit 2
BUDGET=200000
TIMEOUT=${RXRAY_KERNELS_TIMEOUT:-900}
WORK=$BUILD/kernels
OUT=$WORK/out
MATRIX=$OUT/matrix # PROG cc kernel name ok|FAIL insns time_us [error] / CHECK cc kernel check PASS|FAIL secs [why]
CCS=(clang14 clang19)

[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF on this machine's kernel, apt-get download)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"; exit 77; }
start=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$MATRIX"

cc_dir() { if [ "$1" = clang19 ]; then echo "$BUILD/clang19"; else echo "$BUILD"; fi; }
# the producer recorded in the object's debug info
cc_version() { strings -a "$(cc_dir "$1")/rxray.bpf.o" | grep -o -m 1 'clang version [0-9.]*'; }

# ---- what can run: compilers' builds, kernels ---------------------------------
declare -A CC_WHY # compiler -> why it cannot run (unset: it can)
for f in rxray rxray.bpf.o tests/bpf_diff tests/verifier_stats; do
	[ -f "$BUILD/$f" ] || { echo "$BUILD/$f is missing: build with make test-kernels"; exit 1; }
done
C19=$BUILD/clang19
if ! command -v clang-19 >/dev/null; then
	CC_WHY[clang19]="clang-19 is not installed (apt-get install clang-19; scripts/deps.sh should)"
elif [ -f "$C19/build-failed" ]; then
	CC_WHY[clang19]="the clang-19 build failed: $(grep -m 1 'error:' "$C19/build-failed" | cut -c1-160)"
elif [ ! -f "$C19/rxray.bpf.o" ] || [ ! -f "$C19/rxray" ] || [ ! -f "$C19/tests/bpf_diff" ]; then
	CC_WHY[clang19]="$C19 is not built (make test-kernels builds it)"
elif ! make -q --no-print-directory BUILD="$C19" CLANG=clang-19 \
	"$C19/rxray" "$C19/rxray.bpf.o" "$C19/tests/bpf_diff" >/dev/null 2>&1; then
	CC_WHY[clang19]="$C19 is out of date (make test-kernels rebuilds it)"
fi
ok_ccs=()
for cc in "${CCS[@]}"; do [ -z "${CC_WHY[$cc]:-}" ] && ok_ccs+=("$cc"); done

tests/kernels/fetch.sh "$WORK/cache" >"$OUT/kernels" 2>"$OUT/fetch.log"
cat "$OUT/fetch.log"
declare -A KVER KDIR # release -> package version, package dir
kernels=()
for series in 6.1 6.12; do
	rel=
	read -r _ rel ver dir < <(grep "^$series " "$OUT/kernels") || true
	if [ -z "${rel:-}" ]; then
		echo "no $series kernel (see above)"
		kernels+=("$series-missing")
		KVER[$series-missing]="-"
		continue
	fi
	kernels+=("$rel")
	KVER[$rel]=$ver
	KDIR[$rel]=$dir
done
HOST=$(uname -r)

# ---- guests ------------------------------------------------------------------
mods=()
for k in "${kernels[@]}"; do [ -n "${KDIR[$k]:-}" ] && mods+=("${KDIR[$k]}/lib/modules/$k"); done
initrd_ok=0
if [ ${#mods[@]} -gt 0 ] && [ ${#ok_ccs[@]} -gt 0 ]; then
	if RXRAY_CCS="${ok_ccs[*]}" tests/kernels/initramfs.sh "$BUILD" "$WORK/initrd" "${mods[@]}" \
		>/dev/null 2>"$OUT/initramfs.log"; then
		initrd_ok=1
	else
		cat "$OUT/initramfs.log"
	fi
fi
declare -A PID
# a matrix stopped early stops its guests (those not yet waited for)
stop_guests() {
	local p
	for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done
}
trap stop_guests EXIT
trap 'exit 130' INT TERM
# what a guest's console says of its end: the kernel's first panic, oops or
# BUG line, else the console's last line
crash_line() {
	local c
	c=$(tr -d '\r' <"$1" | grep -v '^RXRAY-' | grep -m 1 -E 'Kernel panic|not syncing|BUG:|Oops|general protection|watchdog|Unable to|Attempted to kill')
	[ -n "$c" ] || c=$(tr -d '\r' <"$1" | grep -v '^RXRAY-' | grep -v '^[[:space:]]*$' | tail -n 1)
	printf '%s' "${c:-the console is empty}" | sed 's/^\[ *[0-9.]*\] //' | cut -c1-150
}
# boot_guest K: boot K's guest; a guest whose kernel died (boot.sh: 125, no
# exit status reported) is booted once more, all its checks afresh, and the
# first crash is kept in K.retry and shown. A check that failed is never
# retried: only a guest that died.
boot_once() {
	local b
	tests/kernels/boot.sh "${KDIR[$1]}/boot/vmlinuz-$1" "$WORK/initrd/$1.cpio.gz" "$OUT/$1" "$TIMEOUT" &
	b=$!
	# stopped (stop_guests): boot.sh stops its QEMU
	trap 'kill $b 2>/dev/null; wait $b; exit 130' TERM
	wait $b
}
boot_guest() {
	local k=$1 rc
	boot_once "$k"
	rc=$?
	if [ $rc -eq 125 ]; then
		cp "$OUT/$k.console" "$OUT/$k.console.first"
		echo "the first boot stopped without reporting ($(crash_line "$OUT/$k.console")); booted again" >"$OUT/$k.retry"
		boot_once "$k"
		rc=$?
	fi
	return $rc
}
for k in "${kernels[@]}"; do
	[ $initrd_ok -eq 1 ] && [ -n "${KDIR[$k]:-}" ] || continue
	boot_guest "$k" &
	PID[$k]=$!
done

# ---- this machine's kernel, while the guests boot ----------------------------
for cc in "${ok_ccs[@]}"; do
	"$BUILD/tests/verifier_stats" "$(cc_dir $cc)/rxray.bpf.o" >"$OUT/host-$cc.out" 2>"$OUT/host-$cc.err"
	rc=$?
	n=$(grep -c '^PROG ' "$OUT/host-$cc.out")
	sed -n "s/^PROG /PROG $cc $HOST /p" "$OUT/host-$cc.out" >>"$MATRIX"
	if [ "$n" -eq 0 ]; then
		why="verifier_stats printed no PROG line (exit $rc; an older verifier_stats?): $(tail -n 1 "$OUT/host-$cc.err")"
		echo "CHECK $cc $HOST verifier FAIL 0s $why" >>"$MATRIX"
	elif [ $rc -ne 0 ]; then
		echo "CHECK $cc $HOST verifier FAIL 0s verifier_stats exit $rc:" \
			"$(grep -c '^PROG [^ ]* FAIL' "$OUT/host-$cc.out") of $n programs FAIL" >>"$MATRIX"
	else
		echo "CHECK $cc $HOST verifier PASS 0s" >>"$MATRIX"
	fi
	# the BPF = native differential of this compiler's object, on this kernel
	if [ "$cc" = "${ok_ccs[0]}" ]; then # (made afresh each run: the generator changes)
		rm -rf "$WORK/corpus" && mkdir -p "$WORK/corpus"
		"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$WORK/corpus" >/dev/null
	fi
	dstart=$(date +%s)
	if tests/lib/diff_check.sh "$(cc_dir $cc)" "$WORK/corpus" >"$OUT/host-$cc.diff" 2>&1; then
		echo "CHECK $cc $HOST diff PASS $(($(date +%s) - dstart))s" >>"$MATRIX"
	else
		echo "CHECK $cc $HOST diff FAIL $(($(date +%s) - dstart))s $(tail -n 1 "$OUT/host-$cc.diff")" >>"$MATRIX"
	fi
done

# ---- collect -----------------------------------------------------------------
for k in "${kernels[@]}"; do
	res=$OUT/$k.results
	if [ -z "${KDIR[$k]:-}" ]; then
		why="no kernel: apt offers none and none is cached"
	elif [ $initrd_ok -eq 0 ]; then
		why="no initramfs (see above)"
	else
		wait "${PID[$k]}"
		rc=$?
		unset "PID[$k]"
		case $rc in
		124) why="the guest did not finish in ${TIMEOUT}s" ;;
		125) why="the guest stopped without reporting: $(crash_line "$OUT/$k.console")" ;;
		*) why="no result from the guest (exit $rc)" ;;
		esac
		[ -f "$OUT/$k.retry" ] && echo "== $k: $(cat "$OUT/$k.retry")"
		sed -n "s/^RXRAY-PROG \([^ ]*\) /PROG \1 $k /p; s/^RXRAY-CHECK \([^ ]*\) /CHECK \1 $k /p" \
			"$res" >>"$MATRIX"
		if [ "$rc" -ne 0 ]; then
			echo "== $k: guest exit $rc; console: $OUT/$k.console"
			grep -v '^RXRAY-' "$OUT/$k.console" | grep -v '^\s*$' | tail -n 40 | cut -c1-200
		fi
	fi
	for cc in "${CCS[@]}"; do
		for c in verifier diff live; do
			grep -q "^CHECK $cc $k $c " "$MATRIX" && continue
			echo "CHECK $cc $k $c FAIL 0s ${CC_WHY[$cc]:-$why}" >>"$MATRIX"
		done
	done
done
for cc in "${CCS[@]}"; do
	grep -q "^CHECK $cc $HOST verifier " "$MATRIX" ||
		echo "CHECK $cc $HOST verifier FAIL 0s ${CC_WHY[$cc]}" >>"$MATRIX"
done

# a PROG line over the budget fails its verifier check even if the tool passed it
awk -v budget=$BUDGET '$1 == "PROG" { i = $6; sub("insns=", "", i); if (i + 0 > budget) print $2, $3 }' "$MATRIX" |
	sort -u | while read -r cc k; do
	sed -i "s/^CHECK $cc $k verifier PASS .*/CHECK $cc $k verifier FAIL 0s a program is over the budget of $BUDGET insns/" "$MATRIX"
done

# ---- report --------------------------------------------------------------------
echo
echo "kernels:"
for k in "${kernels[@]}"; do printf '  %-28s Debian package %s\n' "$k" "${KVER[$k]}"; done
printf '  %-28s this machine\n' "$HOST"
echo "compilers:"
for cc in "${CCS[@]}"; do
	printf '  %-8s %s\n' "$cc" "${CC_WHY[$cc]:-$(cc_version $cc) ($(cc_dir $cc)/rxray.bpf.o)}"
done
echo
order="${kernels[*]} $HOST"
awk -v budget=$BUDGET -v order="$order" '
	BEGIN { n = split(order, ko, " "); for (i = 1; i <= n; i++) rank[ko[i]] = i }
	$1 == "PROG" {
		insns = $6; sub("insns=", "", insns); t = $7; sub("time_us=", "", t)
		st = $5
		if (st == "ok" && insns + 0 > budget) st = "FAIL"
		err = ""; for (i = 8; i <= NF; i++) err = err " " $i; sub("^ error=", "", err)
		if (st != "ok" && err == "" && insns + 0 > budget) err = "over the budget"
		printf "%d %s\t%-8s %-28s %-16s %9s %11.1f  %s\n", rank[$3], $2, $2, $3, $4, insns,
			t / 1000.0, st (err == "" ? "" : " (" err ")")
	}' "$MATRIX" | sort -k1,1n -k2,2 -s | cut -f2- >"$OUT/table"
printf '%-8s %-28s %-16s %9s %11s  %s\n' compiler kernel program insns verify_ms "result (budget $BUDGET insns)"
if [ -s "$OUT/table" ]; then cat "$OUT/table"; else echo "  (no program was loaded anywhere)"; fi
for k in "${kernels[@]}"; do
	[ -s "$OUT/$k.results" ] && grep -q "^RXRAY-DOCTOR " "$OUT/$k.results" || continue
	echo
	echo "rxray doctor in the $k guest:"
	tr -d "\r" <"$OUT/$k.results" | sed -n 's/^RXRAY-DOCTOR /  /p'
done
echo
printf '%-8s %-28s %-9s %-9s %-9s\n' compiler kernel verifier diff live
for cc in "${CCS[@]}"; do
	for k in "${kernels[@]}" "$HOST"; do
		line=$(printf '%-8s %-28s' "$cc" "$k")
		for c in verifier diff live; do
			r=$(awk -v cc=$cc -v k="$k" -v c=$c '$1 == "CHECK" && $2 == cc && $3 == k && $4 == c { print $5 }' "$MATRIX")
			line+=$(printf ' %-9s' "${r:--}")
		done
		echo "$line"
	done
done
pass=$(grep -c '^CHECK [^ ]* [^ ]* [^ ]* PASS' "$MATRIX")
total=$(grep -c '^CHECK ' "$MATRIX")
if [ "$pass" -ne "$total" ]; then
	echo
	echo "failed:"
	for cc in "${CCS[@]}"; do
		if [ -n "${CC_WHY[$cc]:-}" ]; then
			echo "  $cc everywhere: ${CC_WHY[$cc]}" | cut -c1-220
			continue
		fi
		for k in "${kernels[@]}" "$HOST"; do
			for c in verifier diff live; do
				grep "^CHECK $cc $k $c FAIL " "$MATRIX" | cut -d' ' -f2-4,7- | sed 's/^/  /' | cut -c1-220
			done
		done
	done
fi
echo
echo "kernel matrix: $pass of $total checks passed in $(($(date +%s) - start)) s (logs: $OUT)"
[ "$pass" -eq "$total" ]

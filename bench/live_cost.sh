#!/bin/bash
# Live cost: packets/s a veth takes with rxray's full datapath attached,
# against the same veth with a pass-only XDP program.
#
#   bench/live_cost.sh BUILD          (root: namespaces, XDP)
#
# Lab: two network namespaces joined by a veth pair (tests/lib/netns.sh,
# prefix rxbl). trafgen (netsniff-ng; one process, -P 1, which pins itself
# to CPU 0) sends as fast as it can from ns a for $BENCH_LIVE_SECONDS, to ns
# b's MAC, one of the shapes of bench/live_lib.sh (udp: 256 sources, 8 ports;
# tcp: ACKs to a closed port, every one answered with a RST). On ns b's veth,
# one of these modes:
#
#   none    no program (reference: veth without XDP takes another path,
#           no NAPI, so it is not the baseline)
#   pass    bench/trivial.bpf.c's xdp_trivial in driver mode: one per-CPU
#           counter, XDP_PASS. The baseline.
#   rxray   `rxray serve -i IF`: XDP (driver mode) + TC ingress/egress, the
#           traffic picture and TCP health on, capture off; no scrapes.
#   aged    rxray as a long-running agent on a busy server has it: its
#           connection tables full (bench/fill_conns: 65,536 connections in
#           rx_flows, closed a minute ago, 16,384 in rx_http_conns and in
#           rx_tls_conns) and every byte of its connection filter
#           (rx_conn_filter, datapath/abi.h) set, as the ~100,000
#           connections that fill them leave it. Before ABI 18 nothing
#           deleted from the tables and nothing cleared a byte: a segment
#           of an unknown connection then costs rx_flows' lookup, and the
#           exit's TLS/HTTP check passes it to the TLS stage. Since, the
#           agent deletes the closed connections and rebuilds the filter
#           (src/connfilter.c): it has 2.5 s for that before the run. The
#           summary adds aged / pass-only.
#   baseaged  the same with the baseline build's rxray.
#   base    the same with the baseline build's rxray (BENCH_BASE_BUILD, set
#           by `BENCH_BASE=REV make bench`: bench/base_build.sh), in the same
#           rounds; the summary adds base / pass-only and rxray / base.
#   drop    bench/trivial_drop.bpf.c's xdp_trivial_drop in driver mode: one
#           per-CPU counter, XDP_DROP. The drop-rate baseline (issue 13).
#   guard   `rxray serve -i IF` as in rxray, with the guard on and a block
#           list of BENCH_GUARD_RULES (100,000) CIDRs from a config file
#           (guard-block lines: IPv4 /32s in 10/8, IPv6 /64s in
#           2001:db8:8000::/33, half each, and 198.18.0.0/24, the udp and tcp
#           shapes' sources): every packet is dropped by the guard's early
#           check; it counts rxray_guard_dropped_packets_total. With drop and
#           guard, the summary adds guard / drop-only: the drop rate's ratio
#           (goal >= 0.9). bench/guard_drop.sh runs these modes.
#
# Measured per run: packets received on ns b's veth (rx_packets) per second
# of wall time, what the program itself counted (the trivial counter, or
# the sum of rxray_packets_total; in drop and guard, the packets dropped) and
# that per second (counted/s: the drop rate), drops on either side, and from /proc/stat
# CPU 0's busy time per packet received (cpu0_ns: trafgen sends and, veth
# scheduling its NAPI on the sending CPU, the receive path runs there too:
# the whole cost of a packet in this lab) and its softirq time per packet
# (softirq_ns: the receive path, XDP + skb + TC + IP/UDP/TCP, where the
# programs' cost lands), and how busy each CPU was (CPU 1 is other load).
# Rounds interleave the modes, with the order reversed every other round;
# the table shows medians, and the ratio rxray / pass of the medians
# (goal >= 0.9) next to the difference in softirq time per packet and the
# median of the ratios paired by round (paired()).
#
# BENCH_LIVE_HOOKS=1 adds, for each rxray and base run, the ns per run of
# each attached program with its tail-called stages (kernel.bpf_stats_enabled
# on for that run: its two clock reads per run inflate every figure, and
# slow those runs: compare them with each other, not with pass), and a
# table of their medians per shape (RESULT live_hook lines).
#
# Environment: BENCH_LIVE_SECONDS (10), BENCH_LIVE_ROUNDS (3),
# BENCH_LIVE_SHAPES ("udp tcp"; also tcp256, wide), BENCH_LIVE_MODES ("none pass
# rxray", and base if BENCH_BASE_BUILD is set), BENCH_BASE_BUILD (a baseline
# build directory holding rxray), BENCH_BASE_DESC (its name in the output),
# BENCH_GUARD_RULES (100000: the guard mode's block list, at least 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_lib.sh
. "$here/live_lib.sh"
build=${1:?usage: bench/live_cost.sh BUILD}
bl_setup live_cost trafgen bpftool curl jq # build made absolute
secs=${BENCH_LIVE_SECONDS:-10}
rounds=${BENCH_LIVE_ROUNDS:-3}
shapes=${BENCH_LIVE_SHAPES:-udp tcp}
base_build=${BENCH_BASE_BUILD:-}
if [ -n "$base_build" ]; then
	modes=${BENCH_LIVE_MODES:-none pass rxray base}
else
	modes=${BENCH_LIVE_MODES:-none pass rxray}
fi
BL_RXRAY=$build/rxray
base_rxray=${base_build:+$base_build/rxray}
trivial=$build/bench/trivial.bpf.o
trivial_drop=$build/bench/trivial_drop.bpf.o
fill_conns=$build/bench/fill_conns
guard_rules=${BENCH_GUARD_RULES:-100000}
hooks=${BENCH_LIVE_HOOKS:-0}
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
port=19481
P=rxbl

[ -x "$BL_RXRAY" ] || die "$BL_RXRAY not built (make)"
[ -f "$trivial" ] || die "$trivial not built (make bench-bins)"
case " $modes " in *" drop "*) [ -f "$trivial_drop" ] || die "$trivial_drop not built (make bench-bins)" ;; esac
case " $modes " in *" aged "* | *" baseaged "*) [ -x "$fill_conns" ] || die "$fill_conns not built (make bench-bins)" ;; esac
[ "$guard_rules" -ge 1 ] 2>/dev/null || die "BENCH_GUARD_RULES=$guard_rules: want at least 1"
case " $modes " in *" base "* | *" baseaged "*)
	[ -n "$base_build" ] || die "mode base needs BENCH_BASE_BUILD (BENCH_BASE=REV make bench)"
	[ -x "$base_rxray" ] || die "$base_rxray not built (bench/base_build.sh)"
	;;
esac

BL_TMP=$(mktemp -d /tmp/rxray-live.XXXXXX)
BL_SERVE_PID=
cleanup() {
	bl_stop "${BL_SERVE_PID:-}"
	[ "$hooks" = 1 ] && sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rx_lab_down $P
	rm -rf "$BL_TMP"
}
trap cleanup EXIT
bl_lab_up $P || die "lab setup"
for s in $shapes; do bl_trafgen_cfg "$s" "$BL_TMP/$s.cfg" || die "unknown shape $s"; done

# the guard mode's configuration: N-1 CIDRs that match no traffic, IPv4 and
# IPv6 alternately, and the flood's sources
guard_conf() { # N FILE
	awk -v n="$1" 'BEGIN {
		printf "guard = on\nguard-max-rules = %d\n", (n > 131072 ? 131072 : (n < 1024 ? 1024 : n))
		for (i = 0; i < n - 1; i++)
			if (i % 2 == 0)
				printf "guard-block = 10.%d.%d.%d\n", int(i / 2 / 65536), int(i / 2 / 256) % 256, int(i / 2) % 256
			else
				printf "guard-block = 2001:db8:%x:%x::/64\n", 32768 + int(i / 2 / 65536), int(i / 2) % 65536
		print "guard-block = 198.18.0.0/24"
	}' >"$2"
}
case " $modes " in *" guard "*) guard_conf "$guard_rules" "$BL_TMP/guard.conf" ;; esac

# trafgen for $1 seconds, one process; -n bounds it even if the signal is lost
blast() {
	timeout -s INT "$1" ip netns exec "$BL_NA" trafgen --no-sock-mem -Q -P 1 -n 50000000 \
		--dev "$BL_IFA" --conf "$2" >"$BL_TMP/trafgen.log" 2>&1 || true
}

# the attached rxray's connection tables full, and every byte of its
# connection filter set (modes aged, baseaged)
age_conn_filter() {
	local m t ids=()
	for t in rx_flows rx_http_conns rx_tls_conns; do
		ids+=("$(bpftool -j map show | jq --arg n $t '[.[] | select(.name == $n)] | last | .id')")
	done
	"$fill_conns" "${ids[@]}" >/dev/null || return 1
	m=$(bpftool -j map show | jq -c '[.[] | select(.name == "rx_conn_filter")] | last | [.id, .bytes_value]')
	[ "$m" != null ] || {
		echo "aged: no rx_conn_filter map" >&2
		return 1
	}
	# shellcheck disable=SC2046 # one word per byte
	bpftool map update id "$(jq '.[0]' <<<"$m")" key 0 0 0 0 value $(yes 1 | head -n "$(jq '.[1]' <<<"$m")")
}

attach() { # MODE
	case $1 in
	none) ;;
	pass) ip -n "$BL_NB" link set dev "$BL_IFB" xdpdrv obj "$trivial" sec xdp ;;
	drop) ip -n "$BL_NB" link set dev "$BL_IFB" xdpdrv obj "$trivial_drop" sec xdp ;;
	rxray) bl_serve_start $port ;;
	guard)
		: >"$BL_TMP/serve.err"
		BL_SERVE_WAIT=120 BL_SERVE_ARGS="${BL_SERVE_ARGS:-} --config $BL_TMP/guard.conf" bl_serve_start $port ||
			return 1
		grep -q "guard: $guard_rules rules from the configuration loaded" "$BL_TMP/serve.err" || {
			echo "the guard's $guard_rules rules did not load: $(tail -1 "$BL_TMP/serve.err")" >&2
			return 1
		}
		;;
	base) bl_serve_start $port "$base_rxray" ;;
	aged) bl_serve_start $port && age_conn_filter && sleep 2.5 ;;
	baseaged) bl_serve_start $port "$base_rxray" && age_conn_filter && sleep 2.5 ;;
	esac
}

detach() { # MODE
	case $1 in
	none) ;;
	pass | drop) ip -n "$BL_NB" link set dev "$BL_IFB" xdpdrv off ;;
	rxray | base | guard | aged | baseaged) bl_serve_stop ;;
	esac
}

# what the program counted so far: the trivial program's per-CPU counter,
# rxray's packets, or the packets its guard dropped
counted() { # MODE
	local id map
	case $1 in
	none) echo 0 ;;
	pass | drop)
		id=$(ip netns exec "$BL_NB" bpftool -j net show dev "$BL_IFB" | jq '.[0].xdp[0].id')
		map=$(bpftool -j prog show id "$id" | jq '.map_ids[0]')
		bpftool -j map lookup id "$map" key 0 0 0 0 | jq '[.formatted.values[].value] | add'
		;;
	rxray | base | aged | baseaged)
		ip netns exec "$BL_NB" curl -sf "http://127.0.0.1:$port/metrics" >"$BL_TMP/m"
		bl_metric_sum rxray_packets_total "$BL_TMP/m"
		;;
	guard)
		ip netns exec "$BL_NB" curl -sf "http://127.0.0.1:$port/metrics" >"$BL_TMP/m"
		bl_metric_sum rxray_guard_dropped_packets_total "$BL_TMP/m"
		;;
	esac
}

# one run: MODE SHAPE -> a "RUN" line in $BL_TMP/runs
run() {
	local mode=$1 shape=$2 rx0 rx1 tx0 tx1 d0 d1 c0 c1 t0 t1
	attach "$mode" || die "attach $mode"
	c0=$(counted "$mode")
	rx0=$(bl_rx "$BL_IFB" "$BL_NB" rx_packets)
	tx0=$(bl_rx "$BL_IFA" "$BL_NA" tx_packets)
	d0=$(($(bl_rx "$BL_IFA" "$BL_NA" tx_dropped) + $(bl_rx "$BL_IFB" "$BL_NB" rx_dropped)))
	case $hooks/$mode in 1/rxray | 1/base)
		sysctl -qw kernel.bpf_stats_enabled=1
		bl_progstats "$BL_IFB" "$BL_NB" "$BL_TMP/p0"
		;;
	esac
	bl_cpustat >"$BL_TMP/cpu0"
	t0=$(date +%s%N)
	blast "$secs" "$BL_TMP/$shape.cfg"
	t1=$(date +%s%N)
	bl_cpustat >"$BL_TMP/cpu1"
	case $hooks/$mode in 1/rxray | 1/base)
		bl_progstats "$BL_IFB" "$BL_NB" "$BL_TMP/p1"
		sysctl -qw kernel.bpf_stats_enabled="$stats_was"
		bl_hookline "$shape $mode" "$BL_TMP/p0" "$BL_TMP/p1" >>"$BL_TMP/hooks"
		;;
	esac
	sleep 0.2 # let NAPI finish what is queued
	rx1=$(bl_rx "$BL_IFB" "$BL_NB" rx_packets)
	tx1=$(bl_rx "$BL_IFA" "$BL_NA" tx_packets)
	d1=$(($(bl_rx "$BL_IFA" "$BL_NA" tx_dropped) + $(bl_rx "$BL_IFB" "$BL_NB" rx_dropped)))
	c1=$(counted "$mode")
	detach "$mode" || die "detach $mode"
	paste "$BL_TMP/cpu0" "$BL_TMP/cpu1" | awk -v mode="$mode" -v shape="$shape" \
		-v rx=$((rx1 - rx0)) -v tx=$((tx1 - tx0)) -v drop=$((d1 - d0)) -v cnt=$((c1 - c0)) \
		-v ns=$((t1 - t0)) '
		{ b[$1] = $6 - $2; si[$1] = $7 - $3; tot[$1] = $8 - $4 }
		END {
			hz = 100 # USER_HZ: /proc/stat counts 10 ms ticks
			printf "RUN %s %s pps=%.0f rx=%d tx=%d drop=%d counted=%d counted_pps=%.0f", shape, mode,
				rx / (ns / 1e9), rx, tx, drop, cnt, cnt / (ns / 1e9)
			printf " cpu0_ns=%.0f softirq_ns=%.0f cpu0_busy=%.0f%% cpu1_busy=%.0f%%\n",
				rx ? b["cpu0"] / hz * 1e9 / rx : 0, rx ? si["cpu0"] / hz * 1e9 / rx : 0,
				100 * b["cpu0"] / tot["cpu0"], 100 * b["cpu1"] / tot["cpu1"]
		}' | tee -a "$BL_TMP/runs"
}

echo "live cost: $rounds rounds x $secs s, shapes: $shapes, modes: $modes"
[ -z "$base_build" ] || echo "  base: ${BENCH_BASE_DESC:-$base_build} ($base_rxray)"
echo "  warm-up"
attach pass && blast 2 "$BL_TMP/udp.cfg" && detach pass
: >"$BL_TMP/runs"
for ((r = 1; r <= rounds; r++)); do
	order=$modes
	((r % 2 == 0)) && order=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
	for shape in $shapes; do
		for mode in $order; do
			printf '  round %d: ' "$r"
			run "$mode" "$shape"
		done
	done
done

# checks: nothing dropped, and every packet received was counted by the program
awk '$1 == "RUN" {
	split($4, a, "="); split($5, b, "="); split($7, d, "="); split($8, c, "=")
	if (d[2] != 0) printf "  warning: %s %s dropped %d packets\n", $2, $3, d[2]
	if ($3 != "none" && c[2] != b[2])
		printf "  warning: %s %s: the program counted %d of %d packets received\n", $2, $3, c[2], b[2]
}' "$BL_TMP/runs"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { # SHAPE MODE KEY
	awk -v s="$1" -v m="$2" -v k="$3" '$1 == "RUN" && $2 == s && $3 == m {
		for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$BL_TMP/runs"
}

# The median over rounds of MODE's packets/s over REF's in the same round:
# the VM's speed drifts by tens of percent over minutes, a round's modes run
# within seconds of each other, so paired ratios hold where medians of
# separate modes may not.
paired() { # SHAPE MODE REF
	awk -v s="$1" -v m="$2" -v ref="$3" '$1 == "RUN" && $2 == s && ($3 == m || $3 == ref) {
		for (i = 4; i <= NF; i++) if (index($i, "pps=") == 1) v = substr($i, 5)
		if ($3 == m) a[++na] = v; else b[++nb] = v
	} END { for (i = 1; i <= na && i <= nb; i++) if (b[i] + 0 > 0) print a[i] / b[i] }' "$BL_TMP/runs" >"$BL_TMP/paired"
	if [ -s "$BL_TMP/paired" ]; then median <"$BL_TMP/paired" | awk '{ printf "%.3f\n", $1 }'; else echo n/a; fi
}

if [ "$hooks" = 1 ] && [ -s "$BL_TMP/hooks" ]; then
	echo
	echo "  ns per run of each attached program, with its tail-called stages (bpf_stats; median):"
	for shape in $shapes; do
		for mode in rxray base; do
			for prog in xdp_ingress tc_ingress tc_egress; do
				v=$(awk -v s="$shape" -v m="$mode" -v p="$prog" '$1 == "HOOK" && $2 == s && $3 == m {
					for (i = 4; i <= NF; i++) if (index($i, p "=") == 1) print substr($i, length(p) + 2) }' \
					"$BL_TMP/hooks" | median)
				[ -n "$v" ] && [ "$v" != 0 ] || continue
				printf '    %-6s %-6s %-12s %6s ns\n' "$shape" "$mode" "$prog" "$v"
				echo "RESULT live_hook shape=$shape mode=$mode prog=$prog ns=$v" >>"$BL_TMP/hookres"
			done
		done
	done
	[ -s "$BL_TMP/hookres" ] && cat "$BL_TMP/hookres"
	echo "  (the rxray and base runs ran with bpf_stats on: compare them with each other, not with pass)"
fi

echo
echo "live cost on veth, packets/s received by ns b (median of $rounds x $secs s)"
printf '  %-6s %-6s %10s %10s %12s %12s  %s\n' shape mode pps counted/s "cpu0 ns/pkt" "softirq ns" "runs (pps)"
for shape in $shapes; do
	for mode in $modes; do
		printf '  %-6s %-6s %10.0f %10.0f %12.0f %12.0f  %s\n' "$shape" "$mode" \
			"$(field "$shape" "$mode" pps | median)" "$(field "$shape" "$mode" counted_pps | median)" \
			"$(field "$shape" "$mode" cpu0_ns | median)" \
			"$(field "$shape" "$mode" softirq_ns | median)" \
			"$(field "$shape" "$mode" pps | tr '\n' ' ')"
	done
done
echo
for shape in $shapes; do
	case " $modes " in *" drop "*) ;; *) continue ;; esac
	case " $modes " in *" guard "*) ;; *) continue ;; esac
	awk -v s="$shape" -v d="$(field "$shape" drop counted_pps | median)" \
		-v g="$(field "$shape" guard counted_pps | median)" -v dc="$(field "$shape" drop softirq_ns | median)" \
		-v gc="$(field "$shape" guard softirq_ns | median)" -v n="$guard_rules" 'BEGIN {
		r = d ? g / d : 0
		printf "  %-4s guard / drop-only = %.3f  goal >= 0.9: %s   (dropped/s, %d rules; receive path %+.0f ns/packet)\n",
			s, r, (r >= 0.9 ? "MET" : "MISSED"), n, gc - dc
		printf "RESULT live_drop %s ratio=%.3f drop_pps=%.0f guard_pps=%.0f rules=%d extra_softirq_ns=%.0f goal=0.9\n",
			s, r, d, g, n, gc - dc
	}'
done
for shape in $shapes; do
	case " $modes " in *" pass "*) ;; *) continue ;; esac
	case " $modes " in *" rxray "*) ;; *) continue ;; esac
	p=$(field "$shape" pass pps | median)
	x=$(field "$shape" rxray pps | median)
	pc=$(field "$shape" pass softirq_ns | median)
	xc=$(field "$shape" rxray softirq_ns | median)
	awk -v s="$shape" -v p="$p" -v x="$x" -v pc="$pc" -v xc="$xc" -v q="$(paired "$shape" rxray pass)" 'BEGIN {
		r = x / p
		printf "  %-4s rxray / pass-only = %.3f  goal >= 0.9: %s   (receive path %+.0f ns/packet; paired by round %s)\n",
			s, r, (r >= 0.9 ? "MET" : "MISSED"), xc - pc, q
		printf "RESULT live %s ratio=%.3f pass_pps=%.0f rxray_pps=%.0f extra_softirq_ns=%.0f paired=%s goal=0.9\n",
			s, r, p, x, xc - pc, q
	}'
	case " $modes " in *" aged "*)
		awk -v s="$shape" -v p="$p" -v a="$(field "$shape" aged pps | median)" -v pc="$pc" \
			-v ac="$(field "$shape" aged softirq_ns | median)" -v q="$(paired "$shape" aged pass)" 'BEGIN {
			r = a / p
			printf "  %-4s aged  / pass-only = %.3f  goal >= 0.9: %s   (receive path %+.0f ns/packet; paired by round %s)\n",
				s, r, (r >= 0.9 ? "MET" : "MISSED"), ac - pc, q
			printf "RESULT live_aged %s ratio=%.3f pass_pps=%.0f aged_pps=%.0f extra_softirq_ns=%.0f paired=%s goal=0.9\n",
				s, r, p, a, ac - pc, q
		}'
		;;
	esac
	case " $modes " in *" baseaged "*)
		awk -v s="$shape" -v p="$p" -v a="$(field "$shape" baseaged pps | median)" -v pc="$pc" \
			-v ac="$(field "$shape" baseaged softirq_ns | median)" -v q="$(paired "$shape" baseaged pass)" \
			-v qa="$(paired "$shape" aged baseaged)" 'BEGIN {
			printf "  %-4s baseaged / pass-only = %.3f   (receive path %+.0f ns/packet; paired by round %s); aged / baseaged paired %s\n",
				s, a / p, ac - pc, q, qa
			printf "RESULT live_baseaged %s ratio=%.3f pass_pps=%.0f baseaged_pps=%.0f extra_softirq_ns=%.0f paired=%s aged_baseaged_paired=%s\n",
				s, a / p, p, a, ac - pc, q, qa
		}'
		;;
	esac
	case " $modes " in *" base "*) ;; *) continue ;; esac
	b=$(field "$shape" base pps | median)
	bc=$(field "$shape" base softirq_ns | median)
	awk -v s="$shape" -v p="$p" -v x="$x" -v b="$b" -v pc="$pc" -v xc="$xc" -v bc="$bc" \
		-v qb="$(paired "$shape" base pass)" -v qx="$(paired "$shape" rxray base)" 'BEGIN {
		r = b / p
		printf "  %-4s base  / pass-only = %.3f  goal >= 0.9: %s   (receive path %+.0f ns/packet; paired by round %s)\n",
			s, r, (r >= 0.9 ? "MET" : "MISSED"), bc - pc, qb
		printf "  %-4s rxray / base      = %.3f                (receive path %+.0f ns/packet against base; paired by round %s)\n",
			s, x / b, xc - bc, qx
		printf "RESULT live_base %s ratio=%.3f pass_pps=%.0f base_pps=%.0f rxray_pps=%.0f rxray_base_ratio=%.3f extra_softirq_ns=%.0f paired=%s rxray_base_paired=%s goal=0.9\n",
			s, r, p, b, x, x / b, bc - pc, qb, qx
	}'
done

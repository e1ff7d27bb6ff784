#!/bin/bash
# HTTP overhead on a real server: requests/s and tail latency of nginx under
# wrk across a veth pair, with and without rxray attached to the server's side.
#
#   bench/http_cost.sh BUILD          (root: namespaces, XDP, tcx)
#
# Lab: two network namespaces joined by a veth pair (tests/lib/netns.sh,
# prefix rxbh). nginx 1.22 in ns b with its own config in a temp dir
# (192.0.2.2:8080, one worker, keep-alive without a request limit, no access
# log, `return 200` with a 17-byte JSON body); wrk (-t 2 -c 16, --latency)
# in ns a at full speed, for $BENCH_HTTP_SECONDS per run. On ns b's veth,
# one of these modes:
#
#   none    nothing attached: the veth as the server has it without rxray
#   pass    bench/trivial.bpf.o's xdp_trivial in driver mode (a veth with an
#           XDP program switches to NAPI and GRO: this separates that
#           change from rxray's own work; shown for reference)
#   rxray   `rxray serve -i IF` (own --control socket, own --listen in ns b):
#           XDP + tcx ingress/egress, the traffic picture, TCP health and
#           HTTP transactions with their RED metrics on, capture off
#   nohttp  the same agent, then rx_cfg.http set to 0 in its .bss map with
#           bpftool (checked through the map's BTF): everything but the HTTP
#           tracker, to tell its share of the cost from the rest (reference)
#   base    `rxray serve -i IF` of the baseline build (BENCH_BASE_BUILD, set
#           by `BENCH_BASE=REV make bench`: bench/base_build.sh), like rxray
#   frozen  the same agent as rxray, its process stopped (SIGSTOP) once up
#           and stopped for good after the run (bl_serve_stop continues it):
#           the datapath's cost without the agent's threads (reference; not
#           in the default modes)
#
# Rounds interleave the modes, order reversed every other round. Per run:
# wrk's Requests/sec and its 99th percentile latency (--latency, HdrHistogram,
# corrected for coordinated omission by wrk), and in rxray mode the
# transactions rxray counted in that run (http_server_request_duration_seconds
# _count on /metrics, before and after) next to the requests wrk completed.
# The table shows medians and the ratios rxray / none of the medians:
# requests/s (goal >= 0.97) and p99 (goal <= 1.05); each round's own ratio
# too, since the rounds are neighbours in time, and the medians of those
# (paired_rps, paired_p99: less moved by the machine's drift). With the base
# mode, the same for base / none, base / pass and base / nohttp, then
# rxray / base.
#
# BENCH_HTTP_HOOKS=1 adds, for each rxray and base run, the time each of
# rxray's attached programs took per run (with its tail-called stages:
# kernel.bpf_stats_enabled on for that run, its two clock reads per run
# inflating every figure and every rate drop alike), and a table of their
# medians (and a caveat on the goal lines: those runs paid for the stats).
# BENCH_HTTP_LATE=1 (which turns BENCH_HTTP_HOOKS on) attaches rxray and base only once wrk's
# connections are open, as on a server already busy when rxray starts (its
# connections are then untracked: no handshake seen); wrk runs for
# $BENCH_HTTP_SECONDS + 3 s in all, so its requests/s and p99 mix the time
# before and after the attach: with LATE compare the hooks, not the goals.
#
# Environment: BENCH_HTTP_SECONDS (10), BENCH_HTTP_ROUNDS (3),
# BENCH_HTTP_MODES ("none pass nohttp rxray", and base if BENCH_BASE_BUILD is
# set), BENCH_HTTP_WRK ("-t 2 -c 16"), BENCH_BASE_BUILD (a baseline build
# directory holding rxray), BENCH_BASE_DESC (its name in the output).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_lib.sh
. "$here/live_lib.sh"
build=${1:?usage: bench/http_cost.sh BUILD}
bl_setup http_cost nginx wrk curl bpftool jq # build made absolute
secs=${BENCH_HTTP_SECONDS:-10}
rounds=${BENCH_HTTP_ROUNDS:-3}
base_build=${BENCH_BASE_BUILD:-}
if [ -n "$base_build" ]; then
	modes=${BENCH_HTTP_MODES:-none pass nohttp rxray base}
else
	modes=${BENCH_HTTP_MODES:-none pass nohttp rxray}
fi
read -r -a wrkopts <<<"${BENCH_HTTP_WRK:--t 2 -c 16}"
hooks=${BENCH_HTTP_HOOKS:-0}
late=${BENCH_HTTP_LATE:-0}
[ "$late" = 1 ] && hooks=1
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
has() { case " $modes " in *" $1 "*) return 0 ;; esac; return 1; }
rxray=$build/rxray
base_rxray=${base_build:+$base_build/rxray}
trivial=$build/bench/trivial.bpf.o
port=19483
P=rxbh
NA=$P-a NB=$P-b IFB=${P}b
URL=http://192.0.2.2:8080/api/items

[ -x "$rxray" ] || die "$rxray not built (make)"
case " $modes " in
*" pass "*) [ -f "$trivial" ] || die "$trivial not built (make bench-bins)" ;;
esac
case " $modes " in *" base "*)
	[ -n "$base_build" ] || die "mode base needs BENCH_BASE_BUILD (BENCH_BASE=REV make bench)"
	[ -x "$base_rxray" ] || die "$base_rxray not built (bench/base_build.sh)"
	;;
esac

tmp=$(mktemp -d /tmp/rxray-httpcost.XXXXXX)
chmod 755 "$tmp"
nginx_pid=
# bench/live_lib.sh's rxray serve: on $IFB in ns b, its control socket in $tmp
# shellcheck disable=SC2034 # read by bench/live_lib.sh
BL_NB=$NB BL_IFB=$IFB BL_TMP=$tmp BL_SERVE_PID=
cleanup() {
	bl_stop "$BL_SERVE_PID" "$nginx_pid"
	rx_lab_down $P
	rm -rf "$tmp"
}
trap cleanup EXIT
[ "$hooks" = 1 ] && trap 'sysctl -qw kernel.bpf_stats_enabled="$stats_was"; cleanup' EXIT
rx_lab_up $P || die "lab setup"

bl_nginx_conf "$tmp"
ip netns exec $NB nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>"$tmp/nginx.err" &
nginx_pid=$!
for _ in $(seq 50); do ip netns exec $NB ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
ip netns exec $NB ss -Hltn 'sport = :8080' | grep -q . || die "nginx did not start: $(cat "$tmp/nginx.err")"

# the transactions rxray counted so far (all series of the histogram's _count)
txns() {
	ip netns exec $NB curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/metrics"
	bl_metric_sum http_server_request_duration_seconds_count "$tmp/metrics"
}

# rx_cfg.http = 0 in the running agent's .bss (struct rx_config_rt: http at
# byte 4); tcp and traffic, fixed at load, stay on in its rodata (rx_ro)
http_off() {
	local prog map bss='' ro='' v
	prog=$(ip netns exec $NB bpftool -j net show dev $IFB | jq '[.[0].tc[] | select(.name == "tc_ingress")][0].prog_id')
	for map in $(bpftool -j prog show id "$prog" | jq '.map_ids[]'); do
		case "$(bpftool -j map show id "$map" | jq -r .name)" in
		rxray_bp.bss) bss=$map ;;
		rxray_bp.rodata) ro=$map ;;
		esac
	done
	if [ -z "$bss" ] || [ -z "$ro" ]; then
		die "tc_ingress (prog $prog) has no rxray .bss or .rodata map"
	fi
	v=$(bpftool -j map dump id "$bss" | jq -r '.[0].value | .[4] = "0x00" | join(" ")')
	# shellcheck disable=SC2086 # one word per byte
	bpftool map update id "$bss" key 0 0 0 0 value $v
	[ "$(bpftool -j map dump id "$bss" | jq -c '.[0].formatted.value[".bss"][0].rx_cfg | [.capture, .http]')" = "[0,0]" ] ||
		die "could not turn rx_cfg.http off: $(bpftool -j map dump id "$bss")"
	[ "$(bpftool -j map dump id "$ro" | jq -c '.[0].formatted.value[".rodata"][0].rx_ro | [.tcp, .traffic]')" = "[1,1]" ] ||
		die "rx_ro: tcp and traffic are not both on: $(bpftool -j map dump id "$ro")"
}

serve_up() { # RXRAY
	bl_serve_start "$port" "$1" || die "$1 serve did not come up"
}

attach() { # MODE
	case $1 in
	none) ;;
	pass) ip -n $NB link set dev $IFB xdpdrv obj "$trivial" sec xdp ;;
	nohttp)
		attach rxray
		http_off
		;;
	rxray) serve_up "$rxray" ;;
	frozen)
		serve_up "$rxray"
		kill -STOP "$BL_SERVE_PID"
		;;
	base) serve_up "$base_rxray" ;;
	esac
}

detach() { # MODE
	case $1 in
	none) ;;
	pass) ip -n $NB link set dev $IFB xdpdrv off ;;
	rxray | nohttp | base | frozen) bl_serve_stop || die "rxray serve ($1) did not stop cleanly" ;;
	esac
	# nothing left behind on the veth
	if ip netns exec $NB bpftool net show dev $IFB 2>/dev/null | grep -qE 'id [0-9]+'; then
		die "a program is still attached to $IFB after $1"
	fi
}

# wrk latency text (e.g. 312.00us, 1.20ms, 1.01s) to microseconds
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : -1
		if (f < 0) exit 1
		printf "%.1f\n", n * f }'
}

# the programs attached to $IFB (no other rxray's), into FILE (bench/live_lib.sh)
progstats() { bl_progstats $IFB $NB "$1"; }

# one run: MODE ROUND -> a "RUN" line in $tmp/runs (and a "HOOK" line with BENCH_HTTP_HOOKS)
run() {
	local mode=$1 r=$2 t0=0 t1=0 rps p50 p99 reqs wrk_pid rxr=0
	case $mode in rxray | base) rxr=1 ;; esac
	if [ "$late" = 1 ] && [ $rxr = 1 ]; then
		ip netns exec $NA wrk "${wrkopts[@]}" -d "$((secs + 3))s" --latency $URL >"$tmp/wrk.txt" 2>&1 &
		wrk_pid=$!
		sleep 1 # its connections are open
		attach "$mode"
		t0=$(txns)
		sysctl -qw kernel.bpf_stats_enabled=1
		progstats "$tmp/p0"
		wait "$wrk_pid" || die "wrk: $(cat "$tmp/wrk.txt")"
	else
		attach "$mode"
		if [ $rxr = 1 ]; then
			t0=$(txns)
			[ "$hooks" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=1 && progstats "$tmp/p0"
		fi
		ip netns exec $NA wrk "${wrkopts[@]}" -d "${secs}s" --latency $URL >"$tmp/wrk.txt" 2>&1 ||
			die "wrk: $(cat "$tmp/wrk.txt")"
	fi
	if [ $rxr = 1 ] && [ "$hooks" = 1 ]; then
		progstats "$tmp/p1"
		sysctl -qw kernel.bpf_stats_enabled="$stats_was"
		bl_hookline "$mode round=$r" "$tmp/p0" "$tmp/p1" | tee -a "$tmp/runs"
	fi
	sleep 0.3 # wrk's connections close; rxray sees the last responses
	[ $rxr = 1 ] && t1=$(txns)
	detach "$mode"
	grep -q 'Non-2xx\|Socket errors' "$tmp/wrk.txt" && die "wrk saw errors: $(cat "$tmp/wrk.txt")"
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$tmp/wrk.txt")
	p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.txt")")
	p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.txt")")
	reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
	echo "RUN $mode round=$r rps=$rps p50_us=$p50 p99_us=$p99 requests=$reqs counted=$((t1 - t0))" |
		tee -a "$tmp/runs"
}

echo "http cost: $rounds rounds x $secs s, wrk ${wrkopts[*]} --latency $URL, modes: $modes"
[ -z "$base_build" ] || echo "  base: ${BENCH_BASE_DESC:-$base_build} ($base_rxray)"
echo "  warm-up"
ip netns exec $NA wrk "${wrkopts[@]}" -d 2s $URL >/dev/null 2>&1 || die "wrk warm-up"
: >"$tmp/runs"
for ((r = 1; r <= rounds; r++)); do
	order=$modes
	((r % 2 == 0)) && order=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
	for mode in $order; do
		printf '  round %d: ' "$r"
		run "$mode" "$r"
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { # MODE KEY [ROUND]
	awk -v m="$1" -v k="$2" -v r="${3:-}" '$1 == "RUN" && $2 == m && (r == "" || $3 == "round=" r) {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$tmp/runs"
}

echo
echo "nginx under wrk across the veth (median of $rounds x $secs s)"
printf '  %-6s %12s %10s %10s  %s\n' mode requests/s "p50" "p99" "runs (requests/s; p99 us)"
for mode in $modes; do
	printf '  %-6s %12.0f %7.0f us %7.0f us  %s; %s\n' "$mode" "$(field "$mode" rps | median)" \
		"$(field "$mode" p50_us | median)" "$(field "$mode" p99_us | median)" \
		"$(field "$mode" rps | tr '\n' ' ' | sed 's/ $//')" "$(field "$mode" p99_us | tr '\n' ' ' | sed 's/ $//')"
done
case " $modes " in *" rxray "*)
	echo
	echo "  rxray's own count of the transactions in each rxray run (wrk counts completed requests;"
	echo "  rxray also counts the responses to the requests in flight when wrk stopped):"
	for ((r = 1; r <= rounds; r++)); do
		echo "    round $r: wrk $(field rxray requests "$r"), rxray $(field rxray counted "$r")"
	done
	;;
esac
case " $modes " in *" base "*)
	echo "  the same for the base build's rxray:"
	for ((r = 1; r <= rounds; r++)); do
		echo "    round $r: wrk $(field base requests "$r"), base $(field base counted "$r")"
	done
	;;
esac
if [ "$hooks" = 1 ]; then
	echo
	echo "  ns per run of each attached program, with its tail-called stages (bpf_stats; median$([ "$late" = 1 ] && echo ", attached after wrk's connections opened")):"
	for mode in rxray base; do
		has "$mode" || continue
		for prog in xdp_ingress tc_ingress tc_egress; do
			v=$(awk -v m="$mode" -v p="$prog" '$1 == "HOOK" && $2 == m {
				for (i = 4; i <= NF; i++) if (index($i, p "=") == 1) print substr($i, length(p) + 2) }' "$tmp/runs" | median)
			[ -n "$(awk -v m="$mode" '$1 == "HOOK" && $2 == m' "$tmp/runs")" ] || v=-
			printf '    %-6s %-12s %6s ns\n' "$mode" "$prog" "$v"
			echo "RESULT http_hook mode=$mode prog=$prog ns=$v late=$late" >>"$tmp/hooks"
		done
	done
	cat "$tmp/hooks"
	echo "  (the rxray and base runs above ran with bpf_stats on: compare them with each other, not with none or pass)"
fi
echo
# compare SUBJECT REF: SUBJECT / REF, medians and per round, and a RESULT line
compare() {
	local subj=$1 ref=$2 per="" r pr pl
	for ((r = 1; r <= rounds; r++)); do
		per="$per $(awk -v a="$(field "$subj" rps "$r")" -v b="$(field "$ref" rps "$r")" \
			-v c="$(field "$subj" p99_us "$r")" -v d="$(field "$ref" p99_us "$r")" \
			'BEGIN { printf "%.3f/%.2f", a / b, c / d }')"
	done
	# the medians of the rounds' own ratios: neighbours in time, less moved by
	# the machine's drift between rounds than the ratio of the medians
	pr=$(echo "$per" | tr ' ' '\n' | awk -F/ 'NF == 2 { print $1 }' | median)
	pl=$(echo "$per" | tr ' ' '\n' | awk -F/ 'NF == 2 { print $2 }' | median)
	awk -v subj="$subj" -v base="$ref" -v a="$(field "$subj" rps | median)" -v b="$(field "$ref" rps | median)" \
		-v c="$(field "$subj" p99_us | median)" -v d="$(field "$ref" p99_us | median)" -v per="$per" \
		-v pr="$pr" -v pl="$pl" '
		BEGIN {
			r = a / b; l = c / d
			if (base == "none") {
				printf "  %s / none: requests/s %.3f (goal >= 0.97: %s), p99 %.2f (goal <= 1.05: %s)\n",
					subj, r, (r >= 0.97 ? "MET" : "MISSED"), l, (l <= 1.05 ? "MET" : "MISSED")
			} else if (base == "base") {
				printf "  %s / base (this build against the baseline build): requests/s %.3f, p99 %.2f\n",
					subj, r, l
			} else {
				printf "  %s / %s (reference): requests/s %.3f, p99 %.2f\n", subj, base, r, l
			}
			printf "    per round (requests/s ratio / p99 ratio):%s; their medians %.3f / %.2f\n", per, pr, pl
			if (subj == "rxray")
				printf "RESULT http_cost vs=%s rps_ratio=%.3f p99_ratio=%.3f base_rps=%.0f rxray_rps=%.0f base_p99_us=%.1f rxray_p99_us=%.1f paired_rps=%.3f paired_p99=%.3f\n",
					base, r, l, b, a, d, c, pr, pl
			else
				printf "RESULT http_cost_%s vs=%s rps_ratio=%.3f p99_ratio=%.3f ref_rps=%.0f %s_rps=%.0f ref_p99_us=%.1f %s_p99_us=%.1f paired_rps=%.3f paired_p99=%.3f\n",
					subj, base, r, l, b, subj, a, d, subj, c, pr, pl
		}'
}
for ref in none pass nohttp; do
	has "$ref" || continue
	for subj in rxray base; do
		if has "$subj"; then compare "$subj" "$ref"; fi
	done
done
if has rxray && has base; then
	compare rxray base
fi
# what the agent's own threads add to the datapath's cost
if has rxray && has frozen; then
	compare rxray frozen
fi

#!/bin/bash
# The SYN guard (docs/guard.md, issue 13): a legitimate client's p99 latency
# with and without a SYN flood, with and without the guard, side by side in
# one invocation.
#
#   bench/syn_guard.sh BUILD          (root: namespaces, XDP, tcx)
#
# Lab: two network namespaces joined by a veth pair (tests/lib/netns.sh,
# prefix sygb). nginx in ns b (bench/live_lib.sh's bl_nginx_conf:
# 192.0.2.2:8080, one worker, keep-alive, `return 200`), and `rxray serve`
# on ns b's veth with `guard-syn-guard = $BENCH_SYN_HALF/s` (SYNs of sources
# that never completed a handshake dropped while engaged). ns b routes the
# flood's documentation ranges back to ns a, which drops the SYN-ACKs: the
# spoofed handshakes stay half-open in nginx's SYN queue, as they would.
# The legitimate client, wrk in ns a (192.0.2.1; -t 2 -c 16 --latency), runs
# $BENCH_SYN_SECONDS per run in one of these modes:
#
#   calm     no attack (the agent and its guard attached)
#   decoy    the flood's sender, as below, but out of a second veth pair with
#            both ends in ns a (which drops the SYNs: not its address): the
#            sender's CPU time on this machine without a packet reaching ns b
#            (on 2 shared cores the sender alone moves the p99)
#   guard    tests/lib/synflood.py from ns a at $BENCH_SYN_RATE SYNs/s from
#            1,008 documentation addresses through the run; the SYN guard on
#   noguard  the same flood, `rxray guard off` (the agent still attached)
#
# Rounds interleave the modes, order reversed every other round. Per run:
# wrk's requests/s, its p99 (HdrHistogram, ms), failed requests (non-2xx and
# socket errors), the flood's achieved rate. The table gives medians and the
# ratios guard / calm, guard / decoy and noguard / decoy of the p99 (goal:
# guard / calm <= 2).
#
# Environment: BENCH_SYN_SECONDS (8), BENCH_SYN_ROUNDS (3), BENCH_SYN_RATE
# (3000), BENCH_SYN_HALF (400).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_lib.sh
. "$here/live_lib.sh"
build=${1:?usage: bench/syn_guard.sh BUILD}
bl_setup syn_guard nginx wrk curl jq # build made absolute
secs=${BENCH_SYN_SECONDS:-8}
rounds=${BENCH_SYN_ROUNDS:-3}
rate=${BENCH_SYN_RATE:-3000}
half=${BENCH_SYN_HALF:-400}
rxray=$build/rxray
port=19593
P=${RX_PREFIX:-sygb} # RX_PREFIX: other names (parallel runs), as the tests
NA=$P-a NB=$P-b IFA=${P}a IFB=${P}b
URL=http://192.0.2.2:8080/api/items
[ -x "$rxray" ] || die "$rxray not built (make)"

tmp=$(mktemp -d)
chmod 755 "$tmp"
nginx_pid=
# shellcheck disable=SC2034 # read by bench/live_lib.sh
BL_NB=$NB BL_IFB=$IFB BL_TMP=$tmp BL_SERVE_PID= BL_RXRAY=$rxray
cleanup() {
	bl_stop "$BL_SERVE_PID" "$nginx_pid"
	rx_lab_down $P
	rm -rf "$tmp"
}
trap cleanup EXIT
rx_lab_up $P || die "lab setup"
ip -n $NB route add 198.51.100.0/24 via 192.0.2.1
ip -n $NB route add 203.0.113.0/24 via 192.0.2.1
ip -n $NA link add ${P}d type veth peer name ${P}e
ip -n $NA link set ${P}d up
ip -n $NA link set ${P}e up

bl_nginx_conf "$tmp"
ip netns exec $NB nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>"$tmp/nginx.err" &
nginx_pid=$!
for _ in $(seq 50); do ip netns exec $NB ss -Hltn 'sport = :8080' | grep -q . && break; sleep 0.1; done
ip netns exec $NB ss -Hltn 'sport = :8080' | grep -q . || die "nginx did not start: $(cat "$tmp/nginx.err")"

printf 'guard-syn-guard = %s/s\nguard-log = %s/audit.log\n' "$half" "$tmp" >"$tmp/serve.conf"
BL_SERVE_ARGS="--config $tmp/serve.conf"
bl_serve_start $port || die "rxray serve did not start"
guard() { RXRAY_AGENT=$tmp/agent.sock ip netns exec $NB "$rxray" guard "$@"; }
mac=$(ip netns exec $NB cat /sys/class/net/$IFB/address)
ip netns exec $NA curl -sf -o /dev/null $URL || die "curl"

# one run: mode -> "rps p99_ms failed flood_rate"
run() {
	local mode=$1 fpid= out f
	if [ "$mode" = noguard ]; then guard off >/dev/null; else guard on >/dev/null; fi
	if [ "$mode" != calm ]; then
		ip netns exec $NA /usr/bin/python3 "$here/../tests/lib/synflood.py" \
			"$([ "$mode" = decoy ] && echo ${P}d || echo $IFA)" "$mac" 192.0.2.2 \
			2001:db8::2 8080 $(((rate * (secs + 2) + 1007) / 1008)) "$rate" >"$tmp/flood.out" &
		fpid=$!
		sleep 1
	fi
	out=$(ip netns exec $NA wrk -t 2 -c 16 -d "${secs}s" --latency $URL 2>&1)
	if [ -n "$fpid" ]; then
		wait "$fpid"
		read -r _ n s <"$tmp/flood.out"
		f=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
	else
		f=0
	fi
	sleep 4 # the guard lets go (3 s under half its threshold) before the next run
	awk -v f="$f" '
		/Requests\/sec:/ { rps = $2 }
		$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			p99 = v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1) }
		/requests in/ { reqs = $1 }
		/Non-2xx/ { bad += $NF }
		/Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
		END { printf "%.0f %.3f %d %d %s\n", rps, p99, bad, reqs, f }' <<<"$out"
}

declare -A res
modes=(calm decoy guard noguard)
echo "syn_guard: $rounds rounds of ${secs}s per mode, flood $rate SYN/s from 1,008 addresses, syn-guard $half/s"
printf '%-8s %-6s %10s %9s %8s %9s %10s\n' round mode req/s p99_ms failed requests flood/s
for r in $(seq "$rounds"); do
	order=("${modes[@]}")
	[ $((r % 2)) = 0 ] && order=(noguard guard decoy calm)
	for m in "${order[@]}"; do
		line=$(run "$m")
		res[$m]+="$line"$'\n'
		# shellcheck disable=SC2086
		printf '%-8s %-6s %10s %9s %8s %9s %10s\n' "$r" "$m" $line
	done
done
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A mp99 mrps
for m in "${modes[@]}"; do
	mp99[$m]=$(printf '%s' "${res[$m]}" | awk 'NF { print $2 }' | med)
	mrps[$m]=$(printf '%s' "${res[$m]}" | awk 'NF { print $1 }' | med)
	fails=$(printf '%s' "${res[$m]}" | awk 'NF { f += $3; n += $4 } END { printf "%d of %d (%.4f %%)", f, n, n ? 100 * f / n : 0 }')
	echo "median $m: $(printf '%s' "${mrps[$m]}") req/s, p99 ${mp99[$m]} ms, failed $fails"
done
g=$(awk -v a="${mp99[guard]}" -v b="${mp99[calm]}" 'BEGIN { printf "%.2f", a / b }')
d=$(awk -v a="${mp99[guard]}" -v b="${mp99[decoy]}" 'BEGIN { printf "%.2f", a / b }')
n=$(awk -v a="${mp99[noguard]}" -v b="${mp99[decoy]}" 'BEGIN { printf "%.2f", a / b }')
echo "p99 ratio guard/calm $g (goal <= 2: $(awk -v g="$g" 'BEGIN { print (g <= 2) ? "met" : "MISSED" }')), guard/decoy $d, noguard/decoy $n"
echo "SYN guard: $(guard list --json | jq -c '.rules[] | select(.action == "syn-guard") | {engagements, dropped}')"

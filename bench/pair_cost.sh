#!/bin/bash
# Side by side with a baseline build (BENCH_BASE=REV make bench): the
# BPF_PROG_TEST_RUN benchmarks of this build and of the baseline build
# (bench/base_build.sh), each with the skeleton it was built with.
#
#   bench/pair_cost.sh xdp|tc BUILD BASE_BUILD
#
# Each binary embeds its own build's rxray_bpf skeleton and trivial program
# and knows its own rx_cfg layout, maps and stages, so the two builds may
# differ in all of those: nothing of one is loaded by the other. A round runs
# base's binary, then this build's, each `-r 1` (one round of its own
# interleaved trivial/rxray runs) pinned to the same CPU; the order is
# reversed every other round. The RESULT lines of every invocation are
# collected and the medians over the rounds printed per row: trivial (the
# runs of both binaries' trivial programs), base, rxray, base / trivial,
# rxray / trivial and rxray / base (ratios of the medians).
#
# A failed invocation (xdp_cost: a capture record lost) fails this script;
# that the packets timed take the paths they are timed for (each shape
# decodes as intended, every pair one transaction) is checked by
# tests/bpf/test_bench_check.sh, not here. Each invocation's full output is
# kept in BUILD/bench/side/BIN.WHO.ROUND.log.
#
# Environment: BENCH_PAIR_ROUNDS (7), BENCH_PAIR_CPU (the CPU this starts
# on), BENCH_XDP_ARGS / BENCH_TC_ARGS (more options for every invocation,
# e.g. "-n 100000"), BENCH_BASE_DESC (how to name the base build).
set -euo pipefail

kind=${1:?usage: bench/pair_cost.sh xdp|tc BUILD BASE_BUILD}
build=${2:?usage: bench/pair_cost.sh xdp|tc BUILD BASE_BUILD}
basebuild=${3:?usage: bench/pair_cost.sh xdp|tc BUILD BASE_BUILD}
rounds=${BENCH_PAIR_ROUNDS:-7}
cpu=${BENCH_PAIR_CPU:-$(awk '{ print $39 }' /proc/self/stat)}
desc=${BENCH_BASE_DESC:-$basebuild}

die() {
	echo "pair_cost: $*" >&2
	exit 1
}
case $kind in
xdp)
	bin=xdp_cost
	read -r -a args <<<"${BENCH_XDP_ARGS:-}"
	;;
tc)
	bin=tc_http_cost
	read -r -a args <<<"${BENCH_TC_ARGS:-}"
	;;
*) die "unknown benchmark $kind (xdp or tc)" ;;
esac
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "BENCH_PAIR_ROUNDS=$rounds is not a positive number"
[[ $cpu =~ ^[0-9]+$ ]] || die "BENCH_PAIR_CPU=$cpu is not a CPU number"
declare -A path=([rxray]=$build/bench/$bin [base]=$basebuild/bench/$bin)
for who in rxray base; do
	[ -x "${path[$who]}" ] || die "${path[$who]} not built (make bench-bins in the $who build)"
done

logs=$build/bench/side
mkdir -p "$logs"
rm -f "$logs/$bin".*.log
runs=$logs/$bin.runs
: >"$runs"

echo "$bin side by side: base = $desc, rxray = this build; $rounds rounds, each one" \
	"invocation of both (-r 1 -C $cpu${args[*]:+ ${args[*]}}), order reversed every other round"
for ((r = 1; r <= rounds; r++)); do
	order="base rxray"
	((r % 2 == 0)) && order="rxray base"
	for who in $order; do
		log=$logs/$bin.$who.$r.log
		t0=$(date +%s%N)
		"${path[$who]}" -r 1 -C "$cpu" "${args[@]}" >"$log" 2>&1 ||
			die "$who's $bin failed (round $r): $(tail -3 "$log")"
		t1=$(date +%s%N)
		grep -q '^RESULT ' "$log" || die "$who's $bin printed no RESULT lines (too old?): see $log"
		sed -n "s/^RESULT /RUN $who $r /p" "$log" >>"$runs"
		printf '  round %d: %-5s %5.1f s\n' "$r" "$who" "$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')"
	done
done

# awk helpers: median of a space-separated list; the value of KEY= in a RUN line
# shellcheck disable=SC2016 # awk code, not shell
lib='
function med(s,   n, a, i, j, t) {
	n = split(s, a, " ")
	if (!n) return 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function val(k,   i) {
	for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2)
	return ""
}
function add(key, v) { if (v != "") list[key] = list[key] " " v }
function ratio(a, b) { return b ? a / b : 0 }
'

echo
if [ "$kind" = xdp ]; then
	awk -v rounds="$rounds" "$lib"'
	$1 == "RUN" && $4 == "xdp" {
		who = $2; s = $5
		if (!(s in seen)) { seen[s] = 1; shapes[++ns] = s }
		add("dec triv " s, val("trivial_ns")); add("dec " who " " s, val("rxray_ns"))
		add("cap triv " s, val("capture_trivial_ns")); add("cap " who " " s, val("capture_rxray_ns"))
	}
	function table(m, title, goal,   i, s, t, b, x, wb, wx) {
		printf "%s: median of %d rounds, ns per run (trivial: both builds'\'' runs)\n", title, rounds
		printf "  %-14s %9s %9s %9s %10s %10s %10s\n", "shape", "trivial", "base", "rxray",
			"base/triv", "rxray/triv", "rxray/base"
		for (i = 1; i <= ns; i++) {
			s = shapes[i]
			t = med(list[m " triv " s]); b = med(list[m " base " s]); x = med(list[m " rxray " s])
			if (ratio(b, t) > wb) wb = ratio(b, t)
			if (ratio(x, t) > wx) wx = ratio(x, t)
			printf "  %-14s %6.0f ns %6.0f ns %6.0f ns %9.2fx %9.2fx %9.2fx\n", s, t, b, x,
				ratio(b, t), ratio(x, t), ratio(x, b)
			res[m, s] = sprintf("%s_trivial_ns=%.0f %s_base_ns=%.0f %s_rxray_ns=%.0f", m, t, m, b, m, x)
		}
		if (goal)
			printf "  %s: worst ratio base %.2fx, rxray %.2fx; goal <= %.2fx: base %s, rxray %s\n",
				(m == "dec" ? "decode" : "capture"), wb, wx, goal, (wb <= goal ? "MET" : "MISSED"),
				(wx <= goal ? "MET" : "MISSED")
		else
			printf "  %s: worst ratio base %.2fx, rxray %.2fx\n", (m == "dec" ? "decode" : "capture"), wb, wx
	}
	END {
		if (!ns) { print "pair_cost: no xdp RESULT lines" > "/dev/stderr"; exit 1 }
		table("dec", "decode + count, capture off", 1.5)
		print ""
		table("cap", "decode + count + capture (capture = 1, snaplen 2048)", 0)
		for (i = 1; i <= ns; i++)
			printf "RESULT xdp_side %s %s %s\n", shapes[i], res["dec", shapes[i]], res["cap", shapes[i]]
	}' "$runs"
else
	awk -v rounds="$rounds" "$lib"'
	BEGIN {
		name[1] = "tcp (http=0)"; name[2] = "http=1"; name[3] = "http=1 + txn records"
		pk[1] = "request"; pk[2] = "response"; pk[3] = "transaction"; pk[4] = "ack"
	}
	$1 == "RUN" && $4 == "tc_http" && ($5 == "paired" || $5 == "repeated") {
		who = $2; m = substr(val("mode"), 1) + 0; w = (m == 0) ? "triv" : who
		rq = val("request_ns"); rs = val("response_ns")
		add($5 " " w " " m " 1", rq); add($5 " " w " " m " 2", rs)
		if ($5 == "paired") add($5 " " w " " m " 3", rq + rs)
		else add($5 " " w " " m " 4", val("ack_ns"))
		if (m > maxm[$5]) maxm[$5] = m
	}
	function row(how, m, k,   t, b, x) {
		t = med(list[how " triv 0 " k]); b = med(list[how " base " m " " k]); x = med(list[how " rxray " m " " k])
		printf "  %-20s %-11s %8.1f ns %8.1f ns %8.1f ns %9.2fx %9.2fx %9.2fx\n", name[m], pk[k], t, b, x,
			ratio(b, t), ratio(x, t), ratio(x, b)
		res[how, m, k] = sprintf("trivial_ns=%.1f base_ns=%.1f rxray_ns=%.1f", t, b, x)
	}
	function head(title) {
		printf "%s: median of %d rounds, ns per packet (trivial: both builds'\'' runs)\n", title, rounds
		printf "  %-20s %-11s %11s %11s %11s %10s %10s %10s\n", "mode", "packet", "trivial", "base",
			"rxray", "base/triv", "rxray/triv", "rxray/base"
	}
	END {
		if (!maxm["paired"]) { print "pair_cost: no tc_http RESULT lines" > "/dev/stderr"; exit 1 }
		head("paired (request, response, ... on one keep-alive connection, repeat = 1)")
		for (m = 1; m <= maxm["paired"]; m++) for (k = 1; k <= 3; k++) row("paired", m, k)
		for (who = 0; who < 2; who++) {
			w = who ? "rxray" : "base"
			own[w] = med(list["paired " w " 2 3"]) - med(list["paired " w " 1 3"])
		}
		printf "  the HTTP tracker'\''s own cost per transaction (http=1 - http=0): base %+.1f ns, rxray %+.1f ns\n",
			own["base"], own["rxray"]
		t = med(list["paired triv 0 3"]); b = med(list["paired base 2 3"]); x = med(list["paired rxray 2 3"])
		printf "  http=1 transaction: base / trivial %.2fx, rxray / trivial %.2fx, rxray / base %.2fx\n",
			ratio(b, t), ratio(x, t), ratio(x, b)
		print ""
		head("repeated (one packet, the same segment again: decode + lookup)")
		for (m = 1; m <= maxm["repeated"]; m++) { row("repeated", m, 1); row("repeated", m, 2); row("repeated", m, 4) }
		for (m = 1; m <= maxm["paired"]; m++)
			printf "RESULT tc_http_side paired mode=%d transaction %s\n", m, res["paired", m, 3]
		for (m = 1; m <= maxm["repeated"]; m++)
			printf "RESULT tc_http_side repeated mode=%d request %s\n", m, res["repeated", m, 1]
	}' "$runs"
fi

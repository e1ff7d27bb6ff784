#!/bin/bash
# Offline decoding throughput: rxray's native datapath on a pcap, next to
# tshark and tcpdump on the same file, each printing every packet with its
# decoded fields.
#
#   bench/offline.sh BUILD
#
# Generates a mixed pcap (bench/gen_mix.py: 2,000 distinct frames built with
# scapy, replicated to $BENCH_PACKETS records) in a temp dir, then times,
# best of $BENCH_RUNS wall-clock runs each, output to /dev/null:
#
#   rxray watch -r big.pcap --json     (the goal rows: >= 10x tshark,
#   tshark -r big.pcap -T json          >= 1x tcpdump)
#   tcpdump -nn -v -r big.pcap
#
# and, as references that show where the time goes, rxray's one-line text
# output next to tcpdump's (rxray watch -r / tcpdump -nn -r), and rxray
# with a filter no packet matches ('tcp port 1'): every packet read, decoded
# and turned into a capture record, nothing rendered.
#
# With BENCH_BASE_BUILD (a baseline build directory, set by `BENCH_BASE=REV
# make bench`: bench/base_build.sh), the baseline build's `rxray watch -r
# big.pcap --json` is timed too, in the same best-of-N: run i times this
# build's, the baseline's and tcpdump -nn -v one after the other (the order
# reversed every other run), and the table adds its row, its goal ratios and
# rxray / base.
#
# Prints a table and RESULT lines for bench/run.sh. Environment:
#   BENCH_PACKETS (200000), BENCH_RUNS (3), BENCH_TMP (mktemp -d),
#   PYTHON (/usr/bin/python3: Debian's, which has scapy), BENCH_BASE_BUILD,
#   BENCH_BASE_DESC (the baseline's name in the output).
set -euo pipefail

build=${1:?usage: bench/offline.sh BUILD}
here=$(cd "$(dirname "$0")" && pwd)
rxray=$build/rxray
packets=${BENCH_PACKETS:-200000}
runs=${BENCH_RUNS:-3}
python=${PYTHON:-/usr/bin/python3}
base_build=${BENCH_BASE_BUILD:-}
base_rxray=${base_build:+$base_build/rxray}

tmp=${BENCH_TMP:-$(mktemp -d /tmp/rxray-bench.XXXXXX)}
cleanup() { [ -n "${BENCH_TMP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT

die() { echo "offline: $*" >&2; exit 1; }

[ -x "$rxray" ] || die "$rxray not built (make)"
[ -z "$base_build" ] || [ -x "$base_rxray" ] || die "$base_rxray not built (bench/base_build.sh)"
"$python" -c 'import scapy' 2>/dev/null || die "$python has no scapy (apt-get install python3-scapy)"

now_ns() { date +%s%N; }

# best_of NAME CMD...: the shortest wall time of $runs runs, in seconds, to stdout.
best_of() {
	local name=$1 best="" t0 t1 dt i
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(now_ns)
		"$@" >/dev/null 2>"$tmp/$name.err" ||
			die "$name failed: $(tail -1 "$tmp/$name.err")"
		t1=$(now_ns)
		dt=$((t1 - t0))
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
		printf '    %-14s run %d: %s s\n' "$name" $((i + 1)) \
			"$(awk -v n="$dt" 'BEGIN { printf "%.3f", n / 1e9 }')" >&2
	done
	awk -v n="$best" 'BEGIN { printf "%.6f", n / 1e9 }'
}

# best_of_set NAME=CMD...: the commands (each one word, a function) run one
# after the other $runs times, the order reversed every other time; the
# shortest wall time of each into secs[NAME].
best_of_set() {
	local i j n=$# t0 t1 dt name fn
	local -a items=("$@") order
	local -A best=()
	for ((i = 0; i < runs; i++)); do
		order=()
		for ((j = 0; j < n; j++)); do
			if ((i % 2)); then order+=("${items[n - 1 - j]}"); else order+=("${items[j]}"); fi
		done
		for name in "${order[@]}"; do
			fn=${name#*=} name=${name%%=*}
			t0=$(now_ns)
			"$fn" >/dev/null 2>"$tmp/$name.err" || die "$name failed: $(tail -1 "$tmp/$name.err")"
			t1=$(now_ns)
			dt=$((t1 - t0))
			if [ -z "${best[$name]:-}" ] || [ "$dt" -lt "${best[$name]}" ]; then best[$name]=$dt; fi
			printf '    %-14s run %d: %s s\n' "$name" $((i + 1)) \
				"$(awk -v n="$dt" 'BEGIN { printf "%.3f", n / 1e9 }')" >&2
		done
	done
	for name in "${!best[@]}"; do
		secs[$name]=$(awk -v n="${best[$name]}" 'BEGIN { printf "%.6f", n / 1e9 }')
	done
}
cmd_rxray_json() { "$rxray" watch -r "$tmp/big.pcap" --json; }
cmd_base_json() { "$base_rxray" watch -r "$tmp/big.pcap" --json; }
cmd_tcpdump_v() { tcpdump -nn -v -r "$tmp/big.pcap"; }

echo "offline: generating $packets packets in $tmp/big.pcap"
"$python" "$here/gen_mix.py" "$tmp/big.pcap" "$packets" 2000

# The benchmark must not time a failure: rxray has to print every packet.
shown=$("$rxray" watch -r "$tmp/big.pcap" --json 2>/dev/null | wc -l)
[ "$shown" -eq "$packets" ] || die "rxray --json printed $shown records for $packets packets"
if [ -n "$base_build" ]; then
	echo "offline: base = ${BENCH_BASE_DESC:-$base_build} ($base_rxray)"
	shown=$("$base_rxray" watch -r "$tmp/big.pcap" --json 2>/dev/null | wc -l)
	[ "$shown" -eq "$packets" ] || die "base rxray --json printed $shown records for $packets packets"
fi

declare -A secs
echo "offline: timing, best of $runs runs each" >&2
if [ -n "$base_build" ]; then
	if command -v tcpdump >/dev/null; then
		best_of_set rxray_json=cmd_rxray_json base_json=cmd_base_json tcpdump_v=cmd_tcpdump_v
		secs[tcpdump]=$(best_of tcpdump tcpdump -nn -r "$tmp/big.pcap")
	else
		best_of_set rxray_json=cmd_rxray_json base_json=cmd_base_json
	fi
else
	secs[rxray_json]=$(best_of rxray_json "$rxray" watch -r "$tmp/big.pcap" --json)
	if command -v tcpdump >/dev/null; then
		secs[tcpdump_v]=$(best_of tcpdump_v tcpdump -nn -v -r "$tmp/big.pcap")
		secs[tcpdump]=$(best_of tcpdump tcpdump -nn -r "$tmp/big.pcap")
	fi
fi
secs[rxray_text]=$(best_of rxray_text "$rxray" watch -r "$tmp/big.pcap")
secs[rxray_decode]=$(best_of rxray_decode "$rxray" watch -r "$tmp/big.pcap" 'tcp port 1')
if command -v tshark >/dev/null; then
	secs[tshark_json]=$(best_of tshark_json tshark -r "$tmp/big.pcap" -T json)
fi

rate() { awk -v p="$packets" -v s="$1" 'BEGIN { printf "%.0f", p / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }

echo
echo "offline decoding, $packets packets ($(du -h "$tmp/big.pcap" | cut -f1)), best of $runs"
printf '  %-36s %9s %12s\n' command seconds packets/s
row() {
	local key=$1 label=$2
	if [ -n "${secs[$key]:-}" ]; then
		printf '  %-36s %9.3f %12s\n' "$label" "${secs[$key]}" "$(rate "${secs[$key]}")"
		echo "RESULT offline $key seconds=${secs[$key]} pps=$(rate "${secs[$key]}")" >>"$tmp/results"
	else
		printf '  %-36s %9s\n' "$label" "(not installed)"
	fi
}
: >"$tmp/results"
row rxray_json "rxray watch -r F --json"
[ -z "$base_build" ] || row base_json "base rxray watch -r F --json"
row tshark_json "tshark -r F -T json"
row tcpdump_v "tcpdump -nn -v -r F"
row rxray_text "rxray watch -r F (reference)"
row tcpdump "tcpdump -nn -r F (reference)"
row rxray_decode "rxray watch -r F 'tcp port 1' (ref.)"

goal() { # NAME RATIO GOAL
	awk -v r="$2" -v g="$3" -v n="$1" \
		'BEGIN { printf "  %-36s %8.2fx  goal >= %sx: %s\n", n, r, g, (r >= g ? "MET" : "MISSED") }'
}
# against KEY TOOL GOAL NAME: rxray's --json (and the base build's) against
# the run KEY of TOOL, with the goal for the ratio; RESULT lines named NAME
against() {
	local r
	r=$(ratio "${secs[rxray_json]}" "${secs[$1]}")
	goal "rxray --json vs $2" "$r" "$3"
	echo "RESULT offline ratio_vs_$4=$r goal=$3" >>"$tmp/results"
	if [ -n "$base_build" ]; then
		r=$(ratio "${secs[base_json]}" "${secs[$1]}")
		goal "base --json vs $2" "$r" "$3"
		echo "RESULT offline base_ratio_vs_$4=$r goal=$3" >>"$tmp/results"
	fi
}
# reference A B TEXT NOTE NAME: the ratio of the runs A and B, without a goal
reference() {
	local r
	r=$(ratio "${secs[$1]}" "${secs[$2]}")
	printf '  %-36s %8.2fx  (%s)\n' "$3" "$r" "$4"
	echo "RESULT offline ratio_$5=$r" >>"$tmp/results"
}
echo
if [ -n "${secs[tshark_json]:-}" ]; then
	against tshark_json "tshark -T json" 10 tshark
fi
if [ -n "${secs[tcpdump_v]:-}" ]; then
	against tcpdump_v "tcpdump -nn -v" 1 tcpdump
	reference rxray_text tcpdump "rxray text vs tcpdump -nn" "reference" text_vs_tcpdump
fi
if [ -n "$base_build" ]; then
	reference rxray_json base_json "rxray --json vs base --json" \
		"speed of this build against the baseline build" vs_base
fi
cat "$tmp/results"

#!/bin/bash
# Agent cost: CPU and memory of the rxray processes themselves at a steady
# 100,000 packets/s, while a scraper reads /metrics every second.
#
#   bench/agent_cost.sh BUILD         (root: namespaces, XDP)
#
# Lab: two network namespaces joined by a veth pair (tests/lib/netns.sh,
# prefix rxbg). trafgen sends $BENCH_AGENT_PPS packets/s (its own rate
# limiter, -b NNNpps, one process) from ns a to ns b, one of the shapes of
# bench/live_lib.sh:
#
#   udp   256 sources, 8 ports: small tables
#   wide  65,536 sources and ports: both tables full (8,192 talkers, 1,024
#         services), the rest counted as overflow: the most a read walks
#
# For each shape, three windows of $BENCH_AGENT_SECONDS s, each after
# $BENCH_AGENT_WARMUP s:
#   serve       `rxray serve -i IF` in ns b (control socket in a temp dir,
#               not the host's) and a scraper in ns b: a curl loop, GET
#               /metrics once a second, like Prometheus at scrape_interval 1s.
#   serve+top   the same, plus `rxray top -i IF` in a detached tmux session
#               (120x40, a tmux server of our own) with RXRAY_AGENT pointing
#               at the agent's socket: top reads the agent's counters once a
#               second instead of attaching a second datapath. Both measured.
#   serve-nodet the serve window again, with the anomaly detectors off
#               (config alert-detectors = false): serve - serve-nodet is
#               what the detectors cost with the readers they share reads
#               with; their own thread (rxray-alerts, /proc/PID/task) is
#               measured in every serve window too (det_pct; goal < 0.5 % of
#               a core, issue 12). BENCH_AGENT_DETECTORS=0 leaves it out.
#   top         serve stopped: `rxray top -i IF` alone, attaching its own
#               datapath (XDP + TC), reading the maps once a second.
#   base        with BENCH_BASE_BUILD (set by `BENCH_BASE=REV make bench`:
#               bench/base_build.sh): the baseline build's `rxray serve` and
#               the scraper, like serve; before serve for every other shape.
# (top only if BUILD's rxray has the top command.)
#
# Measured over each window, from /proc/PID: CPU = (utime + stime) ticks /
# USER_HZ / seconds, in % of one core (10 ms resolution: 0.03 % over 30 s);
# VmRSS sampled every second (max) and VmHWM at the end; the packet rate ns
# b actually received; each scrape's status, time and size. The processes'
# CPU is their own work only: the datapath's per-packet work runs in softirq
# and is charged to no process (bench/live_cost.sh measures it per packet).
# Goal: under 2 % of a core and under 50 MB. With base, the summary adds
# rxray serve / base serve (CPU, max RSS) per shape.
#
# Environment: BENCH_AGENT_PPS (100000), BENCH_AGENT_SECONDS (30),
# BENCH_AGENT_WARMUP (5), BENCH_AGENT_SHAPES ("udp wide"), BENCH_BASE_BUILD
# (a baseline build directory holding rxray), BENCH_BASE_DESC (its name).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=live_lib.sh
. "$here/live_lib.sh"
build=${1:?usage: bench/agent_cost.sh BUILD}
bl_setup agent_cost trafgen curl # build made absolute
pps=${BENCH_AGENT_PPS:-100000}
secs=${BENCH_AGENT_SECONDS:-30}
warmup=${BENCH_AGENT_WARMUP:-5}
shapes=${BENCH_AGENT_SHAPES:-udp wide}
detectors=${BENCH_AGENT_DETECTORS:-1}
BL_RXRAY=$build/rxray
base_build=${BENCH_BASE_BUILD:-}
base_rxray=${base_build:+$base_build/rxray}
port=19482
P=${BENCH_PREFIX:-rxbg} # BENCH_PREFIX: other lab names (parallel runs)
sock=rxray-bench-$$ # a tmux server of our own

[ -x "$BL_RXRAY" ] || die "$BL_RXRAY not built (make)"
[ -z "$base_build" ] || [ -x "$base_rxray" ] || die "$base_rxray not built (bench/base_build.sh)"
has_top=0
"$BL_RXRAY" top --help >/dev/null 2>&1 && command -v tmux >/dev/null && has_top=1

BL_TMP=$(mktemp -d /tmp/rxray-agent.XXXXXX)
BL_SERVE_PID=
gen_pid=
scraper_pid=
cleanup() {
	local p
	for p in $scraper_pid $gen_pid; do kill "$p" 2>/dev/null || true; done
	if [ -n "${BL_SERVE_PID:-}" ]; then kill -TERM "$BL_SERVE_PID" 2>/dev/null || true; fi
	tmux -L "$sock" kill-server 2>/dev/null || true
	wait 2>/dev/null || true
	rx_lab_down $P
	rm -rf "$BL_TMP"
}
trap cleanup EXIT
bl_lab_up $P || die "lab setup"
for s in $shapes; do bl_trafgen_cfg "$s" "$BL_TMP/$s.cfg" || die "unknown shape $s"; done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# det_ticks PID: the CPU ticks of its detectors' thread (named rxray-alerts), 0 without one
det_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = rxray-alerts ] && { awk '{ print $14 + $15 }' "$t/stat"; return; }
	done
	echo 0
}
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# traffic at $pps in the background; -n bounds it even if the kill is lost
windows=$((3 + detectors))
[ -z "$base_build" ] || windows=$((windows + 1))
traffic_start() {
	ip netns exec "$BL_NA" trafgen --no-sock-mem -Q -P 1 -b "${pps}pps" \
		-n $((pps * (windows * (secs + warmup) + 60))) --dev "$BL_IFA" --conf "$1" >"$BL_TMP/trafgen.log" 2>&1 &
	gen_pid=$!
}
traffic_stop() {
	# trafgen's worker is a child of its own: both, by pid (the parent alone may outwait -n)
	# shellcheck disable=SC2046
	kill -INT "$gen_pid" $(pgrep -P "$gen_pid" || true) 2>/dev/null || true
	wait "$gen_pid" 2>/dev/null || true
	gen_pid=
}

# measure SHAPE WINDOW NAME:PID...: $secs s, one "RESULT agent" line per process
measure() {
	local shape=$1 window=$2 t0 t1 rx0 rx1 i np name pid rss
	shift 2
	declare -A c0 d0 max
	for np in "$@"; do
		c0[$np]=$(ticks "${np#*:}")
		d0[$np]=$(det_ticks "${np#*:}")
		max[$np]=0
	done
	rx0=$(bl_rx "$BL_IFB" "$BL_NB" rx_packets)
	t0=$(date +%s%N)
	for ((i = 0; i < secs; i++)); do
		sleep 1
		for np in "$@"; do
			rss=$(kb "${np#*:}" VmRSS)
			[ "$rss" -le "${max[$np]}" ] || max[$np]=$rss
		done
	done
	t1=$(date +%s%N)
	rx1=$(bl_rx "$BL_IFB" "$BL_NB" rx_packets)
	for np in "$@"; do
		name=${np%%:*} pid=${np#*:}
		awk -v w="$window" -v n="$name" -v s="$shape" -v c=$(($(ticks "$pid") - c0[$np])) \
			-v d=$(($(det_ticks "$pid") - d0[$np])) \
			-v ns=$((t1 - t0)) -v rx=$((rx1 - rx0)) -v rss="${max[$np]}" -v hwm="$(kb "$pid" VmHWM)" 'BEGIN {
			printf "RESULT agent %s %s %s cpu_pct=%.2f ticks=%d seconds=%.1f rss_kb=%d hwm_kb=%d pps=%.0f det_pct=%.2f det_ticks=%d\n",
				s, w, n, c / 100 / (ns / 1e9) * 100, c, ns / 1e9, rss, hwm, rx / (ns / 1e9),
				d / 100 / (ns / 1e9) * 100, d
		}' | tee -a "$BL_TMP/results"
	done
}

scraper_start() {
	: >"$BL_TMP/scrapes"
	ip netns exec "$BL_NB" bash -c "while :; do
		curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' http://127.0.0.1:$port/metrics
		sleep 1; done" >>"$BL_TMP/scrapes" 2>/dev/null &
	scraper_pid=$!
}
scraper_stop() {
	kill "$scraper_pid" 2>/dev/null || true
	wait "$scraper_pid" 2>/dev/null || true
	scraper_pid=
}

# scrapes SHAPE WINDOW FROM TO: the scraper's lines FROM..TO summarised
scrapes() {
	sed -n "$3,$4p" "$BL_TMP/scrapes" >"$BL_TMP/window"
	awk '{ print $2 * 1000 }' "$BL_TMP/window" | sort -n >"$BL_TMP/times"
	awk -v s="$1" -v w="$2" -v med="$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$BL_TMP/times")" \
		-v max="$(tail -1 "$BL_TMP/times")" '
		{ n++; if ($1 != 200) bad++; sz = $3 }
		END {
			printf "RESULT agent %s %s scrapes n=%d bad=%d median_ms=%.1f max_ms=%.1f bytes=%d\n",
				s, w, n, bad, med, max, sz
		}' "$BL_TMP/window" | tee -a "$BL_TMP/results"
}

# top_start NAME ENV...: rxray top in a tmux session; sets top_pid
top_start() {
	local name=$1 pane _
	shift
	rm -f "$BL_TMP/$name.rc"
	tmux -L "$sock" new-session -d -s "$name" -x 120 -y 40 -e LANG=C.UTF-8 "$@" \
		"ip netns exec $BL_NB $BL_RXRAY top -i $BL_IFB 2>$BL_TMP/$name.err; echo \$? >$BL_TMP/$name.rc"
	top_pid=
	for _ in $(seq 100); do
		pane=$(tmux -L "$sock" display-message -p -t "$name" '#{pane_pid}' 2>/dev/null || true)
		if [ -n "$pane" ]; then
			if [ "$(cat "/proc/$pane/comm" 2>/dev/null)" = rxray ]; then
				top_pid=$pane
			else
				top_pid=$(pgrep -P "$pane" -x rxray || true)
			fi
		fi
		[ -n "$top_pid" ] && tmux -L "$sock" capture-pane -p -t "$name" | grep -q 'rxray top' && return 0
		[ -s "$BL_TMP/$name.rc" ] && break
		sleep 0.1
	done
	die "top did not start: $(cat "$BL_TMP/$name.err" 2>/dev/null)"
}
top_stop() {
	local name=$1 _
	tmux -L "$sock" capture-pane -p -t "$name" >"$BL_TMP/$name.screen"
	echo "  top's first line: $(head -1 "$BL_TMP/$name.screen" | tr -s ' ' | cut -c1-110)"
	[ -s "$BL_TMP/$name.err" ] && echo "  top's stderr: $(cat "$BL_TMP/$name.err")"
	tmux -L "$sock" send-keys -t "$name" q
	for _ in $(seq 30); do [ -s "$BL_TMP/$name.rc" ] && break; sleep 0.1; done
	[ "$(cat "$BL_TMP/$name.rc" 2>/dev/null)" = 0 ] ||
		echo "  warning: top exit status '$(cat "$BL_TMP/$name.rc" 2>/dev/null)'"
	tmux -L "$sock" kill-session -t "$name" 2>/dev/null || true
}

# base_window SHAPE: the baseline build's serve and the scraper, like serve
base_window() {
	echo "== $1 / base: the baseline build's rxray serve, /metrics scraped every second"
	bl_serve_start $port "$base_rxray" || die "base serve"
	scraper_start
	sleep "$warmup"
	n0=$(($(wc -l <"$BL_TMP/scrapes") + 1))
	measure "$1" base "base:$BL_SERVE_PID"
	scrapes "$1" base "$n0" "$(wc -l <"$BL_TMP/scrapes")"
	scraper_stop
	bl_serve_stop || die "base serve exit"
}

: >"$BL_TMP/results"
echo "agent cost: $pps packets/s, windows of $secs s after $warmup s, shapes: $shapes"
[ -z "$base_build" ] || echo "  base: ${BENCH_BASE_DESC:-$base_build} ($base_rxray)"
nshape=0
for shape in $shapes; do
	nshape=$((nshape + 1))
	traffic_start "$BL_TMP/$shape.cfg"
	if [ -n "$base_build" ] && ((nshape % 2 == 0)); then base_window "$shape"; fi

	echo "== $shape / serve: rxray serve, /metrics scraped every second"
	bl_serve_start $port || die "serve"
	scraper_start
	sleep "$warmup"
	n0=$(($(wc -l <"$BL_TMP/scrapes") + 1))
	measure "$shape" serve "serve:$BL_SERVE_PID"
	scrapes "$shape" serve "$n0" "$(wc -l <"$BL_TMP/scrapes")"

	if [ $has_top -eq 1 ]; then
		echo "== $shape / serve+top: the same, plus rxray top -i $BL_IFB reading the agent"
		top_start withagent -e "RXRAY_AGENT=$BL_TMP/agent.sock"
		sleep "$warmup"
		n0=$(($(wc -l <"$BL_TMP/scrapes") + 1))
		measure "$shape" serve+top "serve:$BL_SERVE_PID" "top:$top_pid"
		scrapes "$shape" serve+top "$n0" "$(wc -l <"$BL_TMP/scrapes")"
		top_stop withagent
	fi
	scraper_stop
	ip netns exec "$BL_NB" curl -sf "http://127.0.0.1:$port/metrics" >"$BL_TMP/m" || die "final scrape"
	echo "  exposition: $(grep -vc '^#' "$BL_TMP/m") series;" \
		"lost talkers $(awk '/^rxray_records_lost_total.*source="talkers"/ { print $2 }' "$BL_TMP/m")," \
		"services $(awk '/^rxray_records_lost_total.*source="services"/ { print $2 }' "$BL_TMP/m")"
	bl_serve_stop || die "serve exit"
	if [ "$detectors" = 1 ]; then
		echo "== $shape / serve-nodet: rxray serve with alert-detectors = false, /metrics scraped every second"
		printf 'alert-detectors = false\n' >"$BL_TMP/nodet.conf"
		BL_SERVE_ARGS="--config $BL_TMP/nodet.conf" bl_serve_start $port || die "serve (detectors off)"
		scraper_start
		sleep "$warmup"
		n0=$(($(wc -l <"$BL_TMP/scrapes") + 1))
		measure "$shape" serve-nodet "serve:$BL_SERVE_PID"
		scrapes "$shape" serve-nodet "$n0" "$(wc -l <"$BL_TMP/scrapes")"
		scraper_stop
		bl_serve_stop || die "serve exit"
	fi
	if [ -n "$base_build" ] && ((nshape % 2 == 1)); then base_window "$shape"; fi

	if [ $has_top -eq 1 ]; then
		echo "== $shape / top: rxray top -i $BL_IFB alone, its own datapath"
		top_start alone -e RXRAY_AGENT="$BL_TMP/no-agent.sock"
		sleep "$warmup"
		measure "$shape" top "top:$top_pid"
		top_stop alone
	fi
	traffic_stop
done

echo
echo "agent cost at $pps packets/s, $secs s windows (CPU in % of one core; goal < 2 % and < 50 MB)"
printf '  %-5s %-10s %-6s %7s %12s %12s %10s\n' shape window process "cpu %" "max RSS MB" "VmHWM MB" packets/s
awk '$1 == "RESULT" && $6 ~ /^cpu_pct=/ {
	for (i = 6; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "  %-5s %-10s %-6s %7.2f %12.1f %12.1f %10.0f  %s\n", $3, $4, $5, v["cpu_pct"],
		v["rss_kb"] / 1024, v["hwm_kb"] / 1024, v["pps"],
		(v["cpu_pct"] < 2 && v["rss_kb"] < 50 * 1024) ? "goal MET" : "goal MISSED"
}' "$BL_TMP/results"
if [ -n "$base_build" ]; then
	awk '$1 == "RESULT" && $6 ~ /^cpu_pct=/ && ($4 == "serve" && $5 == "serve" || $4 == "base") {
		for (i = 6; i <= NF; i++) { split($i, kv, "="); v[$3, $4, kv[1]] = kv[2] }
		if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
	}
	END {
		for (i = 1; i <= n; i++) {
			s = order[i]; c = v[s, "base", "cpu_pct"]; r = v[s, "base", "rss_kb"]
			printf "  %-5s rxray serve / base serve: cpu %.2fx (%.2f %% / %.2f %%), max RSS %.2fx (%.1f MB / %.1f MB)\n",
				s, c ? v[s, "serve", "cpu_pct"] / c : 0, v[s, "serve", "cpu_pct"], c,
				r ? v[s, "serve", "rss_kb"] / r : 0, v[s, "serve", "rss_kb"] / 1024, r / 1024
		}
	}' "$BL_TMP/results"
fi
if [ "$detectors" = 1 ]; then
	awk '$1 == "RESULT" && $6 ~ /^cpu_pct=/ && $5 == "serve" && ($4 == "serve" || $4 == "serve-nodet") {
		for (i = 6; i <= NF; i++) { split($i, kv, "="); v[$3, $4, kv[1]] = kv[2] }
		if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
	}
	END {
		for (i = 1; i <= n; i++) {
			s = order[i]; on = v[s, "serve", "cpu_pct"]; off = v[s, "serve-nodet", "cpu_pct"]
			d = v[s, "serve", "det_pct"]
			printf "  %-5s detectors: serve %.2f %% with, %.2f %% without (%.2fx); their thread %.2f %% of a core  %s\n",
				s, on, off, off ? on / off : 0, d, d < 0.5 ? "goal < 0.5 % MET" : "goal < 0.5 % MISSED"
		}
	}' "$BL_TMP/results"
fi
awk '$1 == "RESULT" && $5 == "scrapes" {
	printf "  %-5s %-10s scrapes: %s %s, median %s ms, max %s ms, %s bytes\n", $3, $4, $6, $7,
		substr($8, 11), substr($9, 8), substr($10, 7)
}' "$BL_TMP/results"

# shellcheck shell=bash
# Helpers for the live benchmarks (bench/live_cost.sh, bench/agent_cost.sh,
# bench/http_cost.sh); source it first (it sources tests/lib/netns.sh). Bash
# only.
#
#   bl_setup NAME TOOL...      for the benchmark NAME: die MESSAGE (prints
#                              "NAME: MESSAGE", exits 1), root required, every
#                              TOOL on PATH; makes the caller's $build absolute
#   bl_stop PID...             SIGTERM and wait, each PID that is set (cleanup)
#   bl_lab_up PREFIX           the two-namespace lab of tests/lib/netns.sh, with
#                              IPv6 off in ns a (its kernel sends nothing of its
#                              own); sets BL_NA BL_NB BL_IFA BL_IFB BL_MACA BL_MACB
#   bl_trafgen_cfg SHAPE FILE  a trafgen packet config, from ns a to ns b's MAC:
#       udp  60-byte IPv4 UDP, sources 198.18.0.0-255 (drnd), ports 5353-5360
#       tcp  60-byte IPv4 TCP ACK + 6 bytes, the same sources, random source
#            port/seq/ack, to port 8080 where nothing listens: ns b answers
#            every segment with a RST (so the egress path is exercised too)
#       tcp256 the tcp shape from one source port: 256 connections (one per
#            source), so rxray's flow table finds them instead of inserting
#       wide 60-byte IPv4 UDP from 198.18.0.0/16 to random ports (drnd): 65,536
#            sources and ports, so both of rxray's tables fill up (8,192
#            talkers, 1,024 services) and the rest is counted as overflow
#   bl_rx IF NS FIELD          /sys/class/net/IF/statistics/FIELD inside NS
#   bl_cpustat                 "cpuN busy softirq total" lines from /proc/stat (jiffies)
#   bl_serve_start PORT [RXRAY] rxray serve ($BL_RXRAY, or the binary RXRAY: a
#                              baseline build's) on BL_IFB in ns b, control
#                              socket $BL_TMP/agent.sock, options
#                              $BL_SERVE_ARGS, alerts to $BL_TMP/alerts.log;
#                              sets BL_SERVE_PID; waits BL_SERVE_WAIT seconds
#                              (5) for /metrics (a big configuration loads first)
#   bl_serve_stop              SIGTERM, wait; fails loudly on a bad exit
#   bl_metric_sum FAMILY FILE  sum of a metric family's series in an exposition
#   bl_progstats IF NS FILE    the programs attached to IF in NS (XDP, TC): "ID NAME RUNS
#                              NS" lines into FILE (run counts and times need
#                              kernel.bpf_stats_enabled on)
#   bl_hookline WHAT A B       "HOOK WHAT name=ns ..." from two bl_progstats files: the
#                              ns per run of each program that ran more than 1,000 times
#   bl_nginx_conf DIR          DIR/nginx.conf: nginx in the foreground, one
#                              worker, temp files and pid in DIR, no access log,
#                              keep-alive without a request limit, and on
#                              192.0.2.2:8080 /api/items answering 200 with a
#                              17-byte JSON body

# shellcheck source=../tests/lib/netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/netns.sh"
# shellcheck source=../tests/lib/nginx.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/nginx.sh"

bl_setup() {
	local t
	BL_NAME=$1
	shift
	build=$(cd "$build" && pwd)
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
	for t in "$@"; do command -v "$t" >/dev/null || die "$t not installed"; done
}

die() {
	echo "$BL_NAME: $*" >&2
	exit 1
}

bl_stop() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null
		kill -CONT "$p" 2>/dev/null # (one stopped, as http_cost's frozen mode does, takes the TERM now)
		wait "$p" 2>/dev/null
	done
	return 0
}

bl_lab_up() {
	local p=$1
	BL_NA=$p-a BL_NB=$p-b BL_IFA=${p}a BL_IFB=${p}b
	rx_lab_up "$p" || return 1
	ip netns exec "$BL_NA" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	BL_MACA=$(ip netns exec "$BL_NA" cat "/sys/class/net/$BL_IFA/address")
	BL_MACB=$(ip netns exec "$BL_NB" cat "/sys/class/net/$BL_IFB/address")
}

bl_hexmac() { echo "0x${1//:/, 0x}"; }

bl_trafgen_cfg() {
	local shape=$1 out=$2 eth
	eth="$(bl_hexmac "$BL_MACB"), $(bl_hexmac "$BL_MACA"), c16(0x0800)"
	case $shape in
	udp)
		cat >"$out" <<-EOF
			{
			  $eth,
			  0x45, 0x00, c16(46), drnd(2), c16(0x4000), 64, 17, csumip(14, 33),
			  198, 18, 0, drnd(1),
			  192, 0, 2, 2,
			  c16(40000), 0x13, dinc(0xe9, 0xf0), c16(26), c16(0),
			  fill(0x61, 18)
			}
		EOF
		;;
	wide)
		cat >"$out" <<-EOF
			{
			  $eth,
			  0x45, 0x00, c16(46), drnd(2), c16(0x4000), 64, 17, csumip(14, 33),
			  198, 18, drnd(2),
			  192, 0, 2, 2,
			  c16(40000), drnd(2), c16(26), c16(0),
			  fill(0x61, 18)
			}
		EOF
		;;
	tcp | tcp256)
		local sport="drnd(2)"
		[ "$shape" = tcp256 ] && sport="c16(40000)"
		cat >"$out" <<-EOF
			{
			  $eth,
			  0x45, 0x00, c16(46), drnd(2), c16(0x4000), 64, 6, csumip(14, 33),
			  198, 18, 0, drnd(1),
			  192, 0, 2, 2,
			  $sport, c16(8080), drnd(4), drnd(4), 0x50, 0x10, c16(502), csumtcp(14, 34), c16(0),
			  fill(0x61, 6)
			}
		EOF
		;;
	*)
		return 1
		;;
	esac
}

bl_rx() { ip netns exec "$2" cat "/sys/class/net/$1/statistics/$3"; }

bl_cpustat() {
	awk '/^cpu[0-9]/ { busy = $2 + $3 + $4 + $7 + $8 + $9; print $1, busy, $8, busy + $5 + $6 }' /proc/stat
}

bl_serve_start() {
	local port=$1 bin=${2:-$BL_RXRAY} _
	# a control socket of our own, not the host agent's /run/rxray/agent.sock
	# shellcheck disable=SC2086 # BL_SERVE_ARGS: more options, split
	ip netns exec "$BL_NB" "$bin" serve -i "$BL_IFB" --listen "127.0.0.1:$port" \
		--control "$BL_TMP/agent.sock" ${BL_SERVE_ARGS:-} 2>>"$BL_TMP/serve.err" >>"$BL_TMP/alerts.log" &
	BL_SERVE_PID=$!
	for _ in $(seq $((${BL_SERVE_WAIT:-5} * 20))); do
		ip netns exec "$BL_NB" curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && return 0
		kill -0 "$BL_SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "rxray serve did not come up: $(tail -1 "$BL_TMP/serve.err")" >&2
	return 1
}

bl_serve_stop() {
	local rc
	[ -n "${BL_SERVE_PID:-}" ] || return 0
	kill -TERM "$BL_SERVE_PID" 2>/dev/null
	kill -CONT "$BL_SERVE_PID" 2>/dev/null # (a stopped agent takes the TERM now)
	wait "$BL_SERVE_PID"
	rc=$?
	BL_SERVE_PID=
	[ $rc -eq 0 ] || echo "rxray serve exited with $rc after SIGTERM" >&2
	return $rc
}

bl_progstats() {
	local id
	: >"$3"
	for id in $(ip netns exec "$2" bpftool -j net show dev "$1" | jq '.[0] | (.xdp[]?.id, .tc[]?.prog_id)'); do
		bpftool -j prog show id "$id" | jq -r '"\(.id) \(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' >>"$3"
	done
}

bl_hookline() {
	awk -v w="$1" 'NR == FNR { c[$1] = $3; t[$1] = $4; next }
		$3 - c[$1] > 1000 { s = s sprintf(" %s=%.0f", $2, ($4 - t[$1]) / ($3 - c[$1])) }
		END { print "HOOK " w s }' "$2" "$3"
}

bl_metric_sum() {
	awk -v m="$1" 'index($1, m "{") == 1 { s += $2 } END { printf "%d\n", s }' "$2"
}

bl_nginx_conf() {
	rx_nginx_conf "$1" <<-EOF
		access_log off;
		keepalive_requests 100000000;
		server {
		listen 192.0.2.2:8080;
		location = /api/items { default_type application/json; return 200 '{"items":[1,2,3]}'; }
		}
	EOF
}

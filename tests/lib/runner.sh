# shellcheck shell=bash
# The begin and end of every tests/e2e shell test (source it), in the way of
# xdp-tools' lib/testing/test_runner.sh: the helpers own the temp dir, the
# pids to kill, the trap, the lab and the waits; a test defines its cases.
#   rx_begin BUILD PREFIX  BUILD made absolute (default build), RXRAY; root
#                          or skip; tmp (a fresh dir, mode 755), pids (killed
#                          at exit, then the lab and tmp removed); the lab's
#                          names: P=PREFIX, namespaces NA/NB, veth IF in NB
#   rx_lab                 the two-namespace lab of netns.sh, or exit 1
#   rx_need TOOL...        skip (77) unless every TOOL is on PATH
#   fail MSG               "FAIL: MSG", exit 1; after rx_soft_fails, counts
#                          instead, and rx_end reports the count
#   rx_keep_on_fail DIR GLOB...  a failing test first copies these from tmp
#   rx_bg CMD...           CMD in the background: its pid in bg_pid and pids
#   rx_until CMD...        CMD until it succeeds, 5 s at most (status 1 then)
#   rx_tc_attached         rxray's TC programs are attached on IF in NB
#   rx_capturing FILE      the tcpdump writing its stderr to FILE is capturing
#   rx_demo_api            scripts/demo_api.py on 192.0.2.2:8080 in NB, listening
#   rx_stop [-SIG] PID...  signal PIDs (TERM) and reap them, quietly
# A test may define rx_on_exit: run at exit, before the lab goes. Set
# RX_KILL=-9 to kill the pids with SIGKILL at exit.
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "${BASH_SOURCE[0]%/*}/netns.sh"
# shellcheck source-path=SCRIPTDIR source=nginx.sh
. "${BASH_SOURCE[0]%/*}/nginx.sh"

rx_begin() {
	BUILD=$(cd "${1:-build}" && pwd) || exit 2
	RXRAY=$BUILD/rxray
	# shellcheck disable=SC2034 # IF: the tests' name for the veth in NB
	set -- "$1" "${RX_PREFIX:-$2}" # RX_PREFIX: run a test under other names (parallel runs)
	P=$2 NA=$2-a NB=$2-b IF=${2}b
	rx_need_root
	[ -x "$RXRAY" ] || { echo "no rxray binary at $RXRAY"; exit 1; }
	local name=${0##*/}
	name=${name%.sh}
	tmp=$(mktemp -d "/tmp/rxray-${name#test_}.XXXXXX")
	chmod 755 "$tmp" # the unprivileged runs read files here
	pids=() FAILS=0 RX_SOFT='' RX_KEEP=() RX_KILL=${RX_KILL:-}
	trap rx__cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

rx__cleanup() {
	local p
	for p in "${pids[@]}"; do kill $RX_KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	declare -F rx_on_exit >/dev/null && rx_on_exit
	rx_lab_down "$P"
	rm -rf "$tmp"
}

rx_lab() { rx_lab_up "$P" || { echo "FAIL: lab setup"; exit 1; }; }

rx_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$t not installed"; exit 77; }
	done
}

fail() {
	echo "FAIL: $*"
	if [ -n "$RX_SOFT" ]; then
		FAILS=$((FAILS + 1))
		return
	fi
	if [ ${#RX_KEEP[@]} -gt 0 ]; then
		mkdir -p "${RX_KEEP[0]}"
		# shellcheck disable=SC2048 # the globs expand in tmp
		(cd "$tmp" && cp ${RX_KEEP[*]:1} "${RX_KEEP[0]}"/ 2>/dev/null)
	fi
	exit 1
}
rx_soft_fails() { RX_SOFT=1; }
rx_keep_on_fail() { RX_KEEP=("$@"); }
# rx_end MSG: the soft failures' count and exit 1, or MSG
rx_end() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "$1"
}

rx_bg() {
	"$@" &
	bg_pid=$!
	pids+=("$bg_pid")
}

rx_until() {
	local _
	for _ in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# rx_promql NETNS PORT QUERY WANT: wait (30 s at most) until the Prometheus on
# 127.0.0.1:PORT in NETNS gives QUERY's first value as WANT; fail otherwise
# (with the tail of $tmp/prom.log, where the tests keep Prometheus' log)
rx_promql() {
	local val="" _
	for _ in $(seq 120); do
		val=$(ip netns exec "$1" curl -sf -G "http://127.0.0.1:$2/api/v1/query" \
			--data-urlencode "query=$3" | jq -r '.data.result[0].value[1] // empty')
		[ "$val" = "$4" ] && break
		sleep 0.25
	done
	[ "$val" = "$4" ] ||
		fail "PromQL $3 = '$val', want $4 ($(tail -n 3 "$tmp/prom.log" 2>/dev/null))"
	echo "prometheus: $3 = $val"
}

# rx_xdp_attached: a program is attached at XDP on IF in NB (bpftool prints
# the "xdp:" heading even when none is)
rx_xdp_attached() { ip netns exec "$NB" bpftool net show dev "$IF" 2>/dev/null | sed -n '/^xdp:/,/^$/p' | grep -q " id "; }

# rx_tc_attached: rxray's tc_ingress and tc_egress are attached on IF in NB
# (tcx or clsact; the last step of an agent's start before its ring buffers,
# which keep what comes meanwhile): a readiness check instead of a fixed sleep
rx_tc_attached() {
	local out
	out=$(ip netns exec "$NB" bpftool net show dev "$IF" 2>/dev/null) || return 1
	grep -q "tc_ingress" <<<"$out" && grep -q "tc_egress" <<<"$out"
}
# rx_tc_egress: rxray's tc_egress is attached on IF in NB
rx_tc_egress() { ip netns exec "$NB" bpftool net show dev "$IF" 2>/dev/null | grep -q tc_egress; }
# rx_wait_tc_egress [TRIES [STEP]]: wait until rx_tc_egress, checking TRIES
# times (200) STEP seconds (0.1) apart and once more at the end
# shellcheck disable=SC2120 # TRIES and STEP: some callers give them
rx_wait_tc_egress() {
	local _
	for _ in $(seq "${1:-200}"); do
		rx_tc_egress && return 0
		sleep "${2:-0.1}"
	done
	rx_tc_egress
}
# rx_capturing FILE: the tcpdump whose stderr goes to FILE is capturing
rx_capturing() { grep -q "listening on" "$1" 2>/dev/null; }

# rx_listening PORT: a TCP listener on PORT in NB (no connection made: every
# handshake counts in some tests)
rx_listening() { ip netns exec "$NB" ss -Hltn "sport = :$1" | grep -q .; }
# rx_scrapes PORT: an agent in NB answers GET /metrics on 127.0.0.1:PORT
rx_scrapes() { ip netns exec "$NB" curl -sf -o /dev/null "http://127.0.0.1:$1/metrics"; }

rx_demo_api() {
	rx_bg ip netns exec "$NB" /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080
	rx_until rx_listening 8080
}

rx_stop() {
	local sig=-TERM
	case ${1:-} in -*) sig=$1 && shift ;; esac
	kill "$sig" "$@" 2>/dev/null
	wait "$@" 2>/dev/null
}

# ina/inb CMD...: CMD in namespace NA/NB
ina() { ip netns exec "$NA" "$@"; }
inb() { ip netns exec "$NB" "$@"; }

# rx_nginx: nginx in NB on 192.0.2.2:8080, one worker, its files in tmp,
# listening (or fail). Stdin holds the test's own lines of the http block:
# the logs and the server block.
rx_nginx() {
	rx_nginx_conf "$tmp"
	rx_bg ip netns exec "$NB" nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>"$tmp/nginx.err"
	rx_until rx_listening 8080 ||
		fail "nginx did not start: $(cat "$tmp/nginx.err" "$tmp/error.log" 2>/dev/null)"
}

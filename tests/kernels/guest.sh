#!/bin/bash
# shellcheck disable=SC2317 # the checks are called through check()
# The kernel-matrix checks, inside a QEMU guest (run by /init; see
# docs/kernels.md). For each compiler's build in /rx/CC (clang14, clang19):
#   verifier  /rx/verifier_stats loads every program of /rx/CC/rxray.bpf.o
#             and prints its processed instructions and verification time
#   diff      the BPF = native differential over the corpus
#             (tests/lib/diff_check.sh, as on the host)
#   live      rxray stats -i on one end of a veth pair in a netns (XDP + TC,
#             tcx or clsact), 5 + 3 HTTP GETs from busybox wget to busybox
#             httpd across it; the endpoint counts must be exact
#             and 3 SYNs to a closed port counted exactly as no socket
#             (the kernel's socket lookup at TC ingress)
# Lines for the host (tests/kernels/test_kernels.sh), on the console and on
# ttyS1:
#   RXRAY-KERNEL <release>
#   RXRAY-PROG <cc> <name> <ok|FAIL> insns=<N> time_us=<T>[ error=<text>]
#   RXRAY-CHECK <cc> <verifier|diff|live> <PASS|FAIL> <seconds>s[ <why>]
# Exit status: the number of failed checks.
set -u
export PATH=/bin
# fd 3: the host's channel (ttyS1, when the host gave one); fd 4: the console
if (exec 3>/dev/ttyS1) 2>/dev/null; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 3>/dev/ttyS1
else
	exec 3>/dev/null
fi
exec 4>&1
NS=rxsrv
GETS_A=5
GETS_B=3
CLOSED_SYNS=3 # to a closed port: counted as sockets.nosocket.tcp
failed=0

res() {
	echo "$*" >&4
	echo "$*" >&3
}

# check CC NAME FUNCTION: run one check (in a subshell: whatever breaks in it
# fails that check only), its output to a log; the log's end on the console
# when it fails
check() {
	local cc=$1 name=$2 fn=$3 log=/tmp/$1-$2.log start why
	start=$(date +%s)
	if ("$fn" "$cc") >"$log" 2>&1; then
		res "RXRAY-CHECK $cc $name PASS $(($(date +%s) - start))s"
		return 0
	fi
	why=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-200)
	res "RXRAY-CHECK $cc $name FAIL $(($(date +%s) - start))s ${why:-no output}"
	tail -n 15 "$log" | cut -c1-200 | sed 's/^/  | /'
	failed=$((failed + 1))
	return 1
}

check_verifier() {
	local cc=$1 rc n
	/rx/verifier_stats "/rx/$cc/rxray.bpf.o" >"/tmp/$cc-vs.out" 2>"/tmp/$cc-vs.err"
	rc=$?
	cat "/tmp/$cc-vs.out"
	tail -n 5 "/tmp/$cc-vs.err"
	grep '^PROG ' "/tmp/$cc-vs.out" | while read -r _ rest; do res "RXRAY-PROG $cc $rest"; done
	n=$(grep -c '^PROG ' "/tmp/$cc-vs.out")
	[ "$n" -gt 0 ] || {
		echo "verifier_stats printed no PROG line (exit $rc; an older verifier_stats?): $(tail -n 1 "/tmp/$cc-vs.err")"
		return 1
	}
	[ $rc -eq 0 ] || { echo "verifier_stats exit $rc: $(grep -c '^PROG [^ ]* FAIL' "/tmp/$cc-vs.out") of $n programs FAIL"; return 1; }
}

check_diff() {
	bash /rx/diff_check.sh "/rx/$1" /rx/corpus
}

# lines joined by ';'
oneline() { printf '%s' "$1" | tr '\n' ';'; }

live_down() {
	[ -n "${httpd:-}" ] && kill "$httpd" 2>/dev/null
	ip netns del $NS 2>/dev/null
	ip link del rxc 2>/dev/null
	httpd=
	true
}

check_live() {
	local cc=$1 st i out='' want got mode deadline answered path
	live_down
	ip netns add $NS || return 1
	ip link add rxc type veth peer name rxs netns $NS || return 1
	ip addr add 192.0.2.1/24 dev rxc
	ip link set rxc up
	ip -n $NS link set lo up
	ip -n $NS addr add 192.0.2.2/24 dev rxs
	ip -n $NS link set rxs up
	mkdir -p /www
	echo "endpoint a" >/www/a
	echo "endpoint b" >/www/b
	ip netns exec $NS httpd -f -p 192.0.2.2:80 -h /www &
	httpd=$!
	RXRAY_AGENT=/run/no-agent ip netns exec $NS "/rx/$cc/rxray" stats -i rxs --json \
		>/tmp/live.json 2>/tmp/live.err &
	st=$!
	# attached once XDP and both TC programs show on rxs (the programs load
	# before XDP attaches: under TCG, seconds)
	deadline=$(($(date +%s) + 180))
	while [ "$(date +%s)" -lt $deadline ] && kill -0 $st 2>/dev/null; do
		out=$(ip netns exec $NS bpftool net show dev rxs 2>&1)
		ip -n $NS link show rxs | grep -q 'prog/xdp' && echo "$out" | grep -q tc_ingress &&
			echo "$out" | grep -q tc_egress && break
		sleep 0.2
	done
	echo "$out"
	if ! kill -0 $st 2>/dev/null; then
		wait $st
		echo "rxray stats -i exited $? before attaching: $(tail -n 1 /tmp/live.err)"
		live_down
		return 1
	fi
	if [ "$(date +%s)" -ge $deadline ]; then
		kill -TERM $st
		wait $st
		echo "rxray stats -i did not attach XDP and TC within 180 s: $(tail -n 1 /tmp/live.err)"
		live_down
		return 1
	fi
	mode=$(echo "$out" | grep -o 'tcx/ingress\|clsact/ingress' | head -n 1)
	echo "attached: xdp + ${mode:-tc (mode unknown)}"
	answered=0
	for path in $(printf 'a %.0s' $(seq $GETS_A)) $(printf 'b %.0s' $(seq $GETS_B)); do
		# (busybox 1.35 wget -T crashes: timeout instead)
		timeout 20 wget -q -O /tmp/got http://192.0.2.2/$path && grep -qx "endpoint $path" /tmp/got &&
			answered=$((answered + 1))
	done
	echo "HTTP: $answered of $((GETS_A + GETS_B)) GETs answered"
	# SYNs to a port where nothing listens: the kernel's socket lookup at TC
	# ingress (bpf_skc_lookup_tcp, datapath/sock.h) finds no socket for each
	for _ in $(seq $CLOSED_SYNS); do timeout 20 wget -q -O /dev/null http://192.0.2.2:81/ 2>/dev/null; done
	sleep 1
	kill -TERM $st
	wait $st
	i=$?
	cat /tmp/live.err
	live_down
	[ $i -eq 0 ] || { echo "rxray stats -i exited $i: $(tail -n 1 /tmp/live.err)"; return 1; }
	[ $answered -eq $((GETS_A + GETS_B)) ] ||
		{ echo "only $answered of $((GETS_A + GETS_B)) GETs answered across the veth"; return 1; }
	want=$(printf '80 GET /a %s 200:%s\n80 GET /b %s 200:%s' $GETS_A $GETS_A $GETS_B $GETS_B)
	got=$(jq -r '.endpoints[] | "\(.["server.port"]) \(.["http.request.method"]) \(.["http.route"]) \(.count) \(.status | to_entries | map("\(.key):\(.value)") | join(","))"' \
		/tmp/live.json | sort)
	echo "endpoints: $(oneline "${got:-(none)}")"
	echo "tcp: $(jq -c .tcp /tmp/live.json)"
	[ "$got" = "$want" ] || { echo "endpoints: got '$(oneline "$got")', want '$(oneline "$want")'"; return 1; }
	i=$(jq .tcp.handshakes /tmp/live.json)
	[ "$i" = $((GETS_A + GETS_B)) ] || { echo "TCP handshakes: got $i, want $((GETS_A + GETS_B))"; return 1; }
	echo "sockets: $(jq -c .sockets /tmp/live.json); port 80's process: $(jq -c '[.services[] | select(.port == 80) | .process] | .[0]' /tmp/live.json)"
	i=$(jq .sockets.nosocket.tcp /tmp/live.json)
	[ "$i" = $CLOSED_SYNS ] || { echo "SYNs no socket receives: got $i, want $CLOSED_SYNS"; return 1; }
}

res "RXRAY-KERNEL $(uname -r)"
for cc in $(cat /rx/compilers); do
	check "$cc" verifier check_verifier
	# a program that does not load fails the other two as well, only slower
	# under TCG: say so instead of loading it again
	if ! grep -q '^PROG [^ ]* FAIL .*error=' ""/tmp/$cc-vs.out""; then
		check "$cc" diff check_diff
		check "$cc" live check_live
	else
		for c in diff live; do
			res "RXRAY-CHECK $cc $c FAIL 0s not run: a program does not load on this kernel (see verifier)"
			failed=$((failed + 1))
		done
	fi
done
# rxray doctor's view of this kernel, for the record (not a check: the
# guest has no NIC, so it has no native XDP to report)
for cc in $(cat /rx/compilers); do
	"/rx/$cc/rxray" doctor 2>&1 | sed 's/^/RXRAY-DOCTOR /' >&3
	break
done
exit $failed

#!/usr/bin/env bash
# `rxray explain -i` on a veth (issue 14, parts 3 and 5): the next packet a
# filter matches, with the real BPF datapath. A curl to a Python API in the
# lab: the request segment's story names its transaction (route, status),
# its flow (established, from the datapath's entry: XDP records see one direction) and the process that receives it
# (the API's pid and comm); a SYN's story has p0f's guess. The same curls'
# SYNs, captured by tcpdump, get the same OS from `rxray watch -r` as from
# `p0f -r` (real SYNs of this kernel). An invalid filter attaches nothing.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" xple
rx_need curl jq tcpdump
rx_lab
rx_bg ip netns exec "$NB" /usr/bin/python3 scripts/demo_api.py 192.0.2.2 8080
api_pid=$bg_pid
rx_until rx_listening 8080 || fail "the API did not start"

# explain LABEL FILTER: runs explain -i in NB for FILTER while curl asks; $tmp/LABEL.json
explain() {
	local label=$1 filter=$2 pid
	ip netns exec "$NB" "$RXRAY" explain -i "$IF" --json --duration 20 "$filter" \
		>"$tmp/$label.json" 2>"$tmp/$label.err" &
	pid=$!
	for _ in $(seq 50); do rx_xdp_attached && break; sleep 0.1; done
	sleep 0.3
	ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:8080/users/5 || fail "curl"
	wait $pid || fail "explain $label: exit $? $(cat "$tmp/$label.err")"
}

explain req 'tcp dst port 8080 and tcp[13] & 8 != 0'
jq -e --argjson pid "$api_pid" '
	.http.request.method == "GET" and .http.request.uri == "/users/5" and
	.explain.transaction["http.route"] == "/users/{id}" and
	.explain.transaction["http.response.status_code"] == 200 and
	.explain.transaction.duration_s > 0 and
	.explain.flow.state == "established" and .explain.flow.from == "kernel" and
	.explain.flow.syn_ack_delay_s > 0 and
	.explain.flow.sender == "client" and .explain.flow.retransmits == 0 and
	.explain.process["process.pid"] == $pid and .explain.process["process.command"] == "python3" and
	.kernel.ifname == "'"$IF"'"' "$tmp/req.json" >/dev/null ||
	fail "the request's story: $(cat "$tmp/req.json")"

explain syn 'tcp dst port 8080 and tcp[13] == 2'
jq -e --argjson pid "$api_pid" '.p0f.os != null and .p0f.sig != null and .explain.flow.state == "syn" and
	.explain.process["process.pid"] == $pid' "$tmp/syn.json" >/dev/null ||
	fail "the SYN's story: $(cat "$tmp/syn.json")"
rx_xdp_attached && fail "explain left a program attached"

# bad input: nothing attached, one line, status 2
ip netns exec "$NB" "$RXRAY" explain -i "$IF" 'bogus((' >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "invalid filter: exit $rc, $(cat "$tmp/bad.err")"
rx_xdp_attached && fail "an invalid filter left a program attached"

# real SYNs of this kernel (curl, IPv4 and IPv6): rxray's guess is p0f's
if command -v p0f >/dev/null; then
	rx_bg ip netns exec "$NB" tcpdump -i "$IF" -nn -U --immediate-mode -w "$tmp/syn.pcap" 'tcp[13] & 2 != 0 or ip6' 2>"$tmp/td.err"
	td=$bg_pid
	rx_until grep -q "listening on" "$tmp/td.err" || fail "tcpdump did not start: $(cat "$tmp/td.err")"
	for _ in 1 2 3; do
		ip netns exec "$NA" curl -sf -o /dev/null http://192.0.2.2:8080/health || fail "curl v4"
		ip netns exec "$NA" curl -sf -o /dev/null "http://[2001:db8::2]:8080/health" 2>/dev/null || true
	done
	sleep 0.5
	rx_stop -INT "$td"
	p0f -r "$tmp/syn.pcap" -o "$tmp/p0f.log" >/dev/null 2>&1
	grep 'mod=syn|' "$tmp/p0f.log" | sed 's/.*|cli=\([^|]*\)\/\([0-9]*\)|.*|os=\([^|]*\)|.*/\2 \3/' | sort >"$tmp/p0f.os"
	"$RXRAY" watch -r "$tmp/syn.pcap" --json 2>/dev/null |
		jq -r 'select(.p0f and .tcp["flags.ack"] == 0) | "\(.tcp.srcport) \(.p0f.os // "???")"' | sort >"$tmp/rx.os"
	[ -s "$tmp/p0f.os" ] || fail "p0f labelled no SYN of curl ($(tcpdump -r "$tmp/syn.pcap" -nn 2>/dev/null | wc -l) packets captured; p0f: $(tail -3 "$tmp/p0f.log" 2>&1))"
	cmp -s "$tmp/p0f.os" "$tmp/rx.os" || fail "curl's SYNs: p0f $(cat "$tmp/p0f.os") rxray $(cat "$tmp/rx.os")"
	echo "curl's SYNs: $(wc -l <"$tmp/p0f.os") labelled alike by p0f and rxray: $(cut -d' ' -f2- "$tmp/p0f.os" | sort -u | tr '\n' ';')"
fi
echo "explain -i: request (route, status, flow, pid $api_pid) and SYN (p0f) explained"
echo PASS

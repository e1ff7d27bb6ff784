#!/usr/bin/env bash
# rxray serve: a real Prometheus scrapes it and a PromQL query returns the
# counts that were sent; promtool accepts the exposition; /api/stats agrees;
# bad requests get clear errors and the running agent keeps working.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxsv
rx_need prometheus promtool
rx_lab

rx_bg ip netns exec $P-b "$RXRAY" serve -i ${P}b --listen 127.0.0.1:19464 --control "$tmp/agent.sock" \
	2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until rx_scrapes 19464

cat >"$tmp/prom.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: rxray
    static_configs: [ { targets: ['127.0.0.1:19464'] } ]
YML
rx_bg ip netns exec $P-b prometheus --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address=127.0.0.1:19090 --log.level=warn >"$tmp/prom.log" 2>&1

N=25
ip netns exec $P-a ping -c $N -i 0.05 -q 192.0.2.2 >/dev/null || fail "ping"
# TCP health from the TC programs: C handshakes to a server in ns b
# (rx_demo_api waits for the listener without connecting: every handshake and RST is counted)
rx_demo_api
C=4
for i in $(seq $C); do ip netns exec $P-a curl -sf -o /dev/null http://192.0.2.2:8080/users/$i || fail "curl"; done
# a hostile path: quote, backslash and a high byte end up in a label value
ip netns exec $P-a bash -c 'exec 3<>/dev/tcp/192.0.2.2/8080
	printf "GET /x\"y\\\\z\377 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" >&3; cat <&3 >/dev/null' ||
	fail "raw request"
C=$((C + 1))
sleep 0.5

inb curl -sf http://127.0.0.1:19464/metrics >"$tmp/metrics" || fail "GET /metrics"
promtool check metrics <"$tmp/metrics" || fail "promtool check metrics"
icmp=$(awk -v P="${P}b" '$1 == "rxray_protocol_packets_total{interface=\"" P "\",proto=\"icmp\"}" {print $2}' "$tmp/metrics")
[ "$icmp" = "$N" ] || fail "/metrics icmp packets: $icmp, sent $N"
grep -q '^rxray_build_info{version="[^"]*",kernel="[^"]*"} 1$' "$tmp/metrics" || fail "rxray_build_info"
grep -q "^rxray_packets_total{interface=\"${P}b\",verdict=\"pass\",reason=\"ok\"} " "$tmp/metrics" || fail "rxray_packets_total"
hs=$(awk -v P="${P}b" '$1 == "rxray_tcp_events_total{interface=\"" P "\",event=\"handshakes\"}" {print $2}' "$tmp/metrics")
[ "$hs" = $C ] || fail "handshakes: $hs, made $C"
rtt=$(awk -v P="${P}b" '$1 == "rxray_tcp_handshake_duration_seconds_count{interface=\"" P "\",phase=\"handshake_rtt\"}" {print $2}' "$tmp/metrics")
[ "$rtt" = $C ] || fail "handshake_rtt count: $rtt, made $C"
grep -q "^rxray_tcp_events_total{interface=\"${P}b\",event=\"rst_from_server\"} 0$" "$tmp/metrics" || fail "unexpected RSTs"
# HTTP tracking's own counters: every request seen, none lost
reqs=$(awk -v P="${P}b" '$1 == "rxray_http_events_total{interface=\"" P "\",event=\"requests\"}" {print $2}' "$tmp/metrics")
[ "$reqs" = $C ] || fail "rxray_http_events_total requests: $reqs, sent $C"
grep -q "^rxray_http_events_total{interface=\"${P}b\",event=\"unmatched\"} 0$" "$tmp/metrics" || fail "unmatched responses"
grep -q "^rxray_records_lost_total{interface=\"${P}b\",source=\"transactions\"} 0$" "$tmp/metrics" ||
	fail "rxray_records_lost_total transactions"
series=$(grep -vc '^#' "$tmp/metrics")
echo "exposition: $series series, promtool clean, icmp=$icmp"

# the same numbers through a real Prometheus and PromQL
rx_promql "$NB" 19090 'sum(rxray_protocol_packets_total{proto="icmp"})' "$N"

# /api/stats agrees and names the talker
inb curl -sf http://127.0.0.1:19464/api/stats >"$tmp/stats.json" || fail "GET /api/stats"
jq -e --argjson n $N '.interfaces[0].protocols.icmp == $n' "$tmp/stats.json" >/dev/null || fail "/api/stats icmp"
# the contract's version, as docs/json.md gives it, on the answer and on each interface's picture
schema=$(sed -n 's/.*`rxray\.schema` (an integer, today \*\*\([0-9]*\)\*\*).*/\1/p' docs/json.md)
jq -e --argjson v "${schema:-null}" '.rxray.schema == $v and .interfaces[0].rxray.schema == $v' \
	"$tmp/stats.json" >/dev/null || fail "/api/stats rxray.schema: $(jq -c .rxray "$tmp/stats.json"), docs say '$schema'"
jq -e --argjson n $N '[.interfaces[0].talkers[] | select(.address == "192.0.2.1") | .packets >= $n] | any' \
	"$tmp/stats.json" >/dev/null || fail "/api/stats talker 192.0.2.1"

# bad requests and a second agent: clear errors, the agent keeps working
code=$(inb curl -s -o "$tmp/404" -w '%{http_code}' http://127.0.0.1:19464/no/such/path)
[ "$code" = 404 ] && jq -e '.error == "unknown path"' "$tmp/404" >/dev/null || fail "unknown path: $code"
inb "$RXRAY" serve -i ${P}b --listen 127.0.0.1:19465 2>"$tmp/second.err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/second.err")" -eq 1 ] && grep -q "another XDP program.*named as rxray's" "$tmp/second.err" ||
	fail "second serve on the same interface: rc=$rc $(cat "$tmp/second.err")"
inb "$RXRAY" serve -i lo --listen 127.0.0.1:19464 2>"$tmp/port.err"
rc=$?
[ $rc -eq 1 ] && grep -q "19464: Address already in use" "$tmp/port.err" || fail "port in use: rc=$rc $(cat "$tmp/port.err")"
inb "$RXRAY" serve -i nosuchif0 2>"$tmp/if.err"
[ $? -eq 2 ] && grep -q "nosuchif0: no such interface" "$tmp/if.err" || fail "unknown interface"
# configuration files: unreadable, unknown key, bad value -> one line naming file, line and key
printf 'listen = 127.0.0.1:19469\nbogus = 1\n' >"$tmp/bad.conf"
printf 'top = many\n' >"$tmp/badval.conf"
printf 'interface = %s\n' ${P}b >"$tmp/noread.conf"
chmod 755 "$tmp"
chmod 644 "$tmp/bad.conf" "$tmp/badval.conf"
chmod 000 "$tmp/noread.conf" # unreadable for the unprivileged user the checks run as
for c in "bad.conf:bad.conf:2: bogus: unknown key" "badval.conf:badval.conf:1: top many: expected" \
	"missing.conf:missing.conf: No such file" "noread.conf:noread.conf: Permission denied"; do
	f=${c%%:*} want=${c#*:}
	setpriv --reuid=65534 --regid=65534 --clear-groups "$RXRAY" serve -i ${P}b --config "$tmp/$f" 2>"$tmp/cfg.err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/cfg.err")" -eq 1 ] && grep -q "$want" "$tmp/cfg.err" ||
		fail "config $f: rc=$rc: $(cat "$tmp/cfg.err")"
done
kill -0 $serve_pid || fail "the agent died"
inb curl -sf -o /dev/null http://127.0.0.1:19464/metrics || fail "the agent stopped serving"

# SIGTERM: clean exit, nothing left attached
kill -TERM $serve_pid
wait $serve_pid
rc=$?
[ $rc -eq 0 ] || fail "serve exit status after SIGTERM: $rc"
inb bpftool net show dev ${P}b | sed -n '/^xdp:/,/^$/p' | grep -q " id " && fail "XDP still attached after serve exited"
inb bpftool net show dev ${P}b | grep -q 'tc_ingress\|tc_egress' && fail "TC still attached after serve exited"
echo "PASS"

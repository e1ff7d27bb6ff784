#!/usr/bin/env bash
# The guard's SLO loop (docs/guard.md, "The SLO loop"), live: an API in the
# lab's B whose latency grows with its load (4 workers, 20 ms a request: a
# queue past 4 at once), an SLO on its endpoint (95 % under 100 ms), a
# heavy client (wrk, a new connection per request) from 192.0.2.1 and a
# light one (curl, 4 a second) from 192.0.2.3, and a bulk sender from
# 192.0.2.4: one connection uploading 3 MB/s to the same port, far more
# packets and bytes than the heavy client, and no new connections.
# * slo_burn fires under the heavy client; the heavy source gets a SYN/s
#   limit of its own on the port (owner slo) and is tightened while the burn
#   goes on: slo_limit, slo_tighten lines in the audit log;
# * the SLO recovers (slo_burn resolves) while the heavy client still runs;
# * the light client is never limited and all its requests succeed;
# * the bulk sender is never limited: the loop ranks by new connections to
#   the port (the heavy source's SYN/s is in its slo_limit line), not bytes;
# * once the heavy client stops (and guard-slo-calm, 25 s, after the
#   recovery): slo_relax steps, then slo_release, and no slo rule is left;
#   rxray_guard_slo_steps_total counts the steps;
# * a bad guard-slo value: one line naming it, exit 2; guard limit --source
#   by hand, and its bad forms (a CIDR, no port, a duplicate): exit 2.
# Prints the loop's timeline (bench/RESULTS.md, section 17). GLS_SLO=off runs
# the same traffic without the loop and only reports (the baseline).
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" gls
rx_need jq curl wrk
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-guard-slo-fail}" '*.log' '*.err' '*.json' '*.conf' '*.txt'
LISTEN=19571 API=18080 HEAVY=192.0.2.1 LIGHT=192.0.2.3 BULK=192.0.2.4
ip -n "$NA" addr add $LIGHT/24 dev "${P}a" || fail "cannot add $LIGHT"
ip -n "$NA" addr add $BULK/24 dev "${P}a" || fail "cannot add $BULK"

# ---- bad values: one line, exit 2 -----------------------------------------------------------
for bad in "guard-slo = maybe" "guard-slo-step = 1" "guard-slo-share = 0" $'guard-slo = on\nguard-slo-min = 80'; do
	printf '%s\n' "$bad" >"$tmp/bad.conf"
	inb "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "bad config '$bad': exit $rc, '$(cat "$tmp/bad.err")'"
done
echo "bad guard-slo values: exit 2, one line ($(cat "$tmp/bad.err"))"

# ---- the API: 4 workers, 20 ms each ---------------------------------------------------------
cat >"$tmp/slow_api.py" <<'PY'
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
WORKERS = threading.Semaphore(4)
class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request a connection, closed after it
    def log_message(self, *a):
        pass
    def do_GET(self):
        with WORKERS:
            time.sleep(0.02)
        data = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_PUT(self):  # the bulk sender's upload: read and dropped, no worker taken
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            got = self.rfile.read(min(left, 65536))
            if not got:
                break
            left -= len(got)
        self.send_response(204)
        self.end_headers()
class Server(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
Server((sys.argv[1], int(sys.argv[2])), Api).serve_forever()
PY
rx_bg ip netns exec "$NB" /usr/bin/python3 "$tmp/slow_api.py" 192.0.2.2 $API
rx_until rx_listening $API || fail "the API did not start"

cat >"$tmp/rxray.conf" <<CONF
guard-log = $tmp/audit.log
guard-slo = ${GLS_SLO:-on}
guard-slo-syn = 40
guard-slo-min = 5
guard-slo-step = 2
guard-slo-interval = 3
guard-slo-calm = 25
guard-slo-ttl = 30
guard-slo-share = 30
alert-resolve-after = 2
# the fast page pair scaled down (5x over 10 s and 3 s: a quarter of the
# requests slower than 100 ms), the slow and ticket pairs out of the way
alert-slo-fast-long = 10
alert-slo-fast-short = 3
alert-slo-fast-burn = 5
alert-slo-slow-burn = 1000
alert-slo-ticket-burn = 1000
slo = GET /users/{id} $API latency_ms=100 latency_target=95
CONF
rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/rxray.conf" \
	--control "$tmp/agent.sock" --alert-log "$tmp/alerts.json" 2>"$tmp/serve.err"
rx_until rx_scrapes $LISTEN || rx_until rx_scrapes $LISTEN || fail "serve did not start: $(cat "$tmp/serve.err")"

# the light client: 4 requests a second from $LIGHT for 45 s, each one's status and time
cat >"$tmp/light.py" <<'PY'
import http.client, sys, time
src, port, out, dur = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
end = time.monotonic() + dur
i = 0
with open(out, "a", buffering=1) as f:
    while time.monotonic() < end:
        i += 1
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection("192.0.2.2", port, timeout=10, source_address=(src, 0))
            c.request("GET", "/users/%d" % i)
            r = c.getresponse()
            r.read()
            code = r.status
            c.close()
        except OSError as e:
            code = "error:" + type(e).__name__
        f.write("%s %.6f %.6f\n" % (code, time.monotonic() - t0, time.time()))
        time.sleep(0.25)
PY
rx_bg ip netns exec "$NA" /usr/bin/python3 "$tmp/light.py" $LIGHT $API "$tmp/light.txt" 45
light_pid=$bg_pid
# the bulk sender: one connection, one PUT of 3 MB/s for 40 s (paced), its bytes at the end
cat >"$tmp/bulk.py" <<'PY'
import socket, sys, time
src, port, out, rate, dur = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
total = int(rate * dur)
s = socket.create_connection(("192.0.2.2", port), timeout=10, source_address=(src, 0))
s.sendall(b"PUT /upload HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % total)
chunk, sent, t0 = b"x" * 65536, 0, time.monotonic()
while sent < total:
    n = min(len(chunk), total - sent)
    s.sendall(chunk[:n])
    sent += n
    ahead = sent / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
status = s.recv(64).split(b" ")[1].decode() if sent == total else "cut"
open(out, "w").write("%d %s %.1f\n" % (sent, status, time.monotonic() - t0))
PY
rx_bg ip netns exec "$NA" /usr/bin/python3 "$tmp/bulk.py" $BULK $API "$tmp/bulk.txt" 3000000 40
bulk_pid=$bg_pid
sleep 3
now() { date +%s.%N; }
t_start=$(now)
# the heavy client: 40 connections, a new one per request, for 25 s
rx_bg ip netns exec "$NA" wrk -t2 -c40 -d25s --timeout 10s -H 'Connection: close' "http://192.0.2.2:$API/users/7" >"$tmp/wrk.txt"
heavy_pid=$bg_pid
audit_has() { [ -s "$tmp/audit.log" ] && jq -e -s "any(.[]; $1)" "$tmp/audit.log" >/dev/null; }
first_ts() { jq -s "[.[] | select($1) | .ts][0]" "$tmp/audit.log"; }
wait_for() { # FILTER SECONDS: the audit log has a line satisfying FILTER
	local _
	for _ in $(seq $(($2 * 10))); do audit_has "$1" && return 0; sleep 0.1; done
	return 1
}
phase() { # FROM TO: median and slowest of the light requests started in [FROM, TO)
	awk -v a="$1" -v b="$2" '$3 - $2 >= a && $3 - $2 < b { print $2 }' "$tmp/light.txt" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%d requests, median %.0f ms, slowest %.0f ms", NR, 1000 * v[int((NR + 1) / 2)], 1000 * v[NR]; else printf "none" }'
}
if [ "${GLS_SLO:-on}" = off ]; then # the baseline: the same traffic, no loop
	wait "$heavy_pid" 2>/dev/null
	t_heavy_end=$(now)
	sleep 2
	[ -s "$tmp/audit.log" ] && audit_has '.action | startswith("slo_")' && fail "slo steps with guard-slo = off"
	f=$(jq -s "[.[] | select(.alert == \"slo_burn\" and .state == \"firing\" and .since >= $t_start)][0].since" "$tmp/alerts.json")
	r=$(jq -s "[.[] | select(.alert == \"slo_burn\" and .state == \"resolved\" and .ends >= $t_start) | .ends][0]" "$tmp/alerts.json")
	printf 'baseline (guard-slo = off; s after the heavy client started): slo_burn fired %s, resolved %s, heavy client stopped %.1f\n' \
		"$([ "$f" = null ] && echo never || printf %.1f "$(jq -n "$f - $t_start")")" \
		"$([ "$r" = null ] && echo never || printf %.1f "$(jq -n "$r - $t_start")")" "$(jq -n "$t_heavy_end - $t_start")"
	echo "heavy client (wrk): $(grep -o '[0-9]* requests in [0-9.]*s' "$tmp/wrk.txt")"
	echo "light client before the heavy one: $(phase 0 "$t_start"); heavy running: $(phase "$t_start" "$t_heavy_end"); after: $(phase "$t_heavy_end" 9999999999)"
	rx_end "guard slo baseline: reported"
	exit 0
fi
wait_for '.action == "slo_limit"' 25 ||
	fail "no slo_limit: $(jq -c '[.alert,.state,.summary // .annotations.summary]' "$tmp/alerts.json" 2>/dev/null | tail -n 3)"
lim=$(jq -s -c '[.[] | select(.action == "slo_limit")][0]' "$tmp/audit.log")
jq -e --arg h $HEAVY --argjson p $API '.by == "slo" and .rule.owner == "slo" and .rule.source == $h and .slo.syn_per_s >= 10 and
	.rule.port == $p and .rule.syn == 40 and .slo.source == $h and .slo.from == 0 and .slo.to == 40 and
	(.slo.endpoint | test("GET /users/\\{id\\} 18080")) and (.rule.reason | test("slo_burn")) and .rule.expires > 0' \
	<<<"$lim" >/dev/null || fail "slo_limit line: $lim"
fired=$(jq -s '[.[] | select(.alert == "slo_burn" and .state == "firing")][0].since' "$tmp/alerts.json")
[ "$fired" != null ] || fail "slo_limit without slo_burn firing"
t_limit=$(first_ts '.action == "slo_limit"')
# the rule is in guard list, and drops the heavy source's SYNs
rules=$(RXRAY_AGENT=$tmp/agent.sock inb "$RXRAY" guard list --json)
jq -e --arg h $HEAVY '[.rules[] | select(.owner == "slo")] | length == 1 and .[0].source == $h' <<<"$rules" >/dev/null ||
	fail "guard list: $(jq -c '.rules' <<<"$rules")"
# and it drops (the heavy client's SYNs over the limit: reason rate_limited)
slo_dropped() { RXRAY_AGENT=$tmp/agent.sock inb "$RXRAY" guard list --json | jq -e '[.rules[] | select(.owner == "slo") | .dropped] | add > 0' >/dev/null; }
rx_until slo_dropped || rx_until slo_dropped || fail "the slo rule dropped nothing"
wait_for '.action == "slo_tighten" and .slo.source == "'$HEAVY'"' 15 || fail "no slo_tighten"
tight=$(jq -s -c '[.[] | select(.action == "slo_tighten")][0].slo' "$tmp/audit.log")
jq -e '.from == 40 and .to == 20' <<<"$tight" >/dev/null || fail "slo_tighten: $tight"
t_tighten=$(first_ts '.action == "slo_tighten"')
# recovered while the heavy client still runs: slo_burn resolves
resolved_after() {
	jq -e -s "any(.[]; .alert == \"slo_burn\" and .state == \"resolved\" and .ends >= $t_limit)" "$tmp/alerts.json" >/dev/null
}
for _ in $(seq 250); do resolved_after && break; sleep 0.1; done
resolved_after || fail "slo_burn did not resolve after the limit: $(jq -c '[.alert,.state,.since]' "$tmp/alerts.json" | tail -n 3)"
t_recover=$(jq -s "[.[] | select(.alert == \"slo_burn\" and .state == \"resolved\" and .ends >= $t_limit) | .ends][0]" "$tmp/alerts.json")
heavy_running=$(kill -0 "$heavy_pid" 2>/dev/null && echo yes || echo no)
wait "$heavy_pid" 2>/dev/null
t_heavy_end=$(now)
# after the heavy client: relaxed, then released, nothing of the loop left
wait_for '.action == "slo_release" and .ts >= '"$t_heavy_end" 30 || fail "no slo_release after the heavy client stopped"
t_relax=$(first_ts '.action == "slo_relax"')
t_release=$(jq -s "[.[] | select(.action == \"slo_release\" and .ts >= $t_heavy_end) | .ts][0]" "$tmp/audit.log")
audit_has '.action == "slo_relax"' || fail "no slo_relax step"
rules=$(RXRAY_AGENT=$tmp/agent.sock inb "$RXRAY" guard list --json)
[ "$(jq '[.rules[] | select(.owner == "slo")] | length' <<<"$rules")" = 0 ] || fail "slo rules left: $(jq -c .rules <<<"$rules")"
rx_stop "$light_pid"
# the same kind of rule by hand: a limit of one source on one port; bad ones exit 2
g() { RXRAY_AGENT=$tmp/agent.sock inb "$RXRAY" guard "$@"; }
g limit --source 203.0.113.9 --port $API --syn 10/s --reason e2e >/dev/null || fail "guard limit --source failed"
g list | grep -q "limit  source 203.0.113.9 port $API" || fail "guard list: $(g list)"
[ "$(g explain 203.0.113.9 --port $API --syn --json | jq -r '[.decides, .rule.source] | join(" ")')" = "source_limit 203.0.113.9" ] ||
	fail "explain: $(g explain 203.0.113.9 --port $API --syn --json)"
# what the datapath enforces: the map rx_guard_srclimits holds the limit itself (10 SYN/s: 1e8 ns a SYN, no packet limit)
sl=$(for id in $(bpftool -j map show 2>/dev/null | jq '.[] | select(.name == "rx_guard_srclim") | .id'); do
	bpftool -j map dump id "$id" 2>/dev/null | jq -c '.[] | .formatted.value? // empty' 2>/dev/null
done)
jq -se 'any(.[]; .syn_ns == 100000000 and .pkt_ns == 0)' <<<"$sl" >/dev/null ||
	fail "rx_guard_srclimits does not hold 10 SYN/s for 203.0.113.9: $sl"
g limit --source 2001:db8::77 --port $API --syn 5/s --ttl 60 >/dev/null || fail "guard limit --source (IPv6) failed"
[ "$(g list --json | jq -r '[.rules[] | select(.source == "2001:db8::77")][0] | "\(.port) \(.syn) \(.per_source // 0)"')" = "$API 5 0" ] ||
	fail "guard list (IPv6 source limit): $(g list --json | jq -c .rules)"
for bad in "--source 203.0.113.0/24 --port $API --syn 1/s" "--source 203.0.113.9 --syn 1/s" \
	"--source 203.0.113.9 --port $API --syn 10/s" "--source 203.0.113.9 --port $API"; do
	# shellcheck disable=SC2086 # the options, split
	g limit $bad >/dev/null 2>"$tmp/bad.err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "guard limit $bad: exit $rc, '$(cat "$tmp/bad.err")'"
done
# the bulk sender: never limited, its upload whole
wait "$bulk_pid" 2>/dev/null
audit_has '.slo.source == "'$BULK'"' && fail "the bulk sender was limited: $(grep $BULK "$tmp/audit.log")"
read -r bulk_bytes bulk_status bulk_secs <"$tmp/bulk.txt" || fail "the bulk sender did not finish"
[ "$bulk_status" = 204 ] && [ "$bulk_bytes" = 120000000 ] || fail "bulk upload: $(cat "$tmp/bulk.txt")"
echo "bulk sender: $bulk_bytes bytes on one connection in ${bulk_secs}s, never limited; the heavy source limited at $(jq -s -r '[.[] | select(.action == "slo_limit")][0].slo | "\(.syn_per_s) SYN/s, share \(.share)"' "$tmp/audit.log") of the port's new connections"
# the light client: never limited, every request answered
audit_has '.slo.source == "'$LIGHT'"' && fail "the light client was limited: $(grep $LIGHT "$tmp/audit.log")"
n_light=$(wc -l <"$tmp/light.txt")
ok_light=$(awk '$1 == 200' "$tmp/light.txt" | wc -l)
[ "$n_light" -ge 20 ] && [ "$ok_light" = "$n_light" ] || fail "light client: $ok_light of $n_light requests answered 200: $(grep -v '^200' "$tmp/light.txt" | head -n 3)"
m=$(inb curl -sf http://127.0.0.1:$LISTEN/metrics)
steps() { awk -v s="rxray_guard_slo_steps_total{step=\"$1\"}" '$1 == s { print $2 }' <<<"$m"; }
n_limit=$(jq -s '[.[] | select(.action == "slo_limit")] | length' "$tmp/audit.log")
n_tighten=$(jq -s '[.[] | select(.action == "slo_tighten")] | length' "$tmp/audit.log")
n_relax=$(jq -s '[.[] | select(.action == "slo_relax")] | length' "$tmp/audit.log")
n_release=$(jq -s '[.[] | select(.action == "slo_release")] | length' "$tmp/audit.log")
[ "$(steps limit)" = "$n_limit" ] && [ "$(steps tighten)" = "$n_tighten" ] && [ "$(steps relax)" = "$n_relax" ] &&
	[ "$(steps release)" = "$n_release" ] || fail "rxray_guard_slo_steps_total: $(grep slo_steps <<<"$m")"
read_s=$(awk '$1 == "rxray_guard_slo_flows_read_seconds" { print $2 }' <<<"$m")
awk -v r="${read_s:-0}" 'BEGIN { exit !(r > 0 && r < 0.5) }' || fail "rxray_guard_slo_flows_read_seconds: '$read_s'"
echo "the last read of the connections table took $read_s s"
dropped=$(awk '$1 == "rxray_guard_dropped_packets_total{owner=\"slo\",reason=\"rate_limited\"}" { print $2 }' <<<"$m")
[ "${dropped:-0}" -gt 0 ] || fail "rxray_guard_dropped_packets_total{owner=\"slo\"}: '$dropped'"
echo "the heavy client's SYNs the slo rule dropped: $dropped"
# the light client's slowest request while limited and after, against before
p99() { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print v[i] }'; }
echo "light client: $ok_light of $n_light answered 200, slowest $(awk '{ print $2 }' "$tmp/light.txt" | sort -n | tail -n 1) s, p99 $(awk '{ print $2 }' "$tmp/light.txt" | p99) s"
# its requests' times by phase: before the heavy client, until its limit, limited (after the recovery), after it
echo "light client before the heavy one: $(phase 0 "$t_start"); heavy running: $(phase "$t_start" "$t_heavy_end"); after: $(phase "$t_heavy_end" 9999999999)"
echo "light client before the heavy one: $(phase 0 "$t_start"); heavy, not yet limited: $(phase "$t_start" "$t_limit"); limited, until the SLO recovered: $(phase "$t_limit" "$t_recover"); recovered, heavy still running: $(phase "$t_recover" "$t_heavy_end"); after: $(phase "$t_heavy_end" 9999999999)"
printf 'timeline (s after the heavy client started): slo_burn fired %.1f, slo_limit %.1f, first slo_tighten %.1f, slo_burn resolved %.1f (heavy client still running: %s), heavy client stopped %.1f, first slo_relax %.1f, slo_release %.1f\n' \
	"$(jq -n "$fired - $t_start")" "$(jq -n "$t_limit - $t_start")" "$(jq -n "$t_tighten - $t_start")" \
	"$(jq -n "$t_recover - $t_start")" "$heavy_running" "$(jq -n "$t_heavy_end - $t_start")" \
	"$(jq -n "$t_relax - $t_start")" "$(jq -n "$t_release - $t_start")"
echo "heavy client (wrk): $(grep -o '[0-9]* requests in [0-9.]*s' "$tmp/wrk.txt")"
echo "steps: $n_limit limit, $n_tighten tighten, $n_relax relax, $n_release release; rates of the heavy source: $(jq -s -r '[.[] | select(.action | startswith("slo_")) | "\(.action | ltrimstr("slo_")) \(.slo.from)->\(.slo.to)"] | join(", ")' "$tmp/audit.log")"
rx_end "guard slo: the heavy source limited and tightened, the SLO recovered, the light client never limited, relaxed and released after"

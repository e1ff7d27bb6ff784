#!/usr/bin/env bash
# The connection filter's rebuild (struct rx_conn_filter in datapath/abi.h,
# src/connfilter.c), live:
# - an agent (serve) whose filter is full (every byte of both generations set, as
#   ~100,000 connections leave it) rebuilds it within seconds: the
#   generation it then reads holds only the bytes of the connections in its
#   tables, and the other one is still full;
# - rebuilt every 50 ms (RXRAY_CONN_FILTER_REBUILD_MS) while a keep-alive
#   connection and 40 new ones make requests, every transaction is still
#   seen with its response and its duration: a key the rebuild lost (or
#   hashed otherwise than the datapath) would lose them;
# - closed connections leave rx_flows, and rx_http_conns with them, once
#   they have been closed RX_FLOW_KEEP_S (here RXRAY_FLOW_KEEP_S=3); an
#   open one stays.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rcf
rx_need bpftool jq curl
rx_keep_on_fail /tmp/rxcf-debug '*.json' '*.err' '*.txt'
rx_lab
rx_demo_api
U=http://192.0.2.2:8080
N=32768 # RX_CONN_FILTER: bytes per table and generation

# map_of NAME: the id of the map NAME (exact, or a suffix after a dot) of
# the tc_ingress program attached to IF
map_of() {
	local prog id
	prog=$(inb bpftool -j net show dev "$IF" | jq '[.[0].tc[]? | select(.name == "tc_ingress")][0] | (.prog_id // .id) // empty')
	[ -n "$prog" ] || return 1
	for id in $(bpftool -j prog show id "$prog" | jq '.map_ids[]'); do
		bpftool -j map show id "$id" | jq -e --arg n "$1" '.name == $n or (.name | endswith("." + $n))' \
			>/dev/null && echo "$id" && return 0
	done
	return 1
}
# near_map NAME ID: the id of the map NAME made nearest to map ID (one
# object's maps are made one after the other; the stages' tables are not
# the entry's)
near_map() {
	bpftool -j map show | jq --arg n "$1" --argjson id "$2" \
		'[.[] | select(.name == $n) | .id] | min_by(. - $id | if . < 0 then -. else . end) // empty'
}
# fills ID: bytes set in each table of each generation, "flows http tls" of
# generation 0 then of generation 1
fills() {
	bpftool -j map lookup id "$1" key 0 0 0 0 |
		jq -r --argjson n $N '.value as $v | [range(0; 6) as $t
			| [$v[$t * $n:($t + 1) * $n][] | select(. != "0x00")] | length] | @tsv'
}
# gen_read: rx_cfg.cf_gen, the generation the attached datapath reads
gen_read() {
	local id
	id=$(map_of bss) && bpftool -j map dump id "$id" | jq -r '[.[0].formatted.value[".bss"][] | .rx_cfg? | select(.)][0].cf_gen'
}

# keys_ok FILTER_ID GEN MAP_ID...: every key of the maps (struct
# rx_flow_key) has its byte set in its table of generation GEN; prints the
# keys' count. The index is computed here on its own (datapath/abi.h
# rx_conn_filter_hash: Fibonacci hashing of the key's first 9 words).
keys_ok() {
	local cf=$1 gen=$2 t=0 id
	shift 2
	bpftool -j map lookup id "$cf" key 0 0 0 0 | jq -c '.value' >"$tmp/filter.json"
	: >"$tmp/keys.txt"
	for id in "$@"; do
		bpftool -j map dump id "$id" | jq -r --argjson t $t '.[] | "\($t) \(.key | join(" "))"' >>"$tmp/keys.txt"
		t=$((t + 1))
	done
	/usr/bin/python3 - "$tmp/filter.json" "$tmp/keys.txt" "$gen" $N <<-'PY'
		import json, struct, sys
		f = [int(b, 16) for b in json.load(open(sys.argv[1]))]
		gen, n = int(sys.argv[3]), int(sys.argv[4])
		keys = 0
		for line in open(sys.argv[2]):
		    t, *key = line.split()
		    raw = bytes(int(b, 16) for b in key)
		    h = 0
		    for (w,) in struct.iter_unpack("<I", raw[:36]):
		        h = ((h ^ w) * 0x9E3779B1) & 0xFFFFFFFF
		    i = (h >> 17) & (n - 1)
		    if not f[(gen * 3 + int(t)) * n + i]:
		        sys.exit(f"table {t}: key {raw.hex()} has no byte set (index {i}) in generation {gen}")
		    keys += 1
		print(keys)
	PY
}

# 1. a full filter is rebuilt
# (closed connections kept 60 s here: the 20 below stay in rx_flows)
rx_bg ip netns exec "$NB" env RXRAY_FLOW_KEEP_S=60 "$RXRAY" serve -i "$IF" --listen 127.0.0.1:19483 \
	--control "$tmp/agent.sock" 2>"$tmp/r1.err"
pid1=$bg_pid
rx_until rx_tc_attached || rx_until rx_tc_attached || fail "TC not attached: $(cat "$tmp/r1.err")"
cf=$(map_of rx_conn_filter) || fail "no rx_conn_filter map on $IF"
for _ in $(seq 20); do ina curl -s -o /dev/null "$U/d0" || fail curl; done
g0=$(gen_read)
[ "$g0" = 0 ] || fail "rx_cfg.cf_gen: '$g0' before the filter fills, want 0"
# shellcheck disable=SC2046 # one word per byte
bpftool map update id "$cf" key 0 0 0 0 value $(yes 1 | head -n $((6 * N))) || fail "filling the filter"
for _ in $(seq 40); do
	g=$(gen_read)
	[ "$g" != "$g0" ] && break
	sleep 0.2
done
[ "$g" != "$g0" ] || fail "no rebuild within 8 s of a full filter (generation read: $g0)"
read -r -a f <<<"$(fills "$cf")"
echo "rebuilt: generation $g read; bytes set (flows http tls, gen 0 | gen 1): ${f[*]:0:3} | ${f[*]:3:3}"
new=("${f[@]:$((g * 3)):3}") old=("${f[@]:$(((1 - g) * 3)):3}")
[ "${old[*]}" = "$N $N $N" ] || fail "the generation not read was cleared too early: ${old[*]}"
# the tables hold the demo's connection (rx_flows, rx_http_conns) and what else came meanwhile
# (20 keys may share a byte: 18 at least)
((new[0] >= 18 && new[0] <= 40 && new[1] >= 18 && new[1] <= 40 && new[2] == 0)) ||
	fail "the rebuilt generation: ${new[*]} bytes set, want 18..40 of rx_flows' and of rx_http_conns', none of rx_tls_conns'"
nk=$(keys_ok "$cf" "$g" "$(near_map rx_flows "$cf")" "$(near_map rx_http_conns "$cf")" \
	"$(near_map rx_tls_conns "$cf")" 2>&1) ||
	fail "a key of the tables is missing from the rebuilt generation: $nk"
echo "every key of the tables ($nk) has its byte in the generation read"
ps -L -o comm= -p "$pid1" | grep -qx rxray-connfilt || fail "serve has no rxray-connfilt thread"
rx_stop -INT "$pid1"

# 2. every transaction seen while the filter is rebuilt every 50 ms
rx_bg ip netns exec "$NB" env RXRAY_CONN_FILTER_REBUILD_MS=50 "$RXRAY" requests -i "$IF" --json \
	>"$tmp/r2.json" 2>"$tmp/r2.err"
pid2=$bg_pid
rx_until rx_tc_attached || rx_until rx_tc_attached || fail "TC not attached: $(cat "$tmp/r2.err")"
K=30 C=40
urls=()
for _ in $(seq $K); do urls+=(-o /dev/null "$U/d20"); done
ina curl -s "${urls[@]}" || fail "curl keep-alive"
for _ in $(seq $C); do ina curl -s -o /dev/null "$U/d0" || fail "curl"; done
gens=$(for _ in $(seq 10); do gen_read; sleep 0.1; done | sort -u | tr '\n' ' ')
[ "$gens" = "0 1 " ] || fail "the generation read did not change while rebuilt every 50 ms: $gens"
g1=$(gen_read)
sleep 0.5
rx_stop -INT "$pid2"
grep -q "$((K + C)) transactions shown; $((K + C)) requests seen, 0 responses unmatched" "$tmp/r2.err" ||
	fail "requests -i: $(cat "$tmp/r2.err")"
n20=$(jq -s '[.[] | select(.["http.route"] == "/d20" and .["http.response.status_code"] == 200
	and .duration_s >= 0.02)] | length' "$tmp/r2.json")
n0=$(jq -s '[.[] | select(.["http.route"] == "/d0" and .["http.response.status_code"] == 200)] | length' \
	"$tmp/r2.json")
echo "rebuilt every 50 ms (generation read at the end: $g1): /d20 $n20 of $K on one connection, /d0 $n0 of $C on new ones"
[ "$n20" = $K ] || fail "/d20: $n20 transactions with their responses, sent $K"
[ "$n0" = $C ] || fail "/d0: $n0 transactions with their responses, sent $C"

# 3. closed connections leave rx_flows (RX_FLOW_KEEP_S to RX_FLOW_KEEP_S +
#    1 s after they close; 3 s here), open ones stay
rx_bg ip netns exec "$NB" env RXRAY_CONN_FILTER_REBUILD_MS=200 RXRAY_FLOW_KEEP_S=3 "$RXRAY" requests -i "$IF" \
	--json >"$tmp/r3.json" 2>"$tmp/r3.err"
pid3=$bg_pid
rx_until rx_tc_attached || rx_until rx_tc_attached || fail "TC not attached: $(cat "$tmp/r3.err")"
cf=$(map_of rx_conn_filter) || fail "no rx_conn_filter map on $IF"
rx_bg ip netns exec "$NA" /usr/bin/python3 -c 'import socket, time
s = socket.create_connection(("192.0.2.2", 8080)); time.sleep(14)'
for _ in $(seq 20); do ina curl -s -o /dev/null "$U/d0" || fail "curl"; done
flows=$(near_map rx_flows "$cf")
http=$(near_map rx_http_conns "$cf")
n0=$(bpftool -j map dump id "$flows" | jq length)
h0=$(bpftool -j map dump id "$http" | jq length)
sleep 6 # kept 3 to 4 s by the clock's whole seconds, then the next rebuild (0.2 s)
n1=$(bpftool -j map dump id "$flows" | jq length)
h1=$(bpftool -j map dump id "$http" | jq length)
open=$(bpftool -j map dump id "$flows" | jq '[.[] | select(.formatted.value.closed == 0)] | length')
echo "rx_flows: $n0 connections after 20 closed and 1 open, $n1 6 s later ($open open); rx_http_conns: $h0, then $h1"
((n0 >= 11)) || fail "rx_flows held $n0 connections right after 21 were made (20 closed < 3 s ago)"
((h0 >= 10)) || fail "rx_http_conns held $h0 connections right after 20 HTTP ones closed"
[ "$h1" = 0 ] || fail "rx_http_conns holds $h1 connections 6 s after its 20 closed"
[ "$n1" = 1 ] && [ "$open" = 1 ] || fail "rx_flows holds $n1 connections ($open open) 6 s after 20 closed, want the open one"
rx_stop -INT "$pid3"
echo PASS

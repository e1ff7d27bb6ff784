#!/usr/bin/env bash
# Packets as alert evidence (docs/alerts.md, "Packets as evidence"): rxray
# serve on the veth with alert-pcap-dir, alert-pcap-sample = 2:
#   0. bad values of the keys exit 2 with one line; a directory others may
#      enter is refused;
#   1. without the keys, a SYN flood (hping3, 120 payload bytes a SYN) gives
#      syn_flood with no "pcap" in its evidence and no directory;
#   2. with them, the same flood: syn_flood's evidence names a pcap, 0600 in
#      the 0700 directory, that tshark reads: pcap_packets packets (>= 1),
#      every one to the flood's port (the evidence's top port), headers
#      only (each frame's captured bytes end at its TCP header, its wire
#      length is longer: the payload was there and is not in the file);
#   3. an nmap SYN scan from 192.0.2.11: port_scan's pcap holds only the
#      scanner's packets to the host scanned; the metrics count the files;
#      alert-pcap-files = 1: the flood's file was removed for it.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" apc
rx_need hping3 nmap tshark curl jq
rx_lab
rx_keep_on_fail "${RXRAY_KEEP:-/tmp/rxray-apc-fail}" '*.log' '*.err' '*.json' '*.conf' 'pcaps/*'

LISTEN=19664 PDIR=$tmp/pcaps
ip -n "$NA" addr add 192.0.2.11/24 dev "${P}a"

# ---- 0. bad values ---------------------------------------------------------------------
bad() {
	local r
	printf '%s\n' "$1" >"$tmp/bad.conf"
	inb "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --control "$tmp/bad.sock" \
		--config "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err"
	r=$?
	[ "$r" = 2 ] || fail "'$1': exit $r, want 2: $(cat "$tmp/bad.err")"
	[ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "'$1': not one line: $(cat "$tmp/bad.err")"
	grep -q "$2" "$tmp/bad.err" || fail "'$1': $(cat "$tmp/bad.err")"
}
bad "alert-pcap-packets = 0" "expected 1..4096"
bad "alert-pcap-packets = lots" "expected 1..4096"
bad "alert-pcap-sample = 0" "expected 1..1000000"
bad "alert-pcap-files = -1" "expected 1..100000"
bad "alert-pcap-dir = relative/dir" "absolute"
mkdir -m 0755 "$tmp/open"
bad "alert-pcap-dir = $tmp/open" "make it 0700"
echo "bad values: exit 2, one line each"

# serve NAME CONF...: serve with these config lines, until its /metrics answers
serve() {
	local name=$1
	shift
	# the per-port syn_flood kept out: one flood alert, one file (alert-pcap-files = 1 below)
	printf '%s\n' "alert-resolve-after = 2" "alert-syn-port-half-open = 1e9" "$@" >"$tmp/$name.conf"
	rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:$LISTEN --config "$tmp/$name.conf" \
		--control "$tmp/$name.sock" --alert-log "$tmp/$name.json" 2>"$tmp/$name.err"
	serve_pid=$bg_pid
	rx_until rx_scrapes $LISTEN || fail "serve $name did not start: $(cat "$tmp/$name.err")"
}
# firing LOG ALERT: the first firing line of ALERT in LOG (waits 10 s at most)
firing() {
	local _ a
	for _ in $(seq 100); do
		a=$(jq -c -s "[.[] | select(.alert == \"$2\" and .state == \"firing\")][0] // empty" "$1" 2>/dev/null)
		[ -n "$a" ] && echo "$a" && return 0
		sleep 0.1
	done
	return 1
}
# 500 SYNs a second for 3 s to 192.0.2.2:9999 (closed), 120 payload bytes each
flood() { ina hping3 -q -S -p 9999 -d 120 -i u2000 -c 1500 192.0.2.2 >"$tmp/hping-$1.log" 2>&1; }

# ---- 1. without the keys ---------------------------------------------------------------
serve nokey
flood nokey
a=$(firing "$tmp/nokey.json" syn_flood) || fail "no syn_flood without the keys: $(cat "$tmp/nokey.json" "$tmp/nokey.err")"
jq -e '.evidence | has("pcap") or has("pcap_packets") | not' <<<"$a" >/dev/null || fail "pcap without the keys: $a"
[ -e "$PDIR" ] && fail "$PDIR made without the keys"
rx_stop "$serve_pid"
echo "without alert-pcap-dir: syn_flood, no pcap"

# ---- 2. with them: the flood -------------------------------------------------------------
serve key "alert-pcap-dir = $PDIR" "alert-pcap-packets = 50" "alert-pcap-sample = 2" "alert-pcap-files = 1"
[ "$(stat -c %a "$PDIR")" = 700 ] || fail "$PDIR: mode $(stat -c %a "$PDIR")"
flood key
a=$(firing "$tmp/key.json" syn_flood) || fail "no syn_flood: $(cat "$tmp/key.json" "$tmp/key.err")"
f=$(jq -r '.evidence.pcap // empty' <<<"$a")
n=$(jq -r '.evidence.pcap_packets' <<<"$a")
[ -n "$f" ] || fail "syn_flood's evidence names no pcap: $a"
[ "$(jq -r '.annotations.pcap' <<<"$a")" = "$f" ] || fail "annotations.pcap: $a"
[ "${f%/*}" = "$PDIR" ] || fail "pcap $f not in $PDIR"
[ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f")"
tshark -r "$f" -T fields -e frame.len -e frame.cap_len -e ip.hdr_len -e tcp.hdr_len -e tcp.dstport -e tcp.flags.syn \
	>"$tmp/flood.fields" 2>"$tmp/tshark.err" || fail "tshark -r $f: $(cat "$tmp/tshark.err")"
got=$(wc -l <"$tmp/flood.fields")
echo "syn_flood: $f, $got packets (pcap_packets $n)"
[ "$got" -ge 1 ] && [ "$got" = "$n" ] || fail "$f holds $got packets, the evidence says $n"
[ "$got" -le 50 ] || fail "$f holds $got packets, more than alert-pcap-packets"
flood_pcap=$f
# every packet: to the flood's port, a SYN, its captured bytes end at the TCP header, its payload cut
awk '$5 != 9999 || $6 != 1 || $2 != 14 + $3 + $4 || $1 != $2 + 120 { bad++ } END { exit bad > 0 }' \
	"$tmp/flood.fields" || fail "packets beyond the subject or with payload: $(head -n 5 "$tmp/flood.fields")"
[ "$(tshark -r "$f" -Y 'tcp.dstport != 9999 || !tcp' 2>/dev/null | wc -l)" = 0 ] || fail "tshark: packets not to 9999"
echo "syn_flood: every packet a SYN to 9999, headers only ($(head -n 1 "$tmp/flood.fields" | awk '{print $2 " of " $1}') bytes)"

# ---- 3. a port scan: only the scanner's packets to the host -------------------------------
ina nmap -n -Pn -e "${P}a" -S 192.0.2.11 --max-retries 1 -sS -p 7000-7059 192.0.2.2 >"$tmp/nmap.log" 2>&1 ||
	fail "nmap: $(tail -n 3 "$tmp/nmap.log")"
a=$(firing "$tmp/key.json" port_scan) || fail "no port_scan: $(tail -n 3 "$tmp/key.json")"
f=$(jq -r '.evidence.pcap // empty' <<<"$a")
n=$(jq -r '.evidence.pcap_packets' <<<"$a")
[ -n "$f" ] && [ -s "$f" ] || fail "port_scan's evidence names no pcap: $a"
[ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f")"
got=$(tshark -r "$f" 2>/dev/null | wc -l)
other=$(tshark -r "$f" -Y '!(ip.src == 192.0.2.11 && ip.dst == 192.0.2.2 && tcp.flags.syn == 1)' 2>/dev/null | wc -l)
echo "port_scan: $f, $got packets (pcap_packets $n), $other not the scanner's SYNs to 192.0.2.2"
[ "$got" -ge 1 ] && [ "$got" = "$n" ] && [ "$other" = 0 ] || fail "port_scan's pcap: $got packets, $other others"
inb curl -sf http://127.0.0.1:$LISTEN/metrics >"$tmp/metrics" || fail "GET /metrics"
grep -q '^rxray_alert_pcap_files_total 2$' "$tmp/metrics" || fail "files: $(grep rxray_alert_pcap "$tmp/metrics")"
grep -q '^rxray_alert_pcap_errors_total 0$' "$tmp/metrics" || fail "errors: $(grep rxray_alert_pcap "$tmp/metrics")"
grep "^rxray_alert_pcap\|source=\"capture\"" "$tmp/metrics"
inb curl -sf http://127.0.0.1:$LISTEN/api/alerts >"$tmp/api.json" || fail "GET /api/alerts"
jq -e --arg f "$f" '(.alerts | any(.alert == "port_scan" and .evidence.pcap == $f)) and .delivery.pcap.files == 2' \
	"$tmp/api.json" >/dev/null || fail "/api/alerts: $(head -c 800 "$tmp/api.json")"
# alert-pcap-files = 1: the port scan's file took the flood's place
[ "$(find "$PDIR" -type f)" = "$f" ] && [ ! -e "$flood_pcap" ] || fail "files in $PDIR (want only $f): $(ls -l "$PDIR")"
rx_stop "$serve_pid"
rx_end "alert pcaps: syn_flood and port_scan evidence read by tshark, subject only, headers only, 0600"

#!/usr/bin/env bash
# Bad input: one clear line, the right exit status, never a crash, nothing
# attached, nothing clobbered.
#   bash tests/e2e/test_bad_input.sh BUILD
#
# The rule (README.md, "Usage": exit status): an error is ONE line on stderr,
# "rxray: ...", naming what was wrong (the file, the flag, the interface);
# exit 2 for usage/input errors, 1 for runtime failures (missing
# capabilities); never a signal death (status >= 128) or sanitizer report;
# nothing left attached to the interface; stdout empty.
#
# Partial reads (a pcap that is truncated or corrupted after some good
# records): the good records are printed first, exactly as `rxray watch -r
# GOOD -c N` prints them, then the one error line naming the file, then the
# usual 3-line end-of-run summary ("N packets shown" ... ) -- the summary is
# kept on purpose, it says how far the file was read. Exit 2.
#
# Live-mode input errors are found before anything is attached, not undone
# after: the run creates no BPF link at all (strace: no BPF_LINK_CREATE).
#
# A -w file the run never gets to write must not be created or truncated:
# `rxray watch -r typo.pcap -w precious.pcap` leaves precious.pcap alone
# (tcpdump opens its input before its output for the same reason).
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
PY=${PYTHON:-/usr/bin/python3}
rx_begin "${1:-}" rxbi$(($$ % 100000))
CASES=0
rx_soft_fails
rx_lab

# ---- fixtures ----------------------------------------------------------------
"$PY" - "$tmp" <<'EOF' || { echo "FAIL: cannot write the fixtures"; exit 1; }
import logging, os, struct, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, Ether, Raw, wrpcap
from scapy.utils import PcapNgWriter

d = sys.argv[1]
pk = []
for i in range(5):
    p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
         / IP(src="192.0.2.1", dst="192.0.2.2", id=i) / UDP(sport=1000 + i, dport=53)
         / Raw(b"x" * (20 + i)))
    p.time = 1700000000 + i
    pk.append(p)
wrpcap(os.path.join(d, "good.pcap"), pk)
data = open(os.path.join(d, "good.pcap"), "rb").read()
offs, off = [], 24
while off < len(data):
    offs.append(off)
    off += 16 + struct.unpack("<I", data[off + 8:off + 12])[0]

def put(name, b):
    with open(os.path.join(d, name), "wb") as f:
        f.write(b)

put("trunc_data.pcap", data[:offs[3] + 16 + 10])  # cut inside record 4's bytes
put("trunc_hdr.pcap", data[:offs[3] + 7])          # cut inside record 4's header
c = bytearray(data)
c[offs[2] + 8:offs[2] + 12] = struct.pack("<I", 0x7fffffff)  # record 3: absurd caplen
put("bad_caplen.pcap", c)
c = bytearray(data)
c[offs[2]:offs[2] + 16] = b"\xff" * 16                      # record 3: all-ones header
put("garbage_hdr.pcap", c)
# 802.11 (DLT 105): a link type rxray does not decode (raw IP, SLL, NULL... it does)
wrpcap(os.path.join(d, "wifi.pcap"), [Raw(bytes(24)) / IP(dst="192.0.2.2") / UDP()], linktype=105)
w = PcapNgWriter(os.path.join(d, "good.pcapng"))
for p in pk:
    w.write(p)
w.close()
ng = open(os.path.join(d, "good.pcapng"), "rb").read()
put("trunc.pcapng", ng[:len(ng) - 30])                      # cut inside the last (5th) packet
EOF
cp /etc/hostname "$tmp/hostname.copy"
head -c 4000 /etc/services >"$tmp/text.txt"
: >"$tmp/empty.pcap"
mkdir "$tmp/adir"
printf 'precious\n' >"$tmp/precious.ref"
cp "$tmp/precious.ref" "$tmp/precious.pcap"
chmod 666 "$tmp/precious.pcap" # writable by the unprivileged runs too

# no_crash NAME RC ERRFILE
no_crash() {
	[ "$2" -lt 128 ] || fail "$1: died with status $2 (signal $(($2 - 128)))"
	if grep -qE 'Sanitizer|runtime error:|Segmentation|core dumped|Aborted|double free|free\(\)' "$3"; then
		fail "$1: crash report on stderr: $(head -5 "$3")"
	fi
}

# xdp_on_ifb: prints the XDP program attached to IFB in ns b, if any
xdp_on_ifb() {
	ip netns exec "$NB" bpftool -j net show dev "$IF" 2>/dev/null | jq -r '.[].xdp[]?.id'
}

# expect NAME STATUS REGEX NAMED -- CMD...
#   exactly one stderr line, matching REGEX (grep -E), starting "rxray: ",
#   containing NAMED exactly once; nothing on stdout; exit STATUS
expect() {
	local name=$1 want=$2 re=$3 named=$4 rc n line count fails0=$FAILS
	shift 5
	CASES=$((CASES + 1))
	timeout 10 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	no_crash "$name" "$rc" "$tmp/err"
	[ "$rc" -eq "$want" ] || fail "$name: exit status $rc (want $want)"
	n=$(wc -l <"$tmp/err")
	line=$(head -n 1 "$tmp/err")
	LAST_LINE=$line
	if [ "$n" -ne 1 ]; then
		fail "$name: $n lines on stderr (want 1): $(head -3 "$tmp/err" | sed 's/$/ | /' | tr -d '\n')..."
	fi
	[[ $line == "rxray: "* ]] || fail "$name: error line lacks the 'rxray: ' prefix: $line"
	echo "$line" | grep -qE -- "$re" || fail "$name: error line does not match /$re/: $line"
	count=$(grep -oF -- "$named" <<<"$line" | wc -l)
	[ "$count" -eq 1 ] || fail "$name: error line names '$named' $count times (want once): $line"
	[ -s "$tmp/out" ] && fail "$name: stdout not empty: $(head -2 "$tmp/out")"
	[ -z "$(xdp_on_ifb)" ] || fail "$name: an XDP program is attached to $IF afterwards"
	[ "$FAILS" -eq "$fails0" ] && echo "ok   $name: exit $rc: $line"
	return 0
}

# expect_partial NAME FILE SHOWN REGEX: SHOWN good records, error, summary, exit 2
expect_partial() {
	local name=$1 file=$2 shown=$3 re=$4 rc fails0=$FAILS
	CASES=$((CASES + 1))
	timeout 10 "$RXRAY" watch -r "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	no_crash "$name" "$rc" "$tmp/err"
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc (want 2)"
	timeout 10 "$RXRAY" watch -r "$tmp/good.pcap" -c "$shown" >"$tmp/ref" 2>/dev/null
	cmp -s "$tmp/out" "$tmp/ref" ||
		fail "$name: stdout is not the first $shown records: $(diff "$tmp/ref" "$tmp/out" | head -5)"
	printf '%s\n' "$shown packets shown" "$shown packets seen by the datapath" \
		"$shown capture records produced, 0 lost (ring buffer full)" >"$tmp/sum"
	local first
	first=$(head -n 1 "$tmp/err")
	[[ $first == "rxray: $file: "* ]] || fail "$name: first stderr line does not name $file: $first"
	echo "$first" | grep -qE -- "$re" || fail "$name: error line does not match /$re/: $first"
	tail -n +2 "$tmp/err" | cmp -s - "$tmp/sum" ||
		fail "$name: stderr is not one error line + the summary: $(sed 's/$/ | /' "$tmp/err" | tr -d '\n')"
	[ "$FAILS" -eq "$fails0" ] && echo "ok   $name: exit $rc: $first"
	return 0
}

# missing_cap NAME CAP: the capability the last error line names first is CAP
missing_cap() {
	local first
	first=$(grep -oE 'CAP_[A-Z_]+' <<<"$LAST_LINE" | head -n 1)
	[ "$first" = "$2" ] || fail "$1: the error names ${first:-no capability} as missing, want $2: $LAST_LINE"
}

# untouched NAME: precious.pcap still holds what it held
untouched() {
	if ! cmp -s "$tmp/precious.pcap" "$tmp/precious.ref"; then
		fail "$1: -w $tmp/precious.pcap was overwritten ($(stat -c %s "$tmp/precious.pcap") bytes now) by a run that failed before reading anything"
		cp "$tmp/precious.ref" "$tmp/precious.pcap"
	fi
}

W=$RXRAY
G=$tmp/good.pcap

# ---- files -------------------------------------------------------------------
expect_partial "truncated pcap (cut in record data)" "$tmp/trunc_data.pcap" 3 'truncated'
expect_partial "truncated pcap (cut in record header)" "$tmp/trunc_hdr.pcap" 3 'truncated'
expect_partial "corrupted pcap (caplen 0x7fffffff)" "$tmp/bad_caplen.pcap" 2 'capture length|caplen'
expect_partial "corrupted pcap (all-ones record header)" "$tmp/garbage_hdr.pcap" 2 'capture length|caplen'
expect_partial "truncated pcapng" "$tmp/trunc.pcapng" 4 'truncated'
expect "non-pcap file (copy of /etc/hostname)" 2 '' "$tmp/hostname.copy" -- \
	"$W" watch -r "$tmp/hostname.copy"
expect "non-pcap file (text)" 2 'unknown file format|not a pcap' "$tmp/text.txt" -- \
	"$W" watch -r "$tmp/text.txt"
expect "empty file" 2 '' "$tmp/empty.pcap" -- "$W" watch -r "$tmp/empty.pcap"
expect "directory as -r" 2 '' "$tmp/adir" -- "$W" watch -r "$tmp/adir"
expect "missing file" 2 'No such file' "$tmp/missing.pcap" -- "$W" watch -r "$tmp/missing.pcap"
expect "missing file, -w given" 2 'No such file' "$tmp/missing.pcap" -- \
	"$W" watch -r "$tmp/missing.pcap" -w "$tmp/precious.pcap"
untouched "missing file, -w given"
expect "unsupported link type" 2 'link type IEEE802_11 \(DLT 105\) is not supported' "$tmp/wifi.pcap" -- \
	"$W" watch -r "$tmp/wifi.pcap"

# ---- flags and filter -------------------------------------------------------------
expect "-c abc" 2 '-c' 'abc' -- "$W" watch -c abc -r "$G"
expect "-c 0" 2 '-c' '-c' -- "$W" watch -c 0 -r "$G"
expect "-c -5" 2 '-c' '-c' -- "$W" watch -c -5 -r "$G"
expect "--snaplen 2049" 2 'snaplen' '--snaplen' -- "$W" watch --snaplen 2049 -r "$G"
expect "--snaplen 70000" 2 'snaplen' '--snaplen' -- "$W" watch --snaplen 70000 -r "$G"
expect "both -i and -r" 2 '-i.*-r|-r.*-i' 'exactly one' -- "$W" watch -i "$IF" -r "$G"
expect "neither -i nor -r" 2 '-i.*-r|-r.*-i' 'exactly one' -- "$W" watch
expect "unknown option" 2 'bogus' '--bogus' -- "$W" watch --bogus -r "$G"
# a letter inside a cluster is named, not the word before it (watch -nn once said 'watch')
expect "unknown short option" 2 "unknown option '-Z'" "'-Z'" -- "$W" watch -ZZ -r "$G"
expect "unknown short option after a long one" 2 "unknown option '-Z'" "'-Z'" -- "$W" watch --json -Zv -r "$G"
expect "-c without its argument" 2 '-c' '-c' -- "$W" watch -r "$G" -c
expect "invalid filter 'tcp port' (-r)" 2 'filter' 'tcp port' -- "$W" watch -r "$G" 'tcp port'
expect "invalid filter, -w given" 2 'filter' 'tcp port' -- \
	"$W" watch -r "$G" -w "$tmp/precious.pcap" 'tcp port'
untouched "invalid filter, -w given"
expect "unwritable -w (no such directory)" 2 '-w' "$tmp/nodir/out.pcap" -- \
	"$W" watch -r "$G" -w "$tmp/nodir/out.pcap"
expect "unwritable -w (a directory)" 2 '-w' "$tmp/adir" -- "$W" watch -r "$G" -w "$tmp/adir"

# ---- live: nothing attached afterwards (checked in expect), and nothing
# attached even for a moment: input errors are found before the XDP link is
# created (an XDP attach can reset a real NIC's queues). Seen with strace:
# no bpf(BPF_LINK_CREATE) in the run.
NSX=(ip netns exec "$NB")
TRACE=()
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	TRACE=(strace -f -qq -e trace=bpf -o "$tmp/strace")
else
	echo "note: strace unusable, transient attaches not checked"
fi
# never_attached NAME: the traced run created no BPF link
never_attached() {
	[ ${#TRACE[@]} -gt 0 ] || return 0
	if grep -q 'BPF_LINK_CREATE' "$tmp/strace"; then
		fail "$1: rxray attached XDP before finding the input error: $(grep -m1 -o 'bpf(BPF_LINK_CREATE[^)]*)' "$tmp/strace")"
	fi
	rm -f "$tmp/strace"
}
expect "unknown interface" 2 'no such interface|nosuchif0' 'nosuchif0' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i nosuchif0
never_attached "unknown interface"
expect "unknown interface, -w given" 2 'nosuchif0' 'nosuchif0' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i nosuchif0 -w "$tmp/precious.pcap"
never_attached "unknown interface, -w given"
untouched "unknown interface, -w given"
expect "invalid filter 'tcp port' (-i)" 2 'filter' 'tcp port' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IF" 'tcp port'
never_attached "invalid filter 'tcp port' (-i)"
expect "unwritable -w (-i)" 2 '-w' "$tmp/nodir/out.pcap" -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IF" -w "$tmp/nodir/out.pcap"
never_attached "unwritable -w (-i)"
expect "--snaplen 70000 (-i)" 2 'snaplen' '--snaplen' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IF" --snaplen 70000
never_attached "--snaplen 70000 (-i)"

# ---- missing privileges: exit 1, the capability named -------------------------
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$W"; then
	U=$W
else
	cp "$W" "$tmp/rxray" && chmod 755 "$tmp/rxray"
	U=$tmp/rxray
fi
expect "unprivileged user (uid 65534)" 1 'CAP_BPF' "$IF" -- \
	"${NSX[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -i "$IF"
missing_cap "unprivileged user (uid 65534)" CAP_BPF
expect "unprivileged user, -w given" 1 'CAP_BPF' "$IF" -- \
	"${NSX[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -i "$IF" \
	-w "$tmp/precious.pcap"
untouched "unprivileged user, -w given"
if command -v capsh >/dev/null; then
	for cap in CAP_BPF CAP_NET_ADMIN CAP_PERFMON; do
		lc=$(echo "$cap" | tr '[:upper:]' '[:lower:]')
		expect "root without $cap" 1 "$cap" "$IF" -- \
			"${NSX[@]}" capsh --drop="$lc" -- -c "exec $(printf '%q' "$W") watch -i $IF"
		missing_cap "root without $cap" "$cap"
	done
fi
# -r needs no privileges at all
CASES=$((CASES + 1))
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -r "$G" 2>/dev/null | wc -l)
[ "$out" -eq 5 ] || fail "unprivileged -r: $out lines (want 5)"

echo "$CASES cases"
rx_end "ok: every bad input gives one clear line and the right status"

#!/usr/bin/env bash
# Bad input: one clear line, the right exit status, never a crash, nothing
# attached, nothing clobbered.
#   bash tests/e2e/test_bad_input.sh BUILD
#
# The rule (SPEC.md, "Exit status"): an error is ONE line on stderr,
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
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
. "$HERE/../lib/netns.sh"
RXRAY=$BUILD/rxray
PY=${PYTHON:-/usr/bin/python3}

rx_need_root
[ -x "$RXRAY" ] || { echo "no rxray binary at $RXRAY"; exit 1; }

P=rxbi$(($$ % 100000))
NB=$P-b IFB=${P}b
TMP=$(mktemp -d /tmp/rxray-badinput.XXXXXX)
chmod 755 "$TMP"
cleanup() {
	rx_lab_down "$P"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FAILS=0 CASES=0
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

rx_lab_up "$P" || { echo "FAIL: cannot set up the lab"; exit 1; }

# ---- fixtures ----------------------------------------------------------------
"$PY" - "$TMP" <<'EOF' || { echo "FAIL: cannot write the fixtures"; exit 1; }
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
wrpcap(os.path.join(d, "raw_ip.pcap"), [IP(dst="192.0.2.2") / UDP()], linktype=101)
w = PcapNgWriter(os.path.join(d, "good.pcapng"))
for p in pk:
    w.write(p)
w.close()
ng = open(os.path.join(d, "good.pcapng"), "rb").read()
put("trunc.pcapng", ng[:len(ng) - 30])                      # cut inside the last (5th) packet
EOF
cp /etc/hostname "$TMP/hostname.copy"
head -c 4000 /etc/services >"$TMP/text.txt"
: >"$TMP/empty.pcap"
mkdir "$TMP/adir"
printf 'precious\n' >"$TMP/precious.ref"
cp "$TMP/precious.ref" "$TMP/precious.pcap"
chmod 666 "$TMP/precious.pcap" # writable by the unprivileged runs too

# no_crash NAME RC ERRFILE
no_crash() {
	[ "$2" -lt 128 ] || fail "$1: died with status $2 (signal $(($2 - 128)))"
	if grep -qE 'Sanitizer|runtime error:|Segmentation|core dumped|Aborted|double free|free\(\)' "$3"; then
		fail "$1: crash report on stderr: $(head -5 "$3")"
	fi
}

# xdp_on_ifb: prints the XDP program attached to IFB in ns b, if any
xdp_on_ifb() {
	ip netns exec "$NB" bpftool -j net show dev "$IFB" 2>/dev/null | jq -r '.[].xdp[]?.id'
}

# expect NAME STATUS REGEX NAMED -- CMD...
#   exactly one stderr line, matching REGEX (grep -E), starting "rxray: ",
#   containing NAMED exactly once; nothing on stdout; exit STATUS
expect() {
	local name=$1 want=$2 re=$3 named=$4 rc n line count fails0=$FAILS
	shift 5
	CASES=$((CASES + 1))
	timeout 10 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	no_crash "$name" "$rc" "$TMP/err"
	[ "$rc" -eq "$want" ] || fail "$name: exit status $rc (want $want)"
	n=$(wc -l <"$TMP/err")
	line=$(head -n 1 "$TMP/err")
	LAST_LINE=$line
	if [ "$n" -ne 1 ]; then
		fail "$name: $n lines on stderr (want 1): $(head -3 "$TMP/err" | sed 's/$/ | /' | tr -d '\n')..."
	fi
	[[ $line == "rxray: "* ]] || fail "$name: error line lacks the 'rxray: ' prefix: $line"
	echo "$line" | grep -qE -- "$re" || fail "$name: error line does not match /$re/: $line"
	count=$(grep -oF -- "$named" <<<"$line" | wc -l)
	[ "$count" -eq 1 ] || fail "$name: error line names '$named' $count times (want once): $line"
	[ -s "$TMP/out" ] && fail "$name: stdout not empty: $(head -2 "$TMP/out")"
	[ -z "$(xdp_on_ifb)" ] || fail "$name: an XDP program is attached to $IFB afterwards"
	[ "$FAILS" -eq "$fails0" ] && echo "ok   $name: exit $rc: $line"
	return 0
}

# expect_partial NAME FILE SHOWN REGEX: SHOWN good records, error, summary, exit 2
expect_partial() {
	local name=$1 file=$2 shown=$3 re=$4 rc fails0=$FAILS
	CASES=$((CASES + 1))
	timeout 10 "$RXRAY" watch -r "$file" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	no_crash "$name" "$rc" "$TMP/err"
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc (want 2)"
	timeout 10 "$RXRAY" watch -r "$TMP/good.pcap" -c "$shown" >"$TMP/ref" 2>/dev/null
	cmp -s "$TMP/out" "$TMP/ref" ||
		fail "$name: stdout is not the first $shown records: $(diff "$TMP/ref" "$TMP/out" | head -5)"
	printf '%s\n' "$shown packets shown" "$shown packets seen by the datapath" \
		"$shown capture records produced, 0 lost (ring buffer full)" >"$TMP/sum"
	local first
	first=$(head -n 1 "$TMP/err")
	[[ $first == "rxray: $file: "* ]] || fail "$name: first stderr line does not name $file: $first"
	echo "$first" | grep -qE -- "$re" || fail "$name: error line does not match /$re/: $first"
	tail -n +2 "$TMP/err" | cmp -s - "$TMP/sum" ||
		fail "$name: stderr is not one error line + the summary: $(sed 's/$/ | /' "$TMP/err" | tr -d '\n')"
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
	if ! cmp -s "$TMP/precious.pcap" "$TMP/precious.ref"; then
		fail "$1: -w $TMP/precious.pcap was overwritten ($(stat -c %s "$TMP/precious.pcap") bytes now) by a run that failed before reading anything"
		cp "$TMP/precious.ref" "$TMP/precious.pcap"
	fi
}

W=$RXRAY
G=$TMP/good.pcap

# ---- files -------------------------------------------------------------------
expect_partial "truncated pcap (cut in record data)" "$TMP/trunc_data.pcap" 3 'truncated'
expect_partial "truncated pcap (cut in record header)" "$TMP/trunc_hdr.pcap" 3 'truncated'
expect_partial "corrupted pcap (caplen 0x7fffffff)" "$TMP/bad_caplen.pcap" 2 'capture length|caplen'
expect_partial "corrupted pcap (all-ones record header)" "$TMP/garbage_hdr.pcap" 2 'capture length|caplen'
expect_partial "truncated pcapng" "$TMP/trunc.pcapng" 4 'truncated'
expect "non-pcap file (copy of /etc/hostname)" 2 '' "$TMP/hostname.copy" -- \
	"$W" watch -r "$TMP/hostname.copy"
expect "non-pcap file (text)" 2 'unknown file format|not a pcap' "$TMP/text.txt" -- \
	"$W" watch -r "$TMP/text.txt"
expect "empty file" 2 '' "$TMP/empty.pcap" -- "$W" watch -r "$TMP/empty.pcap"
expect "directory as -r" 2 '' "$TMP/adir" -- "$W" watch -r "$TMP/adir"
expect "missing file" 2 'No such file' "$TMP/missing.pcap" -- "$W" watch -r "$TMP/missing.pcap"
expect "missing file, -w given" 2 'No such file' "$TMP/missing.pcap" -- \
	"$W" watch -r "$TMP/missing.pcap" -w "$TMP/precious.pcap"
untouched "missing file, -w given"
expect "non-Ethernet link type" 2 'link type|RAW' "$TMP/raw_ip.pcap" -- \
	"$W" watch -r "$TMP/raw_ip.pcap"

# ---- flags and filter -------------------------------------------------------------
expect "-c abc" 2 '-c' 'abc' -- "$W" watch -c abc -r "$G"
expect "-c 0" 2 '-c' '-c' -- "$W" watch -c 0 -r "$G"
expect "-c -5" 2 '-c' '-c' -- "$W" watch -c -5 -r "$G"
expect "--snaplen 0" 2 'snaplen' '--snaplen' -- "$W" watch --snaplen 0 -r "$G"
expect "--snaplen 70000" 2 'snaplen' '--snaplen' -- "$W" watch --snaplen 70000 -r "$G"
expect "both -i and -r" 2 '-i.*-r|-r.*-i' 'exactly one' -- "$W" watch -i "$IFB" -r "$G"
expect "neither -i nor -r" 2 '-i.*-r|-r.*-i' 'exactly one' -- "$W" watch
expect "unknown option" 2 'bogus' '--bogus' -- "$W" watch --bogus -r "$G"
expect "-c without its argument" 2 '-c' '-c' -- "$W" watch -r "$G" -c
expect "invalid filter 'tcp port' (-r)" 2 'filter' 'tcp port' -- "$W" watch -r "$G" 'tcp port'
expect "invalid filter, -w given" 2 'filter' 'tcp port' -- \
	"$W" watch -r "$G" -w "$TMP/precious.pcap" 'tcp port'
untouched "invalid filter, -w given"
expect "unwritable -w (no such directory)" 2 '-w' "$TMP/nodir/out.pcap" -- \
	"$W" watch -r "$G" -w "$TMP/nodir/out.pcap"
expect "unwritable -w (a directory)" 2 '-w' "$TMP/adir" -- "$W" watch -r "$G" -w "$TMP/adir"

# ---- live: nothing attached afterwards (checked in expect), and nothing
# attached even for a moment: input errors are found before the XDP link is
# created (an XDP attach can reset a real NIC's queues). Seen with strace:
# no bpf(BPF_LINK_CREATE) in the run.
NSX=(ip netns exec "$NB")
TRACE=()
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	TRACE=(strace -f -qq -e trace=bpf -o "$TMP/strace")
else
	echo "note: strace unusable, transient attaches not checked"
fi
# never_attached NAME: the traced run created no BPF link
never_attached() {
	[ ${#TRACE[@]} -gt 0 ] || return 0
	if grep -q 'BPF_LINK_CREATE' "$TMP/strace"; then
		fail "$1: rxray attached XDP before finding the input error: $(grep -m1 -o 'bpf(BPF_LINK_CREATE[^)]*)' "$TMP/strace")"
	fi
	rm -f "$TMP/strace"
}
expect "unknown interface" 2 'no such interface|nosuchif0' 'nosuchif0' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i nosuchif0
never_attached "unknown interface"
expect "unknown interface, -w given" 2 'nosuchif0' 'nosuchif0' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i nosuchif0 -w "$TMP/precious.pcap"
never_attached "unknown interface, -w given"
untouched "unknown interface, -w given"
expect "invalid filter 'tcp port' (-i)" 2 'filter' 'tcp port' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IFB" 'tcp port'
never_attached "invalid filter 'tcp port' (-i)"
expect "unwritable -w (-i)" 2 '-w' "$TMP/nodir/out.pcap" -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IFB" -w "$TMP/nodir/out.pcap"
never_attached "unwritable -w (-i)"
expect "--snaplen 0 (-i)" 2 'snaplen' '--snaplen' -- \
	"${NSX[@]}" "${TRACE[@]}" "$W" watch -i "$IFB" --snaplen 0
never_attached "--snaplen 0 (-i)"

# ---- missing privileges: exit 1, the capability named -------------------------
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$W"; then
	U=$W
else
	cp "$W" "$TMP/rxray" && chmod 755 "$TMP/rxray"
	U=$TMP/rxray
fi
expect "unprivileged user (uid 65534)" 1 'CAP_BPF' "$IFB" -- \
	"${NSX[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -i "$IFB"
missing_cap "unprivileged user (uid 65534)" CAP_BPF
expect "unprivileged user, -w given" 1 'CAP_BPF' "$IFB" -- \
	"${NSX[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -i "$IFB" \
	-w "$TMP/precious.pcap"
untouched "unprivileged user, -w given"
if command -v capsh >/dev/null; then
	for cap in CAP_BPF CAP_NET_ADMIN CAP_PERFMON; do
		lc=$(echo "$cap" | tr '[:upper:]' '[:lower:]')
		expect "root without $cap" 1 "$cap" "$IFB" -- \
			"${NSX[@]}" capsh --drop="$lc" -- -c "exec $(printf '%q' "$W") watch -i $IFB"
		missing_cap "root without $cap" "$cap"
	done
fi
# -r needs no privileges at all
CASES=$((CASES + 1))
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$U" watch -r "$G" 2>/dev/null | wc -l)
[ "$out" -eq 5 ] || fail "unprivileged -r: $out lines (want 5)"

echo "$CASES cases"
if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "ok: every bad input gives one clear line and the right status"

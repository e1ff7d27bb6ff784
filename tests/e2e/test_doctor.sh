#!/usr/bin/env bash
# rxray doctor tells the truth about this machine:
#   bash tests/e2e/test_doctor.sh BUILD
#
# * --json parses; the kernel release is uname -r's; every entry program of
#   the BPF object is listed, with the verdict and instruction count that
#   tests/bpf/verifier_stats gets from the same kernel;
# * the exit status is 0 exactly when every command is ok, and a program
#   the verifier refuses makes the commands that need it unavailable, naming it;
# * the text says the same as the JSON;
# * what doctor says about a live command is what the command does: on a
#   veth pair, watch -i and stats -i succeed when doctor says ok, and fail
#   with one line naming the refused program (and rxray doctor) when not;
# * -i IFACE: the veth's driver and native XDP, nothing left attached; an
#   MTU native XDP refuses is reported, and watch -i does fail on it;
# * an unprivileged user (uid 65534), and root without CAP_PERFMON: exit 1,
#   the missing capabilities named, the checks that need them skipped;
# * usage errors exit 2.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
# shellcheck source=../lib/bpfobj.sh
. "${0%/*}/../lib/bpfobj.sh"
rx_begin "${1:-}" rxdr$(($$ % 100000))
OBJ=$BUILD/rxray.bpf.o
VSTATS=$BUILD/tests/verifier_stats
command -v jq >/dev/null || { echo "jq is missing (scripts/deps.sh installs it)"; exit 77; }
rx_soft_fails
ok() { echo "ok   $*"; }

# ---- as root, on the host ---------------------------------------------------------
"$RXRAY" doctor --json >"$tmp/doc.json" 2>"$tmp/doc.err"
rc=$?
J=$tmp/doc.json
if ! jq -e . "$J" >/dev/null 2>&1; then
	fail "doctor --json is not JSON: $(head -c 300 "$J")"
	exit 1
fi
[ -s "$tmp/doc.err" ] && fail "doctor --json wrote to stderr: $(head -3 "$tmp/doc.err")"
jq -c '.programs[] | {name, ok, insns, time_us, errno}' "$J"

rel=$(jq -r .kernel.release "$J")
[ "$rel" = "$(uname -r)" ] || fail "kernel release '$rel' is not uname -r's '$(uname -r)'"
[ "$(jq -r .privileges.ok "$J")" = true ] || fail "root reported without privileges: $(jq -c .privileges "$J")"
[ "$(jq -r '.needs_root | length' "$J")" = 0 ] || fail "root run skipped checks: $(jq -c .needs_root "$J")"
[ "$(jq -r .btf.ok "$J")" = "$([ -r /sys/kernel/btf/vmlinux ] && echo true || echo false)" ] ||
	fail "btf.ok disagrees with /sys/kernel/btf/vmlinux"
[ "$(jq -r .bpffs.ok "$J")" = "$([ "$(stat -f -c %t /sys/fs/bpf 2>/dev/null)" = cafe4a11 ] && echo true || echo false)" ] ||
	fail "bpffs.ok disagrees with stat -f /sys/fs/bpf"
[ "$(jq '[.probes[] | select(.ok != true)] | length' "$J")" = 0 ] ||
	fail "kernel features missing on $(uname -r)?: $(jq -c '[.probes[] | select(.ok != true)]' "$J")"

# --version: the commit, libbpf's version, and doctor's view of the kernel features
"$RXRAY" --version >"$tmp/ver.txt" 2>&1 || fail "--version exited $?"
head -1 "$tmp/ver.txt" | grep -qE '^rxray [0-9.]+ \(git ([0-9a-f]{7,}(-dirty)?|unknown)\)$' ||
	fail "--version: no commit on its first line: $(head -1 "$tmp/ver.txt")"
lib=$(sed -n 2p "$tmp/ver.txt")
[[ $lib =~ ^libbpf\ ([0-9]+\.[0-9]+)\ \(built ]] || fail "--version: no libbpf line: $lib"
grep -qF "kernel $(uname -r) $(uname -m): btf $(jq -r 'if .btf.ok then "yes" else "no" end' "$J"), tc " \
	"$tmp/ver.txt" || fail "--version: no kernel line agreeing with doctor: $(cat "$tmp/ver.txt")"
nprobe=$(jq '.probes | length' "$J")
grep -qE "^kernel features: $nprobe of $nprobe: " "$tmp/ver.txt" ||
	fail "--version: features not those of doctor ($nprobe probes): $(tail -1 "$tmp/ver.txt")"
ok "--version: $(head -2 "$tmp/ver.txt" | tr '\n' ' ')"

# every entry program of the object, no other
want=$(rx_bpf_entries "$OBJ")
got=$(jq -r '.programs[].name' "$J" | sort)
[ -n "$want" ] || fail "no programs found in $OBJ"
[ "$want" = "$got" ] ||
	fail "programs listed ($(tr '\n' ' ' <<<"$got")) are not the object's ($(tr '\n' ' ' <<<"$want"))"

# the same verdicts and counts as verifier_stats (same kernel, same object)
if [ -x "$VSTATS" ]; then
	"$VSTATS" "$OBJ" >"$tmp/vstats" 2>/dev/null
	while read -r _ name verdict insns _; do
		d=$(jq -r --arg n "$name" '.programs[] | select(.name == $n) | "\(if .ok then "ok" else "FAIL" end) insns=\(.insns // 0)"' "$J")
		[ "$d" = "$verdict $insns" ] || fail "$name: doctor says '$d', verifier_stats '$verdict $insns'"
	done <"$tmp/vstats"
else
	echo "note: $VSTATS not built, verdicts not cross-checked"
fi

# the exit status and the verdicts agree
all_ok=$(jq -r '[.commands[].ok] | all' "$J")
[ "$(jq -r .ok "$J")" = "$all_ok" ] || fail ".ok is not every command's ok"
if [ "$all_ok" = true ]; then want_rc=0; else want_rc=1; fi
[ "$rc" -eq "$want_rc" ] || fail "doctor --json exited $rc with .ok $all_ok (want $want_rc)"
bad_xdp=$(jq -r '[.programs[] | select(.hook == "xdp" and (.ok | not)) | .name] | join(", ")' "$J")
bad_tc=$(jq -r '[.programs[] | select(.hook == "tc" and (.ok | not)) | .name] | join(", ")' "$J")
cmd_ok() { jq -r --arg id "$1" '.commands[] | select(.id == $id) | .ok' "$J"; }
cmd_why() { jq -r --arg id "$1" '.commands[] | select(.id == $id) | .reason // ""' "$J"; }
[ "$(cmd_ok offline)" = true ] || fail "offline commands reported unavailable"
if [ -n "$bad_xdp$bad_tc" ]; then
	[ "$rc" -eq 1 ] || fail "programs fail ($bad_xdp $bad_tc) but doctor exited $rc"
	[ "$(jq -r .ok "$J")" = false ] || fail "programs fail but .ok is true"
fi
first=$(jq -r '[.programs[] | select(.ok | not) | .name][0] // ""' "$J")
for id in requests_live stats_live top serve; do
	if [ -n "$first" ]; then
		[ "$(cmd_ok $id)" = false ] || fail "$id reported ok while $bad_xdp $bad_tc fail"
		[[ $(cmd_why $id) == *"$first"* ]] || fail "$id: reason does not name $first: $(cmd_why $id)"
	fi
done
if [ -n "$bad_xdp" ]; then
	[ "$(cmd_ok watch_live)" = false ] || fail "watch -i reported ok while $bad_xdp fail"
else
	[ "$(cmd_ok watch_live)" = true ] ||
		fail "watch -i reported unavailable although no XDP program fails: $(cmd_why watch_live)"
fi
ok "doctor --json: exit $rc, $(jq -r '.programs | length' "$J") programs, failing: ${bad_xdp:-}${bad_xdp:+, }${bad_tc:-none}"

# the text says the same
"$RXRAY" doctor >"$tmp/doc.txt" 2>&1
trc=$?
[ "$trc" -eq "$rc" ] || fail "doctor (text) exited $trc, --json $rc"
grep -q "^  kernel  *$(uname -r) " "$tmp/doc.txt" || fail "text lacks the kernel release line"
while read -r name okv errno; do
	word=FAIL
	[ "$okv" = true ] && word=ok
	grep -qE "^  $word +$name " "$tmp/doc.txt" || fail "text does not list $name as $word"
	if [ "$errno" = E2BIG ]; then
		grep -E "^  FAIL +$name " "$tmp/doc.txt" | grep -q 'too complex for this kernel' ||
			fail "text: $name refused with E2BIG is not said to be too complex"
	fi
done < <(jq -r '.programs[] | "\(.name) \(.ok) \(.errno // "-")"' "$J")
while IFS=$'\t' read -r name okv; do
	case $okv in true) word=ok ;; false) word=unavailable ;; *) word=unknown ;; esac
	grep -qF "  $(printf '%-32s %s' "$name" "$word")" "$tmp/doc.txt" || fail "text does not say '$name' is $word"
done < <(jq -r '.commands[] | "\(.name)\t\(.ok)"' "$J")
ok "doctor (text) agrees with --json"

# ---- what doctor says is what the commands do ---------------------------------------
rx_lab
NSX=(ip netns exec "$NB")

"${NSX[@]}" "$RXRAY" doctor -i "$IF" --json >"$tmp/doci.json" 2>/dev/null
JI=$tmp/doci.json
jq -e . "$JI" >/dev/null 2>&1 || fail "doctor -i $IF --json is not JSON"
[ "$(jq -r .attach.interface "$JI")" = "$IF" ] || fail "attach.interface is not $IF"
[ "$(jq -r .attach.driver "$JI")" = veth ] || fail "driver of $IF: $(jq -r .attach.driver "$JI") (want veth)"
if [ "$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')" -ge 6003 ]; then
	[ "$(jq -r .attach.xdp_mode "$JI")" = native ] || fail "veth reported without native XDP: $(jq -c .attach "$JI")"
fi
[ "$(jq -r .attach.xdp_attached_prog_id "$JI")" = 0 ] || fail "an XDP program on the fresh veth?"
[ -z "$("${NSX[@]}" bpftool -j net show dev "$IF" | jq -r '.[] | (.xdp[]?, .tc[]?) | .id')" ] ||
	fail "doctor -i left a program attached to $IF"
ok "doctor -i $IF: driver veth, xdp $(jq -r .attach.xdp_mode "$JI"), tc $(jq -r .attach.tc_mode "$JI")"

# live_check ID EXIT STDERR: doctor's verdict on command ID against the run's
live_check() {
	local id=$1 got=$2 err=$3 verdict why first
	verdict=$(jq -r --arg id "$id" '.commands[] | select(.id == $id) | .ok' "$JI")
	why=$(jq -r --arg id "$id" '.commands[] | select(.id == $id) | .reason // ""' "$JI")
	if [ "$verdict" = true ]; then
		[ "$got" -eq 0 ] || fail "$id: doctor says ok, the command exited $got: $(head -2 "$err")"
	else
		[ "$got" -eq 1 ] || fail "$id: doctor says unavailable ($why), the command exited $got"
		[ "$(wc -l <"$err")" -eq 1 ] || fail "$id: $(wc -l <"$err") lines on stderr (want 1): $(head -3 "$err")"
		first=$(jq -r '[.programs[] | select(.ok | not) | .name][0] // ""' "$JI")
		if [ -n "$first" ]; then
			grep -qF "$first" "$err" || fail "$id: the error does not name $first: $(cat "$err")"
		fi
		grep -qF 'rxray doctor' "$err" || fail "$id: the error does not point at rxray doctor: $(cat "$err")"
		if [ "$(jq -r '[.programs[] | select(.ok | not) | .errno][0]' "$JI")" = E2BIG ]; then
			grep -q 'too complex' "$err" || fail "$id: an E2BIG refusal not said to be too complex: $(cat "$err")"
		fi
		grep -qE 'Argument list too long|Permission denied' "$err" &&
			fail "$id: a raw errno text is what the user sees: $(cat "$err")"
	fi
	ok "$id: doctor says $verdict, the command exited $got${why:+ ($why)}"
}
timeout -s INT 3 "${NSX[@]}" "$RXRAY" watch -i "$IF" >/dev/null 2>"$tmp/watch.err"
r=$?
[ $r -eq 124 ] && r=0 # stopped by SIGINT after running: the attach worked
live_check watch_live "$r" "$tmp/watch.err"
timeout 20 "${NSX[@]}" "$RXRAY" stats -i "$IF" --duration 1 >/dev/null 2>"$tmp/stats.err"
live_check stats_live $? "$tmp/stats.err"
[ -z "$("${NSX[@]}" bpftool -j net show dev "$IF" | jq -r '.[] | (.xdp[]?, .tc[]?) | .id')" ] ||
	fail "a program is left attached to $IF after the live runs"

# an MTU native XDP refuses (veth: above 3506 for a single-buffer program):
# doctor says watch -i cannot attach, and it cannot
ip -n "$P-a" link set "${P}a" mtu 9000 && ip -n "$NB" link set "$IF" mtu 9000
"${NSX[@]}" "$RXRAY" doctor -i "$IF" --json >"$tmp/docm.json" 2>/dev/null
why=$(jq -r '.commands[] | select(.id == "watch_live") | .reason // ""' "$tmp/docm.json")
[ "$(jq -r .attach.mtu "$tmp/docm.json")" = 9000 ] || fail "MTU 9000 reported as $(jq -r .attach.mtu "$tmp/docm.json")"
[[ $why == *MTU* ]] || fail "MTU 9000: watch -i not said to be unavailable for it: '$why'"
timeout -s INT 3 "${NSX[@]}" "$RXRAY" watch -i "$IF" >/dev/null 2>"$tmp/watchm.err"
r=$?
[ $r -eq 1 ] || fail "MTU 9000: watch -i exited $r (want 1, the attach refused)"
grep -q 'MTU 9000' "$tmp/watchm.err" || fail "MTU 9000: the error does not name the MTU: $(cat "$tmp/watchm.err")"
ok "MTU 9000: doctor says '$why'; watch -i: $(cat "$tmp/watchm.err")"
ip -n "$P-a" link set "${P}a" mtu 1500 && ip -n "$NB" link set "$IF" mtu 1500

# ---- without privileges -----------------------------------------------------------
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RXRAY"; then
	U=$RXRAY
else
	cp "$RXRAY" "$tmp/rxray" && chmod 755 "$tmp/rxray"
	U=$tmp/rxray
fi
setpriv --reuid=65534 --regid=65534 --clear-groups "$U" doctor --json >"$tmp/nr.json" 2>"$tmp/nr.err"
r=$?
[ $r -eq 1 ] || fail "unprivileged doctor exited $r (want 1)"
jq -e . "$tmp/nr.json" >/dev/null 2>&1 || fail "unprivileged doctor --json is not JSON"
[ "$(jq -r '.privileges.missing | join(",")' "$tmp/nr.json")" = CAP_BPF,CAP_NET_ADMIN,CAP_PERFMON ] ||
	fail "unprivileged: missing capabilities $(jq -c .privileges.missing "$tmp/nr.json")"
[ "$(jq -r '.needs_root | index("programs") != null' "$tmp/nr.json")" = true ] ||
	fail "unprivileged: programs not said to need root: $(jq -c .needs_root "$tmp/nr.json")"
[ "$(jq -r '.programs | length' "$tmp/nr.json")" = 0 ] || fail "unprivileged: program results without privileges?"
[ "$(jq -r .kernel.release "$tmp/nr.json")" = "$(uname -r)" ] || fail "unprivileged: kernel release wrong"
[ "$(jq -r '[.commands[] | select(.id != "offline") | .ok == false and (.reason | contains("CAP_BPF"))] | all' "$tmp/nr.json")" = true ] ||
	fail "unprivileged: live commands not unavailable for CAP_BPF: $(jq -c .commands "$tmp/nr.json")"
[ "$(jq -r '.commands[] | select(.id == "offline") | .ok' "$tmp/nr.json")" = true ] ||
	fail "unprivileged: offline commands reported unavailable"
setpriv --reuid=65534 --regid=65534 --clear-groups "$U" doctor >"$tmp/nr.txt" 2>&1
r=$?
[ $r -eq 1 ] || fail "unprivileged doctor (text) exited $r (want 1)"
grep -qE '^  privileges +no ' "$tmp/nr.txt" || fail "unprivileged text lacks 'privileges no'"
grep -q 'not checked: .*CAP_BPF' "$tmp/nr.txt" || fail "unprivileged text does not say what was not checked and why"
setpriv --reuid=65534 --regid=65534 --clear-groups "$U" --version >"$tmp/nrv.txt" 2>&1 ||
	fail "unprivileged --version exited $?"
grep -q '^kernel features: not probed (needs CAP_BPF' "$tmp/nrv.txt" ||
	fail "unprivileged --version does not say the features were not probed: $(cat "$tmp/nrv.txt")"
ok "unprivileged (uid 65534): exit 1, $(jq -r '.privileges.missing | join(" ")' "$tmp/nr.json") missing, skipped: $(jq -r '.needs_root | join(" ")' "$tmp/nr.json")"

if command -v capsh >/dev/null; then
	capsh --drop=cap_perfmon -- -c "exec $(printf '%q' "$RXRAY") doctor --json" >"$tmp/np.json" 2>/dev/null
	r=$?
	[ $r -eq 1 ] || fail "root without CAP_PERFMON: doctor exited $r (want 1)"
	[ "$(jq -r '.privileges.missing | join(",")' "$tmp/np.json")" = CAP_PERFMON ] ||
		fail "root without CAP_PERFMON: missing $(jq -c .privileges.missing "$tmp/np.json")"
	ok "root without CAP_PERFMON: exit 1, CAP_PERFMON named"
fi

# ---- usage ------------------------------------------------------------------------
for args in "--bogus" "extra" "-i"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$RXRAY" doctor $args >"$tmp/u.out" 2>"$tmp/u.err"
	r=$?
	[ $r -eq 2 ] || fail "doctor $args exited $r (want 2)"
	[ "$(wc -l <"$tmp/u.err")" -eq 1 ] || fail "doctor $args: not one line on stderr: $(cat "$tmp/u.err")"
	[ -s "$tmp/u.out" ] && fail "doctor $args: output on stdout"
done
"$RXRAY" doctor -i nosuchif0 >/dev/null 2>"$tmp/u.err"
r=$?
[ $r -eq 2 ] || fail "doctor -i nosuchif0: exit $r (want 2)"
grep -q 'nosuchif0' "$tmp/u.err" || fail "doctor -i nosuchif0: the error does not name it: $(cat "$tmp/u.err")"
ok "usage errors exit 2"

rx_end "ok: rxray doctor agrees with the kernel, the commands and itself"

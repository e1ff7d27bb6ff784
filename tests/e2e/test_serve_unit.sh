#!/usr/bin/env bash
# The systemd unit (contrib/systemd/rxray.service.in) grants rxray serve
# enough and no more: systemd-analyze verify accepts it, and serve runs as
# the unit would run it (a user that is not root, with exactly the unit's
# AmbientCapabilities, no_new_privs), attaches to a veth, counts real
# traffic and answers /metrics, stops cleanly on SIGTERM; under strace, every
# system call it makes is in the unit's SystemCallFilter (as
# systemd-analyze syscall-filter expands it) and every socket family in its
# RestrictAddressFamilies. (There is no systemd to start the unit itself in
# the test machines; this checks each of its grants on the real program.)
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" pkgunit
rx_need systemd-analyze setpriv strace curl bpftool
cd "${0%/*}/../.." || exit 2
UNIT_IN=contrib/systemd/rxray.service.in
rx_lab

# the unit as make install writes it, naming a copy of rxray that any user may run
mkdir -p "$tmp/bin" "$tmp/etc/rxray" "$tmp/man/man8"
install -m 0755 "$RXRAY" "$tmp/bin/rxray"
sed -e "s|@BINDIR@|$tmp/bin|g" -e "s|@SYSCONFDIR@|$tmp/etc|g" "$UNIT_IN" >"$tmp/rxray.service"
printf 'interface = %s\nlisten = 127.0.0.1:19470\n' "$IF" >"$tmp/etc/rxray/rxray.conf"
chmod 644 "$tmp/etc/rxray/rxray.conf"
# verify also looks up the man pages the unit names: those of docs/man
for p in docs/man/rxray.8.scd docs/man/rxray-serve.8.scd; do
	if command -v scdoc >/dev/null; then
		scdoc <"$p" >"$tmp/man/man8/$(basename "$p" .scd)"
	fi
done
verify=(systemd-analyze verify)
command -v scdoc >/dev/null || verify+=(--man=no)
MANPATH=$tmp/man "${verify[@]}" "$tmp/rxray.service" >"$tmp/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$tmp/verify.log")"
[ -s "$tmp/verify.log" ] && fail "systemd-analyze verify warns: $(cat "$tmp/verify.log")"

# key UNIT KEY: the value of KEY in the unit
key() { sed -n "s/^$1=//p" "$tmp/rxray.service"; }
caps=$(key AmbientCapabilities)
[ "$caps" = "$(key CapabilityBoundingSet)" ] || fail "bounding set differs from the ambient set"
[ "$(key NoNewPrivileges)" = yes ] || fail "NoNewPrivileges"
[ "$(key DynamicUser)" = yes ] || fail "DynamicUser"
for k in ProtectSystem=strict RuntimeDirectory=rxray; do grep -qx "$k" "$tmp/rxray.service" || fail "no $k"; done
# setpriv's form of the caps: +bpf,+net_admin,+perfmon
set_caps=$(for c in $caps; do printf ',+%s' "$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')"; done)
set_caps=-all$set_caps

# serve as the unit runs it, traced; its control socket in a directory of its
# own, as RuntimeDirectory= gives it
mkdir -p "$tmp/agent" && chown 65534:65534 "$tmp/agent"
rx_bg ip netns exec "$NB" strace -f -qq -o "$tmp/strace" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
	--inh-caps="$set_caps" --ambient-caps="$set_caps" --bounding-set="$set_caps" \
	"$tmp/bin/rxray" serve --config "$tmp/etc/rxray/rxray.conf" --control "$tmp/agent/agent.sock"
serve_pid=$bg_pid
rx_until rx_scrapes 19470 || fail "serve with $caps as nobody: no /metrics"
ip netns exec "$NA" ping -c 5 -i 0.05 -q 192.0.2.2 >/dev/null || fail "ping"
inb curl -sf http://127.0.0.1:19470/metrics >"$tmp/metrics" || fail "GET /metrics"
icmp=$(awk -v P="$IF" '$1 == "rxray_protocol_packets_total{interface=\"" P "\",proto=\"icmp\"}" {print $2}' "$tmp/metrics")
[ "$icmp" = 5 ] || fail "icmp packets counted: '$icmp', sent 5"
# SIGTERM to rxray itself (strace holds on to it); strace exits with its status
kill -TERM "$(pgrep -P "$serve_pid")"
wait "$serve_pid"
rc=$?
[ $rc -eq 0 ] || fail "serve after SIGTERM: exit $rc"
inb bpftool net show dev "$IF" | sed -n '/^xdp:/,/^$/p' | grep -q " id " && fail "XDP still attached after SIGTERM"
inb bpftool net show dev "$IF" | grep -q 'tc_ingress\|tc_egress' && fail "TC still attached after SIGTERM"

# the system calls after rxray's execve, against the unit's filter
expand() { # expand GROUP-OR-CALL: the calls it names, one a line
	case $1 in
	@*) systemd-analyze syscall-filter "$1" | awk 'NR > 1 && !/^ *#/ && NF { print $1 }' |
		while read -r x; do expand "$x"; done ;;
	*) echo "$1" ;;
	esac
}
allowed=$(for g in $(key SystemCallFilter); do expand "$g"; done | sort -u)
[ "$(echo "$allowed" | wc -l)" -gt 100 ] || fail "the filter expands to too few calls: is systemd-analyze working?"
used=$(awk '/execve\(".*\/rxray"/ { on = 1 } on' "$tmp/strace" |
	sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' | sort -u)
[ "$(echo "$used" | grep -c .)" -gt 10 ] || fail "strace saw too few calls: $(head -3 "$tmp/strace")"
outside=$(comm -23 <(echo "$used") <(echo "$allowed") | tr '\n' ' ')
[ -z "$outside" ] || fail "system calls outside SystemCallFilter: $outside"
families=$(sed -nE 's/^[0-9]+ +socket\((AF_[A-Z0-9]+),.*/\1/p' "$tmp/strace" | sort -u)
for f in $families; do
	[[ " $(key RestrictAddressFamilies) " == *" $f "* ]] || fail "socket family $f outside RestrictAddressFamilies"
done
rx_end "unit verified; serve as uid 65534 with $caps: $icmp icmp counted, exit $rc;\
 $(echo "$used" | wc -l) system calls, all in the filter; families: $(echo "$families" | tr '\n' ' ')"

# Shared helpers for live tests (source it). Creates two network namespaces
# joined by a veth pair, with documentation addresses; cleans up by name.
#   rx_lab_up PREFIX     -> namespaces ${PREFIX}-a / ${PREFIX}-b, veth ${PREFIX}a / ${PREFIX}b
#                           192.0.2.1/24 + 2001:db8::1/64 in -a, 192.0.2.2/24 + 2001:db8::2/64 in -b
#   rx_lab_down PREFIX
rx_lab_up() {
	local p=$1
	rx_lab_down "$p"
	ip netns add "$p-a" && ip netns add "$p-b" || return 1
	ip link add "${p}a" netns "$p-a" type veth peer name "${p}b" netns "$p-b" || return 1
	ip -n "$p-a" link set lo up
	ip -n "$p-b" link set lo up
	ip -n "$p-a" addr add 192.0.2.1/24 dev "${p}a"
	ip -n "$p-b" addr add 192.0.2.2/24 dev "${p}b"
	ip -n "$p-a" addr add 2001:db8::1/64 dev "${p}a" nodad
	ip -n "$p-b" addr add 2001:db8::2/64 dev "${p}b" nodad
	# no IPv6 autoconfiguration chatter: the tests count packets exactly
	ip netns exec "$p-a" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf."${p}a".accept_ra=0 net.ipv6.conf."${p}a".autoconf=0 \
		net.ipv6.conf."${p}a".router_solicitations=0 net.ipv6.conf."${p}a".mldv1_unsolicited_report_interval=0 2>/dev/null
	ip netns exec "$p-b" sysctl -qw net.ipv6.conf."${p}b".accept_ra=0 net.ipv6.conf."${p}b".autoconf=0 \
		net.ipv6.conf."${p}b".router_solicitations=0 2>/dev/null
	ip -n "$p-a" link set "${p}a" up
	ip -n "$p-b" link set "${p}b" up
}

rx_lab_down() {
	local p=$1
	ip netns del "$p-a" 2>/dev/null
	ip netns del "$p-b" 2>/dev/null
	true
}

rx_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (network namespaces, BPF)"
		exit 77
	fi
}

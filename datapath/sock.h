/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The receiving socket (issue 14, part 4): at TC ingress, the local socket
 * that the kernel's own lookup says will receive a packet: every UDP
 * datagram (not multicast or broadcast), every SYN, and the segments of TCP
 * connections that rx_flows does not know (a tracked connection's socket was
 * found at its SYN: no lookup, no cost). What it finds goes to rx_sock_ports,
 * per local port, for user space to map to a process (src/procmap.c);
 * packets that no socket receives are counted per protocol, and SYNs to a
 * listener whose accept queue is full as listen_full (the kernel drops
 * them and counts TcpExtListenOverflows).
 *
 * The shim provides (bpf/sock.h; the native build has no kernel sockets,
 * native/shim.h: unknown, never counted):
 *
 *   int rx_shim_sock_lookup(struct rx_env *env, struct rx_work *wk)
 *       1: found, into wk->sock.port; 0: no socket; -1: no lookup made;
 *       2: found, as for this address and port a moment ago: nothing new
 *       (BPF keeps answers that hold for every peer 67 ms: no socket below
 *       the ephemeral ports, a listener or a connection of a port where one
 *       listens, an unconnected UDP socket; bpf/sock.h)
 *   int rx_shim_sock_port_put(struct rx_env *env, __u32 key, const struct rx_sock_port *sp)
 *       0, or -1 when the table refused the entry
 *
 * Off at run time with rx_config_rt.nosock (bpf_diff: the native build
 * finds no sockets, so the BPF build must not look for them either).
 */
#ifndef RX_SOCK_H
#define RX_SOCK_H

#include "parse.h"

/* Whether pkt goes to a group rather than one host: IPv4 multicast or broadcast, IPv6 multicast. */
RX_INLINE int rx_pkt_to_group(const struct rx_pkt *pkt)
{
	const __u8 *d = (const __u8 *)&pkt->ip_dst;

	if (pkt->layers & RX_L_IPV4)
		return (d[0] & 0xf0) == 0xe0 || pkt->ip_dst == 0xffffffff;
	return pkt->ip6_dst[0] == 0xff;
}

/*
 * The lookup for one decoded packet at TC ingress; tracked: its TCP
 * connection is in rx_flows (rx_tcp_track), so its socket is already known.
 */
RX_INLINE void rx_sock_find(struct rx_env *env, struct rx_work *wk, __u32 hook, int tracked)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_sock_port *sp = &wk->sock.port;
	int syn = (pkt->tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN;
	int tcp = (pkt->layers & RX_L_TCP) != 0;
	int r;

	if (hook != RX_HOOK_TC_INGRESS || rx_shim_config_rt(env)->nosock ||
	    !(pkt->layers & (RX_L_IPV4 | RX_L_IPV6)))
		return;
	if (tcp ? tracked && !syn : !(pkt->layers & RX_L_UDP) || rx_pkt_to_group(pkt))
		return;
	r = rx_shim_sock_lookup(env, wk);
	if (r < 0 || r == 2)
		return;
	if (r == 0) {
		rx_shim_stat(env, wk, tcp ? RX_STAT_NOSOCK_TCP : RX_STAT_NOSOCK_UDP);
		return;
	}
	if (syn && (sp->flags & RX_SOCKF_FULL))
		rx_shim_stat(env, wk, RX_STAT_LISTEN_FULL);
	sp->flags &= RX_SOCKF_LISTEN;
	sp->proto = tcp ? RX_IPPROTO_TCP : RX_IPPROTO_UDP;
	if (rx_shim_sock_port_put(env, RX_SOCK_KEY(sp->proto, pkt->dport), sp))
		rx_shim_stat(env, wk, RX_STAT_SOCK_PORTS_LOST);
}

#endif

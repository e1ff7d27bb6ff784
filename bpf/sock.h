/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The receiving socket's shim (datapath/sock.h): the kernel's own lookup at
 * TC ingress, bpf_skc_lookup_tcp() or bpf_sk_lookup_udp() (each reference
 * released), and the socket's cookie, inode and accept queue read with
 * CO-RE. Included by bpf/shim.h.
 */
#ifndef RX_BPF_SOCK_H
#define RX_BPF_SOCK_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

/*
 * The kernel's types, only the fields read: CO-RE finds their offsets in the
 * kernel's BTF, by the name before "___" (struct sock...).
 */
struct inode___rx {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file___rx {
	struct inode___rx *f_inode;
} __attribute__((preserve_access_index));

struct socket___rx {
	struct file___rx *file;
} __attribute__((preserve_access_index));

struct sock_common___rx {
	struct {
		__s64 counter;
	} skc_cookie;
} __attribute__((preserve_access_index));

struct sock___rx {
	struct sock_common___rx __sk_common;
	__u32 sk_ack_backlog;
	__u32 sk_max_ack_backlog;
	struct socket___rx *sk_socket;
} __attribute__((preserve_access_index));

/* Per local port, the socket found last (datapath/sock.h); the coldest port makes room. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, RX_SOCK_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct rx_sock_port);
} rx_sock_ports SEC(".maps");

/* The kernel's answers kept a moment, per local address, port and protocol (struct rx_sock_seen). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_sock_seen);
} rx_sock_seen SEC(".maps");

/* the kernel's TCP states (include/net/tcp_states.h); a connected UDP socket is "established" */
#define RX_TCP_ESTABLISHED 1
#define RX_TCP_LISTEN 10
#define RX_TCP_TIME_WAIT 6
#define RX_TCP_NEW_SYN_RECV 12

/*
 * The socket's own fields, by its address as a number: the lookup's
 * pointer allows no arithmetic, so the address goes through the work area
 * (a map value keeps no pointer type) and is read with probe reads.
 */
RX_INLINE void rx_sock_read(struct rx_work *wk, struct bpf_sock *sk, int full, int listen)
{
	struct rx_sock_port *sp = &wk->sock.port, *old;
	const struct sock___rx *s;
	__u32 key;

	*(volatile __u64 *)&wk->sock.addr = (__u64)(long)sk;
	s = (const void *)(long)*(volatile __u64 *)&wk->sock.addr;
	sp->cookie = 0;
	sp->inode = 0;
	sp->flags = listen ? RX_SOCKF_LISTEN : 0;
	if (bpf_core_field_exists(s->__sk_common.skc_cookie))
		sp->cookie = (__u64)BPF_CORE_READ(s, __sk_common.skc_cookie.counter);
	if (!full)
		return; /* a request or time-wait socket: only its common part */
	/*
	 * The port's socket as last found, when it is this one (a cookie is
	 * never reused; the kernel makes one when asked, as sock_diag does):
	 * its inode is known, four reads fewer.
	 */
	key = RX_SOCK_KEY((wk->pkt.layers & RX_L_TCP) ? 6 : 17, wk->pkt.dport); /* (TCP, UDP) */
	old = bpf_map_lookup_elem(&rx_sock_ports, &key);
	if (sp->cookie && old && old->cookie == sp->cookie)
		sp->inode = old->inode;
	else if (bpf_core_field_exists(s->sk_socket))
		sp->inode = BPF_CORE_READ(s, sk_socket, file, f_inode, i_ino);
	if (listen && bpf_core_field_exists(s->sk_max_ack_backlog) &&
	    BPF_CORE_READ(s, sk_ack_backlog) > BPF_CORE_READ(s, sk_max_ack_backlog))
		sp->flags |= RX_SOCKF_FULL;
}

/* Keep the kernel's answer (enum rx_sock_seen_flag) in its slot, when there is one (rx_sock_seen_slot). */
RX_INLINE void rx_sock_seen_keep(struct rx_sock_seen *seen, __u32 slot, __u64 tag, __u64 now,
				 __u64 flags)
{
	if (!seen)
		return;
	slot &= RX_SOCK_SEEN - 1;
	seen->slot[slot].tag = tag;
	seen->slot[slot].at = now | flags;
}

/*
 * The slot of pkt's local end (destination address, port, protocol) in
 * the kept answers, and its tag; NULL when the packet's answer is its own
 * (a SYN: a listener that just opened, its accept queue) or when none are
 * kept (rx_config_rt.sock_keep 0).
 */
RX_INLINE struct rx_sock_seen *rx_sock_seen_slot(struct rx_env *env, const struct rx_pkt *pkt,
						 __u64 *tag, __u32 *slot)
{
	__u32 w[5] = {}, zero = 0, mix;

	if ((pkt->tcp_flags & RX_TH_SYN) || !rx_shim_config_rt(env)->sock_keep)
		return NULL;
	if (pkt->layers & RX_L_IPV4)
		w[0] = pkt->ip_dst;
	else
		__builtin_memcpy(w, pkt->ip6_dst, 16);
	w[4] = (pkt->layers & RX_L_TCP ? 6u : 17u) << 24 | (pkt->layers & RX_L_IPV4 ? 1u : 0u) << 16 |
	       pkt->dport;
	*tag = rx_tag64(w, 5, &mix);
	*slot = mix & (RX_SOCK_SEEN - 1);
	return bpf_map_lookup_elem(&rx_sock_seen, &zero);
}

/*
 * Whether a listener takes new connections at t's destination: the lookup
 * of a peer with no connection there (source address and port 0), which
 * finds no established socket and falls through to the listeners. Then
 * every segment to that address and port finds a socket: the answer for a
 * connection open before rxray started (untracked: a lookup for each of
 * its segments) is kept as a listener's, for all of them.
 */
RX_INLINE int rx_sock_listener(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u32 len)
{
	struct bpf_sock *sk;
	int listen;

	if (len == sizeof(t->ipv4)) {
		t->ipv4.saddr = 0;
		t->ipv4.sport = 0;
	} else {
		__builtin_memset(t->ipv6.saddr, 0, 16);
		t->ipv6.sport = 0;
	}
	sk = bpf_skc_lookup_tcp(skb, t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	listen = sk->state == RX_TCP_LISTEN;
	bpf_sk_release(sk);
	return listen;
}

/*
 * 2: found, kept a moment ago (nothing new to keep), 1: found (into
 * wk->sock.port), 0: no socket. The kernel's answer for a segment of an
 * untracked connection or a datagram, when it holds for every peer, is
 * kept RX_SOCK_SEEN_NS for the same address, port and protocol (struct
 * rx_sock_seen): no socket, on a port below the ephemeral ones (a client's
 * connection there is found only by its own peer); a listener, or a
 * connection of a port where one listens; an unconnected UDP socket. A
 * flood to a closed port or to a listener, and the segments of
 * connections opened before rxray started (or evicted from rx_flows) to a
 * port that listens, cost a slot read and the coarse clock, not a lookup.
 * A connection of a port where none listens (a client's, a server's whose
 * listener closed) keeps its lookup, without the listener check for the
 * same time. So a socket that opens or closes is seen up to 67 ms late.
 */
RX_INLINE int rx_shim_sock_lookup(struct rx_env *env, struct rx_work *wk)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct __sk_buff *skb = (struct __sk_buff *)env;
	struct bpf_sock_tuple t = {};
	struct rx_sock_seen *seen;
	struct bpf_sock *sk;
	__u64 tag = 0, now = 0, at, none = 0;
	__u32 len, state, slot = 0;
	int keep, full, check = 1;

	seen = rx_sock_seen_slot(env, pkt, &tag, &slot);
	if (seen) {
		now = bpf_ktime_get_coarse_ns() & ~RX_SEEN_FLAGS;
		slot &= RX_SOCK_SEEN - 1;
		at = seen->slot[slot].at;
		if (seen->slot[slot].tag == tag && now - (at & ~RX_SEEN_FLAGS) < RX_SOCK_SEEN_NS) {
			if (!(at & RX_SEEN_NOLISTEN))
				return at & RX_SEEN_FOUND ? 2 : 0;
			check = 0; /* connections here, no listener: look up, no check */
		}
		/* "no socket" holds for every peer only on a port no client is given */
		none = pkt->dport < rx_shim_config_rt(env)->sock_none_below;
	}

	if (pkt->layers & RX_L_IPV4) {
		t.ipv4.saddr = pkt->ip_src;
		t.ipv4.daddr = pkt->ip_dst;
		t.ipv4.sport = bpf_htons(pkt->sport);
		t.ipv4.dport = bpf_htons(pkt->dport);
		len = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, pkt->ip6_src, 16);
		__builtin_memcpy(t.ipv6.daddr, pkt->ip6_dst, 16);
		t.ipv6.sport = bpf_htons(pkt->sport);
		t.ipv6.dport = bpf_htons(pkt->dport);
		len = sizeof(t.ipv6);
	}
	/* each lookup's pointer type is its own: the reads stay in their branch */
	if (!(pkt->layers & RX_L_TCP)) {
		sk = bpf_sk_lookup_udp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk) {
			if (none)
				rx_sock_seen_keep(seen, slot, tag, now, 0);
			return 0;
		}
		keep = sk->state != RX_TCP_ESTABLISHED; /* not connected: any peer's datagrams */
		rx_sock_read(wk, sk, 1, 0);
		bpf_sk_release(sk);
		if (keep)
			rx_sock_seen_keep(seen, slot, tag, now, RX_SEEN_FOUND);
		return 1;
	}
	sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		if (none)
			rx_sock_seen_keep(seen, slot, tag, now, 0);
		return 0;
	}
	state = sk->state;
	full = state != RX_TCP_TIME_WAIT && state != RX_TCP_NEW_SYN_RECV;
	rx_sock_read(wk, sk, full, state == RX_TCP_LISTEN);
	bpf_sk_release(sk);
	if (state == RX_TCP_LISTEN)
		rx_sock_seen_keep(seen, slot, tag, now, RX_SEEN_FOUND);
	else if (seen && check && full)
		rx_sock_seen_keep(seen, slot, tag, now,
				  rx_sock_listener(skb, &t, len) ? RX_SEEN_FOUND : RX_SEEN_NOLISTEN);
	return 1;
}

/*
 * Keep sp for its port, unless the port's entry is the same socket, or a
 * listener and sp only a connection of it (the listener names the server).
 */
RX_INLINE int rx_shim_sock_port_put(struct rx_env *env, __u32 key, const struct rx_sock_port *sp)
{
	struct rx_sock_port *old = bpf_map_lookup_elem(&rx_sock_ports, &key);

	if (old && old->inode == sp->inode && old->cookie == sp->cookie && old->flags == sp->flags)
		return 0;
	if (old && (old->flags & RX_SOCKF_LISTEN) && !(sp->flags & RX_SOCKF_LISTEN))
		return 0;
	if (!sp->inode && old)
		return 0; /* a request or time-wait socket tells nothing new */
	return bpf_map_update_elem(&rx_sock_ports, &key, sp, BPF_ANY) ? -1 : 0;
}

#endif

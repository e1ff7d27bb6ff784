/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TCP health from both directions of a connection: handshakes and their
 * latencies, RSTs by the side that sent them, retransmissions, zero windows,
 * GRO super-packets. It tells directions apart by content (who sent the
 * SYN), never by the hook, so the same code serves TC ingress + egress live
 * and a capture of both directions offline.
 *
 * Shim (see process.h) additionally provides:
 *   struct rx_tcp_flow *rx_shim_flow(struct rx_env *env, const struct rx_flow_key *k)
 *       (lookup only: NULL when the connection has no entry)
 *   struct rx_tcp_flow *rx_shim_flow_new(struct rx_env *env, const struct rx_flow_key *k)
 *       (insert zero and return it; NULL when it cannot track: counted as overflow)
 *   void rx_shim_health(struct rx_env *env, struct rx_work *wk, __u32 idx, __u64 add)
 *   struct rx_hist *rx_shim_latency(struct rx_env *env, struct rx_work *wk, __u32 which)
 *       (this CPU's histogram of latency which, or NULL)
 *   struct rx_tcp_port *rx_shim_tcp_port(struct rx_env *env, __u32 port)
 *       (the port's counters, inserted zero when new; NULL when it cannot count:
 *       counted as tcp_ports_overflow)
 */
#ifndef RX_TCP_H
#define RX_TCP_H

#include "parse.h"

RX_INLINE __u32 rx_lat_bucket(__u64 ns)
{
	return RX_BUCKET(ns / 1000, RX_LAT_BOUNDS_US);
}

/* One latency of ns into histogram which: its bucket, sum, count, min and max. */
RX_INLINE void rx_latency_add(struct rx_env *env, struct rx_work *wk, __u32 which, __u64 ns)
{
	struct rx_hist *h = rx_shim_latency(env, wk, which);
	__u32 b = rx_lat_bucket(ns);

	if (!h || b >= RX_LAT_BUCKETS)
		return;
	h->count[b]++;
	h->sum_ns += ns;
	if (!h->n || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->n++;
}

/* The source endpoint of pkt as a 16-byte address. */
RX_INLINE void rx_src_dst16(const struct rx_pkt *pkt, __u8 *src, __u8 *dst)
{
	if (pkt->layers & RX_L_IPV4) {
		__builtin_memset(src, 0, 10);
		__builtin_memset(dst, 0, 10);
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		__builtin_memcpy(src + 12, &pkt->ip_src, 4);
		__builtin_memcpy(dst + 12, &pkt->ip_dst, 4);
	} else {
		__builtin_memcpy(src, pkt->ip6_src, 16);
		__builtin_memcpy(dst, pkt->ip6_dst, 16);
	}
}

/*
 * Two 16-byte addresses (8-byte aligned: on the stack, BPF reads only
 * aligned words) in network order: <0, 0 or >0. Two word compares, not
 * sixteen byte compares (an IPv4 address's first 12 bytes are the same).
 */
RX_INLINE int rx_addr_cmp(const __u64 *x, const __u64 *y)
{
	__u64 a = RX_NTOH64(x[0]), b = RX_NTOH64(y[0]);

	if (a == b) {
		a = RX_NTOH64(x[1]);
		b = RX_NTOH64(y[1]);
	}
	return (a > b) - (a < b);
}

/*
 * The direction-free key of pkt's connection: endpoint a is the lower
 * (address, port). Returns pkt's side: 0 if it was sent by a, 1 by b.
 */
RX_INLINE __u32 rx_flow_key_of(const struct rx_pkt *pkt, struct rx_flow_key *k)
{
	__u64 src[2], dst[2];
	int c;

	rx_src_dst16(pkt, (__u8 *)src, (__u8 *)dst);
	__builtin_memset(k, 0, sizeof(*k));
	c = rx_addr_cmp(src, dst);
	if (c < 0 || (c == 0 && pkt->sport <= pkt->dport)) {
		__builtin_memcpy(k->a, src, 16);
		__builtin_memcpy(k->b, dst, 16);
		k->pa = pkt->sport;
		k->pb = pkt->dport;
		return 0;
	}
	__builtin_memcpy(k->a, dst, 16);
	__builtin_memcpy(k->b, src, 16);
	k->pa = pkt->dport;
	k->pb = pkt->sport;
	return 1;
}

/*
 * The packet's datapath time: the clock read on first use (*now 0: not
 * yet), then the same value. Most segments never need it: a segment of a
 * connection without an entry, or past its handshake, reads no clock (in a
 * VM, a clock read costs about as much as the flow lookup).
 */
RX_INLINE __u64 rx_clock(struct rx_env *env, __u64 *now)
{
	if (!*now)
		*now = rx_shim_now(env);
	return *now;
}

/*
 * pkt's source completed a handshake: into rx_guard_good, the sources the
 * SYN guard lets through while it is engaged (datapath/guard.h).
 */
RX_INLINE void rx_tcp_proven(struct rx_env *env, const struct rx_pkt *pkt, __u64 now)
{
	struct rx_guard_good_key g = {};

	rx_pkt_src16(pkt, g.addr);
	rx_shim_guard_good_mark(env, &g, now);
}

/*
 * A FIN or RST of a tracked connection: its end (enum rx_flow_closed), and
 * once both FINs or a RST are seen, the second it closed (the last such
 * segment's: a retransmitted FIN moves it on).
 */
RX_INLINE void rx_tcp_closing(struct rx_env *env, struct rx_tcp_flow *f, __u16 fl, __u32 side,
			      __u64 *now)
{
	if (fl & RX_TH_RST)
		f->closed |= RX_FLOW_RST;
	if (fl & RX_TH_FIN)
		f->closed |= (side & 1) ? RX_FLOW_FIN_B : RX_FLOW_FIN_A;
	if ((f->closed & RX_FLOW_RST) || (f->closed & (RX_FLOW_FIN_A | RX_FLOW_FIN_B)) ==
						   (RX_FLOW_FIN_A | RX_FLOW_FIN_B))
		f->close_s = (__u16)(rx_clock(env, now) / 1000000000ull);
}

/*
 * One TCP segment (wk->pkt has a decoded TCP header); *now is its datapath
 * time, read when first needed (rx_clock). segs is the number of wire
 * segments it stands for (GRO), at least 1. Leaves the segment's events
 * (enum rx_tcp_port_ev) in wk->stage.tcp_ev (zeroed by the caller) and in
 * wk->stage.tcp_port the connection's server port (a SYN's destination
 * port; untracked, the lower of the two), and in wk->hkey its connection's
 * key (rx_flow_key_of) and in wk->stage.side the side that sent it, for the
 * stages after it. Returns whether the connection is in rx_flows (found, or
 * made by this SYN or SYN-ACK).
 */
RX_INLINE int rx_tcp_events(struct rx_env *env, struct rx_work *wk, __u64 *now, __u32 segs)
{
	const struct rx_pkt *pkt = &wk->pkt;
	__u32 *ev = &wk->stage.tcp_ev, *port = &wk->stage.tcp_port;
	struct rx_flow_key *k = &wk->hkey;
	struct rx_tcp_flow *f;
	__u16 fl = pkt->tcp_flags;
	__u32 side, end;

	if (!(pkt->layers & RX_L_TCP) || !(pkt->layers & (RX_L_IPV4 | RX_L_IPV6)))
		return 0;
	if (segs > 1) {
		rx_shim_health(env, wk, RX_TCPH_GRO_PACKETS, 1);
		rx_shim_health(env, wk, RX_TCPH_GRO_SEGMENTS, segs);
	}
	*port = pkt->sport < pkt->dport ? pkt->sport : pkt->dport;
	if (pkt->tcp_win == 0 && !(fl & (RX_TH_SYN | RX_TH_RST))) {
		rx_shim_health(env, wk, RX_TCPH_ZERO_WINDOWS, 1);
		*ev |= RX_TPE_ZERO_WINDOW;
	}
	if ((fl & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN) {
		*port = pkt->dport; /* counted even when the connection cannot be tracked */
		*ev |= RX_TPE_SYN;
	}

	side = rx_flow_key_of(pkt, k);
	wk->stage.side = side; /* with wk->hkey, for the TLS and HTTP stages that follow */
	f = rx_shim_flow(env, k);
	if (!f) {
		/*
		 * Only a handshake creates an entry. A segment of a connection
		 * that was open before rxray started (or was evicted) costs this
		 * one lookup: a flood of random ACKs neither pays an insert nor
		 * pushes real connections out of the table. Its RST is still
		 * counted, by the side with the higher port as the client.
		 */
		if (fl & RX_TH_RST) {
			rx_shim_health(env, wk, side == (k->pa > k->pb ? 0u : 1u) ? RX_TCPH_RST_FROM_CLIENT
									 : RX_TCPH_RST_FROM_SERVER,
				       1);
			*ev |= RX_TPE_RST;
		}
		if ((fl & (RX_TH_SYN | RX_TH_RST)) != RX_TH_SYN) /* a SYN or SYN-ACK only */
			return 0;
		f = rx_shim_flow_new(env, k);
		if (!f) {
			rx_shim_health(env, wk, RX_TCPH_FLOWS_OVERFLOW, 1);
			return 0;
		}
	}
	if (!f->known) {
		rx_shim_health(env, wk, RX_TCPH_FLOWS, 1);
		/* until a SYN says otherwise: the client is the side with the higher port */
		f->client = k->pa > k->pb ? 0 : 1;
		f->known = 1;
	}

	if ((fl & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN) {
		f->closed = 0; /* (a new attempt: after a RST, or of the same addresses and ports) */
		if (f->state == RX_FLOW_SYN && f->client == side) {
			rx_shim_health(env, wk, RX_TCPH_SYN_RETRANSMITS, 1);
			f->syn_ns = rx_clock(env, now); /* the server answers the SYN it saw last */
		} else {
			f->state = RX_FLOW_SYN;
			f->client = (__u8)side;
			f->syn_ns = rx_clock(env, now);
			f->seen[0] = f->seen[1] = 0;
		}
	} else if ((fl & (RX_TH_SYN | RX_TH_ACK)) == (RX_TH_SYN | RX_TH_ACK)) {
		if (f->state == RX_FLOW_SYN && f->client != side) {
			rx_latency_add(env, wk, RX_LAT_SYNACK_DELAY, rx_clock(env, now) - f->syn_ns);
			f->state = RX_FLOW_SYNACK;
			f->synack_ns = rx_clock(env, now);
		}
	} else if ((fl & RX_TH_ACK) && f->state == RX_FLOW_SYNACK && f->client == side) {
		rx_latency_add(env, wk, RX_LAT_HANDSHAKE_RTT, rx_clock(env, now) - f->synack_ns);
		rx_shim_health(env, wk, RX_TCPH_HANDSHAKES, 1);
		f->state = RX_FLOW_EST;
		*ev |= RX_TPE_HANDSHAKE;
		if (rx_shim_config_rt(env)->guard) /* the SYN guard's proven sources (guard.h) */
			rx_tcp_proven(env, pkt, rx_clock(env, now));
	}
	*port = f->client ? k->pa : k->pb; /* the side that did not send the SYN serves */
	if (fl & RX_TH_RST) {
		rx_shim_health(env, wk, side == f->client ? RX_TCPH_RST_FROM_CLIENT : RX_TCPH_RST_FROM_SERVER,
			       1);
		*ev |= RX_TPE_RST;
	}
	if (fl & (RX_TH_FIN | RX_TH_RST))
		rx_tcp_closing(env, f, fl, side, now);

	/*
	 * Retransmission: data (or a FIN) ending at or below the highest
	 * sequence this side already sent. SYNs take a sequence number too.
	 */
	end = pkt->tcp_seq + pkt->payload_len + ((fl & RX_TH_FIN) ? 1 : 0) + ((fl & RX_TH_SYN) ? 1 : 0);
	if (end == pkt->tcp_seq || !(pkt->layers & RX_L_PAYLOAD))
		return 1;
	side &= 1;
	if (f->seen[side] && !(fl & RX_TH_SYN) && (__s32)(end - f->end[side]) <= 0) {
		rx_shim_health(env, wk, RX_TCPH_RETRANSMITS, 1);
		*ev |= RX_TPE_RETRANSMIT;
		return 1;
	}
	if (!f->seen[side] || (__s32)(end - f->end[side]) > 0) {
		f->end[side] = end;
		f->seen[side] = 1;
	}
	return 1;
}

/*
 * The events of one segment on its server port (rx_tcp_ports): one lookup
 * for a segment with any, none for the others (most segments).
 */
RX_INLINE void rx_tcp_port_count(struct rx_env *env, struct rx_work *wk, __u32 port, __u32 ev)
{
	struct rx_tcp_port *p;

	if (!ev)
		return;
	p = rx_shim_tcp_port(env, port);
	if (!p) {
		rx_shim_stat(env, wk, RX_STAT_TCP_PORTS_OVERFLOW);
		return;
	}
	/* adds, not branches: the verifier walks one path */
	p->syn += ev & 1;
	p->handshakes += (ev >> 1) & 1;
	p->rst += (ev >> 2) & 1;
	p->retransmits += (ev >> 3) & 1;
	p->zero_windows += (ev >> 4) & 1;
}

/*
 * One TCP segment: TCP health (rx_tcp_events), per interface and per server
 * port. Returns whether its connection is in rx_flows.
 */
RX_INLINE int rx_tcp_track(struct rx_env *env, struct rx_work *wk, __u64 *now, __u32 segs)
{
	int tracked;

	wk->stage.tcp_ev = 0;
	wk->stage.tcp_port = 0;
	tracked = rx_tcp_events(env, wk, now, segs);
	rx_tcp_port_count(env, wk, wk->stage.tcp_port, wk->stage.tcp_ev);
	return tracked;
}

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Port-scan accounting (datapath/abi.h, "Port scans"; docs/alerts.md,
 * "port_scan"): the first touch of each (source, host, port, proto) by a
 * probe, and per source the distinct ports it touched on a host and the
 * distinct hosts it touched on a port. User space reads only the records
 * (rx_scan_sources, bounded), never the touches.
 *
 * Cost: a packet that is no probe (anything with ACK, RST, ICMP...) costs
 * nothing; a probe of a known target one slot of the known-targets cache
 * (rx_scan_tag), or, when its tag is not there, a lookup; only a new
 * target updates two records, and only RX_SCAN_NEW_PER_S of them a second
 * per CPU (rx_scan_admit; past that, scan_overflow). While a second's
 * budget is spent a probe whose tag is not cached is counted in
 * scan_overflow with no lookup: a flood of spoofed sources costs a slot
 * read and the clock per probe, not a lookup that misses (the touches'
 * table, full, spills to memory). Shim:
 *
 *   struct rx_scan_touch *rx_shim_scan_touch(struct rx_env *env,
 *                                            const struct rx_scan_touch_key *k, int create)
 *   struct rx_scan_seen *rx_shim_scan_seen(struct rx_env *env)
 *       (the known-targets cache; NULL: none)
 *   struct rx_scan_rec *rx_shim_scan_rec(struct rx_env *env, const struct rx_scan_key *k,
 *                                        int create)
 *   struct rx_scan_budget *rx_shim_scan_budget(struct rx_env *env, struct rx_work *wk)
 *       (this CPU's; native: one)
 *
 * (create: insert a zeroed entry when new; NULL when new and the table is
 * full, or when not found and create is 0.)
 */
#ifndef RX_SCAN_H
#define RX_SCAN_H

/* The rx_scan_kind of a decoded packet, or 0 when it is no probe. */
RX_INLINE __u32 rx_scan_kind_of(const struct rx_pkt *pkt)
{
	__u16 f = pkt->tcp_flags & (RX_TH_FIN | RX_TH_SYN | RX_TH_RST | RX_TH_PUSH | RX_TH_ACK |
				    RX_TH_URG);

	if (pkt->layers & RX_L_UDP)
		return pkt->sport >= 1024 && pkt->dport < RX_SCAN_UDP_EPHEMERAL ? RX_SCAN_UDP : 0;
	if (!(pkt->layers & RX_L_TCP))
		return 0;
	if ((f & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN)
		return RX_SCAN_SYN;
	if (f & (RX_TH_SYN | RX_TH_ACK | RX_TH_RST))
		return 0;
	if (f == 0)
		return RX_SCAN_NULL;
	if (f == RX_TH_FIN)
		return RX_SCAN_FIN;
	if (f == (RX_TH_FIN | RX_TH_PUSH | RX_TH_URG))
		return RX_SCAN_XMAS;
	return RX_SCAN_OTHER;
}

/* The packet's addresses as 16 bytes each (IPv4 as ::ffff:a.b.c.d); 0 when not IP. */
RX_INLINE int rx_scan_addrs(const struct rx_pkt *pkt, __u8 *src, __u8 *dst)
{
	if (pkt->layers & RX_L_IPV4) {
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		__builtin_memcpy(&src[12], &pkt->ip_src, 4);
		__builtin_memcpy(&dst[12], &pkt->ip_dst, 4);
		return 1;
	}
	if (pkt->layers & RX_L_IPV6) {
		__builtin_memcpy(src, pkt->ip6_src, 16);
		__builtin_memcpy(dst, pkt->ip6_dst, 16);
		return 1;
	}
	return 0;
}

/* One record: a new touch (kind, port) at now; a record past its window starts over. */
RX_INLINE void rx_scan_bump(struct rx_env *env, struct rx_work *wk, const struct rx_scan_key *k,
			    __u32 kind, __u16 port, __u64 now)
{
	struct rx_scan_rec *r = rx_shim_scan_rec(env, k, 1);
	__u32 n;

	if (!r) {
		rx_shim_stat(env, wk, RX_STAT_SCAN_OVERFLOW);
		return;
	}
	/* (a clock that went back, as a capture's may, does not start it over) */
	if (!r->first_ns || (now > r->first_ns && now - r->first_ns > RX_SCAN_WINDOW_NS)) {
		__builtin_memset(r, 0, sizeof(*r));
		r->first_ns = now ? now : 1;
	}
	r->last_ns = now;
	r->kinds |= kind;
	n = r->touches;
	if (k->scope == RX_SCAN_HOST && n < RX_SCAN_PORTS)
		r->ports[n & (RX_SCAN_PORTS - 1)] = port;
	r->touches = n + 1;
}

/*
 * Whether one more new target is tracked in now's second (RX_SCAN_NEW_PER_S).
 * The count starts over when the clock enters a later second, or goes back
 * by more than a second (a capture's clock may jump); a step back within a
 * second stays in the current count, so a capture whose frames are slightly
 * out of order gets no fresh budget at each flip (the kernel's clock never
 * goes back: both builds agree on ordered time).
 */
RX_INLINE int rx_scan_new_second(const struct rx_scan_budget *b, __u64 sec)
{
	return sec > b->second || sec + 1 < b->second;
}

RX_INLINE int rx_scan_admit(struct rx_scan_budget *b, __u64 now)
{
	__u64 sec = now / 1000000000ull;

	if (rx_scan_new_second(b, sec)) {
		b->second = sec;
		b->taken = 0;
	}
	if (b->taken >= RX_SCAN_NEW_PER_S)
		return 0;
	b->taken++;
	return 1;
}

/* Whether now's second has spent its budget of new targets (rx_scan_admit), without taking one. */
RX_INLINE int rx_scan_spent(const struct rx_scan_budget *b, __u64 now)
{
	return !rx_scan_new_second(b, now / 1000000000ull) && b->taken >= RX_SCAN_NEW_PER_S;
}

/*
 * k's tag in the known-targets cache (struct rx_scan_seen), never 0 (an
 * empty slot), and in *slot its slot: rx_tag64 of the key's first 36 bytes
 * (addresses, port, proto and a zero pad byte). A direct-mapped array, so a
 * target's tag is overwritten by a later one of the same slot; a 64-bit
 * store, so CPUs racing on a slot leave one whole tag. Both builds keep it,
 * so that they count alike.
 */
RX_INLINE __u64 rx_scan_tag(const struct rx_scan_touch_key *k, __u32 *slot)
{
	__u32 w[9], mix;
	__u64 tag;

	__builtin_memcpy(w, k, sizeof(w)); /* byte arrays: no alignment to rely on */
	tag = rx_tag64(w, 9, &mix);
	*slot = mix & (RX_SCAN_SEEN - 1);
	return tag;
}

/*
 * XDP: a probe's first touch of its target, counted in its two records.
 * A target known by its tag counts nothing more; one whose touch the live
 * LRU table dropped while its tag stayed is still known (its first touch
 * was counted).
 */
RX_INLINE void rx_scan_probe(struct rx_env *env, struct rx_work *wk)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_scan_touch_key t = {};
	struct rx_scan_budget *b;
	struct rx_scan_seen *seen;
	struct rx_scan_key k = {};
	__u32 kind = rx_scan_kind_of(pkt), slot;
	__u64 now, tag, *cached = NULL;
	int known;

	if (!kind || !rx_scan_addrs(pkt, t.src, t.dst))
		return;
	t.port = pkt->dport;
	t.proto = (pkt->layers & RX_L_TCP) ? RX_IPPROTO_TCP : RX_IPPROTO_UDP;
	tag = rx_scan_tag(&t, &slot);
	seen = rx_shim_scan_seen(env);
	if (seen)
		cached = &seen->tag[slot & (RX_SCAN_SEEN - 1)];
	if (cached && *cached == tag)
		return; /* the common case: a target touched before */
	now = rx_shim_now(env);
	b = rx_shim_scan_budget(env, wk);
	if (rx_scan_spent(b, now)) {
		rx_shim_stat(env, wk, RX_STAT_SCAN_OVERFLOW);
		return;
	}
	/* known (its tag not cached), or new and within the second's budget */
	known = rx_shim_scan_touch(env, &t, 0) != NULL;
	if (!known && (!rx_scan_admit(b, now) || !rx_shim_scan_touch(env, &t, 1))) {
		rx_shim_stat(env, wk, RX_STAT_SCAN_OVERFLOW);
		return;
	}
	if (cached)
		*cached = tag;
	if (known)
		return;
	__builtin_memcpy(k.src, t.src, 16);
	__builtin_memcpy(k.dst, t.dst, 16);
	k.scope = RX_SCAN_HOST;
	rx_scan_bump(env, wk, &k, kind, t.port, now);
	__builtin_memset(k.dst, 0, 16);
	k.port = t.port;
	k.proto = t.proto;
	k.scope = RX_SCAN_PORT;
	rx_scan_bump(env, wk, &k, kind, t.port, now);
}

/* One record's answered count, when it has one. */
RX_INLINE void rx_scan_answered(struct rx_env *env, const struct rx_scan_key *k)
{
	struct rx_scan_rec *r = rx_shim_scan_rec(env, k, 0);

	if (r && r->answered < r->touches)
		r->answered++;
}

/*
 * TC egress (offline: every frame): an answer from the host to a probe of
 * one of its ports: a SYN-ACK, or a UDP datagram from that port (below
 * RX_SCAN_UDP_EPHEMERAL) back to a port of 1024 or more, as a probe came
 * from. That touch is answered (once), and so are its records; a port
 * that answers does not count as probed. Anything else costs nothing; an
 * answer, one lookup.
 */
RX_INLINE void rx_scan_answer(struct rx_env *env, struct rx_work *wk)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_scan_touch_key t = {};
	struct rx_scan_touch *v;
	struct rx_scan_key k = {};

	if (pkt->layers & RX_L_UDP) {
		if (pkt->sport >= RX_SCAN_UDP_EPHEMERAL || pkt->dport < 1024)
			return;
		t.proto = RX_IPPROTO_UDP;
	} else if ((pkt->layers & RX_L_TCP) &&
		   (pkt->tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == (RX_TH_SYN | RX_TH_ACK)) {
		t.proto = RX_IPPROTO_TCP;
	} else {
		return;
	}
	if (!rx_scan_addrs(pkt, t.dst, t.src)) /* the reply's source is the probe's target */
		return;
	t.port = pkt->sport;
	v = rx_shim_scan_touch(env, &t, 0);
	if (!v || v->answered)
		return;
	v->answered = 1;
	__builtin_memcpy(k.src, t.src, 16);
	__builtin_memcpy(k.dst, t.dst, 16);
	k.scope = RX_SCAN_HOST;
	rx_scan_answered(env, &k);
	__builtin_memset(k.dst, 0, 16);
	k.port = t.port;
	k.proto = t.proto;
	k.scope = RX_SCAN_PORT;
	rx_scan_answered(env, &k);
}

#endif

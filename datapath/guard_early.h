/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's early check (docs/guard.md): at XDP entry, before the full
 * decode, the frame's source address against the allow and deny lists. A
 * blocked source's packet is dropped there at once, for the cost of an
 * Ethernet/VLAN and IP header read and one or two LPM lookups, and counted
 * in the guard's counters only (its rule's hits and the drop counter):
 * not in the traffic picture, the scan probe or a capture, and TC never
 * sees it, so a blocked source's SYNs never count as half-open handshakes.
 *
 * It decides exactly as the guard stage's list walk (guard.h) would on the
 * decoded packet: the decoder sets the IP layer, the only thing the walk
 * needs, from the same tests (Ethernet, at most RX_VLAN_MAX tags, an IPv4
 * header with its options in the frame, or IPv6's 40 bytes). What the early
 * check cannot read it leaves to the stage (RX_GE_NONE). Empty lists
 * (rx_guard_cfg.lists) are not looked up; with lists only and no match, or
 * an allow or dry-run match, the guard stage does not run at all.
 *
 * The BPF build runs it in a function of its own (bpf/rxray.bpf.c): its
 * instructions are verified once, not on each of the entry's paths.
 */
#ifndef RX_GUARD_EARLY_H
#define RX_GUARD_EARLY_H

#include "parse.h"
#include "guard.h"

/* The source address an Ethernet frame's IP header names. */
struct rx_guard_src {
	const __u8 *addr; /* 4 bytes (IPv4) or 16 (IPv6), in the frame */
	__u32 v6;
	__u32 proto; /* enum rx_proto the drop is counted under */
};

/* The counter's protocol for a dropped packet: its L4 when the first 8 bytes are there. */
RX_INLINE __u32 rx_guard_early_proto(__u8 nxt, const __u8 *l4, const __u8 *end, __u32 v6)
{
	if (l4 + 8 > end)
		return v6 ? RX_PROTO_IPV6 : RX_PROTO_IPV4;
	if (nxt == RX_IPPROTO_TCP)
		return RX_PROTO_TCP;
	if (nxt == RX_IPPROTO_UDP)
		return RX_PROTO_UDP;
	if (nxt == (v6 ? RX_IPPROTO_ICMPV6 : RX_IPPROTO_ICMP))
		return v6 ? RX_PROTO_ICMPV6 : RX_PROTO_ICMP;
	return v6 ? RX_PROTO_IPV6 : RX_PROTO_IPV4;
}

/*
 * The source of the Ethernet frame [p, end) into *s, as rx_parse() would
 * decode it (rx_parse_eth, rx_parse_vlans, the IP layer's first tests): 1,
 * or 0 when the frame has no IP layer the decoder would set.
 */
RX_INLINE int rx_guard_early_src(const __u8 *p, const __u8 *end, struct rx_guard_src *s)
{
	__u32 hl;
	__u16 type;
	int i;

	if (p + 14 > end)
		return 0;
	type = rx_pkt16(p + 12);
	p += 14;
	RX_UNROLL
	for (i = 0; i < RX_VLAN_MAX; i++) {
		if (!rx_is_vlan_tpid(type))
			break;
		if (p + 4 > end)
			return 0;
		type = rx_pkt16(p + 2);
		p += 4;
	}
	if (type == RX_ETH_P_IP) {
		if (p + 20 > end)
			return 0;
		hl = (p[0] & 0xf) * 4;
		if (p[0] >> 4 != 4 || hl < 20 || p + hl > end)
			return 0;
		s->addr = p + 12;
		s->v6 = 0;
		/* a later fragment has no L4 header: counted as IPv4, as the decoder does */
		s->proto = (rx_pkt16(p + 6) & RX_IP_OFFMASK)
				   ? RX_PROTO_IPV4
				   : rx_guard_early_proto(p[9], p + hl, end, 0);
		return 1;
	}
	if (type == RX_ETH_P_IPV6) {
		if (p + 40 > end || p[0] >> 4 != 6)
			return 0;
		s->addr = p + 8;
		s->v6 = 1;
		/* (behind extension headers: counted as IPv6) */
		s->proto = rx_guard_early_proto(p[6], p + 40, end, 1);
		return 1;
	}
	return 0;
}

/* Count an early drop as the guard stage would have: verdict drop, reason blocked. */
RX_INLINE void rx_guard_early_count(struct rx_env *env, __u32 proto, __u32 len)
{
	struct rx_work *wk = rx_shim_scratch(env, 0);

	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return;
	}
	if (proto >= RX_PROTO_MAX)
		proto = RX_PROTO_OTHER;
	rx_shim_count(env, wk, RX_COUNTER_IDX(RX_VERDICT_DROP, RX_REASON_GUARD_BLOCKED, proto), len);
}

/*
 * The early check on the Ethernet frame [data, end) of wire_len bytes, the
 * guard being on: enum rx_guard_early. Only RX_GE_DROP drops; the others
 * tell the entry what is left for the guard stage.
 */
RX_INLINE int rx_guard_early(struct rx_env *env, const __u8 *data, const __u8 *end,
			     __u32 wire_len)
{
	const struct rx_guard_cfg *cfg = rx_shim_guard_cfg(env);
	const struct rx_guard_rule *r;
	struct rx_guard_src s;
	__u32 lists, more, dry;

	if (!cfg)
		return RX_GE_NONE;
	more = cfg->syn_guard || cfg->caps || cfg->limits || cfg->src_limits;
	lists = cfg->lists;
	if (!lists)
		return more ? RX_GE_LISTS : RX_GE_DONE;
	if (!rx_guard_early_src(data, end, &s))
		return RX_GE_NONE;
	if (s.v6)
		lists >>= 2; /* RX_GUARD_L_ALLOW6, RX_GUARD_L_DENY6 */
	if (lists & RX_GUARD_L_ALLOW4) {
		r = rx_shim_guard_find(env, RX_GUARD_ALLOW, s.v6, s.addr);
		if (r) {
			rx_guard_hit(env, r->id, 0, wire_len);
			return RX_GE_DONE;
		}
	}
	if (lists & RX_GUARD_L_DENY4) {
		r = rx_shim_guard_find(env, RX_GUARD_DENY, s.v6, s.addr);
		if (r) {
			dry = cfg->dry_run || (r->flags & RX_GUARD_F_DRY_RUN);
			rx_guard_hit(env, r->id, dry ? 2 : 1, wire_len);
			if (dry)
				return RX_GE_DONE;
			rx_guard_early_count(env, s.proto, wire_len);
			return RX_GE_DROP;
		}
	}
	return more ? RX_GE_LISTS : RX_GE_DONE;
}

#endif

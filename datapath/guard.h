/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard: traffic control at XDP (docs/guard.md). A stage of its own in
 * the XDP pipeline (RX_XSTAGE_GUARD), after the entry's decode and before
 * the capture stage, with its own verifier budget. It decides the packet's
 * verdict from the rules that the agent (src/guard.c) writes:
 *
 *   1. allow lists (LPM tries, IPv4 and IPv6): a match passes, always;
 *   2. deny lists (LPM tries): a match drops (reason "blocked"), or only
 *      counts what it would drop when the rule or the guard is in dry run;
 *   3. the SYN guard, while the agent has engaged it: SYNs of sources that
 *      never completed a handshake (not in rx_guard_good, which the TC
 *      program fills) are limited per source, or dropped;
 *   4. per-port SYN caps: one token bucket per port for every source;
 *   5. per-source token buckets (packets/s and SYN/s), global or per
 *      destination port, and a source's own limit on a port (the SLO
 *      loop's, src/guard_slo.c): past the rate, reason "rate_limited"
 *      (3-5 alike).
 *
 * Each matching rule counts per CPU (struct rx_guard_hits, by rule id).
 * The stage counts the packet under its final (verdict, reason, proto): the
 * entry leaves that to it whenever the guard is on (rx_guard_wants).
 *
 * Shim (bpf/guard_maps.h, native/guard_shim.h):
 *   const struct rx_guard_cfg *rx_shim_guard_cfg(struct rx_env *env)
 *   const struct rx_guard_rule *rx_shim_guard_match(struct rx_env *env, __u32 list,
 *                                                   const struct rx_pkt *pkt)
 *   const struct rx_guard_rule *rx_shim_guard_find(struct rx_env *env, __u32 list, __u32 v6,
 *                                                  const __u8 *addr)
 *   struct rx_guard_hits *rx_shim_guard_hits(struct rx_env *env, __u32 id)
 *   const struct rx_guard_limit *rx_shim_guard_limit(struct rx_env *env, __u32 port)
 *   const struct rx_guard_limit *rx_shim_guard_srclimit(struct rx_env *env,
 *                                                       const struct rx_guard_bucket_key *k)
 *   struct rx_guard_bucket *rx_shim_guard_bucket(struct rx_env *env,
 *                                                const struct rx_guard_bucket_key *k)
 *   int rx_shim_guard_good(struct rx_env *env, const struct rx_guard_good_key *k)
 *   void rx_shim_guard_good_mark(struct rx_env *env, const struct rx_guard_good_key *k, __u64 now)
 */
#ifndef RX_GUARD_H
#define RX_GUARD_H

#include "guard_abi.h"

/*
 * What the early check at XDP entry (guard_early.h) settled, before the
 * full decode: the frame's rx_frame.guard, then the work area's
 * stage.guard for the guard stage.
 */
enum rx_guard_early {
	RX_GE_NONE = 0,  /* nothing: the guard stage decides from the start */
	RX_GE_LISTS = 1, /* the source is in neither list: the stage starts at the SYN guard */
	RX_GE_DONE = 2,  /* decided, the packet passes (and is counted): no guard stage */
	RX_GE_DROP = 3,  /* a deny rule dropped it, counted: nothing else runs */
};

/* Whether the guard stage decides this packet: the guard is on and it has an IP source. */
RX_INLINE int rx_guard_wants(struct rx_env *env, const struct rx_pkt *pkt)
{
	return rx_shim_config_rt(env)->guard && (pkt->layers & (RX_L_IPV4 | RX_L_IPV6));
}

/*
 * One GCRA step on *tat at now with interval and burst (ns): 1 when the
 * packet is admitted (and *tat moved), 0 when it is over the rate.
 */
RX_INLINE int rx_guard_gcra(__u64 *tat, __u64 now, __u64 interval, __u64 burst)
{
	__u64 t = *tat;

	if (!interval)
		return 1;
	if (t < now)
		t = now;
	if (t - now > burst)
		return 0;
	*tat = t + interval;
	return 1;
}

/* The rate limit that applies to pkt (its port's, else the global one), or NULL. */
RX_INLINE const struct rx_guard_limit *rx_guard_limit_of(struct rx_env *env,
							 const struct rx_pkt *pkt, __u16 *port)
{
	const struct rx_guard_limit *l = NULL;

	*port = 0;
	if ((pkt->layers & (RX_L_TCP | RX_L_UDP)) && pkt->dport) {
		l = rx_shim_guard_limit(env, pkt->dport);
		if (l)
			*port = pkt->dport;
	}
	return l ? l : rx_shim_guard_limit(env, 0);
}

/* One packet through bucket k of limit l: 1 when it is over the rate, else 0. */
RX_INLINE int rx_guard_over(struct rx_env *env, const struct rx_guard_limit *l,
			    const struct rx_guard_bucket_key *k, int syn)
{
	struct rx_guard_bucket *b = rx_shim_guard_bucket(env, k);
	__u64 now;

	if (!b)
		return 0; /* (never: an LRU map makes room) */
	now = rx_shim_now(env);
	if (syn && !rx_guard_gcra(&b->syn_tat, now, l->syn_ns, l->syn_burst_ns))
		return 1;
	return !rx_guard_gcra(&b->pkt_tat, now, l->pkt_ns, l->pkt_burst_ns);
}

/* Whether pkt opens a connection: a TCP SYN without ACK. */
RX_INLINE int rx_guard_is_syn(const struct rx_pkt *pkt)
{
	return (pkt->layers & RX_L_TCP) && (pkt->tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN;
}

/*
 * The SYN guard, engaged, on a SYN: 1 when its source never completed a
 * handshake and is over the rate for such sources (or the rate is 0), with
 * *id, *flags the SYN guard's rule; else 0.
 */
RX_INLINE int rx_guard_unproven(struct rx_env *env, const struct rx_pkt *pkt,
				const struct rx_guard_cfg *cfg, __u32 *id, __u32 *flags)
{
	struct rx_guard_bucket_key k = { .pad = RX_GUARD_BK_SYN_GUARD };
	struct rx_guard_good_key g = {};
	struct rx_guard_bucket *b;

	rx_pkt_src16(pkt, g.addr);
	if (rx_shim_guard_good(env, &g))
		return 0;
	*id = cfg->sg_id;
	*flags = cfg->sg_flags;
	if (!cfg->sg_syn_ns)
		return 1;
	__builtin_memcpy(k.addr, g.addr, 16);
	b = rx_shim_guard_bucket(env, &k);
	if (!b)
		return 0;
	return !rx_guard_gcra(&b->syn_tat, rx_shim_now(env), cfg->sg_syn_ns, cfg->sg_syn_burst_ns);
}

/*
 * A SYN to a port with a cap: 1 when the port's one bucket (every source
 * shares it) is over the cap, with *id, *flags the cap's rule; else 0.
 */
RX_INLINE int rx_guard_capped(struct rx_env *env, const struct rx_pkt *pkt, __u32 *id,
			      __u32 *flags)
{
	struct rx_guard_bucket_key k = { .pad = RX_GUARD_BK_CAP };
	const struct rx_guard_limit *l;
	struct rx_guard_bucket *b;

	if (!pkt->dport)
		return 0;
	l = rx_shim_guard_limit(env, RX_GUARD_CAP_KEY | pkt->dport);
	if (!l)
		return 0;
	k.port = pkt->dport;
	b = rx_shim_guard_bucket(env, &k);
	if (!b)
		return 0;
	*id = l->id;
	*flags = l->flags;
	return !rx_guard_gcra(&b->syn_tat, rx_shim_now(env), l->syn_ns, l->syn_burst_ns);
}

/*
 * The token buckets of pkt's source: its own limit on the destination port
 * (the SLO loop's, when cfg->src_limits), then its port's or the global
 * one. 1 when it is over one of them (and *id, *flags name it), else 0.
 */
RX_INLINE int rx_guard_limited(struct rx_env *env, const struct rx_guard_cfg *cfg,
			       const struct rx_pkt *pkt, __u32 *id, __u32 *flags)
{
	struct rx_guard_bucket_key k = {};
	const struct rx_guard_limit *l;
	int syn;

	rx_pkt_src16(pkt, k.addr);
	syn = rx_guard_is_syn(pkt);
	if (cfg->src_limits && (pkt->layers & (RX_L_TCP | RX_L_UDP)) && pkt->dport) {
		k.port = pkt->dport;
		l = rx_shim_guard_srclimit(env, &k);
		if (l) {
			k.pad = RX_GUARD_BK_SRCLIMIT;
			*id = l->id;
			*flags = l->flags;
			if (rx_guard_over(env, l, &k, syn))
				return 1;
			k.pad = RX_GUARD_BK_SOURCE;
		}
	}
	if (!cfg->limits)
		return 0;
	l = rx_guard_limit_of(env, pkt, &k.port);
	if (!l)
		return 0;
	*id = l->id;
	*flags = l->flags;
	return rx_guard_over(env, l, &k, syn);
}

/* Count a rule's match: drop (1), would drop (dry run), or an allow rule's pass. */
RX_INLINE void rx_guard_hit(struct rx_env *env, __u32 id, int what, __u32 bytes)
{
	struct rx_guard_hits *h = rx_shim_guard_hits(env, id);

	if (!h)
		return;
	if (what == 1)
		h->dropped++;
	else if (what == 2)
		h->would_drop++;
	else
		h->allowed++;
	h->bytes += bytes;
}

/*
 * The rules on the packet the entry decoded: the verdict (enum rx_verdict)
 * and *reason. The allow list first: a match there ends the walk. With
 * lists_done, the early check (guard_early.h) found the source in neither
 * list: the walk starts at the SYN guard.
 */
RX_INLINE __u32 rx_guard_decide(struct rx_env *env, const struct rx_pkt *pkt, __u32 *reason,
				__u32 lists_done)
{
	const struct rx_guard_cfg *cfg = rx_shim_guard_cfg(env);
	const struct rx_guard_rule *r = NULL;
	__u32 id = 0, flags = 0, why = 0, dry;

	if (!cfg)
		return RX_VERDICT_PASS;
	if (!lists_done) {
		r = rx_shim_guard_match(env, RX_GUARD_ALLOW, pkt);
		if (r) {
			rx_guard_hit(env, r->id, 0, pkt->wire_len);
			return RX_VERDICT_PASS;
		}
		r = rx_shim_guard_match(env, RX_GUARD_DENY, pkt);
	}
	if (r) {
		id = r->id;
		flags = r->flags;
		why = RX_REASON_GUARD_BLOCKED;
	} else if (cfg->syn_guard && rx_guard_is_syn(pkt) &&
		   rx_guard_unproven(env, pkt, cfg, &id, &flags)) {
		why = RX_REASON_GUARD_RATE_LIMITED;
	} else if (cfg->caps && rx_guard_is_syn(pkt) && rx_guard_capped(env, pkt, &id, &flags)) {
		why = RX_REASON_GUARD_RATE_LIMITED;
	} else if ((cfg->limits || cfg->src_limits) && rx_guard_limited(env, cfg, pkt, &id, &flags)) {
		why = RX_REASON_GUARD_RATE_LIMITED;
	}
	if (!why)
		return RX_VERDICT_PASS;
	dry = cfg->dry_run || (flags & RX_GUARD_F_DRY_RUN);
	rx_guard_hit(env, id, dry ? 2 : 1, pkt->wire_len);
	if (dry)
		return RX_VERDICT_PASS;
	*reason = why;
	return RX_VERDICT_DROP;
}

/*
 * The guard stage on the packet in the XDP work area: decide, then count
 * the packet as the entry would have (it left the count to this stage).
 * Returns the verdict.
 */
RX_INLINE int rx_guard_stage(struct rx_env *env)
{
	struct rx_work *wk = rx_shim_scratch(env, 0);
	struct rx_pkt *pkt;
	__u32 verdict, reason, proto;

	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return RX_VERDICT_PASS;
	}
	pkt = &wk->pkt;
	reason = pkt->reason;
	verdict = rx_guard_decide(env, pkt, &reason, wk->stage.guard == RX_GE_LISTS);
	proto = pkt->proto;
	if (reason >= RX_REASON_MAX)
		reason = RX_REASON_OK;
	if (proto >= RX_PROTO_MAX)
		proto = RX_PROTO_OTHER;
	if (verdict != RX_VERDICT_DROP)
		verdict = RX_VERDICT_PASS;
	pkt->verdict = verdict;
	pkt->reason = reason;
	rx_shim_count(env, wk, RX_COUNTER_IDX(verdict, reason, proto), pkt->wire_len);
	return (int)verdict;
}

/*
 * The guard stage did not run (its tail call failed): the packet passes,
 * counted as the entry would have counted it, and the miss is counted.
 */
RX_INLINE int rx_guard_missed(struct rx_env *env)
{
	struct rx_work *wk = rx_shim_scratch(env, 0);
	__u32 reason, proto;

	rx_shim_stat(env, wk, RX_STAT_STAGE_MISS);
	if (!wk)
		return RX_VERDICT_PASS;
	reason = wk->pkt.reason;
	proto = wk->pkt.proto;
	if (reason >= RX_REASON_MAX)
		reason = RX_REASON_OK;
	if (proto >= RX_PROTO_MAX)
		proto = RX_PROTO_OTHER;
	rx_shim_count(env, wk, RX_COUNTER_IDX(RX_VERDICT_PASS, reason, proto), wk->pkt.wire_len);
	return RX_VERDICT_PASS;
}

#endif

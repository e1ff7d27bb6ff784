/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's part of the host shim (bpf/guard_maps.h is the BPF twin;
 * datapath/guard.h documents the API). An LPM trie is a hash table of
 * masked prefixes, looked up from the longest prefix length in use down:
 * the longest match, as the kernel's trie answers. Included at the end of
 * native/shim.h.
 */
#ifndef RX_NATIVE_GUARD_SHIM_H
#define RX_NATIVE_GUARD_SHIM_H

#include "../datapath/guard_abi.h"

/* A key of the prefix table: list, family (0: IPv4, 1: IPv6), length, masked address. */
struct rx_nguard_key {
	__u8 list;
	__u8 fam;
	__u8 plen;
	__u8 pad;
	__u8 addr[16];
};

struct rx_nguard {
	struct rx_nhash prefixes; /* struct rx_nguard_key -> struct rx_guard_rule */
	__u32 used[2][2][129];    /* prefixes per (list, family, length) */
	struct rx_nhash hits;     /* __u32 id -> struct rx_guard_hits */
	struct rx_nhash limits;   /* __u32 port -> struct rx_guard_limit */
	struct rx_nhash buckets;  /* struct rx_guard_bucket_key -> struct rx_guard_bucket */
	struct rx_nhash srclimits; /* struct rx_guard_bucket_key -> struct rx_guard_limit */
	struct rx_nhash good;     /* struct rx_guard_good_key -> __u64 (a full table adds none) */
	struct rx_guard_cfg cfg;
	__u32 last_id; /* the last rule that matched (guard --replay reads it per frame) */
};

/* addr's first plen bits, the rest zero, into out (n bytes). */
static inline void rx_nguard_mask(__u8 *out, const __u8 *addr, __u32 n, __u32 plen)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		if (plen >= 8 * (i + 1))
			out[i] = addr[i];
		else if (plen > 8 * i)
			out[i] = addr[i] & (__u8)(0xff << (8 - (plen - 8 * i)));
		else
			out[i] = 0;
	}
}

static inline const struct rx_guard_rule *rx_nguard_lpm(struct rx_nguard *g, __u32 list,
							 __u32 fam, const __u8 *addr)
{
	struct rx_nguard_key k;
	__u32 n = fam ? 16 : 4;
	int plen;

	for (plen = (int)n * 8; plen >= 0; plen--) {
		const struct rx_guard_rule *r;

		if (!g->used[list][fam][plen])
			continue;
		memset(&k, 0, sizeof(k));
		k.list = (__u8)list;
		k.fam = (__u8)fam;
		k.plen = (__u8)plen;
		rx_nguard_mask(k.addr, addr, n, (__u32)plen);
		r = rx_nhash__find(&g->prefixes, &k);
		if (r)
			return r;
	}
	return NULL;
}

RX_INLINE const struct rx_guard_cfg *rx_shim_guard_cfg(struct rx_env *env)
{
	return env->guard ? &env->guard->cfg : NULL;
}

RX_INLINE const struct rx_guard_rule *rx_shim_guard_find(struct rx_env *env, __u32 list, __u32 v6,
							 const __u8 *addr)
{
	if (!env->guard || list > 1)
		return NULL;
	return rx_nguard_lpm(env->guard, list, v6 ? 1 : 0, addr);
}

RX_INLINE const struct rx_guard_rule *rx_shim_guard_match(struct rx_env *env, __u32 list,
							  const struct rx_pkt *pkt)
{
	if (pkt->layers & RX_L_IPV4)
		return rx_shim_guard_find(env, list, 0, (const __u8 *)&pkt->ip_src);
	return rx_shim_guard_find(env, list, 1, pkt->ip6_src);
}

RX_INLINE struct rx_guard_hits *rx_shim_guard_hits(struct rx_env *env, __u32 id)
{
	if (!env->guard)
		return NULL;
	env->guard->last_id = id;
	return rx_nhash__get(&env->guard->hits, &id);
}

RX_INLINE const struct rx_guard_limit *rx_shim_guard_limit(struct rx_env *env, __u32 port)
{
	return env->guard ? rx_nhash__find(&env->guard->limits, &port) : NULL;
}

RX_INLINE const struct rx_guard_limit *rx_shim_guard_srclimit(struct rx_env *env,
							      const struct rx_guard_bucket_key *k)
{
	return env->guard ? rx_nhash__find(&env->guard->srclimits, k) : NULL;
}

/* (a full table answers NULL: the source goes unlimited; the LRU map would evict) */
RX_INLINE struct rx_guard_bucket *rx_shim_guard_bucket(struct rx_env *env,
						      const struct rx_guard_bucket_key *k)
{
	return env->guard ? rx_nhash__get(&env->guard->buckets, k) : NULL;
}

RX_INLINE int rx_shim_guard_good(struct rx_env *env, const struct rx_guard_good_key *k)
{
	return env->guard && rx_nhash__find(&env->guard->good, k) != NULL;
}

RX_INLINE void rx_shim_guard_good_mark(struct rx_env *env, const struct rx_guard_good_key *k,
				       __u64 now)
{
	__u64 *v = env->guard ? rx_nhash__get(&env->guard->good, k) : NULL;

	if (v)
		*v = now;
}

#endif

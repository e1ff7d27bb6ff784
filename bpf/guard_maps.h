/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's maps and its part of the BPF shim (datapath/guard.h documents
 * the API; native/guard_shim.h is the host twin). The agent (src/guard.c)
 * writes the tries, the limits and the settings; the datapath writes the
 * hits and the buckets. Included by bpf/shim.h.
 */
#ifndef RX_BPF_GUARD_MAPS_H
#define RX_BPF_GUARD_MAPS_H

#include "../datapath/guard_abi.h"

/* Allow and deny lists, IPv4 and IPv6 (LPM tries need BPF_F_NO_PREALLOC). */
#define RX_GUARD_TRIE(name, key_t)                                             \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                           \
		__uint(max_entries, RX_GUARD_RULES_MAX);                       \
		__uint(map_flags, BPF_F_NO_PREALLOC);                          \
		__type(key, key_t);                                            \
		__type(value, struct rx_guard_rule);                           \
	} name SEC(".maps")

RX_GUARD_TRIE(rx_guard_allow4, struct rx_guard_key4);
RX_GUARD_TRIE(rx_guard_deny4, struct rx_guard_key4);
RX_GUARD_TRIE(rx_guard_allow6, struct rx_guard_key6);
RX_GUARD_TRIE(rx_guard_deny6, struct rx_guard_key6);

/* What each rule matched, per CPU; an entry only for rules that matched. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, RX_GUARD_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct rx_guard_hits);
} rx_guard_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_guard_cfg);
} rx_guard_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RX_GUARD_LIMITS_MAX);
	__type(key, __u32);
	__type(value, struct rx_guard_limit);
} rx_guard_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_GUARD_BUCKETS_MAX);
	__type(key, struct rx_guard_bucket_key);
	__type(value, struct rx_guard_bucket);
} rx_guard_buckets SEC(".maps");

/* Limits of one source on one port (the SLO loop's): key pad 0, bucket key pad 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RX_GUARD_SRCLIMITS_MAX);
	__type(key, struct rx_guard_bucket_key);
	__type(value, struct rx_guard_limit);
} rx_guard_srclimits SEC(".maps");

/* Sources that completed a handshake (TC, datapath/tcp.h): the SYN guard passes their SYNs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_GUARD_GOOD_MAX);
	__type(key, struct rx_guard_good_key);
	__type(value, __u64); /* when it last completed one (ns) */
} rx_guard_good SEC(".maps");

/* The rules' metadata: the agent's only (struct rx_guard_meta). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RX_GUARD_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct rx_guard_meta);
} rx_guard_meta SEC(".maps");

RX_INLINE const struct rx_guard_cfg *rx_shim_guard_cfg(struct rx_env *env)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&rx_guard_cfg, &zero);
}

/* addr (4 bytes, or 16 with v6) in the allow (list 0) or deny list of its family: the rule, or NULL. */
RX_INLINE const struct rx_guard_rule *rx_shim_guard_find(struct rx_env *env, __u32 list, __u32 v6,
							 const __u8 *addr)
{
	if (!v6) {
		struct rx_guard_key4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, addr, 4);
		return bpf_map_lookup_elem(list == RX_GUARD_ALLOW ? (void *)&rx_guard_allow4
								  : (void *)&rx_guard_deny4, &k);
	} else {
		struct rx_guard_key6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, addr, 16);
		return bpf_map_lookup_elem(list == RX_GUARD_ALLOW ? (void *)&rx_guard_allow6
								  : (void *)&rx_guard_deny6, &k);
	}
}

/* pkt's source in the allow (list 0) or deny list of its family: the rule, or NULL. */
RX_INLINE const struct rx_guard_rule *rx_shim_guard_match(struct rx_env *env, __u32 list,
							  const struct rx_pkt *pkt)
{
	if (pkt->layers & RX_L_IPV4)
		return rx_shim_guard_find(env, list, 0, (const __u8 *)&pkt->ip_src);
	return rx_shim_guard_find(env, list, 1, pkt->ip6_src);
}

RX_INLINE struct rx_guard_hits *rx_shim_guard_hits(struct rx_env *env, __u32 id)
{
	static const struct rx_guard_hits zero;

	return rx_map_lookup_or_init(&rx_guard_hits, &id, &zero, NULL, NULL);
}

RX_INLINE const struct rx_guard_limit *rx_shim_guard_limit(struct rx_env *env, __u32 port)
{
	return bpf_map_lookup_elem(&rx_guard_limits, &port);
}

RX_INLINE const struct rx_guard_limit *rx_shim_guard_srclimit(struct rx_env *env,
							      const struct rx_guard_bucket_key *k)
{
	return bpf_map_lookup_elem(&rx_guard_srclimits, k);
}

RX_INLINE struct rx_guard_bucket *rx_shim_guard_bucket(struct rx_env *env,
						      const struct rx_guard_bucket_key *k)
{
	static const struct rx_guard_bucket zero;

	return rx_map_lookup_or_init(&rx_guard_buckets, k, &zero, NULL, NULL);
}

RX_INLINE int rx_shim_guard_good(struct rx_env *env, const struct rx_guard_good_key *k)
{
	return bpf_map_lookup_elem(&rx_guard_good, k) != NULL;
}

RX_INLINE void rx_shim_guard_good_mark(struct rx_env *env, const struct rx_guard_good_key *k,
				       __u64 now)
{
	bpf_map_update_elem(&rx_guard_good, k, &now, BPF_ANY);
}

#endif

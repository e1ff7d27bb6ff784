/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The host side of the datapath shim: the same API as bpf/shim.h (see
 * datapath/process.h), backed by plain memory. One struct rx_env is one
 * "CPU" of the datapath: its counters, its work area, its ring buffer, and
 * a virtual clock that the caller sets from pcap timestamps.
 */
#ifndef RX_NATIVE_SHIM_H
#define RX_NATIVE_SHIM_H

#include <string.h>
#include "../datapath/abi.h"
#include "nhash.h"

#define RX_INLINE static inline __attribute__((always_inline))

typedef void (*rx_emit_fn)(void *user, const struct rx_capture *rec);
/* Transaction-stream records: an rx_txn or an rx_reqinfo, told apart by hdr.type. */
typedef void (*rx_txn_fn)(void *user, const void *rec, __u32 size);

struct rx_env {
	struct rx_work work;
	struct rx_counter counters[RX_COUNTER_SLOTS];
	__u64 stats[RX_STAT_MAX];
	struct rx_config_ro cfg_ro; /* the BPF object's rx_ro (rodata) */
	struct rx_config_rt cfg_rt; /* the BPF object's rx_cfg (.bss) */
	__u64 now_ns;          /* the virtual clock */
	struct rx_scan_budget scan; /* rx_shim_scan_budget */
	const __u8 *frame;     /* the frame being processed */
	__u32 frame_len;
	__u32 link;            /* enum rx_link of the frames (rx_native__link) */
	__u32 ring_free;       /* records the ring can take (test hook); ~0: unbounded */
	struct rx_capture rec; /* the one record in flight */
	rx_emit_fn emit;       /* consumer of submitted records */
	void *user;
	/* the traffic picture */
	struct rx_nhash talkers;
	struct rx_nhash services;
	struct rx_counter sizes[RX_SIZE_BUCKETS];
	__u64 tcpkinds[RX_TCPK_MAX];
	/* TCP health */
	struct rx_nhash flows;
	__u64 health[RX_TCPH_MAX];
	struct rx_hist latency[RX_LAT_MAX];
	struct rx_nhash tcp_ports; /* per server port */
	/* HTTP */
	struct rx_nhash http_conns;
	struct rx_nhash routes;
	struct rx_nhash budgets;
	struct rx_nhash endpoints;
	/* TLS */
	struct rx_nhash tls_conns;
	struct rx_nhash tls_eps;
	/* port scans */
	struct rx_nhash scan_touches;
	struct rx_nhash scan_sources;
	struct rx_scan_seen *scan_seen; /* the known-targets cache (datapath/scan.h) */
	/* TLS ClientHellos' first pieces */
	struct rx_nhash tls_holds;
	struct rx_pattern patterns[RX_PATTERNS_MAX]; /* cfg_ro.patterns of them */
	struct rx_route_memo route_memos[RX_ROUTE_MEMO];
	struct rx_txn txn;     /* the one transaction record in flight */
	struct rx_reqinfo info; /* the one request record in flight */
	rx_txn_fn txn_emit;
	void *txn_user;
	struct rx_nguard *guard; /* the guard's rules (native/guard_shim.h), NULL: none */
};

RX_INLINE struct rx_work *rx_shim_scratch(struct rx_env *env, __u32 slot)
{
	return &env->work;
}

/*
 * The counters: one "CPU", in env. The BPF build finds them next to the
 * work area wk (struct rx_percpu); here wk is not needed.
 */
RX_INLINE void rx_shim_count(struct rx_env *env, struct rx_work *wk, __u32 slot, __u32 bytes)
{
	if (slot < RX_COUNTER_SLOTS) {
		env->counters[slot].packets++;
		env->counters[slot].bytes += bytes;
	}
}

RX_INLINE void rx_shim_stat(struct rx_env *env, struct rx_work *wk, __u32 stat)
{
	if (stat < RX_STAT_MAX)
		env->stats[stat]++;
}

RX_INLINE __u64 rx_shim_now(struct rx_env *env)
{
	return env->now_ns;
}

/* The scan budget (datapath/scan.h rx_scan_admit): one, as if one CPU. */
RX_INLINE struct rx_scan_budget *rx_shim_scan_budget(struct rx_env *env, struct rx_work *wk)
{
	(void)wk;
	return &env->scan;
}

/*
 * Offline a capture takes every packet (only serve samples, live): 0 makes
 * rx_capture_sampled() take each one even if a sample rate were set.
 */
RX_INLINE __u32 rx_shim_random(struct rx_env *env)
{
	return 0;
}

RX_INLINE const volatile struct rx_config_ro *rx_shim_config_ro(struct rx_env *env)
{
	return &env->cfg_ro;
}

RX_INLINE const volatile struct rx_config_rt *rx_shim_config_rt(struct rx_env *env)
{
	return &env->cfg_rt;
}

RX_INLINE struct rx_capture *rx_shim_ring_reserve(struct rx_env *env)
{
	if (!env->emit || env->ring_free == 0)
		return NULL;
	if (env->ring_free != ~0u)
		env->ring_free--;
	return &env->rec;
}

RX_INLINE void rx_shim_ring_submit(struct rx_env *env, struct rx_capture *rec)
{
	env->emit(env->user, rec);
}

RX_INLINE int rx_shim_load_bytes(struct rx_env *env, __u32 hook, __u32 off, void *dst, __u32 len,
				 const __u32 max)
{
	if (len == 0 || len > max || off > env->frame_len || len > env->frame_len - off)
		return -1;
	memcpy(dst, env->frame + off, len);
	return 0;
}

RX_INLINE void rx_shim_mask(struct rx_env *env, __u8 *dst, const __u8 *stars, __u32 len)
{
	if (len >= 1 && len <= RX_HTTP_PEEK)
		memcpy(dst, stars, len);
}

RX_INLINE struct rx_counter *rx_shim_talker(struct rx_env *env, const struct rx_addr *k)
{
	return rx_nhash__get(&env->talkers, k);
}

RX_INLINE struct rx_counter *rx_shim_service(struct rx_env *env, const struct rx_service *k)
{
	return rx_nhash__get(&env->services, k);
}

RX_INLINE void rx_shim_size(struct rx_env *env, struct rx_work *wk, __u32 bucket, __u32 bytes)
{
	if (bucket < RX_SIZE_BUCKETS) {
		env->sizes[bucket].packets++;
		env->sizes[bucket].bytes += bytes;
	}
}

RX_INLINE void rx_shim_tcpkind(struct rx_env *env, struct rx_work *wk, __u32 kind)
{
	if (kind < RX_TCPK_MAX)
		env->tcpkinds[kind]++;
}

RX_INLINE struct rx_tcp_flow *rx_shim_flow(struct rx_env *env, const struct rx_flow_key *k)
{
	return rx_nhash__find(&env->flows, k);
}

RX_INLINE struct rx_tcp_flow *rx_shim_flow_new(struct rx_env *env, const struct rx_flow_key *k)
{
	return rx_nhash__get(&env->flows, k);
}

RX_INLINE void rx_shim_health(struct rx_env *env, struct rx_work *wk, __u32 idx, __u64 add)
{
	if (idx < RX_TCPH_MAX)
		env->health[idx] += add;
}

RX_INLINE struct rx_tcp_port *rx_shim_tcp_port(struct rx_env *env, __u32 port)
{
	return rx_nhash__get(&env->tcp_ports, &port);
}

RX_INLINE struct rx_hist *rx_shim_latency(struct rx_env *env, struct rx_work *wk, __u32 which)
{
	return which < RX_LAT_MAX ? &env->latency[which] : NULL;
}

RX_INLINE struct rx_http_conn *rx_shim_http_conn(struct rx_env *env, const struct rx_flow_key *k,
						 int create)
{
	return create ? rx_nhash__get(&env->http_conns, k) : rx_nhash__find(&env->http_conns, k);
}

RX_INLINE struct rx_route *rx_shim_route(struct rx_env *env, __u32 id)
{
	return rx_nhash__find(&env->routes, &id);
}

RX_INLINE struct rx_route_memo *rx_shim_route_memo(struct rx_env *env, __u32 slot)
{
	return &env->route_memos[slot & (RX_ROUTE_MEMO - 1)];
}

RX_INLINE int rx_shim_route_add(struct rx_env *env, __u32 id, const struct rx_route *r)
{
	struct rx_route *slot = rx_nhash__get(&env->routes, &id);

	if (!slot)
		return -1;
	memcpy(slot, r, sizeof(*r));
	return 0;
}

RX_INLINE const struct rx_pattern *rx_shim_pattern(struct rx_env *env, __u32 i)
{
	return i < RX_PATTERNS_MAX ? &env->patterns[i] : NULL;
}

RX_INLINE struct rx_budget *rx_shim_budget(struct rx_env *env, __u32 port)
{
	return rx_nhash__get(&env->budgets, &port);
}

RX_INLINE struct rx_endpoint *rx_shim_endpoint(struct rx_env *env, const struct rx_endpoint_key *k)
{
	return rx_nhash__get(&env->endpoints, k);
}

RX_INLINE struct rx_tls_conn *rx_shim_tls_conn(struct rx_env *env, const struct rx_flow_key *k,
					       int create)
{
	return create ? rx_nhash__get(&env->tls_conns, k) : rx_nhash__find(&env->tls_conns, k);
}

/* Whether the TLS or the HTTP stage follows k's connection (BPF: a filter's bytes, which may err yes). */
RX_INLINE int rx_shim_l7_maybe(struct rx_env *env, const struct rx_flow_key *k)
{
	return rx_nhash__find(&env->tls_conns, k) || rx_nhash__find(&env->http_conns, k);
}

RX_INLINE struct rx_tls_ep *rx_shim_tls_ep(struct rx_env *env, const struct rx_tls_ep_key *k)
{
	return rx_nhash__get(&env->tls_eps, k);
}

RX_INLINE struct rx_txn *rx_shim_txn_reserve(struct rx_env *env)
{
	return env->txn_emit ? &env->txn : NULL;
}

RX_INLINE void rx_shim_txn_submit(struct rx_env *env, struct rx_txn *t)
{
	env->txn_emit(env->txn_user, t, sizeof(*t));
}

RX_INLINE struct rx_reqinfo *rx_shim_info_reserve(struct rx_env *env)
{
	return env->txn_emit ? &env->info : NULL;
}

RX_INLINE void rx_shim_info_submit(struct rx_env *env, struct rx_reqinfo *r)
{
	env->txn_emit(env->txn_user, r, sizeof(*r));
}

RX_INLINE struct rx_scan_touch *rx_shim_scan_touch(struct rx_env *env,
						   const struct rx_scan_touch_key *k, int create)
{
	return create ? rx_nhash__get(&env->scan_touches, k) : rx_nhash__find(&env->scan_touches, k);
}

RX_INLINE struct rx_scan_seen *rx_shim_scan_seen(struct rx_env *env)
{
	return env->scan_seen;
}

RX_INLINE struct rx_scan_rec *rx_shim_scan_rec(struct rx_env *env, const struct rx_scan_key *k,
					       int create)
{
	return create ? rx_nhash__get(&env->scan_sources, k) : rx_nhash__find(&env->scan_sources, k);
}

/*
 * A held piece of a ClientHello. The BPF map is an LRU; this table refuses
 * a new piece when RX_TLS_HOLDS_MAX are held at once (counted as tls_partial).
 */
RX_INLINE struct rx_tls_hold *rx_shim_tls_hold(struct rx_env *env, const struct rx_flow_key *k)
{
	return rx_nhash__find(&env->tls_holds, k);
}

RX_INLINE int rx_shim_tls_hold_put(struct rx_env *env, const struct rx_flow_key *k,
				   const struct rx_tls_hold *h)
{
	struct rx_tls_hold *v = rx_nhash__get(&env->tls_holds, k);

	if (!v)
		return -1;
	memcpy(v, h, sizeof(*v));
	return 0;
}

RX_INLINE void rx_shim_tls_hold_del(struct rx_env *env, const struct rx_flow_key *k)
{
	rx_nhash__del(&env->tls_holds, k);
}

/* The receiving socket (datapath/sock.h): offline there are no kernel sockets, nothing is looked up. */
RX_INLINE int rx_shim_sock_lookup(struct rx_env *env, struct rx_work *wk)
{
	return -1;
}

RX_INLINE int rx_shim_sock_port_put(struct rx_env *env, __u32 key, const struct rx_sock_port *sp)
{
	return 0;
}

#include "guard_shim.h"

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The BPF side of the datapath shim: real maps and helpers. The native
 * build's twin is native/shim.h; datapath/process.h documents the API.
 */
#ifndef RX_BPF_SHIM_H
#define RX_BPF_SHIM_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../datapath/abi.h"

#define RX_INLINE static inline __attribute__((always_inline))
#define rx_shim_loop(n, fn, ctx) bpf_loop((n), (fn), (ctx), 0)

struct rx_env; /* never defined: the context pointer is the hook's */

/*
 * The work areas and every per-CPU counter (struct rx_percpu): entry 0 for
 * the XDP programs, 1 for the TC programs. The decoded packet and the walks
 * live here, not on the 512-byte stack; the counters sit next to them, so
 * the one lookup that finds the work area finds them too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rx_percpu);
} rx_percpu SEC(".maps");

/* Capture records; user space may resize it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} rx_ring SEC(".maps");

/* The traffic picture: per source address, per destination service. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, RX_TALKERS_MAX);
	__type(key, struct rx_addr);
	__type(value, struct rx_counter);
} rx_talkers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, RX_SERVICES_MAX);
	__type(key, struct rx_service);
	__type(value, struct rx_counter);
} rx_services SEC(".maps");

/* TCP connections, both directions in one entry (datapath/tcp.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_FLOWS_MAX);
	__type(key, struct rx_flow_key);
	__type(value, struct rx_tcp_flow);
} rx_flows SEC(".maps");

/* TCP health per server port (datapath/tcp.h): the coldest port makes room. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, RX_TCP_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct rx_tcp_port);
} rx_tcp_ports SEC(".maps");

/* What may be in rx_flows, rx_http_conns and rx_tls_conns (struct rx_conn_filter, one entry, two generations). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_conn_filter);
	__uint(map_flags, BPF_F_MMAPABLE); /* user space rebuilds a generation in place */
} rx_conn_filter SEC(".maps");

/* What may be in rx_talkers and rx_services (struct rx_pict_filter, one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_pict_filter);
} rx_pict_filter SEC(".maps");

/* HTTP: connections with requests in flight, routes, budgets, RED metrics. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_HTTP_CONNS_MAX);
	__type(key, struct rx_flow_key);
	__type(value, struct rx_http_conn);
} rx_http_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RX_ROUTES_MAX);
	__type(key, __u32);
	__type(value, struct rx_route);
} rx_routes SEC(".maps");

/* Templated routes by raw path, per CPU (datapath/route.h): a cache only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RX_ROUTE_MEMO);
	__type(key, __u32);
	__type(value, struct rx_route_memo);
} rx_route_memos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RX_SERVICES_MAX);
	__type(key, __u32);
	__type(value, struct rx_budget);
} rx_budgets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, RX_ENDPOINTS_MAX);
	__type(key, struct rx_endpoint_key);
	__type(value, struct rx_endpoint);
} rx_endpoints SEC(".maps");

/* TLS (datapath/tlsconn.h): connections begun with a ClientHello, per-(port, SNI, ALPN) rows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_TLS_CONNS_MAX);
	__type(key, struct rx_flow_key);
	__type(value, struct rx_tls_conn);
} rx_tls_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, RX_TLS_EPS_MAX);
	__type(key, struct rx_tls_ep_key);
	__type(value, struct rx_tls_ep);
} rx_tls_eps SEC(".maps");

/* Port scans (datapath/scan.h): first touches, and the records user space reads. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_SCAN_TOUCHES_MAX);
	__type(key, struct rx_scan_touch_key);
	__type(value, struct rx_scan_touch);
} rx_scan_touches SEC(".maps");

/* Targets known to be in rx_scan_touches (struct rx_scan_seen, one entry; datapath/scan.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rx_scan_seen);
} rx_scan_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_SCAN_SOURCES_MAX);
	__type(key, struct rx_scan_key);
	__type(value, struct rx_scan_rec);
} rx_scan_sources SEC(".maps");

/* TLS ClientHellos' first pieces, held for the next segment (datapath/tls.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RX_TLS_HOLDS_MAX);
	__type(key, struct rx_flow_key);
	__type(value, struct rx_tls_hold);
} rx_tls_holds SEC(".maps");

/* Never read: its size is RX_ABI_VERSION, so pins of another version do not fit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RX_ABI_VERSION);
	__type(key, __u32);
	__type(value, __u32);
} rx_abi SEC(".maps");

/* Route patterns, written by user space before attaching (rx_ro.patterns of them). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RX_PATTERNS_MAX);
	__type(key, __u32);
	__type(value, struct rx_pattern);
} rx_patterns SEC(".maps");

/* Transaction records, only while rx_cfg.txns is set. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} rx_txn_ring SEC(".maps");

/*
 * The configuration (datapath/abi.h). Fixed at load: rodata, written through
 * skel->rodata between open and load; the verifier sees its values. Changed
 * at run time: .bss, written through the skeleton's mmap-ed .bss.
 */
const volatile struct rx_config_ro rx_ro;
volatile struct rx_config_rt rx_cfg;

RX_INLINE struct rx_work *rx_shim_scratch(struct rx_env *env, __u32 slot)
{
	/* &p->work is p itself (its first member): nothing to add before the NULL check */
	return bpf_map_lookup_elem(&rx_percpu, &slot);
}

/* The counters next to a work area that rx_shim_scratch() returned. */
RX_INLINE struct rx_tally *rx_tally_of(struct rx_work *wk)
{
	return &((struct rx_percpu *)wk)->tally; /* work is the value's first member */
}

/*
 * An index into one of the tally's arrays, checked on the very register
 * that indexes (see rx_helper_len below for why the barrier): n, out of
 * range, when i >= n.
 */
RX_INLINE __u32 rx_tally_idx(__u32 i, const __u32 n)
{
	asm volatile("" : "+r"(i));
	return i < n ? i : n;
}

RX_INLINE void rx_shim_count(struct rx_env *env, struct rx_work *wk, __u32 slot, __u32 bytes)
{
	struct rx_counter *c;

	slot = rx_tally_idx(slot, RX_COUNTER_SLOTS);
	if (slot >= RX_COUNTER_SLOTS)
		return;
	c = &rx_tally_of(wk)->counters[slot];
	c->packets++;
	c->bytes += bytes;
}

/* wk: the program's work area, or NULL where none is at hand (then a lookup). */
RX_INLINE void rx_shim_stat(struct rx_env *env, struct rx_work *wk, __u32 stat)
{
	stat = rx_tally_idx(stat, RX_STAT_MAX);
	if (stat >= RX_STAT_MAX)
		return;
	if (!wk)
		wk = rx_shim_scratch(env, 0); /* any entry: user space sums them */
	if (wk)
		rx_tally_of(wk)->stats[stat]++;
}

RX_INLINE __u64 rx_shim_now(struct rx_env *env)
{
	return bpf_ktime_get_ns();
}

/* This CPU's scan budget (datapath/scan.h rx_scan_admit): in the per-CPU value of wk. */
RX_INLINE struct rx_scan_budget *rx_shim_scan_budget(struct rx_env *env, struct rx_work *wk)
{
	return &((struct rx_percpu *)wk)->scan;
}

/* A pseudo-random number: which packets a sampled capture takes (rx_capture_sampled). */
RX_INLINE __u32 rx_shim_random(struct rx_env *env)
{
	return bpf_get_prandom_u32();
}

RX_INLINE const volatile struct rx_config_ro *rx_shim_config_ro(struct rx_env *env)
{
	return &rx_ro;
}

RX_INLINE const volatile struct rx_config_rt *rx_shim_config_rt(struct rx_env *env)
{
	return &rx_cfg;
}

RX_INLINE struct rx_capture *rx_shim_ring_reserve(struct rx_env *env)
{
	return bpf_ringbuf_reserve(&rx_ring, sizeof(struct rx_capture), 0);
}

RX_INLINE void rx_shim_ring_submit(struct rx_env *env, struct rx_capture *rec)
{
	bpf_ringbuf_submit(rec, 0);
}

/*
 * A helper's length in [1, max], in the very register passed (max: a power
 * of two, the size of the destination, a constant at every call site).
 *
 * The range test alone is not enough: clang folds "n < 1 || n > max" into
 * one unsigned test of n - 1 in another register, and the verifiers of 6.1
 * and 6.12 do not carry that bound back to n (6.18's does): 6.1 then sees a
 * possibly zero-sized access ("invalid access to map value ... size=0"),
 * 6.12 an unbounded one ("R4 unbounded memory access"). So the test decides,
 * the barrier makes clang forget what it proved, and the mask and add give
 * the register a range that every verifier computes by itself: [1, max].
 * Returns 0 when len is out of range. Every max is a power of two
 * (asserted where the destinations are sized, datapath/abi.h).
 */
RX_INLINE __u64 rx_helper_len(__u32 len, const __u32 max)
{
	__u64 n = len;

	if (n < 1 || n > max)
		return 0;
	asm volatile("" : "+r"(n));
	return ((n - 1) & (max - 1)) + 1;
}

RX_INLINE int rx_shim_load_bytes(struct rx_env *env, __u32 hook, __u32 off, void *dst, __u32 len,
				 const __u32 max)
{
	__u64 n = rx_helper_len(len, max);

	if (!n)
		return -1;
	if (hook == RX_HOOK_XDP)
		return (int)bpf_xdp_load_bytes((struct xdp_md *)env, off, dst, (__u32)n);
	return (int)bpf_skb_load_bytes((struct __sk_buff *)env, off, dst, (__u32)n);
}

RX_INLINE void rx_shim_mask(struct rx_env *env, __u8 *dst, const __u8 *stars, __u32 len)
{
	__u64 n = rx_helper_len(len, RX_HTTP_PEEK);

	if (!n)
		return;
	bpf_probe_read_kernel(dst, (__u32)n, stars);
}

/*
 * Set by the first insert that finds its table full. Nothing ever deletes
 * from these tables (user space only reads them), so a full table stays
 * full, and from then on a key that is not in it costs one lookup, not a
 * lookup plus a failed insert. A plain global: every CPU only ever writes 1.
 */
volatile __u32 rx_table_full[2]; /* 0: talkers, 1: services */

#define RX_E2BIG 7 /* a full map's answer to an insert (no errno.h in BPF) */

/*
 * Insert init under key and look it up: the entry, or NULL when the map is
 * full. -EEXIST from a racing CPU is fine: the lookup finds its entry. A
 * full map (-E2BIG) answers NULL without the lookup and, when full is
 * given, sets it: the caller's table stays full (see rx_table_full).
 */
RX_INLINE void *rx_map_try_init(void *map, const void *key, const void *init, volatile __u32 *full)
{
	if (full && *full)
		return NULL;
	if (bpf_map_update_elem(map, key, init, BPF_NOEXIST) == -RX_E2BIG) {
		if (full)
			*full = 1;
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

/*
 * The entry for key, inserted as init when new (bcc's bpf_map_lookup_or_try_init).
 * seen is the key's byte in a filter of the map's keys (struct
 * rx_pict_filter), or NULL for a map without one: zero proves the key is
 * not in the map; the byte is set before the insert, so that every later
 * lookup that could find the entry looks. While the table has room the key
 * is looked up first: a key already in it (nearly every packet) costs its
 * lookup and not its byte too (a cache line, and a page, of its own). Once
 * it is full (*full), most keys are not in it: the byte comes first, and a
 * zero byte answers NULL with neither a lookup nor an insert.
 */
RX_INLINE void *rx_map_lookup_or_init(void *map, const void *key, const void *init,
				      volatile __u32 *full, __u8 *seen)
{
	void *v;

	if (seen && full && *full && !*seen)
		return NULL;
	v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	if (seen && !*seen)
		*seen = 1; /* a byte store: CPUs setting neighbours lose none */
	return rx_map_try_init(map, key, init, full);
}

static const struct rx_counter rx_counter_zero;

RX_INLINE struct rx_pict_filter *rx_pict_filter_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&rx_pict_filter, &zero);
}

RX_INLINE struct rx_counter *rx_shim_talker(struct rx_env *env, const struct rx_addr *k)
{
	struct rx_pict_filter *pf = rx_pict_filter_get();
	__u8 *seen = NULL;
	__u32 w[4];

	__builtin_memcpy(w, k, sizeof(w)); /* a byte array: no alignment to rely on */
	if (pf)
		seen = &pf->talkers[(rx_fib_hash(w, 4) >> 16) &
				    (RX_PICT_FILTER_TALKERS - 1)];
	return rx_map_lookup_or_init(&rx_talkers, k, &rx_counter_zero, &rx_table_full[0], seen);
}

RX_INLINE struct rx_counter *rx_shim_service(struct rx_env *env, const struct rx_service *k)
{
	struct rx_pict_filter *pf = rx_pict_filter_get();
	__u8 *seen = NULL;
	__u32 w;

	__builtin_memcpy(&w, k, sizeof(w));
	if (pf)
		seen = &pf->services[(rx_fib_hash(&w, 1) >> 19) &
				     (RX_PICT_FILTER_SERVICES - 1)];
	return rx_map_lookup_or_init(&rx_services, k, &rx_counter_zero, &rx_table_full[1], seen);
}

RX_INLINE void rx_shim_size(struct rx_env *env, struct rx_work *wk, __u32 bucket, __u32 bytes)
{
	struct rx_counter *c;

	bucket = rx_tally_idx(bucket, RX_SIZE_BUCKETS);
	if (bucket >= RX_SIZE_BUCKETS)
		return;
	c = &rx_tally_of(wk)->sizes[bucket];
	c->packets++;
	c->bytes += bytes;
}

RX_INLINE void rx_shim_tcpkind(struct rx_env *env, struct rx_work *wk, __u32 kind)
{
	kind = rx_tally_idx(kind, RX_TCPK_MAX);
	if (kind < RX_TCPK_MAX)
		rx_tally_of(wk)->tcpkinds[kind]++;
}

/* The connection filter's generation that is read (rx_config_rt.cf_gen), or NULL (never). */
RX_INLINE struct rx_conn_filter_gen *rx_conn_filter_read(void)
{
	struct rx_conn_filter *cf;
	__u32 zero = 0;

	cf = bpf_map_lookup_elem(&rx_conn_filter, &zero);
	return cf ? &cf->gen[rx_cfg.cf_gen & 1] : NULL;
}

/* k's byte h in table (enum rx_conn_table) of generation g. */
RX_INLINE __u8 *rx_conn_filter_byte(struct rx_conn_filter_gen *g, __u32 h, int table)
{
	return table == RX_CT_TLS ? &g->tls[h] : table == RX_CT_HTTP ? &g->http[h] : &g->flows[h];
}

/* Whether the TLS or the HTTP stage may follow k's connection: 0 proves neither does. */
RX_INLINE int rx_shim_l7_maybe(struct rx_env *env, const struct rx_flow_key *k)
{
	struct rx_conn_filter_gen *g = rx_conn_filter_read();
	__u32 h = rx_conn_filter_hash(k);

	return !g || g->http[h] || g->tls[h];
}

/* Whether k may have an entry: 0 proves it has none (no lookup needed). */
RX_INLINE int rx_conn_maybe(const struct rx_flow_key *k, int table)
{
	struct rx_conn_filter_gen *g = rx_conn_filter_read();

	return !g || *rx_conn_filter_byte(g, rx_conn_filter_hash(k), table);
}

/*
 * k's byte set in both generations: before an entry for k is made, so
 * that every lookup that could find the entry looks, and again after it,
 * so that a rebuild's clear of the other generation cannot lose it
 * (struct rx_conn_filter). Byte stores, not read-modify-writes: CPUs
 * setting neighbouring bytes at once lose none of them.
 */
RX_INLINE void rx_conn_mark(const struct rx_flow_key *k, int table)
{
	struct rx_conn_filter *cf;
	__u32 zero = 0, h = rx_conn_filter_hash(k);
	__u8 *b;

	cf = bpf_map_lookup_elem(&rx_conn_filter, &zero);
	if (!cf)
		return;
	b = rx_conn_filter_byte(&cf->gen[0], h, table);
	if (!*b)
		*b = 1;
	b = rx_conn_filter_byte(&cf->gen[1], h, table);
	if (!*b)
		*b = 1;
}

/*
 * A new entry init for k in map, a table of the connection filter
 * (enum rx_conn_table), its byte set before and after (rx_conn_mark): the
 * entry, or NULL when map is full (never: they are LRU maps).
 */
RX_INLINE void *rx_conn_insert(void *map, const struct rx_flow_key *k, const void *init, int table)
{
	void *v;

	rx_conn_mark(k, table);
	v = rx_map_try_init(map, k, init, NULL);
	rx_conn_mark(k, table);
	return v;
}

/* The connection's entry, or NULL: a byte of the filter, then a lookup. */
RX_INLINE struct rx_tcp_flow *rx_shim_flow(struct rx_env *env, const struct rx_flow_key *k)
{
	if (!rx_conn_maybe(k, RX_CT_FLOWS))
		return NULL;
	return bpf_map_lookup_elem(&rx_flows, k);
}

/* A new entry for a connection that rx_shim_flow() did not find. */
RX_INLINE struct rx_tcp_flow *rx_shim_flow_new(struct rx_env *env, const struct rx_flow_key *k)
{
	static const struct rx_tcp_flow zero;

	/* an LRU map makes room by evicting the coldest connection */
	return rx_conn_insert(&rx_flows, k, &zero, RX_CT_FLOWS);
}

RX_INLINE void rx_shim_health(struct rx_env *env, struct rx_work *wk, __u32 idx, __u64 add)
{
	idx = rx_tally_idx(idx, RX_TCPH_MAX);
	if (idx < RX_TCPH_MAX)
		rx_tally_of(wk)->health[idx] += add;
}

RX_INLINE struct rx_tcp_port *rx_shim_tcp_port(struct rx_env *env, __u32 port)
{
	static const struct rx_tcp_port zero;

	return rx_map_lookup_or_init(&rx_tcp_ports, &port, &zero, NULL, NULL);
}

RX_INLINE struct rx_hist *rx_shim_latency(struct rx_env *env, struct rx_work *wk, __u32 which)
{
	which = rx_tally_idx(which, RX_LAT_MAX);
	return which < RX_LAT_MAX ? &rx_tally_of(wk)->latency[which] : NULL;
}

RX_INLINE struct rx_http_conn *rx_shim_http_conn(struct rx_env *env, const struct rx_flow_key *k,
						 int create)
{
	static const struct rx_http_conn zero;
	struct rx_http_conn *c;

	if (!create)
		return rx_conn_maybe(k, RX_CT_HTTP) ? bpf_map_lookup_elem(&rx_http_conns, k) : NULL;
	/* a connection followed already (most messages): one lookup, no filter byte */
	c = bpf_map_lookup_elem(&rx_http_conns, k);
	if (c)
		return c;
	return rx_conn_insert(&rx_http_conns, k, &zero, RX_CT_HTTP);
}

RX_INLINE struct rx_route *rx_shim_route(struct rx_env *env, __u32 id)
{
	return bpf_map_lookup_elem(&rx_routes, &id);
}

RX_INLINE struct rx_route_memo *rx_shim_route_memo(struct rx_env *env, __u32 slot)
{
	return bpf_map_lookup_elem(&rx_route_memos, &slot);
}

RX_INLINE int rx_shim_route_add(struct rx_env *env, __u32 id, const struct rx_route *r)
{
	return (int)bpf_map_update_elem(&rx_routes, &id, r, BPF_NOEXIST);
}

RX_INLINE const struct rx_pattern *rx_shim_pattern(struct rx_env *env, __u32 i)
{
	return bpf_map_lookup_elem(&rx_patterns, &i);
}

RX_INLINE struct rx_budget *rx_shim_budget(struct rx_env *env, __u32 port)
{
	static const struct rx_budget zero;

	return rx_map_lookup_or_init(&rx_budgets, &port, &zero, NULL, NULL);
}

RX_INLINE struct rx_endpoint *rx_shim_endpoint(struct rx_env *env, const struct rx_endpoint_key *k)
{
	static const struct rx_endpoint zero;

	return rx_map_lookup_or_init(&rx_endpoints, k, &zero, NULL, NULL);
}

RX_INLINE struct rx_tls_conn *rx_shim_tls_conn(struct rx_env *env, const struct rx_flow_key *k,
					       int create)
{
	static const struct rx_tls_conn zero;
	struct rx_tls_conn *c;

	if (!create) /* a segment of no TLS connection (most): a filter byte, no lookup */
		return rx_conn_maybe(k, RX_CT_TLS) ? bpf_map_lookup_elem(&rx_tls_conns, k) : NULL;
	c = bpf_map_lookup_elem(&rx_tls_conns, k);
	if (c)
		return c;
	/* an LRU map makes room by evicting the coldest connection */
	return rx_conn_insert(&rx_tls_conns, k, &zero, RX_CT_TLS);
}

RX_INLINE struct rx_tls_ep *rx_shim_tls_ep(struct rx_env *env, const struct rx_tls_ep_key *k)
{
	static const struct rx_tls_ep zero;

	return rx_map_lookup_or_init(&rx_tls_eps, k, &zero, NULL, NULL);
}

RX_INLINE struct rx_txn *rx_shim_txn_reserve(struct rx_env *env)
{
	return bpf_ringbuf_reserve(&rx_txn_ring, sizeof(struct rx_txn), 0);
}

RX_INLINE void rx_shim_txn_submit(struct rx_env *env, struct rx_txn *t)
{
	bpf_ringbuf_submit(t, 0);
}

RX_INLINE struct rx_reqinfo *rx_shim_info_reserve(struct rx_env *env)
{
	return bpf_ringbuf_reserve(&rx_txn_ring, sizeof(struct rx_reqinfo), 0);
}

RX_INLINE void rx_shim_info_submit(struct rx_env *env, struct rx_reqinfo *r)
{
	bpf_ringbuf_submit(r, 0);
}

/* The known-targets cache (datapath/scan.h rx_scan_tag): NULL never (an array's only entry). */
RX_INLINE struct rx_scan_seen *rx_shim_scan_seen(struct rx_env *env)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&rx_scan_seen, &zero);
}

/* An LRU map: a new entry makes room by evicting the coldest one. */
RX_INLINE struct rx_scan_touch *rx_shim_scan_touch(struct rx_env *env,
						   const struct rx_scan_touch_key *k, int create)
{
	static const struct rx_scan_touch zero;

	return create ? rx_map_try_init(&rx_scan_touches, k, &zero, NULL)
		      : bpf_map_lookup_elem(&rx_scan_touches, k);
}

RX_INLINE struct rx_scan_rec *rx_shim_scan_rec(struct rx_env *env, const struct rx_scan_key *k,
					       int create)
{
	static const struct rx_scan_rec zero;

	return create ? rx_map_lookup_or_init(&rx_scan_sources, k, &zero, NULL, NULL)
		      : bpf_map_lookup_elem(&rx_scan_sources, k);
}

/* A held piece of a ClientHello; an LRU map: a new one makes room by evicting the coldest. */
RX_INLINE struct rx_tls_hold *rx_shim_tls_hold(struct rx_env *env, const struct rx_flow_key *k)
{
	return bpf_map_lookup_elem(&rx_tls_holds, k);
}

RX_INLINE int rx_shim_tls_hold_put(struct rx_env *env, const struct rx_flow_key *k,
				   const struct rx_tls_hold *h)
{
	return bpf_map_update_elem(&rx_tls_holds, k, h, BPF_ANY) ? -1 : 0;
}

RX_INLINE void rx_shim_tls_hold_del(struct rx_env *env, const struct rx_flow_key *k)
{
	bpf_map_delete_elem(&rx_tls_holds, k);
}

#include "guard_maps.h"
#include "sock.h"

#endif

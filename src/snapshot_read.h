/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One snapshot reader for both builds (docs/architecture.md, "Snapshots"):
 * the datapath's tables behind one small interface, "every key and its
 * per-CPU values" and "the values of one key", implemented once for BPF
 * maps (BPF_MAP_LOOKUP_BATCH, with a key-by-key fallback) and once for the
 * native build's tables (struct rx_nhash, through its BPF-like lookup and
 * next key, and plain arrays). rx_snapshot__read() fills a snapshot from
 * either: the live source, the file source and tests/bpf/bpf_diff read
 * counters the same way.
 */
#ifndef RX_SNAPSHOT_READ_H
#define RX_SNAPSHOT_READ_H

#include <stddef.h>
#include "snapshot.h"

struct bpf_object;
struct bpf_map;
struct rx_nhash;
struct rx_env;

/* The datapath's tables, as both builds name them (BPF: rx_NAME). */
#define RX_TABLES(X)                                                                               \
	X(COUNTERS, "counters") X(STATS, "stats") X(SIZES, "sizes") X(TCPKINDS, "tcpkinds")        \
	X(HEALTH, "health") X(LATENCY, "latency") X(TALKERS, "talkers")                            \
	X(SERVICES, "services") X(ENDPOINTS, "endpoints") X(ROUTES, "routes")                      \
	X(BUDGETS, "budgets") X(FLOWS, "flows") X(HTTP_CONNS, "http_conns")      \
	X(SCAN_SOURCES, "scan_sources") X(TCP_PORTS, "tcp_ports") X(TLS_EPS, "tls_eps") X(TLS_CONNS, "tls_conns")

#define RX__TAB_ID(id, name) RX_TAB_##id,
enum rx_table_id { RX_TABLES(RX__TAB_ID) RX_TABS };
#undef RX__TAB_ID

/*
 * One table: a BPF map (map), or a native hash table (h) or array (array,
 * max_entries values, the key a __u32 index). An entry's values are ncpu
 * (the possible CPUs for a per-CPU map, else 1), stride bytes apart.
 *
 * The BPF build keeps its counter arrays in one per-CPU value (struct
 * rx_percpu, map rx_percpu): such a table (slots > 0) is the array at
 * offset off of every one of the map's slots entries; each index is
 * visited once per entry, so summing visitors add up every hook's counts.
 */
struct rx_table {
	const char *name;
	__u32 key_size, value_size, max_entries;
	int ncpu;
	size_t stride;
	const struct bpf_map *map;
	__u32 slots, off;
	const struct rx_nhash *h;
	const void *array;
};

struct rx_tables {
	struct rx_table t[RX_TABS];
};

/* The BPF object's maps (loaded): 0, or -errno (a map missing, no CPU count). */
int rx_tables__bpf(struct rx_tables *ts, const struct bpf_object *obj);
/* The native build's tables: one "CPU". */
void rx_tables__native(struct rx_tables *ts, const struct rx_env *env);

/* One entry: its key and its values (t->ncpu of them, t->stride bytes apart). */
typedef void (*rx_table_fn)(void *ctx, const void *key, const void *vals);

/* Call fn for every entry, at most max_entries: the entries seen, or -errno. */
int rx_table__each(const struct rx_table *t, rx_table_fn fn, void *ctx);
/*
 * key's values into vals (t->ncpu * t->stride bytes): 0, or -1 when there
 * is none (and for the counter arrays of rx_percpu: read them with each).
 */
int rx_table__lookup(const struct rx_table *t, const void *key, void *vals);

/*
 * snap (zeroed by the caller) from the tables: the counters summed over
 * CPUs, the talkers, services and endpoints (with their route text) in the
 * tables' own order. Time (first_ns, last_ns) is the source's to set.
 */
void rx_snapshot__read(struct rx_snapshot *snap, const struct rx_tables *ts);

#endif

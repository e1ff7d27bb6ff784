// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One snapshot reader over BPF maps and native tables; see snapshot_read.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "snapshot_read.h"
#include "../native/shim.h"

#define RX__TAB_NAME(id, name) name,
static const char *const table_names[RX_TABS] = { RX_TABLES(RX__TAB_NAME) };

/* ---- BPF maps ------------------------------------------------------------------ */

/* The counter arrays in rx_percpu's value (struct rx_tally), by table. */
#define RX__SLICE(tab, field)                                                            \
	[RX_TAB_##tab] = { __builtin_offsetof(struct rx_percpu, tally.field),             \
			   sizeof(((struct rx_tally *)0)->field[0]),                       \
			   sizeof(((struct rx_tally *)0)->field) /                         \
				   sizeof(((struct rx_tally *)0)->field[0]) }
static const struct {
	__u32 off, size, n; /* n == 0: a map of its own */
} tally_slices[RX_TABS] = {
	RX__SLICE(COUNTERS, counters), RX__SLICE(STATS, stats),   RX__SLICE(SIZES, sizes),
	RX__SLICE(TCPKINDS, tcpkinds), RX__SLICE(HEALTH, health), RX__SLICE(LATENCY, latency),
};

/* A counter array carved out of rx_percpu (the map m): see struct rx_table. */
static void tally_table(struct rx_table *t, const struct bpf_map *m, int i, int ncpu)
{
	t->map = m;
	t->slots = bpf_map__max_entries(m);
	t->off = tally_slices[i].off;
	t->key_size = sizeof(__u32);
	t->value_size = tally_slices[i].size;
	t->max_entries = tally_slices[i].n;
	t->ncpu = ncpu;
	t->stride = (bpf_map__value_size(m) + 7) & ~(size_t)7;
}

int rx_tables__bpf(struct rx_tables *ts, const struct bpf_object *obj)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	const struct bpf_map *percpu;
	char name[32];

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	memset(ts, 0, sizeof(*ts));
	percpu = bpf_object__find_map_by_name(obj, "rx_percpu");
	if (!percpu || bpf_map__value_size(percpu) != sizeof(struct rx_percpu))
		return -ENOENT;
	for (i = 0; i < RX_TABS; i++) {
		struct rx_table *t = &ts->t[i];
		const struct bpf_map *m;

		t->name = table_names[i];
		if (tally_slices[i].n) {
			tally_table(t, percpu, i, ncpu);
			continue;
		}
		snprintf(name, sizeof(name), "rx_%s", table_names[i]);
		m = bpf_object__find_map_by_name(obj, name);
		if (!m)
			return -ENOENT;
		t->map = m;
		t->key_size = bpf_map__key_size(m);
		t->value_size = bpf_map__value_size(m);
		t->max_entries = bpf_map__max_entries(m);
		switch (bpf_map__type(m)) {
		case BPF_MAP_TYPE_PERCPU_ARRAY:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
			/* one slot per possible CPU, each rounded up to 8 bytes */
			t->ncpu = ncpu;
			t->stride = (t->value_size + 7) & ~(size_t)7;
			break;
		default:
			t->ncpu = 1;
			t->stride = t->value_size;
		}
	}
	return 0;
}

/*
 * Reading a map whole. BPF_MAP_LOOKUP_BATCH (kernel 5.6+, hash and array
 * maps, per-CPU or not) hands over up to a chunk of entries per syscall;
 * the get_next_key + lookup walk it replaces took two syscalls per entry,
 * about 18,000 for full talker and service tables.
 */
#define RX_BATCH_BYTES (64u << 10) /* values asked for per batch call */
#define RX_MAP_KEY_MAX 128	   /* a key, or a batch position (a u32 for hash maps) */
#define RX_ENOTSUPP 524		   /* the kernel's own "not supported", missing from libc */

/*
 * The fallback where a kernel refuses batch reads: one entry at a time. An
 * entry deleted between the two calls is skipped. Returns the entries seen.
 */
static int map_walk(int fd, __u32 ksz, void *vals, rx_table_fn fn, void *ctx, __u32 max)
{
	__u8 key[RX_MAP_KEY_MAX], next[RX_MAP_KEY_MAX];
	void *prev = NULL;
	__u32 n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue; /* deleted meanwhile */
		fn(ctx, key, vals);
		n++;
	}
	return (int)n;
}

/*
 * Call fn for every entry of map, read in batches; -ENOENT from the kernel
 * ends the table (with the last chunk's entries). Where the kernel has no
 * batch reads (-EINVAL, -ENOTSUPP) the map is walked key by key instead.
 * Returns the entries seen, or -errno.
 */
static int map_read(const struct rx_table *t, rx_table_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 ksz = t->key_size, max = t->max_entries, chunk, n, i, seen = 0;
	__u8 in[RX_MAP_KEY_MAX], out[RX_MAP_KEY_MAX], *keys = NULL, *vals = NULL;
	size_t stride = t->stride * (size_t)t->ncpu;
	int fd = bpf_map__fd(t->map), err = 0;
	void *from = NULL;

	if (ksz > RX_MAP_KEY_MAX || !stride || !max)
		return -EINVAL;
	chunk = RX_BATCH_BYTES / stride;
	chunk = chunk < 1 ? 1 : chunk > max ? max : chunk;
	for (;;) {
		if (!keys) {
			keys = malloc((size_t)chunk * ksz);
			vals = malloc((size_t)chunk * stride);
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		n = chunk;
		err = bpf_map_lookup_batch(fd, from, out, keys, vals, &n, &opts);
		if (err == -ENOSPC && chunk < max) {
			/* one hash bucket holds more entries than a chunk: take more at once */
			chunk = chunk > max / 2 ? max : chunk * 2;
			free(keys);
			free(vals);
			keys = vals = NULL;
			continue;
		}
		if (err && err != -ENOENT) {
			if (!from && (err == -EINVAL || err == -EOPNOTSUPP || err == -RX_ENOTSUPP))
				err = map_walk(fd, ksz, vals, fn, ctx, max);
			break;
		}
		for (i = 0; i < n && seen < max; i++, seen++)
			fn(ctx, keys + (size_t)i * ksz, vals + (size_t)i * stride);
		if (err == -ENOENT || !n || seen >= max) {
			err = (int)seen;
			break;
		}
		memcpy(in, out, sizeof(in));
		from = in;
	}
	free(keys);
	free(vals);
	return err;
}

/*
 * A counter array of rx_percpu: every entry (one per hook) read whole, and
 * each index of the array visited once per entry, its per-CPU values
 * t->stride apart as for any per-CPU map. Returns the visits, or -errno.
 */
static int tally_read(const struct rx_table *t, rx_table_fn fn, void *ctx)
{
	__u8 *vals = malloc(t->stride * (size_t)t->ncpu);
	int fd = bpf_map__fd(t->map), err = 0;
	__u32 k, i;

	if (!vals)
		return -ENOMEM;
	for (k = 0; k < t->slots && !err; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals)) {
			err = -errno;
			break;
		}
		for (i = 0; i < t->max_entries; i++)
			fn(ctx, &i, vals + t->off + (size_t)i * t->value_size);
	}
	free(vals);
	return err ? err : (int)(t->slots * t->max_entries);
}

/* ---- native tables ---------------------------------------------------------------- */

static void native_hash(struct rx_table *t, const struct rx_nhash *h)
{
	t->h = h;
	t->key_size = h->key_size;
	t->value_size = h->value_size;
	t->max_entries = h->max;
}

static void native_array(struct rx_table *t, const void *array, __u32 value_size, __u32 n)
{
	t->array = array;
	t->key_size = sizeof(__u32);
	t->value_size = value_size;
	t->max_entries = n;
}

#define RX__ARRAY(a) (a), sizeof((a)[0]), sizeof(a) / sizeof((a)[0])

void rx_tables__native(struct rx_tables *ts, const struct rx_env *env)
{
	int i;

	memset(ts, 0, sizeof(*ts));
	native_array(&ts->t[RX_TAB_COUNTERS], RX__ARRAY(env->counters));
	native_array(&ts->t[RX_TAB_STATS], RX__ARRAY(env->stats));
	native_array(&ts->t[RX_TAB_SIZES], RX__ARRAY(env->sizes));
	native_array(&ts->t[RX_TAB_TCPKINDS], RX__ARRAY(env->tcpkinds));
	native_array(&ts->t[RX_TAB_HEALTH], RX__ARRAY(env->health));
	native_array(&ts->t[RX_TAB_LATENCY], RX__ARRAY(env->latency));
	native_hash(&ts->t[RX_TAB_TALKERS], &env->talkers);
	native_hash(&ts->t[RX_TAB_SERVICES], &env->services);
	native_hash(&ts->t[RX_TAB_ENDPOINTS], &env->endpoints);
	native_hash(&ts->t[RX_TAB_ROUTES], &env->routes);
	native_hash(&ts->t[RX_TAB_BUDGETS], &env->budgets);
	native_hash(&ts->t[RX_TAB_FLOWS], &env->flows);
	native_hash(&ts->t[RX_TAB_HTTP_CONNS], &env->http_conns);
	native_hash(&ts->t[RX_TAB_SCAN_SOURCES], &env->scan_sources);
	native_hash(&ts->t[RX_TAB_TCP_PORTS], &env->tcp_ports);
	native_hash(&ts->t[RX_TAB_TLS_EPS], &env->tls_eps);
	native_hash(&ts->t[RX_TAB_TLS_CONNS], &env->tls_conns);
	for (i = 0; i < RX_TABS; i++) {
		ts->t[i].name = table_names[i];
		ts->t[i].ncpu = 1;
		ts->t[i].stride = ts->t[i].value_size;
	}
}

/* A native hash table walked as a BPF map is: next key, then its value. */
static int nhash_read(const struct rx_table *t, rx_table_fn fn, void *ctx)
{
	__u8 key[RX_MAP_KEY_MAX], next[RX_MAP_KEY_MAX], *val;
	const void *prev = NULL;
	__u32 n = 0;

	if (t->key_size > RX_MAP_KEY_MAX)
		return -EINVAL;
	val = malloc(t->value_size ? t->value_size : 1);
	if (!val)
		return -ENOMEM;
	while (n < t->max_entries && !rx_nhash__next_key(t->h, prev, next)) {
		memcpy(key, next, t->key_size);
		prev = key;
		if (rx_nhash__lookup(t->h, key, val))
			continue;
		fn(ctx, key, val);
		n++;
	}
	free(val);
	return (int)n;
}

/* ---- one interface -------------------------------------------------------------- */

int rx_table__each(const struct rx_table *t, rx_table_fn fn, void *ctx)
{
	__u32 i;

	if (t->map && t->slots)
		return tally_read(t, fn, ctx);
	if (t->map)
		return map_read(t, fn, ctx);
	if (t->h)
		return nhash_read(t, fn, ctx);
	for (i = 0; t->array && i < t->max_entries; i++)
		fn(ctx, &i, (const __u8 *)t->array + (size_t)i * t->value_size);
	return t->array ? (int)t->max_entries : -EINVAL;
}

int rx_table__lookup(const struct rx_table *t, const void *key, void *vals)
{
	__u32 i;

	if (t->map && t->slots)
		return -1;
	if (t->map)
		return bpf_map_lookup_elem(bpf_map__fd(t->map), key, vals) ? -1 : 0;
	if (t->h)
		return rx_nhash__lookup(t->h, key, vals);
	memcpy(&i, key, sizeof(i));
	if (!t->array || i >= t->max_entries)
		return -1;
	memcpy(vals, (const __u8 *)t->array + (size_t)i * t->value_size, t->value_size);
	return 0;
}

/* ---- the reader ------------------------------------------------------------------- */

/* CPU cpu's value of an entry. */
#define RX_CPU_VAL(t, vals, cpu) ((const void *)((const __u8 *)(vals) + (size_t)(cpu) * (t)->stride))

/* Arrays summed over CPUs into the snapshot's, by index. */
struct sum_into {
	const struct rx_table *t;
	__u32 n;   /* entries of out */
	void *out; /* struct rx_counter[n], __u64[n] or struct rx_hist[n] */
};

/* The snapshot's entry of an array's key (its index), or NULL past the end. */
static void *sum_slot(const struct sum_into *s, const void *key, size_t size)
{
	__u32 k;

	memcpy(&k, key, sizeof(k));
	return k < s->n ? (__u8 *)s->out + (size_t)k * size : NULL;
}

static void sum_counters(void *ctx, const void *key, const void *vals)
{
	const struct sum_into *s = ctx;
	struct rx_counter *to = sum_slot(s, key, sizeof(*to));
	int cpu;

	for (cpu = 0; to && cpu < s->t->ncpu; cpu++) {
		const struct rx_counter *c = RX_CPU_VAL(s->t, vals, cpu);

		to->packets += c->packets;
		to->bytes += c->bytes;
	}
}

static void sum_u64(void *ctx, const void *key, const void *vals)
{
	const struct sum_into *s = ctx;
	__u64 *to = sum_slot(s, key, sizeof(*to));
	int cpu;

	for (cpu = 0; to && cpu < s->t->ncpu; cpu++)
		*to += *(const __u64 *)RX_CPU_VAL(s->t, vals, cpu);
}

static void sum_hist(void *ctx, const void *key, const void *vals)
{
	const struct sum_into *s = ctx;
	struct rx_hist *to = sum_slot(s, key, sizeof(*to));
	int cpu;

	for (cpu = 0; to && cpu < s->t->ncpu; cpu++)
		rx_hist_add(to, RX_CPU_VAL(s->t, vals, cpu));
}

static void read_sums(const struct rx_table *t, rx_table_fn fn, void *out, __u32 n)
{
	struct sum_into s = { .t = t, .n = n, .out = out };

	rx_table__each(t, fn, &s);
}

/*
 * A table's rows as read, grown by doubling from 16 up to max: a read costs what
 * the table holds, not what it could hold. (Rows of the full capacity, zeroed on
 * every read, were 2.4 MB of endpoints alone: faulted in and cleared once a second
 * by the alert thread, 70 % of the agent's CPU under load, on the CPU the server
 * needed.) rows_add gives a zeroed row, or NULL once max rows are in or memory
 * ran out (then for the rest of the read); the rows read so far stay.
 */
struct rows {
	const struct rx_table *t;
	const struct rx_table *routes; /* endpoints: the route text of an id */
	void *p;
	size_t n, cap, max, size;
};

static void *rows_add(struct rows *r)
{
	void *row;

	if (!r->p || r->n >= r->max)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap > r->max / 2 ? r->max : r->cap * 2;
		void *p = realloc(r->p, cap * r->size);

		if (!p) {
			r->max = r->n; /* the rows so far, not a table with holes */
			return NULL;
		}
		r->p = p;
		r->cap = cap;
	}
	row = (char *)r->p + r->n++ * r->size;
	memset(row, 0, r->size);
	return row;
}

/*
 * Table t read into rows of size bytes, at most max, by fn (which takes the
 * struct rows: rows_add, and routes for the endpoints). With ksz or vsz not
 * 0, none are read unless t's keys and values have those sizes (fn reads
 * them as such). The rows, their number in *n.
 */
static void *read_rows(const struct rx_table *t, size_t size, size_t max, __u32 ksz, __u32 vsz,
		       rx_table_fn fn, const struct rx_table *routes, size_t *n)
{
	struct rows r = { .t = t, .routes = routes, .size = size, .max = max };

	r.cap = max < 16 ? (max ? max : 1) : 16;
	r.p = malloc(r.cap * size);
	if (r.p && (!ksz || t->key_size == ksz) && (!vsz || t->value_size == vsz))
		rx_table__each(t, fn, &r);
	*n = r.n;
	return r.p;
}

/* A per-CPU hash table of counters as a table of struct rx_keyed. */
static void add_keyed(void *ctx, const void *key, const void *vals)
{
	struct rows *r = ctx;
	struct rx_keyed *row = rows_add(r);
	int cpu;

	if (!row)
		return;
	memcpy(row->key, key, r->t->key_size);
	for (cpu = 0; cpu < r->t->ncpu; cpu++) {
		const struct rx_counter *c = RX_CPU_VAL(r->t, vals, cpu);

		row->c.packets += c->packets;
		row->c.bytes += c->bytes;
	}
}

static struct rx_keyed *read_keyed(const struct rx_table *t, size_t *n)
{
	*n = 0;
	if (t->key_size > sizeof(((struct rx_keyed *)0)->key))
		return NULL;
	return read_rows(t, sizeof(struct rx_keyed), t->max_entries, 0, 0, add_keyed, NULL, n);
}

static void add_endpoint(void *ctx, const void *key, const void *vals)
{
	struct rows *e = ctx;
	struct rx_endpoint_row *row = rows_add(e);
	struct rx_route r;
	int cpu;

	if (!row)
		return;
	memcpy(&row->k, key, sizeof(row->k));
	for (cpu = 0; cpu < e->t->ncpu; cpu++)
		rx_endpoint_add(&row->v, RX_CPU_VAL(e->t, vals, cpu));
	rx_route_name(row->route, row->k.route,
		      rx_table__lookup(e->routes, &row->k.route, &r) ? NULL : &r);
}

static void add_scan(void *ctx, const void *key, const void *vals)
{
	struct rx_scan_row *row = rows_add(ctx);

	if (!row)
		return;
	memcpy(&row->k, key, sizeof(row->k));
	memcpy(&row->v, vals, sizeof(row->v));
}

static void add_tcp_port(void *ctx, const void *key, const void *vals)
{
	struct rows *r = ctx;
	struct rx_tcp_port_row *row = rows_add(r);
	int cpu;

	if (!row)
		return;
	memcpy(&row->port, key, sizeof(row->port));
	for (cpu = 0; cpu < r->t->ncpu; cpu++) {
		const struct rx_tcp_port *p = RX_CPU_VAL(r->t, vals, cpu);

		row->v.syn += p->syn;
		row->v.handshakes += p->handshakes;
		row->v.rst += p->rst;
		row->v.retransmits += p->retransmits;
		row->v.zero_windows += p->zero_windows;
	}
}

static void add_tls(void *ctx, const void *key, const void *vals)
{
	struct rows *r = ctx;
	struct rx_tls_row *row = rows_add(r);
	int cpu;

	if (!row)
		return;
	memcpy(&row->k, key, sizeof(row->k));
	for (cpu = 0; cpu < r->t->ncpu; cpu++)
		rx_tls_ep_add(&row->v, RX_CPU_VAL(r->t, vals, cpu));
}

void rx_snapshot__read(struct rx_snapshot *snap, const struct rx_tables *ts)
{
	const struct rx_table *t = ts->t;

	read_sums(&t[RX_TAB_COUNTERS], sum_counters, snap->counters, RX_COUNTER_SLOTS);
	read_sums(&t[RX_TAB_STATS], sum_u64, snap->stats, RX_STAT_MAX);
	read_sums(&t[RX_TAB_TCPKINDS], sum_u64, snap->tcpkinds, RX_TCPK_MAX);
	read_sums(&t[RX_TAB_SIZES], sum_counters, snap->sizes, RX_SIZE_BUCKETS);
	read_sums(&t[RX_TAB_HEALTH], sum_u64, snap->health, RX_TCPH_MAX);
	read_sums(&t[RX_TAB_LATENCY], sum_hist, snap->latency, RX_LAT_MAX);
	snap->endpoints = read_rows(&t[RX_TAB_ENDPOINTS], sizeof(*snap->endpoints), RX_ENDPOINTS_MAX,
				    0, 0, add_endpoint, &t[RX_TAB_ROUTES], &snap->n_endpoints);
	snap->talkers = read_keyed(&t[RX_TAB_TALKERS], &snap->n_talkers);
	snap->services = read_keyed(&t[RX_TAB_SERVICES], &snap->n_services);
	/* the port-scan records (datapath/scan.h), a bounded map read whole */
	snap->scans = read_rows(&t[RX_TAB_SCAN_SOURCES], sizeof(*snap->scans), RX_SCAN_SOURCES_MAX,
				sizeof(struct rx_scan_key), sizeof(struct rx_scan_rec), add_scan, NULL,
				&snap->n_scans);
	/* TCP health per server port (datapath/tcp.h), a bounded map read whole */
	snap->tcp_ports = read_rows(&t[RX_TAB_TCP_PORTS], sizeof(*snap->tcp_ports), RX_TCP_PORTS_MAX,
				    sizeof(__u32), sizeof(struct rx_tcp_port), add_tcp_port, NULL,
				    &snap->n_tcp_ports);
	/* the TLS rows (datapath/tlsconn.h), a bounded per-CPU map summed over CPUs */
	snap->tls = read_rows(&t[RX_TAB_TLS_EPS], sizeof(*snap->tls), RX_TLS_EPS_MAX,
			      sizeof(struct rx_tls_ep_key), sizeof(struct rx_tls_ep), add_tls, NULL,
			      &snap->n_tls);
}

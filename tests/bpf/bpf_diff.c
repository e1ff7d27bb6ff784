// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Proof of sameness (docs/architecture.md, "One datapath, two builds"): every frame of the given
 * pcaps runs through the real XDP program (BPF_PROG_TEST_RUN, on this
 * kernel) and through the native build; the capture records must be
 * identical byte for byte (but for what only the kernel knows: time,
 * ifindex, RX queue, hook), and so must every counter at the end.
 *
 * The same frames then go through the TC programs (tc_ingress, and again
 * tc_egress, each with state of its own) and through the native build's
 * TCP and HTTP trackers: the transaction stream, the stats, TCP health and
 * the trackers' tables must be identical but for time (see the TC pass).
 *
 *   bpf_diff [--payload] [--route PATTERN]... [--no-tc] FILE.pcap...
 *
 * --route adds a route pattern (src/pattern.c) for the TC passes.
 *
 * Frames the kernel cannot test-run (shorter than an Ethernet header,
 * longer than one page of linear data) are listed and skipped, never
 * silently; so are, at TC only, frames cut by the capture's snaplen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../native/datapath.h"
#include "rxray.skel.h"
#include "../../src/stages.h"
#include "../../src/pattern.h"
#include "pcap_each.h"

/*
 * The TC pass: the same frames through a TC program (tc_ingress, then in a
 * second pass with state of its own, tc_egress) and through a native env
 * that tracks TCP health and HTTP, as offline mode does. Both programs see
 * every frame: the TCP and HTTP trackers tell directions apart by content,
 * never by the hook.
 *
 * Compared: the transaction stream record by record (rx_txn and rx_reqinfo,
 * told apart by their type as src/ does), then the stats, TCP health, and the
 * tables the trackers leave behind. Time is not comparable: BPF reads
 * bpf_ktime_get_ns() while the native build reads pcap time, so every
 * time-derived value (start_ns, dur_ns, duration buckets and sums, latency
 * buckets, syn_ns/synack_ns/start_ns in state) is left out. Decisions that
 * time makes (a request expires after RX_HTTP_TIMEOUT_NS of pcap time
 * natively, of run time in BPF) agree only while every request is answered
 * within that time in pcap time: the corpus keeps its HTTP conversations
 * short (tests/pcap/gen_corpus.py).
 */
#define RX_TC_NEXT -1 /* what the TC programs return: TCX_NEXT / TC_ACT_UNSPEC */
#define TC_RECS_MAX 64 /* > the stream records one frame makes: one per message, RX_HTTP_PIPE */

/* One record of the transaction stream. */
struct tc_rec {
	__u32 size; /* as the ring gave it; u.txn.hdr.type says which record */
	union {
		struct rx_txn txn;
		struct rx_reqinfo info;
	} u;
};

struct tc_recs {
	struct tc_rec rec[TC_RECS_MAX];
	int n;    /* records kept */
	int seen; /* records made, kept or not */
};

struct tc_pass {
	const char *name; /* "TC ingress" */
	struct rxray_bpf *skel;
	struct bpf_program *prog;
	struct ring_buffer *ring;
	struct rx_env *native;
	struct tc_recs bpf, nat;
	unsigned long frames, skipped, txns, infos, differ;
};

#define TC_PASSES 2 /* tc_ingress, tc_egress */

struct diff {
	struct rxray_bpf *skel;
	struct ring_buffer *ring;
	struct rx_env *native;
	struct rx_capture bpf_rec, nat_rec;
	int bpf_n, nat_n;
	unsigned long frames, compared, skipped, mismatched;
	unsigned long base; /* frames in earlier files: frame numbers are per file */
	const char *file;
	int tc_on;
	struct tc_pass tc[TC_PASSES];
};

static int on_bpf(void *ctx, void *data, size_t size)
{
	struct diff *d = ctx;

	if (size >= sizeof(d->bpf_rec))
		memcpy(&d->bpf_rec, data, sizeof(d->bpf_rec));
	d->bpf_n++;
	return 0;
}

static void on_native(void *user, const struct rx_capture *rec)
{
	struct diff *d = user;

	d->nat_rec = *rec;
	d->nat_n++;
}

/* What only the kernel knows, and what the record compare must ignore. */
static void normalise(struct rx_capture *r)
{
	r->pkt.ts_ns = 0;
	r->pkt.ifindex = 0;
	r->pkt.rx_queue = 0;
	r->pkt.hook = 0;
	if (r->data_len < RX_SNAP_MAX)
		memset(r->data + r->data_len, 0, RX_SNAP_MAX - r->data_len);
}

static void report(struct diff *d, const char *what)
{
	const __u8 *a = (const __u8 *)&d->bpf_rec, *b = (const __u8 *)&d->nat_rec;
	size_t i;

	d->mismatched++;
	if (d->mismatched > 10)
		return;
	printf("MISMATCH %s frame %lu: %s\n", d->file, d->frames - d->base, what);
	for (i = 0; i < sizeof(d->bpf_rec); i++)
		if (a[i] != b[i]) {
			printf("  first differing byte at offset %zu: bpf 0x%02x native 0x%02x\n", i,
			       a[i], b[i]);
			break;
		}
}

static void xdp_frame(struct diff *d, const uint8_t *data, uint32_t caplen, uint64_t ts_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = caplen,
		    .repeat = 1);
	int err;

	if (caplen < 14 || caplen > 3000) {
		printf("skip %s frame %lu: %u bytes cannot be test-run at XDP\n", d->file, d->frames - d->base,
		       caplen);
		d->skipped++;
		return;
	}
	d->bpf_n = d->nat_n = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(d->skel->progs.xdp_ingress), &opts);
	if (err) {
		printf("%s frame %lu: BPF_PROG_TEST_RUN: %s\n", d->file, d->frames - d->base, strerror(-err));
		d->mismatched++;
		return;
	}
	ring_buffer__consume(d->ring);
	/* XDP sees exactly the captured bytes: give the native build the same */
	rx_native__run(d->native, data, caplen, caplen, ts_ns);
	d->compared++;
	if (d->bpf_n != 1 || d->nat_n != 1) {
		printf("MISMATCH %s frame %lu: %d BPF records, %d native records\n", d->file,
		       d->frames - d->base, d->bpf_n, d->nat_n);
		d->mismatched++;
		return;
	}
	if (opts.retval != XDP_PASS)
		report(d, "XDP verdict is not XDP_PASS");
	normalise(&d->bpf_rec);
	normalise(&d->nat_rec);
	if (memcmp(&d->bpf_rec, &d->nat_rec, sizeof(d->bpf_rec)))
		report(d, "records differ");
}

static void tc_recs__add(struct tc_recs *l, const void *data, size_t size)
{
	struct tc_rec *r;

	l->seen++;
	if (l->n >= TC_RECS_MAX)
		return;
	r = &l->rec[l->n++];
	memset(r, 0, sizeof(*r));
	r->size = (__u32)size;
	memcpy(&r->u, data, size < sizeof(r->u) ? size : sizeof(r->u));
}

static int on_bpf_txn(void *ctx, void *data, size_t size)
{
	tc_recs__add(&((struct tc_pass *)ctx)->bpf, data, size);
	return 0;
}

static void on_native_txn(void *user, const void *rec, __u32 size)
{
	tc_recs__add(&((struct tc_pass *)user)->nat, rec, size);
}

static void tc_print_rec(const char *side, const struct tc_rec *r)
{
	const struct rx_txn *t = &r->u.txn;
	const struct rx_reqinfo *ri = &r->u.info;

	if (r->u.txn.hdr.type == RX_REC_TXN)
		printf("  %-6s txn %u->%u method %u status %u route %08x seq %u req %u resp %u "
		       "flags %u minor %u\n",
		       side, t->cport, t->sport, t->method, t->status, t->route, t->seq,
		       t->req_size, t->resp_size, t->flags, t->minor);
	else if (r->u.info.hdr.type == RX_REC_REQINFO)
		printf("  %-6s request %u->%u seq %u path \"%.*s\" ua \"%.*s\" flags %u\n", side,
		       ri->cport, ri->sport, ri->seq, ri->path_len, ri->path, ri->ua_len, ri->ua,
		       ri->flags);
	else
		printf("  %-6s a record of type %u, %u bytes\n", side, r->u.txn.hdr.type, r->size);
}

static void tc_differ(struct tc_pass *p, struct diff *d, const char *what)
{
	p->differ++;
	if (p->differ <= 10)
		printf("MISMATCH %s %s frame %lu: %s\n", p->name, d->file, d->frames - d->base, what);
}

/* What only time decides: the datapath clocks differ (see above). */
static void tc_normalise(struct tc_rec *r)
{
	if (r->u.txn.hdr.type == RX_REC_TXN) {
		r->u.txn.start_ns = 0;
		r->u.txn.dur_ns = 0;
	}
}

/*
 * An IPv4 or IPv6 frame (by its EtherType) that ends inside the IP header:
 * newer kernels refuse to test-run it at TC (the skb's network header must
 * be there); older ones run it, and then it is compared.
 */
static int tc_ip_cut(const uint8_t *data, uint32_t caplen)
{
	unsigned int type = (unsigned int)data[12] << 8 | data[13];

	return (type == 0x0800 && caplen < 14 + 20) || (type == 0x86dd && caplen < 14 + 40);
}

static void tc_run(struct tc_pass *p, struct diff *d, const uint8_t *data, uint32_t caplen,
		   uint64_t ts_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = caplen,
		    .repeat = 1);
	int err, i;

	p->bpf.n = p->bpf.seen = p->nat.n = p->nat.seen = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(p->prog), &opts);
	if (err == -EINVAL && tc_ip_cut(data, caplen)) {
		printf("skip %s %s frame %lu: %u bytes: the kernel does not test-run an IP frame "
		       "shorter than its IP header\n",
		       p->name, d->file, d->frames - d->base, caplen);
		p->skipped++;
		return;
	}
	if (err) {
		p->frames++;
		tc_differ(p, d, strerror(-err));
		return;
	}
	ring_buffer__consume(p->ring);
	/* pcap time: the clock offline mode runs on (see the caveat above) */
	rx_native__run(p->native, data, caplen, caplen, ts_ns);
	p->frames++;
	if ((int)opts.retval != RX_TC_NEXT)
		tc_differ(p, d, "the program's return is not TCX_NEXT");
	if (p->bpf.seen != p->nat.seen || p->bpf.seen > TC_RECS_MAX) {
		char what[80];

		snprintf(what, sizeof(what), "%d BPF stream records, %d native", p->bpf.seen,
			 p->nat.seen);
		tc_differ(p, d, what);
		for (i = 0; p->differ <= 10 && i < p->bpf.n; i++)
			tc_print_rec("bpf", &p->bpf.rec[i]);
		for (i = 0; p->differ <= 10 && i < p->nat.n; i++)
			tc_print_rec("native", &p->nat.rec[i]);
		return;
	}
	for (i = 0; i < p->bpf.n; i++) {
		struct tc_rec *a = &p->bpf.rec[i], *b = &p->nat.rec[i];

		tc_normalise(a);
		tc_normalise(b);
		if (a->u.txn.hdr.type == RX_REC_TXN)
			p->txns++;
		else
			p->infos++;
		if (a->size != b->size || memcmp(a, b, sizeof(*a))) {
			tc_differ(p, d, "stream records differ");
			if (p->differ <= 10) {
				tc_print_rec("bpf", a);
				tc_print_rec("native", b);
			}
		}
	}
}

/*
 * Frames that a TC program cannot see as the capture holds them: shorter
 * than an Ethernet header or longer than a page (test_run refuses them),
 * and frames cut by the capture's snaplen. At TC skb->len is the whole
 * packet and bpf_skb_load_bytes reaches all of it; BPF_PROG_TEST_RUN makes
 * skb->len the bytes given, so a cut frame would be a different (short)
 * packet there, while the native build clips the payload to the bytes at
 * hand but takes its length from the wire. Short frames of the same bytes
 * are in the corpus (trunc_short.pcap) and are compared.
 */
static void tc_frame(struct diff *d, const uint8_t *data, uint32_t caplen, uint32_t len,
		     uint64_t ts_ns)
{
	int i;

	if (caplen < 14 || caplen > 3000 || caplen < len) {
		if (caplen < len)
			printf("skip TC %s frame %lu: snaplen cut (%u of %u bytes): no TC counterpart\n",
			       d->file, d->frames - d->base, caplen, len);
		else
			printf("skip TC %s frame %lu: %u bytes cannot be test-run at TC\n", d->file,
			       d->frames - d->base, caplen);
		for (i = 0; i < TC_PASSES; i++)
			d->tc[i].skipped++;
		return;
	}
	for (i = 0; i < TC_PASSES; i++)
		tc_run(&d->tc[i], d, data, caplen, ts_ns);
}

static int on_frame(void *user, const uint8_t *data, uint32_t caplen, uint32_t len,
		    uint64_t ts_ns)
{
	struct diff *d = user;

	d->frames++;
	xdp_frame(d, data, caplen, ts_ns);
	if (d->tc_on)
		tc_frame(d, data, caplen, len, ts_ns);
	return 0;
}

/*
 * Read one value of a map; a per-CPU map's values (every field a __u64
 * counter) are summed over the CPUs into out.
 */
static int tc_read(int fd, const void *key, void *out, __u32 size, int percpu, int ncpu)
{
	__u32 words = size / 8, stride = (size + 7) / 8, w;
	__u64 *buf, *o = out;
	int cpu, err;

	if (!percpu)
		return bpf_map_lookup_elem(fd, key, out);
	buf = calloc((size_t)ncpu, stride * 8);
	if (!buf)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, key, buf);
	memset(out, 0, size);
	for (cpu = 0; !err && cpu < ncpu; cpu++)
		for (w = 0; w < words; w++)
			o[w] += buf[(size_t)cpu * stride + w];
	free(buf);
	return err;
}

/* What time decides in each table's values (see the TC pass above). */
static void tc_norm_endpoint(void *v)
{
	struct rx_endpoint *e = v;

	memset(e->dur, 0, sizeof(e->dur));
	e->dur_sum_ns = e->dur_max_ns = e->dur_min_ns = 0;
}

static void tc_norm_flow(void *v)
{
	struct rx_tcp_flow *f = v;

	f->syn_ns = f->synack_ns = 0;
}

static void tc_norm_conn(void *v)
{
	struct rx_http_conn *c = v;
	int i;

	for (i = 0; i < RX_HTTP_PIPE; i++)
		c->q[i].start_ns = 0;
	c->hole[0].ns = c->hole[1].ns = 0;
}

struct tc_table {
	const char *name;
	struct bpf_map *map;
	const struct rx_nhash *h;
	int percpu;
	void (*normalise)(void *val); /* NULL: nothing time-derived */
};

/*
 * A hash map against its native twin: the same keys, the same values (a
 * per-CPU map's summed), both read through the same interface (lookup,
 * next key). who: what the result line begins with ("", "TC ingress ").
 */
static int compare_map(const char *who, const struct tc_table *t, int ncpu)
{
	const struct rx_nhash *h = t->h;
	int fd = bpf_map__fd(t->map), bad = 0;
	__u8 key[64], next[64], *a, *b;
	void *prev = NULL;
	__u32 n = 0, found = 0, off;

	if (bpf_map__key_size(t->map) != h->key_size || h->key_size > sizeof(key) ||
	    bpf_map__value_size(t->map) != h->value_size) {
		printf("%stable %s: BPF and native entries differ in size\n", who, t->name);
		return 1;
	}
	a = malloc(h->value_size);
	b = malloc(h->value_size);
	if (!a || !b) {
		free(a);
		free(b);
		return 1;
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, h->key_size);
		prev = key;
		n++;
	}
	if (n != h->n)
		printf("%stable %s: bpf has %u keys, native %u\n", who, t->name, n, h->n);
	for (prev = NULL; !rx_nhash__next_key(h, prev, next); prev = key) {
		memcpy(key, next, h->key_size);
		if (tc_read(fd, key, a, h->value_size, t->percpu, ncpu)) {
			if (++bad <= 5)
				printf("%stable %s: a native key is missing in BPF\n", who, t->name);
			continue;
		}
		found++;
		rx_nhash__lookup(h, key, b);
		if (t->normalise) {
			t->normalise(a);
			t->normalise(b);
		}
		if (!memcmp(a, b, h->value_size))
			continue;
		for (off = 0; a[off] == b[off]; off++)
			;
		if (++bad <= 5)
			printf("%stable %s: values differ for one key, first at byte %u: bpf 0x%02x "
			       "native 0x%02x\n",
			       who, t->name, off, a[off], b[off]);
	}
	bad += (int)(n - found); /* keys only BPF has */
	printf("%stable %s: %u keys compared, %d differ\n", who, t->name, h->n, bad);
	free(a);
	free(b);
	return bad;
}

/* The traffic picture: talkers, services, sizes, TCP kinds. */
static int compare_traffic(struct diff *d, int ncpu, struct rx_counter *pc, __u64 *ps)
{
	int bad = 0, cpu;
	__u32 k;

	const struct tc_table tables[] = {
		{ "talkers", d->skel->maps.rx_talkers, &d->native->talkers, 1, NULL },
		{ "services", d->skel->maps.rx_services, &d->native->services, 1, NULL },
	};

	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
		bad += compare_map("", &tables[k], ncpu);
	for (k = 0; k < RX_SIZE_BUCKETS; k++) {
		struct rx_counter sum = { 0 };

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_sizes), &k, pc);
		for (cpu = 0; cpu < ncpu; cpu++) {
			sum.packets += pc[cpu].packets;
			sum.bytes += pc[cpu].bytes;
		}
		if (sum.packets != d->native->sizes[k].packets ||
		    sum.bytes != d->native->sizes[k].bytes) {
			printf("SIZES bucket %u differs\n", k);
			bad++;
		}
	}
	for (k = 0; k < RX_TCPK_MAX; k++) {
		__u64 sum = 0;

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_tcpkinds), &k, ps);
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += ps[cpu];
		if (sum != d->native->tcpkinds[k]) {
			printf("TCPKIND %u: bpf %llu native %llu\n", k, (unsigned long long)sum,
			       (unsigned long long)d->native->tcpkinds[k]);
			bad++;
		}
	}
	return bad;
}

/* Sum the per-CPU counters and compare with the native ones, slot by slot. */
static int compare_counters(struct diff *d)
{
	int ncpu = libbpf_num_possible_cpus(), bad = 0, cpu;
	struct rx_counter *pc = calloc((size_t)ncpu, sizeof(*pc));
	__u64 *ps = calloc((size_t)ncpu, sizeof(*ps)), total = 0;
	__u32 k;

	for (k = 0; pc && k < RX_COUNTER_SLOTS; k++) {
		struct rx_counter sum = { 0 };

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_counters), &k, pc);
		for (cpu = 0; cpu < ncpu; cpu++) {
			sum.packets += pc[cpu].packets;
			sum.bytes += pc[cpu].bytes;
		}
		total += sum.packets;
		if (sum.packets != d->native->counters[k].packets ||
		    sum.bytes != d->native->counters[k].bytes) {
			printf("COUNTER slot %u: bpf %llu/%llu native %llu/%llu\n", k,
			       (unsigned long long)sum.packets, (unsigned long long)sum.bytes,
			       (unsigned long long)d->native->counters[k].packets,
			       (unsigned long long)d->native->counters[k].bytes);
			bad++;
		}
	}
	for (k = 0; ps && k < RX_STAT_MAX; k++) {
		__u64 sum = 0;

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_stats), &k, ps);
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += ps[cpu];
		if (sum != d->native->stats[k]) {
			printf("STAT %u: bpf %llu native %llu\n", k, (unsigned long long)sum,
			       (unsigned long long)d->native->stats[k]);
			bad++;
		}
	}
	printf("counters: %llu packets in %d slots compared, %d differ\n",
	       (unsigned long long)total, RX_COUNTER_SLOTS, bad);
	bad += compare_traffic(d, ncpu, pc, ps);
	free(pc);
	free(ps);
	return bad;
}

/* A per-CPU array of __u64 counters against the native ones, slot by slot. */
static int tc_compare_counters(struct tc_pass *p, const char *what, struct bpf_map *map,
			       const __u64 *native, __u32 n, const char *const *names, int ncpu,
			       __u64 *sums)
{
	int bad = 0;
	__u32 k;

	for (k = 0; k < n; k++) {
		if (tc_read(bpf_map__fd(map), &k, &sums[k], sizeof(sums[k]), 1, ncpu))
			sums[k] = ~0ull;
		if (sums[k] != native[k]) {
			printf("%s %s %s: bpf %llu native %llu\n", p->name, what, names[k],
			       (unsigned long long)sums[k], (unsigned long long)native[k]);
			bad++;
		}
	}
	return bad;
}

#define TC__NAME(name, str) str,
static const char *const tc_stat_names[] = { RX_STATS(TC__NAME) };
static const char *const tc_health_names[] = { RX_TCPHEALTH(TC__NAME) };
static const char *const tc_lat_names[] = { RX_LATENCIES(TC__NAME) };

/*
 * The end of a TC pass: stats, TCP health (the latency histograms by their
 * counts only: their buckets are time), and the tables.
 */
static int tc_compare(struct tc_pass *p)
{
	int ncpu = libbpf_num_possible_cpus(), bad = 0, lbad = 0, b;
	struct rx_env *env = p->native;
	__u64 stats[RX_STAT_MAX], health[RX_TCPH_MAX];
	char who[48];
	struct rx_hist hist;
	__u32 k, j;
	const struct tc_table tables[] = {
		{ "endpoints", p->skel->maps.rx_endpoints, &env->endpoints, 1, tc_norm_endpoint },
		{ "routes", p->skel->maps.rx_routes, &env->routes, 0, NULL },
		{ "budgets", p->skel->maps.rx_budgets, &env->budgets, 0, NULL },
		{ "flows", p->skel->maps.rx_flows, &env->flows, 0, tc_norm_flow },
		{ "http_conns", p->skel->maps.rx_http_conns, &env->http_conns, 0, tc_norm_conn },
	};

	b = tc_compare_counters(p, "stat", p->skel->maps.rx_stats, env->stats, RX_STAT_MAX,
				tc_stat_names, ncpu, stats);
	if (stats[RX_STAT_STAGE_MISS]) {
		printf("%s: %llu tail calls failed (stage_miss)\n", p->name,
		       (unsigned long long)stats[RX_STAT_STAGE_MISS]);
		b++;
	}
	printf("%s stats: %d counters compared (http_requests %llu, txn_produced %llu, "
	       "http_unmatched %llu, http_expired %llu, stage_miss %llu), %d differ\n",
	       p->name, RX_STAT_MAX, (unsigned long long)stats[RX_STAT_HTTP_REQUESTS],
	       (unsigned long long)stats[RX_STAT_TXN_PRODUCED],
	       (unsigned long long)stats[RX_STAT_HTTP_UNMATCHED],
	       (unsigned long long)stats[RX_STAT_HTTP_EXPIRED],
	       (unsigned long long)stats[RX_STAT_STAGE_MISS], b);
	bad += b;
	b = tc_compare_counters(p, "health", p->skel->maps.rx_health, env->health, RX_TCPH_MAX,
				tc_health_names, ncpu, health);
	for (k = 0; k < RX_LAT_MAX; k++) {
		__u64 nb = 0, nn = 0;

		if (tc_read(bpf_map__fd(p->skel->maps.rx_latency), &k, &hist, sizeof(hist), 1, ncpu))
			memset(&hist, 0xff, sizeof(hist));
		for (j = 0; j < RX_LAT_BUCKETS; j++) {
			nb += hist.count[j];
			nn += env->latency[k].count[j];
		}
		if (nb != nn) {
			printf("%s latency %s: bpf %llu samples, native %llu\n", p->name, tc_lat_names[k],
			       (unsigned long long)nb, (unsigned long long)nn);
			lbad++;
		}
	}
	printf("%s health: %d counters and %d latency counts compared (handshakes %llu, "
	       "retransmits %llu, flows %llu), %d differ\n",
	       p->name, RX_TCPH_MAX, RX_LAT_MAX, (unsigned long long)health[RX_TCPH_HANDSHAKES],
	       (unsigned long long)health[RX_TCPH_RETRANSMITS],
	       (unsigned long long)health[RX_TCPH_FLOWS], b + lbad);
	bad += b + lbad;
	snprintf(who, sizeof(who), "%s ", p->name);
	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
		bad += compare_map(who, &tables[k], ncpu);
	printf("%s: %lu frames, %lu transactions and %lu request records compared, %lu skipped, "
	       "%lu differ\n",
	       p->name, p->frames, p->txns, p->infos, p->skipped, p->differ);
	return bad + (p->differ ? 1 : 0) + (p->frames ? 0 : 1);
}

/*
 * The BPF object loaded with cfg, as the live source loads it: opened, the
 * settings fixed at load in rodata, loaded, the stages filled, the
 * settings of run time in .bss. NULL on failure (errno set).
 */
static struct rxray_bpf *load_with(const struct rx_config *cfg)
{
	struct rxray_bpf *skel = rxray_bpf__open();
	int err;

	if (!skel)
		return NULL;
	skel->rodata->rx_ro = rx_config__ro(cfg);
	err = rxray_bpf__load(skel) ?: rx_stages__fill(skel->obj);
	if (err) {
		rxray_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	skel->bss->rx_cfg = rx_config__rt(cfg);
	return skel;
}

/*
 * A skeleton of its own per TC program: fresh maps, the TCP and HTTP
 * trackers on, transactions streamed, the route patterns in place; and
 * its native twin.
 */
static int tc_pass__open(struct tc_pass *p, const char *name, int egress,
			 const struct rx_patterns *routes)
{
	struct rx_config cfg = { .tcp = 1, .http = 1, .txns = 1, .patterns = routes->n };
	__u32 i;

	p->name = name;
	/* one configuration for both builds */
	p->skel = load_with(&cfg);
	if (!p->skel)
		return -1;
	p->prog = egress ? p->skel->progs.tc_egress : p->skel->progs.tc_ingress;
	for (i = 0; i < routes->n; i++)
		if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.rx_patterns), &i, &routes->p[i],
					BPF_ANY))
			return -1;
	p->ring = ring_buffer__new(bpf_map__fd(p->skel->maps.rx_txn_ring), on_bpf_txn, p, NULL);
	p->native = rx_native__new();
	if (!p->ring || !p->native)
		return -1;
	rx_native__configure(p->native, &cfg, routes->p);
	rx_native__sinks(p->native, NULL, on_native_txn, p);
	return 0;
}

static void tc_pass__close(struct tc_pass *p)
{
	ring_buffer__free(p->ring);
	rxray_bpf__destroy(p->skel);
	rx_native__free(p->native);
}

int main(int argc, char **argv)
{
	static struct diff d; /* (the TC passes' record lists: too big for the stack) */
	struct rx_patterns routes = { .n = 0 };
	static const char *const tc_names[TC_PASSES] = { "TC ingress", "TC egress" };
	struct rx_config cfg = { .capture = 1, .snaplen = RX_SNAP_MAX, .traffic = 1 };
	int i, bad, payload = 0;

	d.tc_on = 1;
	for (; argc > 1 && !strncmp(argv[1], "--", 2); argv++, argc--) {
		if (!strcmp(argv[1], "--payload")) {
			payload = 1;
		} else if (!strcmp(argv[1], "--no-tc")) {
			d.tc_on = 0;
		} else if (!strcmp(argv[1], "--route") && argc > 2) {
			if (rx_patterns_opt(&routes, argv[2], "--route"))
				return 2;
			argv++;
			argc--;
		} else {
			argc = 1;
		}
	}
	if (argc < 2) {
		fprintf(stderr,
			"usage: bpf_diff [--payload] [--route PATTERN]... [--no-tc] FILE.pcap...\n");
		return 2;
	}
	/* one configuration for both builds */
	cfg.payload = payload ? 1 : 0;
	d.skel = load_with(&cfg);
	if (!d.skel) {
		fprintf(stderr, "cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	d.ring = ring_buffer__new(bpf_map__fd(d.skel->maps.rx_ring), on_bpf, &d, NULL);
	d.native = rx_native__new();
	if (!d.ring || !d.native)
		return 1;
	rx_native__configure(d.native, &cfg, NULL);
	rx_native__sinks(d.native, on_native, NULL, &d);
	for (i = 0; d.tc_on && i < TC_PASSES; i++)
		if (tc_pass__open(&d.tc[i], tc_names[i], i == 1, &routes)) {
			fprintf(stderr, "%s: cannot set up the BPF object: %s\n", tc_names[i],
				strerror(errno));
			return 1;
		}
	for (i = 1; i < argc; i++) {
		unsigned long before = d.frames;

		d.file = argv[i];
		d.base = before;
		if (pcap_each(argv[i], on_frame, &d) < 0)
			return 1;
	}
	bad = compare_counters(&d);
	for (i = 0; d.tc_on && i < TC_PASSES; i++) {
		bad += tc_compare(&d.tc[i]);
		tc_pass__close(&d.tc[i]);
	}
	printf("%lu frames, %lu compared, %lu skipped, %lu mismatched\n", d.frames, d.compared,
	       d.skipped, d.mismatched);
	ring_buffer__free(d.ring);
	rxray_bpf__destroy(d.skel);
	rx_native__free(d.native);
	return (d.mismatched || bad || d.compared == 0) ? 1 : 0;
}

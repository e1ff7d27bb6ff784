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
 *   bpf_diff [--payload] [--route PATTERN]... [--no-tc] [--guard] FILE.pcap...
 *
 * --guard puts the guard's rules of guard_rules[] (allow and deny, IPv4 and
 * IPv6, dry run) in both builds: the XDP verdicts, the reasons in the
 * records and counters, and what each rule matched must agree too.
 *
 * --route adds a route pattern (src/pattern.c) for the TC passes.
 *
 * Frames the kernel cannot test-run (shorter than an Ethernet header,
 * longer than one page of linear data) are listed and skipped, never
 * silently; so are, at TC only, frames cut by the capture's snaplen.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../native/datapath.h"
#include "rxray.skel.h"
#include "../../src/stages.h"
#include "../../src/pattern.h"
#include "../../src/snapshot_read.h"
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
 * short (tests/pcap/gen_corpus.py). So does the port-scan budget (new
 * targets a second per CPU, datapath/scan.h): both agree while no second,
 * of pcap or run time, has more than RX_SCAN_NEW_PER_S new targets.
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
	int guard;
	int nat_verdict; /* the native build's verdict of the frame */
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
	d->nat_verdict = rx_native__run(d->native, data, caplen, caplen, ts_ns);
	d->compared++;
	/* the guard's early check dropped it before the decode: neither build records it */
	if (!d->bpf_n && !d->nat_n && opts.retval == XDP_DROP && d->nat_verdict == RX_VERDICT_DROP)
		return;
	if (d->bpf_n != 1 || d->nat_n != 1) {
		printf("MISMATCH %s frame %lu: %d BPF records, %d native records\n", d->file,
		       d->frames - d->base, d->bpf_n, d->nat_n);
		d->mismatched++;
		return;
	}
	if (opts.retval != (d->nat_verdict == RX_VERDICT_DROP ? XDP_DROP : XDP_PASS))
		report(d, "XDP verdicts differ");
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
 * The counters and tables at the end: each build's read by the one reader
 * of src/snapshot_read.c (the BPF maps as the live source reads them, the
 * native tables as the file source does), then compared row by row. A
 * difference names its table and key.
 */

/* The snapshot of each build, and the tables of each: 0, or 1 when the BPF maps cannot be read. */
static int read_both(struct rxray_bpf *skel, struct rx_env *env, struct rx_tables *bt,
		     struct rx_tables *nt, struct rx_snapshot *b, struct rx_snapshot *n)
{
	memset(b, 0, sizeof(*b));
	memset(n, 0, sizeof(*n));
	if (rx_tables__bpf(bt, skel->obj)) {
		printf("cannot read the BPF maps\n");
		return 1;
	}
	rx_tables__native(nt, env);
	rx_snapshot__read(b, bt);
	rx_snapshot__read(n, nt);
	return 0;
}

/* Entries of two arrays of __u64 that differ, a line each: "WHO WHAT NAME: bpf A native B". */
static int diff_u64(const char *who, const char *what, const char *const *names, const __u64 *a,
		    const __u64 *b, __u32 n)
{
	int bad = 0;
	__u32 k;

	for (k = 0; k < n; k++) {
		if (a[k] == b[k])
			continue;
		bad++;
		if (names)
			printf("%s%s %s: bpf %llu native %llu\n", who, what, names[k],
			       (unsigned long long)a[k], (unsigned long long)b[k]);
		else
			printf("%s%s %u: bpf %llu native %llu\n", who, what, k,
			       (unsigned long long)a[k], (unsigned long long)b[k]);
	}
	return bad;
}

/* The same for arrays of struct rx_counter: "WHAT K: bpf P/B native P/B". */
static int diff_counters(const char *what, const struct rx_counter *a, const struct rx_counter *b,
			 __u32 n)
{
	int bad = 0;
	__u32 k;

	for (k = 0; k < n; k++) {
		if (a[k].packets == b[k].packets && a[k].bytes == b[k].bytes)
			continue;
		bad++;
		printf("%s %u: bpf %llu/%llu native %llu/%llu\n", what, k,
		       (unsigned long long)a[k].packets, (unsigned long long)a[k].bytes,
		       (unsigned long long)b[k].packets, (unsigned long long)b[k].bytes);
	}
	return bad;
}

/*
 * A keyed table of each build as rows of `size` bytes, matched by key
 * (cmp orders by key; differ gives the first differing byte of two rows
 * with the same key, or -1; key writes a key's text).
 */
struct rowset {
	const char *name;
	size_t size;
	__u32 key_size;
	int (*cmp)(const void *x, const void *y);
	long (*differ)(const struct rowset *s, const void *x, const void *y);
	void (*key)(const struct rowset *s, const void *row, char *buf, size_t n);
};

static long first_differ(const void *x, const void *y, size_t from, size_t to)
{
	const __u8 *a = x, *b = y;
	size_t i;

	for (i = from; i < to; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

static void key_hex(const void *key, __u32 n, char *buf, size_t size)
{
	const __u8 *k = key;
	__u32 i;

	buf[0] = 0;
	for (i = 0; i < n && 2 * i + 3 <= size; i++)
		snprintf(buf + 2 * i, 3, "%02x", k[i]);
}

/* The rows of bpf and native (sorted here) matched by key: the rows that differ. */
static int diff_rows(const char *who, const struct rowset *s, void *bpf, size_t nb, void *nat,
		     size_t nn)
{
	size_t i = 0, j = 0;
	int bad = 0, c;
	char key[160];
	long off;

	qsort(bpf, nb, s->size, s->cmp);
	qsort(nat, nn, s->size, s->cmp);
	while (i < nb || j < nn) {
		const __u8 *x = (const __u8 *)bpf + i * s->size, *y = (const __u8 *)nat + j * s->size;

		c = i >= nb ? 1 : j >= nn ? -1 : s->cmp(x, y);
		off = c ? 0 : s->differ(s, x, y);
		i += c <= 0;
		j += c >= 0;
		if (!c && off < 0)
			continue;
		if (++bad > 5)
			continue;
		s->key(s, c > 0 ? y : x, key, sizeof(key));
		if (c)
			printf("%stable %s key %s: only in %s\n", who, s->name, key, c < 0 ? "BPF" : "native");
		else
			printf("%stable %s key %s: values differ, first at byte %ld: bpf 0x%02x native "
			       "0x%02x\n",
			       who, s->name, key, off, x[off], y[off]);
	}
	printf("%stable %s: %zu keys compared, %d differ\n", who, s->name, nn, bad);
	return bad;
}

/* Talkers and services: struct rx_keyed. */
static long keyed_differ(const struct rowset *s, const void *x, const void *y)
{
	return first_differ(x, y, offsetof(struct rx_keyed, c), sizeof(struct rx_keyed));
}

static void keyed_key(const struct rowset *s, const void *row, char *buf, size_t n)
{
	key_hex(((const struct rx_keyed *)row)->key, s->key_size, buf, n);
}

/* Endpoints: struct rx_endpoint_row, its values and route text. */
static int endpoint_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct rx_endpoint_row *)x)->k, &((const struct rx_endpoint_row *)y)->k,
		      sizeof(struct rx_endpoint_key));
}

static long endpoint_differ(const struct rowset *s, const void *x, const void *y)
{
	return first_differ(x, y, 0, sizeof(struct rx_endpoint_row));
}

static void endpoint_key(const struct rowset *s, const void *row, char *buf, size_t n)
{
	const struct rx_endpoint_row *e = row;

	snprintf(buf, n, "port %u method %u status %u route %s", e->k.port, e->k.method, e->k.status,
		 e->route);
}

/*
 * Any other table (not in a snapshot): a row is the key, zero-padded to
 * TAB_KEY bytes, then the value (a per-CPU map's summed over the CPUs,
 * every field a __u64 counter).
 */
#define TAB_KEY 64

struct tab_rows {
	const struct rx_table *t;
	void (*normalise)(void *val); /* NULL: nothing time-derived */
	size_t size, n, cap;
	__u8 *rows;
};

static void add_tab_row(void *ctx, const void *key, const void *vals)
{
	struct tab_rows *r = ctx;
	const struct rx_table *t = r->t;
	__u64 *sum;
	__u8 *row, *grown;
	__u32 w;
	int cpu;

	if (r->n == r->cap) {
		grown = realloc(r->rows, (r->cap ? 2 * r->cap : 64) * r->size);
		if (!grown)
			return;
		r->rows = grown;
		r->cap = r->cap ? 2 * r->cap : 64;
	}
	row = r->rows + r->n++ * r->size;
	memset(row, 0, r->size);
	memcpy(row, key, t->key_size);
	sum = (__u64 *)(row + TAB_KEY);
	if (t->ncpu == 1)
		memcpy(sum, vals, t->value_size);
	for (cpu = 0; t->ncpu > 1 && cpu < t->ncpu; cpu++)
		for (w = 0; w < t->value_size / 8; w++)
			sum[w] += ((const __u64 *)((const __u8 *)vals + (size_t)cpu * t->stride))[w];
	if (r->normalise)
		r->normalise(sum);
}

static int tab_cmp(const void *x, const void *y)
{
	return memcmp(x, y, TAB_KEY);
}

static long tab_differ(const struct rowset *s, const void *x, const void *y)
{
	return first_differ(x, y, TAB_KEY, s->size);
}

static void tab_key(const struct rowset *s, const void *row, char *buf, size_t n)
{
	key_hex(row, s->key_size, buf, n);
}

/* One table (not in a snapshot) of each build, both read through the same interface. */
static int compare_table(const char *who, const struct rx_table *bt, const struct rx_table *nt,
			 void (*normalise)(void *val))
{
	struct tab_rows b = { .t = bt, .normalise = normalise }, n = { .t = nt, .normalise = normalise };
	struct rowset s = { .name = nt->name, .key_size = nt->key_size, .cmp = tab_cmp,
			    .differ = tab_differ, .key = tab_key };
	int bad;

	if (bt->key_size != nt->key_size || nt->key_size > TAB_KEY ||
	    bt->value_size != nt->value_size) {
		printf("%stable %s: BPF and native entries differ in size\n", who, nt->name);
		return 1;
	}
	s.size = b.size = n.size = TAB_KEY + ((nt->value_size + 7) & ~7u);
	if (rx_table__each(bt, add_tab_row, &b) < 0 || rx_table__each(nt, add_tab_row, &n) < 0) {
		printf("%stable %s: cannot be read\n", who, nt->name);
		bad = 1;
	} else {
		bad = diff_rows(who, &s, b.rows, b.n, n.rows, n.n);
	}
	free(b.rows);
	free(n.rows);
	return bad;
}

/* The talkers or services of each snapshot. */
static int compare_keyed(const char *name, __u32 key_size, struct rx_keyed *b, size_t nb,
			 struct rx_keyed *n, size_t nn)
{
	const struct rowset s = { .name = name, .size = sizeof(*b), .key_size = key_size,
				  .cmp = rx_keyed__cmp_key, .differ = keyed_differ,
				  .key = keyed_key };

	return diff_rows("", &s, b, nb, n, nn);
}

#define TC__NAME(name, str) str,
static const char *const tc_stat_names[] = { RX_STATS(TC__NAME) };
static const char *const tc_health_names[] = { RX_TCPHEALTH(TC__NAME) };
static const char *const tc_lat_names[] = { RX_LATENCIES(TC__NAME) };

/* The port-scan records but for time: their first and last touch. */
static void norm_scan(void *v)
{
	struct rx_scan_rec *r = v;

	r->first_ns = r->last_ns = 0;
}

/* The XDP pass: counters, stats, talkers, services, sizes, TCP kinds, scan records. */
static int compare_counters(struct diff *d)
{
	struct rx_snapshot b, n;
	struct rx_tables bt, nt;
	__u64 total = 0;
	int bad;
	__u32 k;

	if (read_both(d->skel, d->native, &bt, &nt, &b, &n))
		return 1;
	for (k = 0; k < RX_COUNTER_SLOTS; k++)
		total += b.counters[k].packets;
	bad = diff_counters("COUNTER slot", b.counters, n.counters, RX_COUNTER_SLOTS);
	bad += diff_u64("", "STAT", tc_stat_names, b.stats, n.stats, RX_STAT_MAX);
	printf("counters: %llu packets in %d slots compared, %d differ\n",
	       (unsigned long long)total, RX_COUNTER_SLOTS, bad);
	bad += compare_keyed("talkers", nt.t[RX_TAB_TALKERS].key_size, b.talkers, b.n_talkers,
			     n.talkers, n.n_talkers);
	bad += compare_keyed("services", nt.t[RX_TAB_SERVICES].key_size, b.services, b.n_services,
			     n.services, n.n_services);
	bad += diff_counters("SIZES bucket", b.sizes, n.sizes, RX_SIZE_BUCKETS);
	bad += diff_u64("", "TCPKIND", NULL, b.tcpkinds, n.tcpkinds, RX_TCPK_MAX);
	bad += compare_table("", &bt.t[RX_TAB_SCAN_SOURCES], &nt.t[RX_TAB_SCAN_SOURCES], norm_scan);
	rx_snapshot__free(&b);
	rx_snapshot__free(&n);
	return bad;
}

/* What time decides in each table's values (see the TC pass above). */
static void tc_norm_endpoint(struct rx_endpoint *e)
{
	memset(e->dur, 0, sizeof(e->dur));
	e->dur_sum_ns = e->dur_max_ns = e->dur_min_ns = 0;
}

static void tc_norm_flow(void *v)
{
	struct rx_tcp_flow *f = v;

	f->syn_ns = f->synack_ns = 0;
	f->close_s = 0;
}

static void tc_norm_conn(void *v)
{
	struct rx_http_conn *c = v;
	int i;

	for (i = 0; i < RX_HTTP_PIPE; i++)
		c->q[i].start_ns = 0;
	c->hole[0].ns = c->hole[1].ns = 0;
}

/* A TLS connection but for time (datapath/tlsconn.h). */
static void tc_norm_tls_conn(void *v)
{
	struct rx_tls_conn *c = v;

	c->ch_ns = c->turn_ns = 0;
	c->ticket_off = 0;
}

/* A TLS histogram but for time: the number of values it holds. */
static void tc_norm_tls_hist(struct rx_tls_hist *h)
{
	__u64 n = h->n;

	memset(h, 0, sizeof(*h));
	h->n = n;
}

static int tls_row_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct rx_tls_row *)a)->k, &((const struct rx_tls_row *)b)->k,
		      sizeof(struct rx_tls_ep_key));
}

/* The TLS rows (port, SNI, ALPN) by their counts: connections, handshakes, values per histogram. */
static int tc_compare_tls(struct tc_pass *p, struct rx_snapshot *b, struct rx_snapshot *n)
{
	struct rx_snapshot *s[2] = { b, n };
	__u64 conns = 0, xchg = 0;
	size_t i, k;
	int bad = 0;

	for (i = 0; i < 2; i++) {
		qsort(s[i]->tls, s[i]->n_tls, sizeof(*s[i]->tls), tls_row_cmp);
		for (k = 0; k < s[i]->n_tls; k++) {
			struct rx_tls_row *r = &s[i]->tls[k];

			tc_norm_tls_hist(&r->v.hs[RX_TLS_PH_SERVER_HELLO]);
			tc_norm_tls_hist(&r->v.hs[RX_TLS_PH_APP_DATA]);
			tc_norm_tls_hist(&r->v.xchg);
			r->bounds = 0;
		}
	}
	if (b->n_tls != n->n_tls) {
		printf("%s TLS: bpf %zu rows, native %zu\n", p->name, b->n_tls, n->n_tls);
		bad++;
	}
	for (k = 0; k < b->n_tls && k < n->n_tls; k++) {
		const struct rx_tls_row *x = &b->tls[k], *y = &n->tls[k];

		conns += x->v.conns;
		xchg += x->v.xchg.n;
		if (memcmp(x, y, sizeof(*x))) {
			printf("%s TLS row %zu (port %u): bpf conns %llu done %llu failed %llu "
			       "exchanges %llu, native %llu %llu %llu %llu\n",
			       p->name, k, x->k.port, (unsigned long long)x->v.conns,
			       (unsigned long long)x->v.hs_done, (unsigned long long)x->v.hs_failed,
			       (unsigned long long)x->v.xchg.n, (unsigned long long)y->v.conns,
			       (unsigned long long)y->v.hs_done, (unsigned long long)y->v.hs_failed,
			       (unsigned long long)y->v.xchg.n);
			bad++;
		}
	}
	printf("%s TLS: %zu rows compared (connections %llu, exchanges %llu), %d differ\n", p->name,
	       b->n_tls, (unsigned long long)conns, (unsigned long long)xchg, bad);
	return bad;
}

/* A TC pass's stats, with stage_miss, and its summary line. */
static int tc_compare_stats(struct tc_pass *p, const struct rx_snapshot *b,
			    const struct rx_snapshot *n, const char *who)
{
	int bad = diff_u64(who, "stat", tc_stat_names, b->stats, n->stats, RX_STAT_MAX);

	if (b->stats[RX_STAT_STAGE_MISS]) {
		printf("%s: %llu tail calls failed (stage_miss)\n", p->name,
		       (unsigned long long)b->stats[RX_STAT_STAGE_MISS]);
		bad++;
	}
	printf("%s stats: %d counters compared (http_requests %llu, txn_produced %llu, "
	       "http_unmatched %llu, http_expired %llu, stage_miss %llu), %d differ\n",
	       p->name, RX_STAT_MAX, (unsigned long long)b->stats[RX_STAT_HTTP_REQUESTS],
	       (unsigned long long)b->stats[RX_STAT_TXN_PRODUCED],
	       (unsigned long long)b->stats[RX_STAT_HTTP_UNMATCHED],
	       (unsigned long long)b->stats[RX_STAT_HTTP_EXPIRED],
	       (unsigned long long)b->stats[RX_STAT_STAGE_MISS], bad);
	return bad;
}

/* TCP health, and the latency histograms by their counts only: their buckets are time. */
static int tc_compare_health(struct tc_pass *p, const struct rx_snapshot *b,
			     const struct rx_snapshot *n, const char *who)
{
	int bad = diff_u64(who, "health", tc_health_names, b->health, n->health, RX_TCPH_MAX);
	__u32 k, j;

	for (k = 0; k < RX_LAT_MAX; k++) {
		__u64 nb = 0, nn = 0;

		for (j = 0; j < RX_LAT_BUCKETS; j++) {
			nb += b->latency[k].count[j];
			nn += n->latency[k].count[j];
		}
		if (nb != nn) {
			printf("%s latency %s: bpf %llu samples, native %llu\n", p->name, tc_lat_names[k],
			       (unsigned long long)nb, (unsigned long long)nn);
			bad++;
		}
		/* each build's count of values (beside its min and max) is its buckets' sum */
		if (b->latency[k].n != nb || n->latency[k].n != nn) {
			printf("%s latency %s: n bpf %llu native %llu, buckets %llu %llu\n", p->name,
			       tc_lat_names[k], (unsigned long long)b->latency[k].n,
			       (unsigned long long)n->latency[k].n, (unsigned long long)nb,
			       (unsigned long long)nn);
			bad++;
		}
	}
	printf("%s health: %d counters and %d latency counts compared (handshakes %llu, "
	       "retransmits %llu, flows %llu), %d differ\n",
	       p->name, RX_TCPH_MAX, RX_LAT_MAX, (unsigned long long)b->health[RX_TCPH_HANDSHAKES],
	       (unsigned long long)b->health[RX_TCPH_RETRANSMITS],
	       (unsigned long long)b->health[RX_TCPH_FLOWS], bad);
	return bad;
}

/* The end of a TC pass: stats, TCP health, endpoints, and the trackers' tables. */
static int tc_compare(struct tc_pass *p)
{
	static const struct rowset endpoints = { .name = "endpoints",
						 .size = sizeof(struct rx_endpoint_row),
						 .cmp = endpoint_cmp, .differ = endpoint_differ,
						 .key = endpoint_key };
	static const struct {
		enum rx_table_id id;
		void (*normalise)(void *val);
	} tables[] = { { RX_TAB_ROUTES, NULL }, { RX_TAB_BUDGETS, NULL },
		       { RX_TAB_FLOWS, tc_norm_flow }, { RX_TAB_HTTP_CONNS, tc_norm_conn },
		       { RX_TAB_TCP_PORTS, NULL },
		       { RX_TAB_TLS_CONNS, tc_norm_tls_conn } };
	struct rx_snapshot b, n;
	struct rx_tables bt, nt;
	char who[48];
	int bad;
	size_t k;

	if (read_both(p->skel, p->native, &bt, &nt, &b, &n))
		return 1;
	snprintf(who, sizeof(who), "%s ", p->name);
	bad = tc_compare_stats(p, &b, &n, who);
	bad += tc_compare_health(p, &b, &n, who);
	for (k = 0; k < b.n_endpoints; k++)
		tc_norm_endpoint(&b.endpoints[k].v);
	for (k = 0; k < n.n_endpoints; k++)
		tc_norm_endpoint(&n.endpoints[k].v);
	bad += diff_rows(who, &endpoints, b.endpoints, b.n_endpoints, n.endpoints, n.n_endpoints);
	bad += tc_compare_tls(p, &b, &n);
	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
		bad += compare_table(who, &bt.t[tables[k].id], &nt.t[tables[k].id],
				     tables[k].normalise);
	rx_snapshot__free(&b);
	rx_snapshot__free(&n);
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
/*
 * The guard's rules for --guard, over the corpus's addresses (gen_corpus.py):
 * a block of 192.0.2.0/24 that an allow of 192.0.2.20 overrides, a dry-run
 * block of 2001:db8::/32 inside which a longer block drops, a small block
 * of 198.51.100.0/30.
 */
static const struct {
	__u32 list, v6, plen, flags;
	const char *addr;
} guard_rules[] = {
	{ RX_GUARD_DENY, 0, 24, 0, "192.0.2.0" },
	{ RX_GUARD_ALLOW, 0, 32, 0, "192.0.2.20" },
	{ RX_GUARD_DENY, 1, 32, RX_GUARD_F_DRY_RUN, "2001:db8::" },
	{ RX_GUARD_DENY, 1, 128, 0, "2001:db8::1" },
	{ RX_GUARD_DENY, 0, 30, 0, "198.51.100.0" },
};
#define GUARD_RULES (sizeof(guard_rules) / sizeof(guard_rules[0]))

/* The rules in both builds, the guard on: 0, or -1. */
static int guard_load(struct diff *d)
{
	struct rx_guard_cfg cfg = { 0 };
	__u32 i, zero = 0;
	int fd;

	for (i = 0; i < GUARD_RULES; i++) /* the tries that hold a rule, as the agent says */
		cfg.lists |= (__u32)RX_GUARD_L_ALLOW4 << (2 * guard_rules[i].v6 + guard_rules[i].list);
	if (rx_native__guard_on(d->native, &cfg, 1) ||
	    bpf_map_update_elem(bpf_map__fd(d->skel->maps.rx_guard_cfg), &zero, &cfg, BPF_ANY))
		return -1;
	for (i = 0; i < GUARD_RULES; i++) {
		struct rx_guard_rule r = { .id = i + 1, .flags = guard_rules[i].flags };
		struct rx_guard_key6 k = { .prefixlen = guard_rules[i].plen };

		if (inet_pton(guard_rules[i].v6 ? AF_INET6 : AF_INET, guard_rules[i].addr, k.addr) != 1)
			return -1;
		if (guard_rules[i].v6)
			fd = bpf_map__fd(guard_rules[i].list == RX_GUARD_ALLOW ? d->skel->maps.rx_guard_allow6
									 : d->skel->maps.rx_guard_deny6);
		else
			fd = bpf_map__fd(guard_rules[i].list == RX_GUARD_ALLOW ? d->skel->maps.rx_guard_allow4
									 : d->skel->maps.rx_guard_deny4);
		/* (an IPv4 key is the first 8 bytes of this one: prefixlen, then 4 address bytes) */
		if (bpf_map_update_elem(fd, &k, &r, BPF_ANY) ||
		    rx_native__guard_rule(d->native, guard_rules[i].list, (int)guard_rules[i].v6, k.addr,
					  guard_rules[i].plen, &r))
			return -1;
	}
	d->skel->bss->rx_cfg.guard = 1;
	return 0;
}

/* What each rule matched, both builds; nothing matched at all fails too. */
static int guard_compare(struct diff *d)
{
	int ncpu = libbpf_num_possible_cpus(), c, bad = 0;
	struct rx_guard_hits v[ncpu > 0 ? ncpu : 1], b, n;
	__u64 dropped = 0, would = 0, allowed = 0;
	__u32 id;

	for (id = 1; id <= GUARD_RULES; id++) {
		memset(&b, 0, sizeof(b));
		if (!bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_guard_hits), &id, v))
			for (c = 0; c < ncpu; c++) {
				b.dropped += v[c].dropped;
				b.would_drop += v[c].would_drop;
				b.allowed += v[c].allowed;
				b.bytes += v[c].bytes;
			}
		rx_native__guard_hits(d->native, id, &n);
		if (memcmp(&b, &n, sizeof(b))) {
			printf("GUARD rule %u: bpf %llu/%llu/%llu native %llu/%llu/%llu "
			       "(dropped/would_drop/allowed)\n", id, (unsigned long long)b.dropped,
			       (unsigned long long)b.would_drop, (unsigned long long)b.allowed,
			       (unsigned long long)n.dropped, (unsigned long long)n.would_drop,
			       (unsigned long long)n.allowed);
			bad++;
		}
		dropped += b.dropped;
		would += b.would_drop;
		allowed += b.allowed;
	}
	printf("guard: %zu rules compared (%llu dropped, %llu would drop, %llu allowed), %d differ\n",
	       GUARD_RULES, (unsigned long long)dropped, (unsigned long long)would,
	       (unsigned long long)allowed, bad);
	return bad + !dropped + !would + !allowed;
}

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
	skel->bss->rx_cfg.nosock = 1; /* the native build finds no kernel sockets (datapath/sock.h) */
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
		} else if (!strcmp(argv[1], "--guard")) {
			d.guard = 1;
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
			"usage: bpf_diff [--payload] [--route PATTERN]... [--no-tc] [--guard] FILE.pcap...\n");
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
	if (d.guard && guard_load(&d)) {
		fprintf(stderr, "--guard: cannot load the rules: %s\n", strerror(errno));
		return 1;
	}
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
	if (d.guard)
		bad += guard_compare(&d);
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

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Counter snapshots and their arithmetic; see snapshot.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rxray.h"
#include "snapshot.h"

#define RX__BOUND(b) b,
const unsigned int rx_size_bounds[] = { RX_SIZE_BOUNDS(RX__BOUND) };
const unsigned int rx_lat_bounds_us[] = { RX_LAT_BOUNDS_US(RX__BOUND) };
const unsigned int rx_dur_bounds_us[] = { RX_DUR_BOUNDS_US(RX__BOUND) };
const unsigned int rx_body_bounds[] = { RX_BODY_BOUNDS(RX__BOUND) };

void rx_snapshot__free(struct rx_snapshot *snap)
{
	free(snap->talkers);
	free(snap->services);
	free(snap->endpoints);
	free(snap->scans);
	free(snap->tcp_ports);
	free(snap->tls);
	snap->tls = NULL;
	snap->n_tls = 0;
	snap->talkers = snap->services = NULL;
	snap->endpoints = NULL;
	snap->scans = NULL;
	snap->tcp_ports = NULL;
	snap->n_talkers = snap->n_services = snap->n_endpoints = snap->n_scans = 0;
	snap->n_tcp_ports = 0;
}

static void *dup_table(const void *p, size_t n, size_t size)
{
	void *d = malloc(n ? n * size : 1);

	if (d && n)
		memcpy(d, p, n * size);
	return d;
}

int rx_snapshot__copy(struct rx_snapshot *to, const struct rx_snapshot *from)
{
	*to = *from;
	to->talkers = dup_table(from->talkers, from->n_talkers, sizeof(*from->talkers));
	to->services = dup_table(from->services, from->n_services, sizeof(*from->services));
	to->endpoints = dup_table(from->endpoints, from->n_endpoints, sizeof(*from->endpoints));
	to->scans = dup_table(from->scans, from->n_scans, sizeof(*from->scans));
	to->tcp_ports = dup_table(from->tcp_ports, from->n_tcp_ports, sizeof(*from->tcp_ports));
	to->tls = dup_table(from->tls, from->n_tls, sizeof(*from->tls));
	if (to->talkers && to->services && to->endpoints && to->scans && to->tcp_ports && to->tls)
		return 0;
	rx_snapshot__free(to);
	return -ENOMEM;
}

__u64 rx_counter_since(__u64 now, __u64 before)
{
	return now >= before ? now - before : now;
}

static int scan_cmp_key(const void *a, const void *b)
{
	return memcmp(&((const struct rx_scan_row *)a)->k, &((const struct rx_scan_row *)b)->k,
		      sizeof(struct rx_scan_key));
}

/*
 * A window's scan records are not differences: each is kept whole when it
 * grew (a new touch, or a new window of its own) since base, else dropped.
 * base's records are sorted in place.
 */
static void keep_grown_scans(struct rx_snapshot *s, struct rx_snapshot *base)
{
	const struct rx_scan_row *b;
	size_t i, n = 0;

	if (base->n_scans)
		qsort(base->scans, base->n_scans, sizeof(*base->scans), scan_cmp_key);
	for (i = 0; i < s->n_scans; i++) {
		b = base->n_scans ? bsearch(&s->scans[i], base->scans, base->n_scans,
					    sizeof(*base->scans), scan_cmp_key)
				  : NULL;
		if (b && b->v.touches == s->scans[i].v.touches &&
		    b->v.first_ns == s->scans[i].v.first_ns)
			continue;
		s->scans[n++] = s->scans[i];
	}
	s->n_scans = n;
}

/* ---- totals and order -------------------------------------------------------- */

void rx_snapshot__sum(const struct rx_snapshot *s, struct rx_totals *t)
{
	__u32 v, r, p;

	memset(t, 0, sizeof(*t));
	for (v = 0; v < RX_VERDICT_MAX; v++)
		for (r = 0; r < RX_REASON_MAX; r++)
			for (p = 0; p < RX_PROTO_MAX; p++) {
				const struct rx_counter *c = &s->counters[RX_COUNTER_IDX(v, r, p)];

				t->packets += c->packets;
				t->bytes += c->bytes;
				t->proto[p] += c->packets;
				t->reason[r] += c->packets;
				t->verdict[v] += c->packets;
			}
}

int rx_keyed__cmp_key(const void *a, const void *b)
{
	return memcmp(((const struct rx_keyed *)a)->key, ((const struct rx_keyed *)b)->key,
		      sizeof(((const struct rx_keyed *)a)->key));
}

/* Descending by packets, then bytes, then key: a stable, total order. */
static int by_packets(const void *a, const void *b)
{
	const struct rx_keyed *x = a, *y = b;

	if (x->c.packets != y->c.packets)
		return x->c.packets < y->c.packets ? 1 : -1;
	if (x->c.bytes != y->c.bytes)
		return x->c.bytes < y->c.bytes ? 1 : -1;
	return rx_keyed__cmp_key(x, y);
}

void rx_snapshot__sort(struct rx_snapshot *s)
{
	qsort(s->talkers, s->n_talkers, sizeof(*s->talkers), by_packets);
	qsort(s->services, s->n_services, sizeof(*s->services), by_packets);
}

void rx_snapshot__sort_keys(struct rx_snapshot *s)
{
	qsort(s->talkers, s->n_talkers, sizeof(*s->talkers), rx_keyed__cmp_key);
	qsort(s->services, s->n_services, sizeof(*s->services), rx_keyed__cmp_key);
}

/* ---- endpoints ------------------------------------------------------------------ */

/* A route id's text (see RX_ROUTE_TEXT), or the overflow route's name. */
void rx_route_name(char *buf, __u32 id, const struct rx_route *r)
{
	unsigned int n, o = 0;

	if (id == RX_ROUTE_OVERFLOW) {
		snprintf(buf, RX_ROUTE_TEXT, "{overflow}");
		return;
	}
	if (!r) {
		snprintf(buf, RX_ROUTE_TEXT, "{unknown:%08x}", id);
		return;
	}
	n = r->len > RX_ROUTE_MAX ? RX_ROUTE_MAX : r->len;
	/*
	 * (the asterisk-form "OPTIONS *" names the server, not a path: a '/'
	 * first would read like a pattern's wildcard)
	 */
	if (!n || (r->path[0] != '/' && !(n == 1 && r->path[0] == '*')))
		buf[o++] = '/';
	rx_wire_text(buf + o, r->path, n, 1);
	o = strlen(buf);
	if (r->flags & RX_ROUTEF_CUT) /* cut by the datapath: marked as the tables mark their cuts */
		strcat(buf, "...");
	else if (o >= 3 && !strcmp(buf + o - 3, "...")) /* a whole route never reads as a cut one */
		strcpy(buf + o - 1, "\\x2E");
}

/* Add one CPU's latency histogram into a sum: buckets, sum, count, min and max. */
void rx_hist_add(struct rx_hist *to, const struct rx_hist *h)
{
	__u32 b;

	for (b = 0; b < RX_LAT_BUCKETS; b++)
		to->count[b] += h->count[b];
	to->sum_ns += h->sum_ns;
	if (h->n && (!to->n || h->min_ns < to->min_ns))
		to->min_ns = h->min_ns;
	if (h->max_ns > to->max_ns)
		to->max_ns = h->max_ns;
	to->n += h->n;
}

/* Add one CPU's (or one source's) endpoint values into a row. */
void rx_endpoint_add(struct rx_endpoint *to, const struct rx_endpoint *v)
{
	size_t i;

	if (v->count && (!to->count || v->dur_min_ns < to->dur_min_ns))
		to->dur_min_ns = v->dur_min_ns;
	to->count += v->count;
	for (i = 0; i < RX_DUR_BUCKETS; i++)
		to->dur[i] += v->dur[i];
	to->dur_sum_ns += v->dur_sum_ns;
	if (v->dur_max_ns > to->dur_max_ns)
		to->dur_max_ns = v->dur_max_ns;
	for (i = 0; i < RX_BODY_BUCKETS; i++) {
		to->req_size[i] += v->req_size[i];
		to->resp_size[i] += v->resp_size[i];
	}
	to->req_bytes += v->req_bytes;
	to->resp_bytes += v->resp_bytes;
}

int rx_endpoint_row__cmp(const struct rx_endpoint_row *x, const struct rx_endpoint_row *y)
{
	if (x->k.port != y->k.port)
		return x->k.port < y->k.port ? -1 : 1;
	if (x->k.method != y->k.method)
		return x->k.method < y->k.method ? -1 : 1;
	return strcmp(x->route, y->route);
}

static int by_endpoint(const void *a, const void *b)
{
	const struct rx_endpoint_row *x = a, *y = b;
	int c = rx_endpoint_row__cmp(x, y);

	if (c)
		return c;
	return x->k.status < y->k.status ? -1 : x->k.status > y->k.status;
}

void rx_snapshot__sort_endpoints(struct rx_snapshot *s)
{
	qsort(s->endpoints, s->n_endpoints, sizeof(*s->endpoints), by_endpoint);
}

size_t rx_snapshot__fold_endpoint(const struct rx_snapshot *s, size_t i,
				  struct rx_endpoint_group *g)
{
	size_t j;

	memset(g, 0, sizeof(*g));
	g->row = &s->endpoints[i];
	for (j = i; j < s->n_endpoints && !rx_endpoint_row__cmp(&s->endpoints[j], g->row); j++) {
		const struct rx_endpoint_row *e = &s->endpoints[j];

		rx_endpoint_add(&g->sum, &e->v);
		g->bounds |= (int)e->bounds;
		if (e->k.status >= 500)
			g->errors += e->v.count;
	}
	g->n = j - i;
	return j;
}

/* ---- windows: now minus a base ---------------------------------------------------- */

size_t rx_keyed__slot(const __u8 *key, size_t mask)
{
	__u64 x, y;

	memcpy(&x, key, 8);
	memcpy(&y, key + 8, 8);
	/* MurmurHash3's 64-bit finaliser: every key bit reaches the low bits the mask keeps */
	x = x * 0x9e3779b97f4a7c15ull ^ y;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (size_t)x & mask;
}

/*
 * base's entries by key: an index (open addressing, at most half full) of
 * their positions + 1, or NULL when out of memory. A full table's window
 * (8,192 talkers) then costs one probe an entry, not a sort of the base
 * and a binary search (bench/RESULTS.md, 16).
 */
static __u32 *key_index(const struct rx_keyed *base, size_t nb, size_t *mask)
{
	size_t cap = 16, j, k;
	__u32 *idx;

	while (cap < 2 * nb)
		cap <<= 1;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return NULL;
	*mask = cap - 1;
	for (j = 0; j < nb; j++) {
		for (k = rx_keyed__slot(base[j].key, *mask); idx[k]; k = (k + 1) & *mask)
			;
		idx[k] = (__u32)j + 1;
	}
	return idx;
}

static const struct rx_keyed *key_find(const __u32 *idx, size_t mask, const struct rx_keyed *base,
				       const struct rx_keyed *e)
{
	size_t k;

	for (k = rx_keyed__slot(e->key, mask); idx[k]; k = (k + 1) & mask)
		if (!memcmp(base[idx[k] - 1].key, e->key, 16))
			return &base[idx[k] - 1];
	return NULL;
}

static void subtract_table(struct rx_keyed *now, size_t *n, struct rx_keyed *base, size_t nb)
{
	size_t i, out = 0, mask = 0;
	__u32 *idx = nb ? key_index(base, nb, &mask) : NULL;

	if (nb && !idx) /* out of memory: sorted, and a binary search */
		qsort(base, nb, sizeof(*base), rx_keyed__cmp_key);
	for (i = 0; i < *n; i++) {
		const struct rx_keyed *b =
			idx ? key_find(idx, mask, base, &now[i])
			    : nb ? bsearch(&now[i], base, nb, sizeof(*base), rx_keyed__cmp_key) : NULL;

		if (b) {
			now[i].c.packets -= b->c.packets;
			now[i].c.bytes -= b->c.bytes;
		}
		if (now[i].c.packets)
			now[out++] = now[i];
	}
	free(idx);
	*n = out;
}

static int by_port(const void *a, const void *b)
{
	__u32 x = ((const struct rx_tcp_port_row *)a)->port, y = ((const struct rx_tcp_port_row *)b)->port;

	return x < y ? -1 : x > y;
}

/*
 * The per-port TCP health of the window, matched by port; a port whose
 * counters went back was evicted and made again (rx_counter_since). Ports
 * with no event in the window are dropped; the rest stay sorted by port.
 */
static void subtract_tcp_ports(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	size_t i, out = 0;

	if (!s->tcp_ports)
		return;
	qsort(s->tcp_ports, s->n_tcp_ports, sizeof(*s->tcp_ports), by_port);
	if (base->n_tcp_ports)
		qsort(base->tcp_ports, base->n_tcp_ports, sizeof(*base->tcp_ports), by_port);
	for (i = 0; i < s->n_tcp_ports; i++) {
		struct rx_tcp_port *v = &s->tcp_ports[i].v;
		const struct rx_tcp_port_row *b =
			base->n_tcp_ports ? bsearch(&s->tcp_ports[i], base->tcp_ports, base->n_tcp_ports,
						    sizeof(*base->tcp_ports), by_port)
					  : NULL;

		if (b) {
			v->syn = rx_counter_since(v->syn, b->v.syn);
			v->handshakes = rx_counter_since(v->handshakes, b->v.handshakes);
			v->rst = rx_counter_since(v->rst, b->v.rst);
			v->retransmits = rx_counter_since(v->retransmits, b->v.retransmits);
			v->zero_windows = rx_counter_since(v->zero_windows, b->v.zero_windows);
		}
		if (v->syn || v->handshakes || v->rst || v->retransmits || v->zero_windows)
			s->tcp_ports[out++] = s->tcp_ports[i];
	}
	s->n_tcp_ports = out;
}

static int by_ekey(const void *a, const void *b)
{
	return memcmp(&((const struct rx_endpoint_row *)a)->k, &((const struct rx_endpoint_row *)b)->k,
		      sizeof(struct rx_endpoint_key));
}

/*
 * The smallest and largest value of a window cannot be subtracted. Where
 * the source's changed during the window, the new one is the window's own;
 * otherwise the window's values lie between the source's and the edges of
 * the window's outermost non-empty buckets (counts[nb] over bounds_us):
 * bounds, and then 1 is returned. *min and *max are the source's now,
 * bmin and bmax its at the base, count the values in the window.
 */
static int window_min_max(const __u64 *counts, const unsigned int *bounds_us, size_t nb,
			  __u64 count, __u64 *min, __u64 *max, __u64 bmin, __u64 bmax)
{
	int max_new = *max > bmax, min_new = *min < bmin, bounds = 0;
	size_t lo = nb, hi = 0, k;

	for (k = 0; k < nb; k++) {
		if (!counts[k])
			continue;
		if (lo == nb)
			lo = k;
		hi = k;
	}
	if (lo == nb)
		return 0;
	if (count == 1 && (max_new || min_new)) {
		/* one value, and it is known */
		if (max_new)
			*min = *max;
		else
			*max = *min;
		return 0;
	}
	if (!max_new) {
		/* (bucket b holds floor(us) <= its bound: ns up to (bound + 1) * 1000 - 1) */
		if (hi < nb - 1 && ((__u64)bounds_us[hi] + 1) * 1000 - 1 < *max)
			*max = ((__u64)bounds_us[hi] + 1) * 1000 - 1;
		bounds = 1;
	}
	if (!min_new) {
		if (lo > 0 && ((__u64)bounds_us[lo - 1] + 1) * 1000 > *min)
			*min = ((__u64)bounds_us[lo - 1] + 1) * 1000;
		bounds = 1;
	}
	return bounds;
}

/* Endpoints by key, over the window since base. */
static void subtract_endpoints(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	size_t i, k, out = 0;

	qsort(base->endpoints, base->n_endpoints, sizeof(*base->endpoints), by_ekey);
	for (i = 0; i < s->n_endpoints; i++) {
		struct rx_endpoint_row *e = &s->endpoints[i];
		const struct rx_endpoint_row *b =
			base->n_endpoints ? bsearch(e, base->endpoints, base->n_endpoints,
						    sizeof(*base->endpoints), by_ekey)
					  : NULL;

		if (b) {
			e->v.count -= b->v.count;
			for (k = 0; k < RX_DUR_BUCKETS; k++)
				e->v.dur[k] -= b->v.dur[k];
			if (b->v.count && window_min_max(e->v.dur, rx_dur_bounds_us, RX_DUR_BUCKETS,
							 e->v.count, &e->v.dur_min_ns,
							 &e->v.dur_max_ns, b->v.dur_min_ns,
							 b->v.dur_max_ns))
				e->bounds = 1;
			for (k = 0; k < RX_BODY_BUCKETS; k++) {
				e->v.req_size[k] -= b->v.req_size[k];
				e->v.resp_size[k] -= b->v.resp_size[k];
			}
			e->v.dur_sum_ns -= b->v.dur_sum_ns;
			e->v.req_bytes -= b->v.req_bytes;
			e->v.resp_bytes -= b->v.resp_bytes;
		}
		if (e->v.count)
			s->endpoints[out++] = *e;
	}
	s->n_endpoints = out;
}

static void tls_hist_add(struct rx_tls_hist *to, const struct rx_tls_hist *h)
{
	size_t k;

	if (!h->n)
		return;
	for (k = 0; k < RX_DUR_BUCKETS; k++)
		to->count[k] += h->count[k];
	if (!to->n || h->min_ns < to->min_ns)
		to->min_ns = h->min_ns;
	if (h->max_ns > to->max_ns)
		to->max_ns = h->max_ns;
	to->n += h->n;
	to->sum_ns += h->sum_ns;
}

void rx_tls_ep_add(struct rx_tls_ep *to, const struct rx_tls_ep *v)
{
	size_t k;

	to->conns += v->conns;
	to->hs_done += v->hs_done;
	to->hs_failed += v->hs_failed;
	for (k = 0; k < RX_TLS_PH_MAX; k++)
		tls_hist_add(&to->hs[k], &v->hs[k]);
	tls_hist_add(&to->xchg, &v->xchg);
}

static int by_tkey(const void *a, const void *b)
{
	const struct rx_tls_row *x = a, *y = b;

	if (x->k.port != y->k.port)
		return x->k.port < y->k.port ? -1 : 1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

void rx_snapshot__sort_tls(struct rx_snapshot *s)
{
	if (s->n_tls)
		qsort(s->tls, s->n_tls, sizeof(*s->tls), by_tkey);
}

/* h -= b, a window's histogram: 1 when its min and max are bounds only. */
static int tls_hist_sub(struct rx_tls_hist *h, const struct rx_tls_hist *b)
{
	size_t k;

	for (k = 0; k < RX_DUR_BUCKETS; k++)
		h->count[k] -= b->count[k];
	h->n -= b->n;
	h->sum_ns -= b->sum_ns;
	return b->n && window_min_max(h->count, rx_dur_bounds_us, RX_DUR_BUCKETS, h->n, &h->min_ns,
				      &h->max_ns, b->min_ns, b->max_ns);
}

/* TLS rows by key, over the window since base; rows without new events dropped. */
static void subtract_tls(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	size_t i, k, out = 0;

	if (base->n_tls)
		qsort(base->tls, base->n_tls, sizeof(*base->tls), by_tkey);
	for (i = 0; i < s->n_tls; i++) {
		struct rx_tls_row *e = &s->tls[i];
		const struct rx_tls_row *b =
			base->n_tls ? bsearch(e, base->tls, base->n_tls, sizeof(*base->tls), by_tkey)
				    : NULL;

		if (b) {
			e->v.conns -= b->v.conns;
			e->v.hs_done -= b->v.hs_done;
			e->v.hs_failed -= b->v.hs_failed;
			for (k = 0; k < RX_TLS_PH_MAX; k++)
				e->bounds |= (__u32)tls_hist_sub(&e->v.hs[k], &b->v.hs[k]);
			e->bounds |= (__u32)tls_hist_sub(&e->v.xchg, &b->v.xchg);
		}
		if (e->v.conns || e->v.hs_done || e->v.hs_failed || e->v.xchg.n)
			s->tls[out++] = *e;
	}
	s->n_tls = out;
}

void rx_snapshot__subtract(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	struct rx_snapshot b = *base;
	size_t i, k;

	for (i = 0; i < RX_COUNTER_SLOTS; i++) {
		s->counters[i].packets -= b.counters[i].packets;
		s->counters[i].bytes -= b.counters[i].bytes;
	}
	for (i = 0; i < RX_STAT_MAX; i++)
		s->stats[i] -= b.stats[i];
	for (i = 0; i < RX_SIZE_BUCKETS; i++) {
		s->sizes[i].packets -= b.sizes[i].packets;
		s->sizes[i].bytes -= b.sizes[i].bytes;
	}
	for (i = 0; i < RX_TCPK_MAX; i++)
		s->tcpkinds[i] -= b.tcpkinds[i];
	for (i = 0; i < RX_TCPH_MAX; i++)
		s->health[i] -= b.health[i];
	for (i = 0; i < RX_LAT_MAX; i++) {
		struct rx_hist *h = &s->latency[i];

		for (k = 0; k < RX_LAT_BUCKETS; k++)
			h->count[k] -= b.latency[i].count[k];
		h->sum_ns -= b.latency[i].sum_ns;
		h->n -= b.latency[i].n;
		if (b.latency[i].n)
			window_min_max(h->count, rx_lat_bounds_us, RX_LAT_BUCKETS, h->n, &h->min_ns,
				       &h->max_ns, b.latency[i].min_ns, b.latency[i].max_ns);
	}
	/* the base's tables may be sorted in place: they belong to the caller's copy */
	subtract_table(s->talkers, &s->n_talkers, base->talkers, base->n_talkers);
	subtract_table(s->services, &s->n_services, base->services, base->n_services);
	subtract_endpoints(s, base);
	keep_grown_scans(s, &b);
	subtract_tcp_ports(s, base);
	subtract_tls(s, base);
	s->first_ns = base->last_ns;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The model of `rxray top`: rates and rows from snapshots; see topmodel.h. */
#include <stdlib.h>
#include <string.h>
#include "picture.h"
#include "render.h"
#include "topmodel.h"

/* A counter that only grows, per second; an entry evicted and re-created restarts at 0. */
static double per_s(__u64 now, __u64 before, double dt)
{
	return (double)rx_counter_since(now, before) / dt;
}

static int cmp_u64(__u64 x, __u64 y)
{
	return x == y ? 0 : x < y ? 1 : -1; /* descending */
}

static int cmp_dbl(double x, double y)
{
	return x == y ? 0 : x < y ? 1 : -1; /* descending */
}

/* Packets, then bytes, then key: the order of rx_snapshot__sort. */
static int row_by_packets(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int c = cmp_u64(x->k.c.packets, y->k.c.packets);

	if (!c)
		c = cmp_u64(x->k.c.bytes, y->k.c.bytes);
	return c ? c : rx_keyed__cmp_key(&x->k, &y->k);
}

static int row_by_bytes(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int c = cmp_u64(x->k.c.bytes, y->k.c.bytes);

	return c ? c : row_by_packets(a, b);
}

static int row_by_rate(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int c = cmp_dbl(x->pps, y->pps);

	if (!c)
		c = cmp_dbl(x->bps, y->bps);
	return c ? c : row_by_packets(a, b);
}

void top_frame__sort(struct top_frame *f, enum top_sort how)
{
	int (*cmp)(const void *, const void *) =
		how == TOP_SORT_BYTES ? row_by_bytes : how == TOP_SORT_RATE ? row_by_rate : row_by_packets;

	qsort(f->talkers, f->n_talkers, sizeof(*f->talkers), cmp);
	qsort(f->services, f->n_services, sizeof(*f->services), cmp);
}

void top_frame__free(struct top_frame *f)
{
	free(f->talkers);
	free(f->services);
	f->talkers = f->services = NULL;
	f->n_talkers = f->n_services = 0;
}

/* Rows of a keyed table with their rates against the previous read (sorted by key). */
static struct top_row *rows_of(const struct rx_keyed *cur, size_t n, const struct rx_keyed *prev,
			       size_t n_prev, int rated, double dt, size_t *n_out)
{
	struct top_row *r = calloc(n ? n : 1, sizeof(*r));
	size_t i;

	*n_out = 0;
	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct rx_keyed *p = NULL;

		r[i].k = cur[i];
		r[i].pps = r[i].bps = -1;
		if (!rated)
			continue;
		if (n_prev)
			p = bsearch(&cur[i], prev, n_prev, sizeof(*prev), rx_keyed__cmp_key);
		/* absent before: it appeared during the interval, from zero */
		r[i].pps = per_s(cur[i].c.packets, p ? p->c.packets : 0, dt);
		r[i].bps = per_s(cur[i].c.bytes, p ? p->c.bytes : 0, dt);
	}
	*n_out = n;
	return r;
}

static void model__history(struct top_model *m, double pps, double bps)
{
	if (m->hist_n == TOP_HISTORY) {
		memmove(m->hist_pps, m->hist_pps + 1, (TOP_HISTORY - 1) * sizeof(double));
		memmove(m->hist_bps, m->hist_bps + 1, (TOP_HISTORY - 1) * sizeof(double));
		m->hist_n--;
	}
	m->hist_pps[m->hist_n] = pps;
	m->hist_bps[m->hist_n] = bps;
	m->hist_n++;
}

/* Requests of prev's endpoint e (folded over its statuses); *p walks prev's sorted rows. */
static __u64 endpoint_before(const struct rx_snapshot *prev, size_t *p,
			     const struct rx_endpoint_row *e)
{
	struct rx_endpoint_group g;
	size_t next;

	while (*p < prev->n_endpoints) {
		int c = rx_endpoint_row__cmp(&prev->endpoints[*p], e);

		if (c > 0)
			break;
		next = rx_snapshot__fold_endpoint(prev, *p, &g);
		*p = next;
		if (!c)
			return g.sum.count;
	}
	return 0;
}

/* Into the endpoints panel: by total, descending, keeping the first TOP_ENDPOINTS. */
static void ep_insert(struct top_frame *f, const struct top_item *it)
{
	int k;

	for (k = f->n_ep; k > 0 && f->ep[k - 1].total < it->total; k--)
		if (k < TOP_ENDPOINTS)
			f->ep[k] = f->ep[k - 1];
	if (k < TOP_ENDPOINTS) {
		f->ep[k] = *it;
		if (f->n_ep < TOP_ENDPOINTS)
			f->n_ep++;
	}
}

/*
 * The HTTP endpoints panel: "METHOD route" with requests per second and in
 * total (highlighted when it answered 5xx), busiest first, at most
 * TOP_ENDPOINTS of them. s and prev have their endpoints sorted.
 */
static void endpoint_items(struct top_frame *f, const struct rx_snapshot *s,
			   const struct rx_snapshot *prev)
{
	struct rx_endpoint_group g;
	size_t i, next, p = 0;

	for (i = 0; i < s->n_endpoints; i = next) {
		struct top_item it;
		char route[TOP_ROUTE_NAME];
		const char *method;
		__u64 before;

		next = rx_snapshot__fold_endpoint(s, i, &g);
		before = endpoint_before(prev, &p, g.row);
		memset(&it, 0, sizeof(it));
		/* a route longer than the item's name has room for ends in "..." */
		method = rx_http_method_name(g.row->k.method);
		snprintf(it.name, sizeof(it.name), "%s %s", method,
			 rx_cut_text(route, sizeof(route), g.row->route,
				     sizeof(route) - 2 - strlen(method)));
		it.rate = f->rated ? per_s(g.sum.count, before, f->dt) : -1;
		it.share = TOP_SHARE_NONE;
		it.total = g.sum.count;
		it.warn = g.errors > 0;
		ep_insert(f, &it);
	}
}

/* The exchanges of s's TLS row r before, in prev (0: a new row). */
static __u64 tls_before(const struct rx_snapshot *prev, const struct rx_tls_row *r)
{
	size_t i;

	for (i = 0; i < prev->n_tls; i++)
		if (!memcmp(&prev->tls[i].k, &r->k, sizeof(r->k)))
			return prev->tls[i].v.xchg.n;
	return 0;
}

/*
 * TLS rows in the same panel, one per (port, SNI, ALPN) as in stats:
 * "TLS[ :port] sni[ alpn] hs done/conns" (port 443 left out; the SNI cut
 * so that the counts stay) with exchanges per second and in total
 * (highlighted when a handshake failed).
 */
static void tls_items(struct top_frame *f, const struct rx_snapshot *s,
		      const struct rx_snapshot *prev)
{
	char sni[RX_TLS_TEXT], alpn[RX_TLS_TEXT], cut[sizeof(f->ep[0].name)];
	char port[16] = "", tail[72];
	size_t i;

	for (i = 0; i < s->n_tls; i++) {
		const struct rx_tls_row *r = &s->tls[i];
		struct top_item it;
		size_t used, room;

		memset(&it, 0, sizeof(it));
		rx_tls_sni_text(sni, &r->k);
		rx_tls_alpn_text(alpn, &r->k);
		port[0] = 0;
		if (r->k.port != 443)
			snprintf(port, sizeof(port), ":%u ", r->k.port);
		snprintf(tail, sizeof(tail), "%s%.19s hs %llu/%llu", alpn[0] ? " " : "", alpn,
			 (unsigned long long)r->v.hs_done, (unsigned long long)r->v.conns);
		used = 4 + strlen(port) + strlen(tail);
		room = used + 8 < sizeof(it.name) ? sizeof(it.name) - 1 - used : 8;
		snprintf(it.name, sizeof(it.name), "TLS %s%s%s", port,
			 rx_cut_text(cut, sizeof(cut), sni[0] ? sni : "-", room), tail);
		it.rate = f->rated ? per_s(r->v.xchg.n, tls_before(prev, r), f->dt) : -1;
		it.share = TOP_SHARE_NONE;
		it.total = r->v.xchg.n;
		it.warn = r->v.hs_failed > 0;
		ep_insert(f, &it);
	}
}

/* Every rate of f: s against the model's last read, over f->dt. */
static void frame_rates(struct top_frame *f, const struct top_model *m,
			const struct rx_snapshot *s)
{
	__u32 k;

	f->pps = f->bps = -1;
	for (k = 0; k < RX_PROTO_MAX; k++)
		f->proto_ps[k] = f->rated ? per_s(f->tot.proto[k], m->prev_tot.proto[k], f->dt) : -1;
	for (k = 0; k < RX_REASON_MAX; k++)
		f->reason_ps[k] = f->rated ? per_s(f->tot.reason[k], m->prev_tot.reason[k], f->dt) : -1;
	for (k = 0; k < RX_TCPK_MAX; k++)
		f->tcp_ps[k] = f->rated ? per_s(s->tcpkinds[k], m->prev.tcpkinds[k], f->dt) : -1;
	for (k = 0; k < RX_STAT_MAX; k++)
		f->stats_ps[k] = f->rated ? per_s(s->stats[k], m->prev.stats[k], f->dt) : -1;
	for (k = 0; k < RX_TCPH_MAX; k++)
		f->health_ps[k] = f->rated ? per_s(s->health[k], m->prev.health[k], f->dt) : -1;
	if (f->rated) {
		f->pps = per_s(f->tot.packets, m->prev_tot.packets, f->dt);
		f->bps = 8 * per_s(f->tot.bytes, m->prev_tot.bytes, f->dt);
	}
	f->talkers = rows_of(s->talkers, s->n_talkers, m->prev.talkers, m->prev.n_talkers,
			     f->rated, f->dt, &f->n_talkers);
	f->services = rows_of(s->services, s->n_services, m->prev.services, m->prev.n_services,
			      f->rated, f->dt, &f->n_services);
	endpoint_items(f, s, &m->prev);
	tls_items(f, s, &m->prev);
}

__u64 top_model__after(const struct top_model *m)
{
	return m->have_prev ? (__u64)m->prev_ns : 0;
}

/*
 * The read may be one the agent shared with its other readers, up to a
 * second old: rates are over the time between the reads themselves
 * (snapshot.last_ns), and the same read twice makes no new frame.
 */
int top_model__step(struct top_model *m, struct rx_snapshot *s, __s64 now, enum top_sort how,
		    struct top_frame *f)
{
	__s64 at = s->last_ns ? (__s64)s->last_ns : now;

	memset(f, 0, sizeof(*f));
	if (m->have_prev && at == m->prev_ns) {
		rx_snapshot__free(s);
		return 0;
	}
	rx_snapshot__sum(s, &f->tot);
	memcpy(f->tcpkinds, s->tcpkinds, sizeof(f->tcpkinds));
	memcpy(f->health, s->health, sizeof(f->health));
	f->rtt_p50 = rx_hist_quantile(&s->latency[RX_LAT_HANDSHAKE_RTT], 0.5);
	f->synack_p50 = rx_hist_quantile(&s->latency[RX_LAT_SYNACK_DELAY], 0.5);
	memcpy(f->stats, s->stats, sizeof(f->stats));
	f->uptime = (double)(now - m->start_ns) / 1e9;
	f->rated = m->have_prev && at > m->prev_ns;
	f->dt = f->rated ? (double)(at - m->prev_ns) / 1e9 : 0;
	rx_snapshot__sort_endpoints(s);
	frame_rates(f, m, s);
	if (f->rated)
		model__history(m, f->pps, f->bps);
	memcpy(f->hist_pps, m->hist_pps, sizeof(f->hist_pps));
	memcpy(f->hist_bps, m->hist_bps, sizeof(f->hist_bps));
	f->hist_n = m->hist_n;
	top_frame__sort(f, how);

	/* this read is the next one's baseline */
	rx_snapshot__sort_keys(s);
	rx_snapshot__free(&m->prev);
	m->prev = *s;
	m->prev_tot = f->tot;
	m->prev_ns = at;
	m->have_prev = 1;
	return 1;
}

void top_model__free(struct top_model *m)
{
	rx_snapshot__free(&m->prev);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A snapshot as JSON and back, for the agent's control socket; see snapshot_json.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "picture.h"
#include "render.h"
#include "snapshot_json.h"

typedef const char *(*name_fn)(unsigned int i);

static const char *tcpkind_name(unsigned int i) { return rx_tcpkind_names[i]; }
static const char *health_name(unsigned int i) { return rx_tcphealth_names[i]; }
static const char *latency_name(unsigned int i) { return rx_latency_names[i]; }

/* The index of name among n names, or -1: another build's counter, skipped. */
static int index_of(const char *name, unsigned int n, name_fn fn)
{
	unsigned int i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(fn(i), name))
			return (int)i;
	return -1;
}

static json_t *u64s(const __u64 *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

/* A histogram's counts: exactly n of them (other buckets: another protocol). */
static int u64s_from(const json_t *a, __u64 *v, size_t n)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -EPROTO;
	for (i = 0; i < n; i++)
		v[i] = (__u64)json_integer_value(json_array_get(a, i));
	return 0;
}

static json_t *named(const __u64 *v, unsigned int n, name_fn fn)
{
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, fn(i), json_integer((json_int_t)v[i]));
	return o;
}

static void named_from(const json_t *o, __u64 *v, unsigned int n, name_fn fn)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)o, k, x) {
		int i = index_of(k, n, fn);

		if (i >= 0)
			v[i] = (__u64)json_integer_value(x);
	}
}

/* n bytes as 2n lower-case hex digits and a NUL (the keys' wire form). */
static void hex_to(char *s, const void *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const __u8 *p = in;
	size_t b;

	for (b = 0; b < n; b++) {
		s[2 * b] = hex[p[b] >> 4];
		s[2 * b + 1] = hex[p[b] & 15];
	}
	s[2 * n] = 0;
}

/* A lower- or upper-case hex digit's value, or -1. */
static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * 2n hex digits into n bytes (keys of keyed() and of the TLS rows): -EPROTO for
 * anything else. (Not sscanf("%2hhx") per byte: top reading a full agent decodes
 * 9,216 keys a second, and those 147,456 calls were 29 % of its CPU.)
 */
static int hex_from(const char *s, void *out, size_t n)
{
	__u8 *o = out;
	int hi, lo;
	size_t b;

	if (strlen(s) != 2 * n)
		return -EPROTO;
	for (b = 0; b < n; b++) {
		hi = nibble(s[2 * b]);
		lo = nibble(s[2 * b + 1]);
		if (hi < 0 || lo < 0)
			return -EPROTO;
		o[b] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

static json_t *keyed(const struct rx_keyed *t, size_t n)
{
	json_t *a = json_array();
	char key[2 * sizeof(t->key) + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		hex_to(key, t[i].key, sizeof(t[i].key));
		json_array_append_new(a, json_pack("[sII]", key, (json_int_t)t[i].c.packets,
						   (json_int_t)t[i].c.bytes));
	}
	return a;
}

static int keyed_from(const json_t *a, struct rx_keyed **t, size_t *n, size_t max)
{
	size_t i;
	json_t *x;

	*n = 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return -EPROTO;
	*t = calloc(json_array_size(a) + 1, sizeof(**t));
	if (!*t)
		return -ENOMEM;
	json_array_foreach(a, i, x) {
		const char *key = NULL;
		json_int_t p = 0, by = 0;

		if (json_unpack(x, "[sII]", &key, &p, &by) ||
		    hex_from(key, (*t)[i].key, sizeof((*t)[i].key)))
			return -EPROTO;
		(*t)[i].c.packets = (__u64)p;
		(*t)[i].c.bytes = (__u64)by;
		(*n)++;
	}
	return 0;
}

static json_t *endpoint(const struct rx_endpoint_row *e)
{
	const struct rx_endpoint *v = &e->v;

	return json_pack("{sIsisisssssisIsosIsIsIsososIsI}", "route_id", (json_int_t)e->k.route,
			 "port", e->k.port, "status", e->k.status, "method",
			 rx_http_method_name(e->k.method), "route", e->route, "bounds", (int)e->bounds,
			 "count", (json_int_t)v->count, "dur", u64s(v->dur, RX_DUR_BUCKETS),
			 "dur_sum_ns", (json_int_t)v->dur_sum_ns, "dur_min_ns",
			 (json_int_t)v->dur_min_ns, "dur_max_ns", (json_int_t)v->dur_max_ns,
			 "req_size", u64s(v->req_size, RX_BODY_BUCKETS), "resp_size",
			 u64s(v->resp_size, RX_BODY_BUCKETS), "req_bytes",
			 (json_int_t)v->req_bytes, "resp_bytes", (json_int_t)v->resp_bytes);
}

/* A TLS row's histogram (datapath/tlsconn.h). */
static json_t *tls_hist(const struct rx_tls_hist *h)
{
	return json_pack("{sosIsIsIsI}", "count", u64s(h->count, RX_DUR_BUCKETS), "n",
			 (json_int_t)h->n, "sum_ns", (json_int_t)h->sum_ns, "min_ns",
			 (json_int_t)h->min_ns, "max_ns", (json_int_t)h->max_ns);
}

static int tls_hist_from(const json_t *x, struct rx_tls_hist *h)
{
	if (!json_is_object(x) || u64s_from(json_object_get(x, "count"), h->count, RX_DUR_BUCKETS))
		return -EPROTO;
	h->n = (__u64)json_integer_value(json_object_get(x, "n"));
	h->sum_ns = (__u64)json_integer_value(json_object_get(x, "sum_ns"));
	h->min_ns = (__u64)json_integer_value(json_object_get(x, "min_ns"));
	h->max_ns = (__u64)json_integer_value(json_object_get(x, "max_ns"));
	return 0;
}

/* A TLS row: its key as hex (the bytes of struct rx_tls_ep_key), its counts. */
static json_t *tls_row(const struct rx_tls_row *r)
{
	char key[2 * sizeof(r->k) + 1];

	hex_to(key, &r->k, sizeof(r->k));
	return json_pack("{sssisIsIsIsososo}", "key", key, "bounds", (int)r->bounds, "conns",
			 (json_int_t)r->v.conns, "done", (json_int_t)r->v.hs_done, "failed",
			 (json_int_t)r->v.hs_failed, "server_hello",
			 tls_hist(&r->v.hs[RX_TLS_PH_SERVER_HELLO]), "app_data",
			 tls_hist(&r->v.hs[RX_TLS_PH_APP_DATA]), "exchange", tls_hist(&r->v.xchg));
}

static int tls_row_from(const json_t *x, struct rx_tls_row *r)
{
	json_int_t bounds, conns, done, failed;
	const char *key;

	memset(r, 0, sizeof(*r));
	if (json_unpack((json_t *)x, "{sssIsIsIsI}", "key", &key, "bounds", &bounds, "conns",
			&conns, "done", &done, "failed", &failed) ||
	    hex_from(key, &r->k, sizeof(r->k)) ||
	    tls_hist_from(json_object_get(x, "server_hello"), &r->v.hs[RX_TLS_PH_SERVER_HELLO]) ||
	    tls_hist_from(json_object_get(x, "app_data"), &r->v.hs[RX_TLS_PH_APP_DATA]) ||
	    tls_hist_from(json_object_get(x, "exchange"), &r->v.xchg))
		return -EPROTO;
	r->bounds = bounds != 0;
	r->v.conns = (__u64)conns;
	r->v.hs_done = (__u64)done;
	r->v.hs_failed = (__u64)failed;
	return 0;
}

/* The TLS rows; an agent of an older build sends none. */
static int tls_rows_from(const json_t *a, struct rx_snapshot *s)
{
	json_t *x;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > RX_TLS_EPS_MAX ||
	    !(s->tls = calloc(json_array_size(a) + 1, sizeof(*s->tls))))
		return -EPROTO;
	json_array_foreach(a, i, x) {
		if (tls_row_from(x, &s->tls[s->n_tls]))
			return -EPROTO;
		s->n_tls++;
	}
	return 0;
}

static const char *method_name(unsigned int m) { return rx_http_method_name(m); }

static int endpoint_from(const json_t *x, struct rx_endpoint_row *e)
{
	struct rx_endpoint *v = &e->v;
	json_int_t id, port, status, bounds, count, sum, min, max, rq, rs;
	const char *method, *route;
	int m;

	if (json_unpack((json_t *)x, "{sIsIsIsssssIsIsIsIsIsIsI}", "route_id", &id, "port", &port,
			"status", &status, "method", &method, "route", &route, "bounds", &bounds,
			"count", &count, "dur_sum_ns", &sum, "dur_min_ns", &min, "dur_max_ns", &max,
			"req_bytes", &rq, "resp_bytes", &rs) ||
	    (m = index_of(method, RX_HTTP_M_MAX, method_name)) < 0 ||
	    u64s_from(json_object_get(x, "dur"), v->dur, RX_DUR_BUCKETS) ||
	    u64s_from(json_object_get(x, "req_size"), v->req_size, RX_BODY_BUCKETS) ||
	    u64s_from(json_object_get(x, "resp_size"), v->resp_size, RX_BODY_BUCKETS))
		return -EPROTO;
	e->k.route = (__u32)id;
	e->k.port = (__u16)port;
	e->k.status = (__u16)status;
	e->k.method = (__u8)m;
	e->bounds = bounds != 0;
	snprintf(e->route, sizeof(e->route), "%s", route);
	v->count = (__u64)count;
	v->dur_sum_ns = (__u64)sum;
	v->dur_min_ns = (__u64)min;
	v->dur_max_ns = (__u64)max;
	v->req_bytes = (__u64)rq;
	v->resp_bytes = (__u64)rs;
	return 0;
}

/* The counters by (verdict, reason, protocol) names, the non-zero ones. */
static json_t *counters(const struct rx_snapshot *s)
{
	json_t *a = json_array();
	unsigned int v, r, p;

	for (v = 0; v < RX_VERDICT_MAX; v++)
		for (r = 0; r < RX_REASON_MAX; r++)
			for (p = 0; p < RX_PROTO_MAX; p++) {
				const struct rx_counter *c = &s->counters[RX_COUNTER_IDX(v, r, p)];

				if (c->packets || c->bytes)
					json_array_append_new(
						a, json_pack("[sssII]", rx_verdict_name(v),
							     rx_reason_name(r), rx_proto_name(p),
							     (json_int_t)c->packets,
							     (json_int_t)c->bytes));
			}
	return a;
}

static void counters_from(struct rx_snapshot *s, const json_t *a)
{
	const char *vn, *rn, *pn;
	json_int_t pk, by;
	size_t i;
	json_t *x;
	int v, r, p;

	json_array_foreach(a, i, x) {
		if (json_unpack(x, "[sssII]", &vn, &rn, &pn, &pk, &by) ||
		    (v = index_of(vn, RX_VERDICT_MAX, rx_verdict_name)) < 0 ||
		    (r = index_of(rn, RX_REASON_MAX, rx_reason_name)) < 0 ||
		    (p = index_of(pn, RX_PROTO_MAX, rx_proto_name)) < 0)
			continue;
		s->counters[RX_COUNTER_IDX(v, r, p)].packets = (__u64)pk;
		s->counters[RX_COUNTER_IDX(v, r, p)].bytes = (__u64)by;
	}
}

json_t *rx_snapshot__to_json(const struct rx_snapshot *s)
{
	json_t *j = json_object(), *l = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(j, "counters", counters(s));
	json_object_set_new(j, "stats", named(s->stats, RX_STAT_MAX, rx_stat_name));
	for (i = 0; i < RX_SIZE_BUCKETS; i++)
		json_array_append_new(a, json_pack("[II]", (json_int_t)s->sizes[i].packets,
						   (json_int_t)s->sizes[i].bytes));
	json_object_set_new(j, "sizes", a);
	json_object_set_new(j, "tcpkinds", named(s->tcpkinds, RX_TCPK_MAX, tcpkind_name));
	json_object_set_new(j, "health", named(s->health, RX_TCPH_MAX, health_name));
	for (i = 0; i < RX_LAT_MAX; i++) {
		const struct rx_hist *h = &s->latency[i];

		json_object_set_new(l, rx_latency_names[i],
				    json_pack("{sosIsIsIsI}", "count", u64s(h->count, RX_LAT_BUCKETS),
					      "sum_ns", (json_int_t)h->sum_ns, "n", (json_int_t)h->n,
					      "min_ns", (json_int_t)h->min_ns, "max_ns",
					      (json_int_t)h->max_ns));
	}
	json_object_set_new(j, "latency", l);
	json_object_set_new(j, "talkers", keyed(s->talkers, s->n_talkers));
	json_object_set_new(j, "services", keyed(s->services, s->n_services));
	a = json_array();
	for (i = 0; i < s->n_endpoints; i++)
		json_array_append_new(a, endpoint(&s->endpoints[i]));
	json_object_set_new(j, "endpoints", a);
	a = json_array();
	for (i = 0; i < s->n_tls; i++)
		json_array_append_new(a, tls_row(&s->tls[i]));
	json_object_set_new(j, "tls", a);
	json_object_set_new(j, "first_ns", json_integer((json_int_t)s->first_ns));
	json_object_set_new(j, "last_ns", json_integer((json_int_t)s->last_ns));
	return j;
}

/* The fixed part: counters, sizes, TCP, latencies, the time span. */
static int fixed_from(struct rx_snapshot *s, const json_t *j)
{
	const char *k;
	json_t *x, *a = json_object_get(j, "sizes");
	size_t i;

	counters_from(s, json_object_get(j, "counters"));
	named_from(json_object_get(j, "stats"), s->stats, RX_STAT_MAX, rx_stat_name);
	named_from(json_object_get(j, "tcpkinds"), s->tcpkinds, RX_TCPK_MAX, tcpkind_name);
	named_from(json_object_get(j, "health"), s->health, RX_TCPH_MAX, health_name);
	if (!json_is_array(a) || json_array_size(a) != RX_SIZE_BUCKETS)
		return -EPROTO;
	json_array_foreach(a, i, x) {
		s->sizes[i].packets = (__u64)json_integer_value(json_array_get(x, 0));
		s->sizes[i].bytes = (__u64)json_integer_value(json_array_get(x, 1));
	}
	json_object_foreach(json_object_get(j, "latency"), k, x) {
		int l = index_of(k, RX_LAT_MAX, latency_name);
		struct rx_hist *h = l >= 0 ? &s->latency[l] : NULL;

		if (!h)
			continue;
		if (u64s_from(json_object_get(x, "count"), h->count, RX_LAT_BUCKETS))
			return -EPROTO;
		h->sum_ns = (__u64)json_integer_value(json_object_get(x, "sum_ns"));
		h->n = (__u64)json_integer_value(json_object_get(x, "n"));
		h->min_ns = (__u64)json_integer_value(json_object_get(x, "min_ns"));
		h->max_ns = (__u64)json_integer_value(json_object_get(x, "max_ns"));
	}
	s->first_ns = (__u64)json_integer_value(json_object_get(j, "first_ns"));
	s->last_ns = (__u64)json_integer_value(json_object_get(j, "last_ns"));
	return 0;
}

int rx_snapshot__from_json(struct rx_snapshot *s, const json_t *j)
{
	json_t *a = json_object_get(j, "endpoints"), *x;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(j) || fixed_from(s, j) ||
	    keyed_from(json_object_get(j, "talkers"), &s->talkers, &s->n_talkers, RX_TALKERS_MAX) ||
	    keyed_from(json_object_get(j, "services"), &s->services, &s->n_services,
		       RX_SERVICES_MAX) ||
	    !json_is_array(a) || json_array_size(a) > RX_ENDPOINTS_MAX ||
	    !(s->endpoints = calloc(json_array_size(a) + 1, sizeof(*s->endpoints))))
		goto bad;
	json_array_foreach(a, i, x) {
		if (endpoint_from(x, &s->endpoints[i]))
			goto bad;
		s->n_endpoints++;
	}
	if (tls_rows_from(json_object_get(j, "tls"), s))
		goto bad;
	return 0;
bad:
	rx_snapshot__free(s);
	memset(s, 0, sizeof(*s));
	return -EPROTO;
}

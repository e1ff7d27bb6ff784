// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The traffic picture built from a counter snapshot: totals, ordering, and
 * its two renderings (report text, JSON: docs/json.md), shared by stats and serve.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "picture.h"
#include "render.h"

static json_t *endpoints_json(struct rx_snapshot *s);
static void tls_print(FILE *out, struct rx_snapshot *s);

#define RX__NAME(name, str) str,
const char *const rx_tcpkind_names[] = { RX_TCPKINDS(RX__NAME) };

void rx_fmt_keyed_addr(char *buf, const struct rx_keyed *k)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(k->key, v4mapped, 12))
		inet_ntop(AF_INET, k->key + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, k->key, buf, INET6_ADDRSTRLEN);
}

const char *rx_service_proto(const struct rx_keyed *k)
{
	const struct rx_service *s = (const void *)k->key;

	return s->proto == 6 ? "tcp" : "udp";
}

double rx_picture_duration(const struct rx_snapshot *s)
{
	return s->last_ns > s->first_ns ? (double)(s->last_ns - s->first_ns) / 1e9 : 0.0;
}

json_t *rx_picture_json(const struct rx_snapshot *s, const struct rx_totals *t, size_t top)
{
	json_t *root = json_object(), *o, *l;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	__u32 k;

	json_object_set_new(root, "packets", json_integer((json_int_t)t->packets));
	json_object_set_new(root, "bytes", json_integer((json_int_t)t->bytes));
	json_object_set_new(root, "duration_s", json_real(rx_picture_duration(s)));
	o = json_object();
	for (k = 0; k < RX_PROTO_MAX; k++)
		json_object_set_new(o, rx_proto_name(k), json_integer((json_int_t)t->proto[k]));
	json_object_set_new(root, "protocols", o);
	l = json_array();
	for (i = 0; i < s->n_talkers && i < top; i++) {
		rx_fmt_keyed_addr(a, &s->talkers[i]);
		json_array_append_new(l, json_pack("{sssIsI}", "address", a, "packets",
						   (json_int_t)s->talkers[i].c.packets, "bytes",
						   (json_int_t)s->talkers[i].c.bytes));
	}
	json_object_set_new(root, "talkers", l);
	l = json_array();
	for (i = 0; i < s->n_services && i < top; i++) {
		const struct rx_service *svc = (const void *)s->services[i].key;

		json_array_append_new(l, json_pack("{sIsssIsI}", "port", (json_int_t)svc->port,
						   "proto", rx_service_proto(&s->services[i]), "packets",
						   (json_int_t)s->services[i].c.packets, "bytes",
						   (json_int_t)s->services[i].c.bytes));
	}
	json_object_set_new(root, "services", l);
	json_object_set_new(root, "endpoints", endpoints_json((struct rx_snapshot *)s));
	json_object_set_new(root, "tls", rx_tls_rows_json((struct rx_snapshot *)s));
	o = json_object();
	for (k = 0; k < RX_TCPK_MAX; k++)
		json_object_set_new(o, rx_tcpkind_names[k], json_integer((json_int_t)s->tcpkinds[k]));
	for (k = 0; k < RX_TCPH_MAX; k++)
		json_object_set_new(o, rx_tcphealth_names[k], json_integer((json_int_t)s->health[k]));
	for (k = 0; k < RX_LAT_MAX; k++) {
		const struct rx_hist *h = &s->latency[k];
		char key[32];
		__u64 n = rx_hist_count(h);

		snprintf(key, sizeof(key), "%s_s", rx_latency_names[k]);
		json_object_set_new(o, key,
				    n ? json_pack("{sIsfsfsfsfsfsf}", "count", (json_int_t)n, "mean",
						  (double)h->sum_ns / 1e9 / (double)n, "p50",
						  rx_hist_quantile(h, 0.50), "p90",
						  rx_hist_quantile(h, 0.90), "p99",
						  rx_hist_quantile(h, 0.99), "min",
						  (double)h->min_ns / 1e9, "max",
						  (double)h->max_ns / 1e9)
				      : json_pack("{sI}", "count", (json_int_t)0));
	}
	json_object_set_new(root, "tcp", o);
	l = json_array();
	for (k = 0; k < RX_SIZE_BUCKETS; k++)
		json_array_append_new(
			l, k < RX_SIZE_BUCKETS - 1
				   ? json_pack("{sIsI}", "le", (json_int_t)rx_size_bounds[k], "packets",
					       (json_int_t)s->sizes[k].packets)
				   : json_pack("{sssI}", "le", "+Inf", "packets",
					       (json_int_t)s->sizes[k].packets));
	json_object_set_new(root, "sizes", l);
	o = json_object();
	for (k = 0; k < RX_REASON_MAX; k++)
		if (t->reason[k])
			json_object_set_new(o, rx_reason_name(k), json_integer((json_int_t)t->reason[k]));
	json_object_set_new(root, "reasons", o);
	json_object_set_new(root, "alerts", json_array());
	o = json_object();
	json_object_set_new(o, "records", json_integer((json_int_t)s->stats[RX_STAT_CAPTURE_LOST]));
	for (k = 0; k < RX_STAT_MAX; k++)
		if (k != RX_STAT_CAPTURE_PRODUCED && k != RX_STAT_CAPTURE_LOST &&
		    k != RX_STAT_TXN_PRODUCED && k != RX_STAT_HTTP_REQUESTS && !rx_stat_tls_split(k) &&
		    !rx_stat_sockets(k))
			json_object_set_new(o, rx_stat_name(k), json_integer((json_int_t)s->stats[k]));
	json_object_set_new(root, "lost", o);
	json_object_set_new(root, "http",
			    json_pack("{sI}", "requests", (json_int_t)s->stats[RX_STAT_HTTP_REQUESTS]));
	json_object_set_new(root, "tls_hellos",
			    json_pack("{sIsI}", "held", (json_int_t)s->stats[RX_STAT_TLS_HELD],
				      "reassembled", (json_int_t)s->stats[RX_STAT_TLS_REASSEMBLED]));
	json_object_set_new(root, "sockets",
			    json_pack("{s{sIsI}sI}", "nosocket", "tcp",
				      (json_int_t)s->stats[RX_STAT_NOSOCK_TCP], "udp",
				      (json_int_t)s->stats[RX_STAT_NOSOCK_UDP], "listen_full",
				      (json_int_t)s->stats[RX_STAT_LISTEN_FULL]));
	json_object_set_new(root, "rxray", json_pack("{si}", "schema", RX_JSON_SCHEMA));
	return root;
}

void rx_picture_print(FILE *out, const struct rx_snapshot *s, const struct rx_totals *t, size_t top)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;
	__u32 k;

	fprintf(out, "%llu packets, %llu bytes in %.3f s\n", (unsigned long long)t->packets,
	       (unsigned long long)t->bytes, rx_picture_duration(s));
	fprintf(out, "\nprotocols:");
	for (k = 0; k < RX_PROTO_MAX; k++)
		if (t->proto[k])
			fprintf(out, " %s %llu (%.1f%%)", rx_proto_name(k), (unsigned long long)t->proto[k],
			       100.0 * (double)t->proto[k] / (double)t->packets);
	fprintf(out, "\n\ntop talkers (source address)\n  %-40s %12s %14s\n", "address", "packets",
	       "bytes");
	for (i = 0; i < s->n_talkers && i < top; i++) {
		rx_fmt_keyed_addr(a, &s->talkers[i]);
		fprintf(out, "  %-40s %12llu %14llu\n", a, (unsigned long long)s->talkers[i].c.packets,
		       (unsigned long long)s->talkers[i].c.bytes);
	}
	if (s->n_talkers > top)
		fprintf(out, "  ... %zu more\n", s->n_talkers - top);
	fprintf(out, "\ntop services (destination port)\n  %-12s %12s %14s\n", "port/proto", "packets",
	       "bytes");
	for (i = 0; i < s->n_services && i < top; i++) {
		const struct rx_service *svc = (const void *)s->services[i].key;
		char ps[16];

		snprintf(ps, sizeof(ps), "%u/%s", svc->port, rx_service_proto(&s->services[i]));
		fprintf(out, "  %-12s %12llu %14llu\n", ps, (unsigned long long)s->services[i].c.packets,
		       (unsigned long long)s->services[i].c.bytes);
	}
	if (s->n_services > top)
		fprintf(out, "  ... %zu more\n", s->n_services - top);
	fprintf(out, "\ntcp:");
	for (k = 0; k < RX_TCPK_MAX; k++)
		fprintf(out, " %s %llu", rx_tcpkind_names[k], (unsigned long long)s->tcpkinds[k]);
	fprintf(out, "\ntcp health:");
	for (k = 0; k < RX_TCPH_MAX; k++)
		fprintf(out, " %s %llu", rx_tcphealth_names[k], (unsigned long long)s->health[k]);
	for (k = 0; k < RX_LAT_MAX; k++) {
		const struct rx_hist *h = &s->latency[k];
		__u64 n = rx_hist_count(h);

		if (n)
			fprintf(out, "\n%s: %llu, mean %.3f ms, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms",
				rx_latency_names[k], (unsigned long long)n,
				(double)h->sum_ns / 1e6 / (double)n, rx_hist_quantile(h, 0.5) * 1e3,
				rx_hist_quantile(h, 0.9) * 1e3, rx_hist_quantile(h, 0.99) * 1e3);
		else
			fprintf(out, "\n%s: none seen", rx_latency_names[k]);
	}
	if (s->n_endpoints) {
		json_t *eps = endpoints_json((struct rx_snapshot *)s), *e;
		size_t i2;

		fprintf(out, "\n\nendpoints\n  %-6s %-7s %-32s %8s %6s %9s %9s %9s %9s  %s\n", "port",
			"method", "route", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms",
			"statuses");
		json_array_foreach(eps, i2, e) {
			json_t *d = json_object_get(e, "duration_s"), *n;
			char max[32], route[40];
			const char *code;

			/* a window read from the agent may know only a bound of its max */
			snprintf(max, sizeof(max), "%s%.2f",
				 json_is_false(json_object_get(d, "minmax_exact")) ? "<=" : "",
				 json_real_value(json_object_get(d, "max")) * 1e3);
			/* a route longer than its column ends in "..." */
			fprintf(out, "  %-6lld %-7s %-32s %8lld %6lld %9.2f %9.2f %9.2f %9s ",
				json_integer_value(json_object_get(e, "server.port")),
				json_string_value(json_object_get(e, "http.request.method")),
				rx_cut_text(route, sizeof(route),
					    json_string_value(json_object_get(e, "http.route")), 32),
				json_integer_value(json_object_get(e, "count")),
				json_integer_value(json_object_get(e, "errors")),
				json_real_value(json_object_get(d, "p50")) * 1e3,
				json_real_value(json_object_get(d, "p90")) * 1e3,
				json_real_value(json_object_get(d, "p99")) * 1e3, max);
			json_object_foreach(json_object_get(e, "status"), code, n)
				fprintf(out, " %s:%lld", code, json_integer_value(n));
			fputc('\n', out);
		}
		json_decref(eps);
	}
	tls_print(out, (struct rx_snapshot *)s);
	fprintf(out, "\nframe sizes:");
	for (k = 0; k < RX_SIZE_BUCKETS; k++) {
		if (k < RX_SIZE_BUCKETS - 1)
			fprintf(out, " <=%u %llu", rx_size_bounds[k], (unsigned long long)s->sizes[k].packets);
		else
			fprintf(out, " >%u %llu", rx_size_bounds[k - 1], (unsigned long long)s->sizes[k].packets);
	}
	fprintf(out, "\nreasons:");
	for (k = 0; k < RX_REASON_MAX; k++)
		if (t->reason[k])
			fprintf(out, " %s %llu", rx_reason_name(k), (unsigned long long)t->reason[k]);
	fprintf(out, "\nlost: records %llu", (unsigned long long)s->stats[RX_STAT_CAPTURE_LOST]);
	for (k = 0; k < RX_STAT_MAX; k++)
		if (k != RX_STAT_CAPTURE_PRODUCED && k != RX_STAT_CAPTURE_LOST &&
		    k != RX_STAT_TXN_PRODUCED && k != RX_STAT_HTTP_REQUESTS && !rx_stat_tls_split(k) &&
		    !rx_stat_sockets(k))
			fprintf(out, ", %s %llu", rx_stat_name(k), (unsigned long long)s->stats[k]);
	fputc('\n', out);
	if (s->stats[RX_STAT_NOSOCK_TCP] || s->stats[RX_STAT_NOSOCK_UDP] || s->stats[RX_STAT_LISTEN_FULL])
		fprintf(out, "sockets: nosocket tcp %llu udp %llu, listen_full %llu\n",
			(unsigned long long)s->stats[RX_STAT_NOSOCK_TCP],
			(unsigned long long)s->stats[RX_STAT_NOSOCK_UDP],
			(unsigned long long)s->stats[RX_STAT_LISTEN_FULL]);
}

const char *const rx_tcphealth_names[] = { RX_TCPHEALTH(RX__NAME) };
const char *const rx_latency_names[] = { RX_LATENCIES(RX__NAME) };

__u64 rx_hist_count(const struct rx_hist *h)
{
	__u64 n = 0;
	__u32 b;

	for (b = 0; b < RX_LAT_BUCKETS; b++)
		n += h->count[b];
	return n;
}

double rx_hist_quantile(const struct rx_hist *h, double q)
{
	/* narrowed to [min, max], as an endpoint's durations */
	if (!h->n)
		return rx_quantile(h->count, rx_lat_bounds_us, RX_LAT_BUCKETS, q, 0, INFINITY);
	return rx_quantile(h->count, rx_lat_bounds_us, RX_LAT_BUCKETS, q, (double)h->min_ns / 1e9,
			   (double)h->max_ns / 1e9);
}

/*
 * The latency histogram as OpenTelemetry's histogram data point has it:
 * explicit_bounds (seconds), bucket_counts (one more: the last is above
 * the last bound), per bucket, not cumulative.
 */
static json_t *dur_bounds(void)
{
	json_t *a = json_array();
	__u32 b;

	for (b = 0; b + 1 < RX_DUR_BUCKETS; b++)
		json_array_append_new(a, json_real(rx_dur_bounds_us[b] / 1e6));
	return a;
}

static json_t *dur_counts(const __u64 *dur)
{
	json_t *a = json_array();
	__u32 b;

	for (b = 0; b < RX_DUR_BUCKETS; b++)
		json_array_append_new(a, json_integer((json_int_t)dur[b]));
	return a;
}

/*
 * The endpoints (docs/json.md, `stats --json`): one object per (server
 * port, method, route), its statuses folded in, with percentiles from the
 * duration histogram (interpolated in the bucket, as histogram_quantile()
 * does) and the max.
 */
static json_t *endpoints_json(struct rx_snapshot *s)
{
	json_t *l = json_array();
	struct rx_endpoint_group g;
	size_t i, j, next;

	rx_snapshot__sort_endpoints(s);
	for (i = 0; i < s->n_endpoints; i = next) {
		json_t *o = json_object(), *st = json_object();
		char code[8];
		double max, min;

		next = rx_snapshot__fold_endpoint(s, i, &g);
		for (j = 0; j < g.n; j++) {
			json_t *was;

			snprintf(code, sizeof(code), "%u", g.row[j].k.status);
			/* (rows of one text and status: summed, never one hiding another) */
			was = json_object_get(st, code);
			json_object_set_new(st, code,
					    json_integer((was ? json_integer_value(was) : 0) +
							 (json_int_t)g.row[j].v.count));
		}
		json_object_set_new(o, "server.port", json_integer(g.row->k.port));
		json_object_set_new(o, "http.request.method",
				    json_string(rx_http_method_name(g.row->k.method)));
		json_object_set_new(o, "http.route", json_string(g.row->route));
		json_object_set_new(o, "count", json_integer((json_int_t)g.sum.count));
		json_object_set_new(o, "errors", json_integer((json_int_t)g.errors));
		json_object_set_new(o, "status", st);
		max = (double)g.sum.dur_max_ns / 1e9;
		min = (double)g.sum.dur_min_ns / 1e9;
		/* interpolated in the bucket narrowed to [min, max] */
		json_object_set_new(o, "duration_s",
				    json_pack("{sfsfsfsfsfsfsb}", "p50",
					      rx_quantile(g.sum.dur, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.5, min, max),
					      "p90",
					      rx_quantile(g.sum.dur, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.9, min, max),
					      "p99",
					      rx_quantile(g.sum.dur, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.99, min, max),
					      "min", min, "max", max, "mean",
					      g.sum.count ? (double)g.sum.dur_sum_ns / 1e9 / (double)g.sum.count
							  : 0.0,
					      "minmax_exact", !g.bounds));
		json_object_set_new(json_object_get(o, "duration_s"), "explicit_bounds", dur_bounds());
		json_object_set_new(json_object_get(o, "duration_s"), "bucket_counts",
				    dur_counts(g.sum.dur));
		json_object_set_new(o, "http.request.body.size",
				    json_integer((json_int_t)g.sum.req_bytes));
		json_object_set_new(o, "http.response.body.size",
				    json_integer((json_int_t)g.sum.resp_bytes));
		json_array_append_new(l, o);
	}
	return l;
}


/* ---- TLS rows (datapath/tlsconn.h, docs/tls.md) ---------------------------------- */

void rx_tls_sni_text(char *buf, const struct rx_tls_ep_key *k)
{
	size_t i, o = 0, n = k->sni_len < RX_TLS_EP_SNI ? k->sni_len : RX_TLS_EP_SNI;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k->sni[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, 5, "\\x%02X", c);
	}
	buf[o] = 0;
}

/* The ALPN protocol_name_list (length-prefixed names) as "a,b"; a name cut short ends in "...". */
void rx_tls_alpn_text(char *buf, const struct rx_tls_ep_key *k)
{
	size_t i = 0, o = 0, n = k->alpn_len < RX_TLS_EP_ALPN ? k->alpn_len : RX_TLS_EP_ALPN;

	while (i < n) {
		size_t len = (unsigned char)k->alpn[i++], j;

		if (o)
			buf[o++] = ',';
		for (j = 0; j < len && i < n; j++, i++) {
			unsigned char c = (unsigned char)k->alpn[i];

			buf[o++] = c > 0x20 && c < 0x7f && c != ',' ? (char)c : '?';
		}
		if (j < len) {
			memcpy(buf + o, "...", 3);
			o += 3;
		}
	}
	buf[o] = 0;
}

double rx_tls_hist_quantile(const struct rx_tls_hist *h, double q)
{
	if (!h->n)
		return 0;
	return rx_quantile(h->count, rx_dur_bounds_us, RX_DUR_BUCKETS, q, (double)h->min_ns / 1e9,
			   (double)h->max_ns / 1e9);
}

/* A duration histogram as an endpoint's duration_s, with its count. */
static json_t *tls_hist_json(const struct rx_tls_hist *h, __u32 bounds)
{
	json_t *o = json_pack("{sIsfsfsfsfsfsfsb}", "count", (json_int_t)h->n, "p50",
			      rx_tls_hist_quantile(h, 0.5), "p90", rx_tls_hist_quantile(h, 0.9),
			      "p99", rx_tls_hist_quantile(h, 0.99), "min",
			      h->n ? (double)h->min_ns / 1e9 : 0.0, "max", (double)h->max_ns / 1e9,
			      "mean", h->n ? (double)h->sum_ns / 1e9 / (double)h->n : 0.0,
			      "minmax_exact", !bounds);

	json_object_set_new(o, "explicit_bounds", dur_bounds());
	json_object_set_new(o, "bucket_counts", dur_counts(h->count));
	return o;
}

json_t *rx_tls_rows_json(struct rx_snapshot *s)
{
	json_t *l = json_array();
	char sni[RX_TLS_TEXT], alpn[RX_TLS_TEXT];
	size_t i;

	rx_snapshot__sort_tls(s);
	for (i = 0; i < s->n_tls; i++) {
		const struct rx_tls_row *r = &s->tls[i];
		json_t *o = json_object();

		rx_tls_sni_text(sni, &r->k);
		rx_tls_alpn_text(alpn, &r->k);
		json_object_set_new(o, "port", json_integer(r->k.port));
		json_object_set_new(o, "sni", json_string(sni));
		json_object_set_new(o, "alpn", json_string(alpn));
		json_object_set_new(o, "connections", json_integer((json_int_t)r->v.conns));
		json_object_set_new(o, "handshakes",
				    json_pack("{sIsI}", "completed", (json_int_t)r->v.hs_done,
					      "failed", (json_int_t)r->v.hs_failed));
		json_object_set_new(
			o, "handshake_s",
			json_pack("{soso}", "server_hello",
				  tls_hist_json(&r->v.hs[RX_TLS_PH_SERVER_HELLO], r->bounds),
				  "app_data", tls_hist_json(&r->v.hs[RX_TLS_PH_APP_DATA], r->bounds)));
		json_object_set_new(o, "exchange_s", tls_hist_json(&r->v.xchg, r->bounds));
		json_array_append_new(l, o);
	}
	return l;
}

static void tls_print(FILE *out, struct rx_snapshot *s)
{
	char sni[RX_TLS_TEXT], alpn[RX_TLS_TEXT], cut[40];
	size_t i;

	if (!s->n_tls)
		return;
	rx_snapshot__sort_tls(s);
	/* (after the endpoints' rows the line is ended; after the latencies it is not) */
	fprintf(out, "%s\ntls (port, SNI, ALPN)\n  %-6s %-32s %-12s %6s %6s %6s %9s %9s %9s %9s\n",
		s->n_endpoints ? "" : "\n", "port", "sni", "alpn", "conns", "ok", "failed", "hs p50ms",
		"exchanges", "p50 ms", "p90 ms");
	for (i = 0; i < s->n_tls; i++) {
		const struct rx_tls_row *r = &s->tls[i];

		rx_tls_sni_text(sni, &r->k);
		rx_tls_alpn_text(alpn, &r->k);
		fprintf(out, "  %-6u %-32s %-12s %6llu %6llu %6llu %9.2f %9llu %9.2f %9.2f\n",
			r->k.port, rx_cut_text(cut, sizeof(cut), sni[0] ? sni : "-", 32),
			alpn[0] ? alpn : "-", (unsigned long long)r->v.conns,
			(unsigned long long)r->v.hs_done, (unsigned long long)r->v.hs_failed,
			rx_tls_hist_quantile(&r->v.hs[RX_TLS_PH_APP_DATA], 0.5) * 1e3,
			(unsigned long long)r->v.xchg.n, rx_tls_hist_quantile(&r->v.xchg, 0.5) * 1e3,
			rx_tls_hist_quantile(&r->v.xchg, 0.9) * 1e3);
	}
}

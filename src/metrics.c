// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus text format (version 0.0.4). Label values come from fixed name
 * lists, interface names, port numbers and addresses, all escaped; the
 * number of series is bounded by design: the talkers and services are the
 * top N plus one "overflow" series each.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "metrics.h"
#include "picture.h"
#include "render.h"

void rx_buf__printf(struct rx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 16384;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void rx_buf__free(struct rx_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Interface names are [^/\s]{1,15}: escape the two characters that matter anyway. */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '"' || *s == '\\') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = 0;
	return buf;
}

struct family;

/* What a family's emit function writes from: one interface's snapshot. */
struct series_of {
	const char *ifl; /* the interface, escaped for a label */
	struct rx_snapshot *s;
	size_t top;      /* talkers and services one by one, the rest as "overflow" */
};

/* A metric family (HELP, TYPE) and the function writing its series. */
struct family {
	const char *name, *type, *help;
	void (*emit)(struct rx_buf *b, const struct family *f, const struct series_of *x);
};

/* One series with one label besides the interface's. */
static void series(struct rx_buf *b, const struct family *f, const struct series_of *x,
		   const char *label, const char *value, __u64 n)
{
	rx_buf__printf(b, "%s{interface=\"%s\",%s=\"%s\"} %llu\n", f->name, x->ifl, label, value,
		       (unsigned long long)n);
}

/* Packets (bytes 0) or bytes (1) by verdict and reason, over the protocols. */
static void verdicts(struct rx_buf *b, const struct family *f, const struct series_of *x,
		     int bytes)
{
	__u32 v, r, p;

	for (v = 0; v < RX_VERDICT_MAX; v++)
		for (r = 0; r < RX_REASON_MAX; r++) {
			__u64 n = 0;

			for (p = 0; p < RX_PROTO_MAX; p++) {
				const struct rx_counter *c = &x->s->counters[RX_COUNTER_IDX(v, r, p)];

				n += bytes ? c->bytes : c->packets;
			}
			/* every pass reason always; others once they happened */
			if (!n && v != RX_VERDICT_PASS)
				continue;
			rx_buf__printf(b, "%s{interface=\"%s\",verdict=\"%s\",reason=\"%s\"} %llu\n",
				       f->name, x->ifl, rx_verdict_name(v), rx_reason_name(r),
				       (unsigned long long)n);
		}
}

static void emit_packets(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	verdicts(b, f, x, 0);
}

static void emit_bytes(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	verdicts(b, f, x, 1);
}

/* Datapath counters (rx_snapshot.stats) as the values of one label. */
struct stat_series {
	unsigned int stat;
	const char *value; /* NULL: the counter's name, less a leading "http_" */
};

static void stats(struct rx_buf *b, const struct family *f, const struct series_of *x,
		  const char *label, const struct stat_series *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *v = l[i].value ? l[i].value : rx_stat_name(l[i].stat);

		if (!l[i].value && !strncmp(v, "http_", 5)) /* (the family says HTTP already) */
			v += 5;
		series(b, f, x, label, v, x->s->stats[l[i].stat]);
	}
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void emit_produced(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	static const struct stat_series l[] = {
		{ RX_STAT_CAPTURE_PRODUCED, "capture" },
		{ RX_STAT_TXN_PRODUCED, "transactions" },
	};

	stats(b, f, x, "source", l, N_OF(l));
}

static void emit_lost(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	static const struct stat_series l[] = {
		{ RX_STAT_CAPTURE_LOST, "capture" },
		{ RX_STAT_TALKERS_OVERFLOW, "talkers" },
		{ RX_STAT_SERVICES_OVERFLOW, "services" },
		{ RX_STAT_TXN_LOST, "transactions" },
		{ RX_STAT_REQINFO_LOST, "request_info" },
		{ RX_STAT_SCRATCH_MISS, "scratch" },
		/* packets whose next stage did not run (a failed tail call) */
		{ RX_STAT_STAGE_MISS, "stages" },
		/* port-scan probes past the new-target budget, or a full scan table (native) */
		{ RX_STAT_SCAN_OVERFLOW, "scans" },
		/* TCP health events of server ports past a full rx_tcp_ports (native) */
		{ RX_STAT_TCP_PORTS_OVERFLOW, "tcp_ports" },
		/* TLS connections past a full table (native), events past the rows */
		{ RX_STAT_TLS_CONNS_OVERFLOW, "tls_conns" },
		{ RX_STAT_TLS_EPS_OVERFLOW, "tls_rows" },
		/* sockets found at TC ingress, not kept: rx_sock_ports refused the update */
		{ RX_STAT_SOCK_PORTS_LOST, "sock_ports" },
	};

	stats(b, f, x, "source", l, N_OF(l));
}

/* Packets that no local socket receives (datapath/sock.h), by protocol. */
static void emit_nosocket(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	static const struct stat_series l[] = {
		{ RX_STAT_NOSOCK_TCP, "tcp" },
		{ RX_STAT_NOSOCK_UDP, "udp" },
	};

	stats(b, f, x, "proto", l, N_OF(l));
}

static void emit_listen_full(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	static const struct stat_series l[] = { { RX_STAT_LISTEN_FULL, "tcp" } };

	stats(b, f, x, "proto", l, N_OF(l));
}

/* rxray_http_events_total's events: the datapath's HTTP counters, named as in stats' "lost". */
static void emit_http_events(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	static const struct stat_series l[] = {
		{ RX_STAT_HTTP_REQUESTS, NULL },
		{ RX_STAT_HTTP_UNMATCHED, NULL },
		{ RX_STAT_HTTP_EXPIRED, NULL },
		{ RX_STAT_HTTP_PIPE_FULL, NULL },
		{ RX_STAT_HTTP_PARTIAL, NULL },
		{ RX_STAT_ROUTES_OVERFLOW, NULL },
		{ RX_STAT_ROUTE_COLLISIONS, NULL },
		{ RX_STAT_ENDPOINTS_OVERFLOW, NULL },
		{ RX_STAT_HTTP_CONNS_OVERFLOW, NULL },
	};

	stats(b, f, x, "event", l, N_OF(l));
}

static void emit_protocols(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	struct rx_totals t;
	__u32 p;

	rx_snapshot__sum(x->s, &t);
	for (p = 0; p < RX_PROTO_MAX; p++)
		series(b, f, x, "proto", rx_proto_name(p), t.proto[p]);
}

static void emit_talkers(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	/* the table's overflow plus everything below the top N */
	__u64 rest = x->s->stats[RX_STAT_TALKERS_OVERFLOW];
	char a[64];
	size_t i;

	for (i = 0; i < x->s->n_talkers; i++) {
		if (i >= x->top) {
			rest += x->s->talkers[i].c.packets;
			continue;
		}
		rx_fmt_keyed_addr(a, &x->s->talkers[i]);
		series(b, f, x, "address", a, x->s->talkers[i].c.packets);
	}
	series(b, f, x, "address", "overflow", rest);
}

static void emit_services(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	__u64 rest = x->s->stats[RX_STAT_SERVICES_OVERFLOW];
	size_t i;

	for (i = 0; i < x->s->n_services; i++) {
		const struct rx_keyed *k = &x->s->services[i];
		const struct rx_service *svc = (const void *)k->key;

		if (i >= x->top) {
			rest += k->c.packets;
			continue;
		}
		rx_buf__printf(b, "%s{interface=\"%s\",port=\"%u\",proto=\"%s\"} %llu\n", f->name,
			       x->ifl, svc->port, rx_service_proto(k), (unsigned long long)k->c.packets);
	}
	rx_buf__printf(b, "%s{interface=\"%s\",port=\"overflow\",proto=\"any\"} %llu\n", f->name,
		       x->ifl, (unsigned long long)rest);
}

static void emit_tcp_segments(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	__u32 k;

	for (k = 0; k < RX_TCPK_MAX; k++)
		series(b, f, x, "kind", rx_tcpkind_names[k], x->s->tcpkinds[k]);
}

static void emit_frame_sizes(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	__u64 cum = 0, sum = 0;
	__u32 k;

	for (k = 0; k < RX_SIZE_BUCKETS; k++) {
		cum += x->s->sizes[k].packets;
		if (k < RX_SIZE_BUCKETS - 1)
			rx_buf__printf(b, "%s_bucket{interface=\"%s\",le=\"%u\"} %llu\n", f->name,
				       x->ifl, rx_size_bounds[k], (unsigned long long)cum);
		else
			rx_buf__printf(b, "%s_bucket{interface=\"%s\",le=\"+Inf\"} %llu\n", f->name,
				       x->ifl, (unsigned long long)cum);
	}
	for (k = 0; k < RX_SIZE_BUCKETS; k++)
		sum += x->s->sizes[k].bytes;
	rx_buf__printf(b, "%s_sum{interface=\"%s\"} %llu\n%s_count{interface=\"%s\"} %llu\n",
		       f->name, x->ifl, (unsigned long long)sum, f->name, x->ifl,
		       (unsigned long long)cum);
}

static void emit_tcp_events(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	__u32 k;

	for (k = 0; k < RX_TCPH_MAX; k++)
		series(b, f, x, "event", rx_tcphealth_names[k], x->s->health[k]);
}

static void emit_handshake(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	__u32 k, i;

	for (k = 0; k < RX_LAT_MAX; k++) {
		const struct rx_hist *h = &x->s->latency[k];
		const char *phase = rx_latency_names[k];
		__u64 cum = 0;

		for (i = 0; i < RX_LAT_BUCKETS; i++) {
			cum += h->count[i];
			if (i < RX_LAT_BUCKETS - 1)
				rx_buf__printf(b, "%s_bucket{interface=\"%s\",phase=\"%s\",le=\"%g\"} %llu\n",
					       f->name, x->ifl, phase, rx_lat_bounds_us[i] / 1e6,
					       (unsigned long long)cum);
			else
				rx_buf__printf(b, "%s_bucket{interface=\"%s\",phase=\"%s\",le=\"+Inf\"} %llu\n",
					       f->name, x->ifl, phase, (unsigned long long)cum);
		}
		rx_buf__printf(b, "%s_sum{interface=\"%s\",phase=\"%s\"} %.9f\n", f->name, x->ifl,
			       phase, (double)h->sum_ns / 1e9);
		rx_buf__printf(b, "%s_count{interface=\"%s\",phase=\"%s\"} %llu\n", f->name, x->ifl,
			       phase, (unsigned long long)cum);
	}
}

/* One histogram series of an endpoint: buckets (cumulative), sum, count. */
static void endpoint_hist(struct rx_buf *b, const char *name, const char *labels,
			  const __u64 *counts, const unsigned int *bounds, double scale, int nb,
			  double sum)
{
	__u64 cum = 0;
	int i;

	for (i = 0; i < nb; i++) {
		cum += counts[i];
		if (i < nb - 1)
			rx_buf__printf(b, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels,
				       bounds[i] * scale, (unsigned long long)cum);
		else
			rx_buf__printf(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
				       (unsigned long long)cum);
	}
	rx_buf__printf(b, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n", name, labels, sum, name, labels,
		       (unsigned long long)cum);
}

/* An endpoint's labels: interface, method, route, status and port. labels: 800 bytes. */
static void endpoint_labels(char *labels, const struct series_of *x,
			    const struct rx_endpoint_row *e)
{
	char route[2 * RX_ROUTE_TEXT];

	esc(e->route, route, sizeof(route));
	snprintf(labels, 800,
		 "interface=\"%s\",http_request_method=\"%s\",http_route=\"%s\","
		 "http_response_status_code=\"%u\",server_port=\"%u\"",
		 x->ifl, rx_http_method_name(e->k.method), route, e->k.status, e->k.port);
}

static void emit_durations(struct rx_buf *b, const struct family *f, const struct series_of *x)
{
	char labels[800];
	size_t i;

	for (i = 0; i < x->s->n_endpoints; i++) {
		const struct rx_endpoint_row *e = &x->s->endpoints[i];

		endpoint_labels(labels, x, e);
		endpoint_hist(b, f->name, labels, e->v.dur, rx_dur_bounds_us, 1e-6, RX_DUR_BUCKETS,
			      (double)e->v.dur_sum_ns / 1e9);
	}
}

/* Body sizes of requests (resp 0) or responses (1), for the endpoints that saw one. */
static void body_sizes(struct rx_buf *b, const struct family *f, const struct series_of *x,
		       int resp)
{
	char labels[800];
	size_t i;

	for (i = 0; i < x->s->n_endpoints; i++) {
		const struct rx_endpoint_row *e = &x->s->endpoints[i];
		const __u64 *counts = resp ? e->v.resp_size : e->v.req_size;
		__u64 n = 0;
		__u32 j;

		for (j = 0; j < RX_BODY_BUCKETS; j++)
			n += counts[j];
		if (!n)
			continue;
		endpoint_labels(labels, x, e);
		endpoint_hist(b, f->name, labels, counts, rx_body_bounds, 1, RX_BODY_BUCKETS,
			      (double)(resp ? e->v.resp_bytes : e->v.req_bytes));
	}
}

static void emit_request_bodies(struct rx_buf *b, const struct family *f,
				const struct series_of *x)
{
	body_sizes(b, f, x, 0);
}

static void emit_response_bodies(struct rx_buf *b, const struct family *f,
				 const struct series_of *x)
{
	body_sizes(b, f, x, 1);
}

/* A TLS row's labels: interface, port, sni, alpn (datapath/tlsconn.h). labels: 800 bytes. */
static void tls_labels(char *labels, const struct series_of *x, const struct rx_tls_row *r)
{
	char sni[RX_TLS_TEXT], alpn[RX_TLS_TEXT], esni[2 * RX_TLS_TEXT], ealpn[2 * RX_TLS_TEXT];

	rx_tls_sni_text(sni, &r->k);
	rx_tls_alpn_text(alpn, &r->k);
	snprintf(labels, 800, "interface=\"%s\",port=\"%u\",sni=\"%s\",alpn=\"%s\"", x->ifl,
		 r->k.port, esc(sni, esni, sizeof(esni)), esc(alpn, ealpn, sizeof(ealpn)));
}

static void emit_tls_connections(struct rx_buf *b, const struct family *f,
				 const struct series_of *x)
{
	char labels[800];
	size_t i;

	for (i = 0; i < x->s->n_tls; i++) {
		tls_labels(labels, x, &x->s->tls[i]);
		rx_buf__printf(b, "%s{%s} %llu\n", f->name, labels,
			       (unsigned long long)x->s->tls[i].v.conns);
	}
}

static void emit_tls_handshakes(struct rx_buf *b, const struct family *f,
				const struct series_of *x)
{
	char labels[800];
	size_t i;

	for (i = 0; i < x->s->n_tls; i++) {
		const struct rx_tls_row *r = &x->s->tls[i];

		tls_labels(labels, x, r);
		rx_buf__printf(b, "%s{%s,result=\"completed\"} %llu\n%s{%s,result=\"failed\"} %llu\n",
			       f->name, labels, (unsigned long long)r->v.hs_done, f->name, labels,
			       (unsigned long long)r->v.hs_failed);
	}
}

static void emit_tls_handshake_seconds(struct rx_buf *b, const struct family *f,
				       const struct series_of *x)
{
	static const char *const phase[RX_TLS_PH_MAX] = { "server_hello", "app_data" };
	char labels[800], more[900];
	size_t i;
	__u32 k;

	for (i = 0; i < x->s->n_tls; i++) {
		const struct rx_tls_row *r = &x->s->tls[i];

		tls_labels(labels, x, r);
		for (k = 0; k < RX_TLS_PH_MAX; k++) {
			snprintf(more, sizeof(more), "%s,phase=\"%s\"", labels, phase[k]);
			endpoint_hist(b, f->name, more, r->v.hs[k].count, rx_dur_bounds_us, 1e-6,
				      RX_DUR_BUCKETS, (double)r->v.hs[k].sum_ns / 1e9);
		}
	}
}

static void emit_tls_exchange_seconds(struct rx_buf *b, const struct family *f,
				      const struct series_of *x)
{
	char labels[800];
	size_t i;

	for (i = 0; i < x->s->n_tls; i++) {
		const struct rx_tls_row *r = &x->s->tls[i];

		tls_labels(labels, x, r);
		endpoint_hist(b, f->name, labels, r->v.xchg.count, rx_dur_bounds_us, 1e-6,
			      RX_DUR_BUCKETS, (double)r->v.xchg.sum_ns / 1e9);
	}
}

/* The families, in the order of the exposition. */
static const struct family families[] = {
	{ "rxray_packets_total", "counter", "Packets seen by the datapath, by verdict and reason.",
	  emit_packets },
	{ "rxray_bytes_total", "counter", "Bytes seen by the datapath, by verdict and reason.",
	  emit_bytes },
	{ "rxray_records_produced_total", "counter", "Records the datapath produced for user space.",
	  emit_produced },
	{ "rxray_records_lost_total", "counter", "Records lost at the point of loss, by source.",
	  emit_lost },
	{ "rxray_protocol_packets_total", "counter", "Packets by protocol.", emit_protocols },
	{ "rxray_talker_packets_total", "counter",
	  "Packets by source address: the top N, and the rest as address=\"overflow\".",
	  emit_talkers },
	{ "rxray_service_packets_total", "counter",
	  "Packets by destination port: the top N, and the rest as port=\"overflow\".",
	  emit_services },
	{ "rxray_tcp_segments_total", "counter", "TCP segments by kind.", emit_tcp_segments },
	{ "rxray_frame_size_bytes", "histogram", "Frame sizes on the wire.", emit_frame_sizes },
	{ "rxray_tcp_events_total", "counter",
	  "TCP health events: handshakes, retransmits, RSTs by side, zero windows, GRO.",
	  emit_tcp_events },
	{ "rxray_tcp_handshake_duration_seconds", "histogram",
	  "Handshake phases: synack_delay (server: SYN to SYN-ACK), handshake_rtt (SYN-ACK to ACK).",
	  emit_handshake },
	{ "http_server_request_duration_seconds", "histogram",
	  "HTTP/1.x request durations seen in packets: first request byte to first response byte.",
	  emit_durations },
	{ "http_server_request_body_size_bytes", "histogram",
	  "HTTP request body sizes (Content-Length), for requests that state one.",
	  emit_request_bodies },
	{ "http_server_response_body_size_bytes", "histogram",
	  "HTTP response body sizes (Content-Length), for responses that state one.",
	  emit_response_bodies },
	{ "rxray_tls_connections_total", "counter",
	  "TLS connections begun with a ClientHello, by server port, SNI and the client's ALPN list.",
	  emit_tls_connections },
	{ "rxray_tls_handshakes_total", "counter",
	  "TLS handshakes by result: completed (the client sent application data) or failed (an alert, RST or FIN before).",
	  emit_tls_handshakes },
	{ "rxray_tls_handshake_seconds", "histogram",
	  "TLS handshake phases from the ClientHello: server_hello, app_data (the client's first application record).",
	  emit_tls_handshake_seconds },
	{ "rxray_tls_exchange_seconds", "histogram",
	  "TLS request-response exchanges: the client's first record after the server's, to the server's first after it.",
	  emit_tls_exchange_seconds },
	{ "rxray_http_events_total", "counter",
	  "HTTP tracking: requests seen, and every one not turned into a transaction or a route, by event.",
	  emit_http_events },
	{ "rxray_nosocket_packets_total", "counter",
	  "Packets at TC ingress that no local socket receives (a closed port), by protocol.",
	  emit_nosocket },
	{ "rxray_listen_full_total", "counter",
	  "SYNs at TC ingress to a listener whose accept queue is full (the kernel drops them).",
	  emit_listen_full },
};

void rx_metrics_write(struct rx_buf *b, int n, const char *const *ifname,
		      struct rx_snapshot *snap, size_t top)
{
	const struct family *f;
	char ifl[64];
	int i;

	/* one family at a time, all interfaces inside it, as the format wants */
	for (f = families; f < families + N_OF(families); f++) {
		rx_buf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
			       f->type);
		for (i = 0; i < n; i++) {
			struct series_of x = { esc(ifname[i], ifl, sizeof(ifl)), &snap[i], top };

			f->emit(b, f, &x);
		}
	}
	rx_metrics_build_info(b);
}

void rx_metrics_build_info(struct rx_buf *b)
{
	struct utsname u;
	char k[sizeof(u.release) * 2];

	if (uname(&u))
		strcpy(u.release, "unknown");
	rx_buf__printf(b,
		       "# HELP rxray_build_info rxray's version and the kernel it runs on.\n"
		       "# TYPE rxray_build_info gauge\n"
		       "rxray_build_info{version=\"%s\",kernel=\"%s\"} 1\n",
		       RX_VERSION, esc(u.release, k, sizeof(k)));
}

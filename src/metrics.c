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

static const struct {
	const char *name, *type, *help;
} families[RX_METRICS_PARTS] = {
	{ "rxray_packets_total", "counter", "Packets seen by the datapath, by verdict and reason." },
	{ "rxray_bytes_total", "counter", "Bytes seen by the datapath, by verdict and reason." },
	{ "rxray_records_produced_total", "counter", "Records the datapath produced for user space." },
	{ "rxray_records_lost_total", "counter", "Records lost at the point of loss, by source." },
	{ "rxray_protocol_packets_total", "counter", "Packets by protocol." },
	{ "rxray_talker_packets_total", "counter",
	  "Packets by source address: the top N, and the rest as address=\"overflow\"." },
	{ "rxray_service_packets_total", "counter",
	  "Packets by destination port: the top N, and the rest as port=\"overflow\"." },
	{ "rxray_tcp_segments_total", "counter", "TCP segments by kind." },
	{ "rxray_frame_size_bytes", "histogram", "Frame sizes on the wire." },
	{ "rxray_tcp_events_total", "counter",
	  "TCP health events: handshakes, retransmits, RSTs by side, zero windows, GRO." },
	{ "rxray_tcp_handshake_duration_seconds", "histogram",
	  "Handshake phases: synack_delay (server: SYN to SYN-ACK), handshake_rtt (SYN-ACK to ACK)." },
	{ "http_server_request_duration_seconds", "histogram",
	  "HTTP/1.x request durations seen in packets: first request byte to first response byte." },
	{ "http_server_request_body_size_bytes", "histogram",
	  "HTTP request body sizes (Content-Length), for requests that state one." },
	{ "http_server_response_body_size_bytes", "histogram",
	  "HTTP response body sizes (Content-Length), for responses that state one." },
	{ "rxray_http_events_total", "counter",
	  "HTTP tracking: requests seen, and every one not turned into a transaction or a route, by event." },
};

/* rxray_http_events_total's events: the datapath's HTTP counters, named as in stats' "lost". */
static const unsigned int http_events[] = {
	RX_STAT_HTTP_REQUESTS,	    RX_STAT_HTTP_UNMATCHED,	RX_STAT_HTTP_EXPIRED,
	RX_STAT_HTTP_PIPE_FULL,	    RX_STAT_HTTP_PARTIAL,	RX_STAT_ROUTES_OVERFLOW,
	RX_STAT_ROUTE_COLLISIONS,   RX_STAT_ENDPOINTS_OVERFLOW, RX_STAT_HTTP_CONNS_OVERFLOW,
};

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

void rx_metrics_headers(struct rx_buf *b, int part)
{
	rx_buf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", families[part].name, families[part].help,
		       families[part].name, families[part].type);
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

void rx_metrics_series(struct rx_buf *b, int part, const char *ifname, struct rx_snapshot *s,
		       size_t top)
{
	char ifl[64], a[64];
	struct rx_totals t;
	__u64 rest_p, cum;
	__u32 v, r, p, k;
	size_t i;

	esc(ifname, ifl, sizeof(ifl));
	switch (part) {
	case 0:
	case 1:
		for (v = 0; v < RX_VERDICT_MAX; v++)
			for (r = 0; r < RX_REASON_MAX; r++) {
				__u64 n = 0;

				for (p = 0; p < RX_PROTO_MAX; p++) {
					const struct rx_counter *c = &s->counters[RX_COUNTER_IDX(v, r, p)];

					n += part == 0 ? c->packets : c->bytes;
				}
				/* every pass reason always; others once they happened */
				if (!n && v != RX_VERDICT_PASS)
					continue;
				rx_buf__printf(b, "%s{interface=\"%s\",verdict=\"%s\",reason=\"%s\"} %llu\n",
					       families[part].name, ifl, rx_verdict_name(v),
					       rx_reason_name(r), (unsigned long long)n);
			}
		break;
	case 2:
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"capture\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_CAPTURE_PRODUCED]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"transactions\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)s->stats[RX_STAT_TXN_PRODUCED]);
		break;
	case 3:
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"capture\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_CAPTURE_LOST]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"talkers\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_TALKERS_OVERFLOW]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"services\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_SERVICES_OVERFLOW]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"transactions\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)s->stats[RX_STAT_TXN_LOST]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"request_info\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)s->stats[RX_STAT_REQINFO_LOST]);
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"scratch\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_SCRATCH_MISS]);
		/* packets whose next stage did not run (a failed tail call) */
		rx_buf__printf(b, "%s{interface=\"%s\",source=\"stages\"} %llu\n", families[part].name,
			       ifl, (unsigned long long)s->stats[RX_STAT_STAGE_MISS]);
		break;
	case 14:
		for (i = 0; i < sizeof(http_events) / sizeof(http_events[0]); i++) {
			const char *ev = rx_stat_name(http_events[i]);

			if (!strncmp(ev, "http_", 5)) /* (the family says HTTP already) */
				ev += 5;
			rx_buf__printf(b, "%s{interface=\"%s\",event=\"%s\"} %llu\n", families[part].name,
				       ifl, ev, (unsigned long long)s->stats[http_events[i]]);
		}
		break;
	case 4:
		rx_snapshot__sum(s, &t);
		for (p = 0; p < RX_PROTO_MAX; p++)
			rx_buf__printf(b, "%s{interface=\"%s\",proto=\"%s\"} %llu\n", families[part].name,
				       ifl, rx_proto_name(p), (unsigned long long)t.proto[p]);
		break;
	case 5:
		/* the table's overflow plus everything below the top N */
		rest_p = s->stats[RX_STAT_TALKERS_OVERFLOW];
		for (i = 0; i < s->n_talkers; i++) {
			if (i >= top) {
				rest_p += s->talkers[i].c.packets;
				continue;
			}
			rx_fmt_keyed_addr(a, &s->talkers[i]);
			rx_buf__printf(b, "%s{interface=\"%s\",address=\"%s\"} %llu\n",
				       families[part].name, ifl, a,
				       (unsigned long long)s->talkers[i].c.packets);
		}
		rx_buf__printf(b, "%s{interface=\"%s\",address=\"overflow\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)rest_p);
		break;
	case 6:
		rest_p = s->stats[RX_STAT_SERVICES_OVERFLOW];
		for (i = 0; i < s->n_services; i++) {
			const struct rx_service *svc = (const void *)s->services[i].key;

			if (i >= top) {
				rest_p += s->services[i].c.packets;
				continue;
			}
			rx_buf__printf(b, "%s{interface=\"%s\",port=\"%u\",proto=\"%s\"} %llu\n",
				       families[part].name, ifl, svc->port,
				       rx_service_proto(&s->services[i]),
				       (unsigned long long)s->services[i].c.packets);
		}
		rx_buf__printf(b, "%s{interface=\"%s\",port=\"overflow\",proto=\"any\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)rest_p);
		break;
	case 7:
		for (k = 0; k < RX_TCPK_MAX; k++)
			rx_buf__printf(b, "%s{interface=\"%s\",kind=\"%s\"} %llu\n", families[part].name,
				       ifl, rx_tcpkind_names[k], (unsigned long long)s->tcpkinds[k]);
		break;
	case 9:
		for (k = 0; k < RX_TCPH_MAX; k++)
			rx_buf__printf(b, "%s{interface=\"%s\",event=\"%s\"} %llu\n",
				       families[part].name, ifl, rx_tcphealth_names[k],
				       (unsigned long long)s->health[k]);
		break;
	case 10:
		for (k = 0; k < RX_LAT_MAX; k++) {
			const struct rx_hist *h = &s->latency[k];
			__u32 i2;

			cum = 0;
			for (i2 = 0; i2 < RX_LAT_BUCKETS; i2++) {
				cum += h->count[i2];
				if (i2 < RX_LAT_BUCKETS - 1)
					rx_buf__printf(b, "%s_bucket{interface=\"%s\",phase=\"%s\",le=\"%g\"} %llu\n",
						       families[part].name, ifl, rx_latency_names[k],
						       rx_lat_bounds_us[i2] / 1e6, (unsigned long long)cum);
				else
					rx_buf__printf(b, "%s_bucket{interface=\"%s\",phase=\"%s\",le=\"+Inf\"} %llu\n",
						       families[part].name, ifl, rx_latency_names[k],
						       (unsigned long long)cum);
			}
			rx_buf__printf(b, "%s_sum{interface=\"%s\",phase=\"%s\"} %.9f\n",
				       families[part].name, ifl, rx_latency_names[k], (double)h->sum_ns / 1e9);
			rx_buf__printf(b, "%s_count{interface=\"%s\",phase=\"%s\"} %llu\n",
				       families[part].name, ifl, rx_latency_names[k], (unsigned long long)cum);
		}
		break;
	case 11:
	case 12:
	case 13:
		for (i = 0; i < s->n_endpoints; i++) {
			const struct rx_endpoint_row *e = &s->endpoints[i];
			char labels[800], route[2 * RX_ROUTE_TEXT];
			__u64 n = 0;
			__u32 j;

			esc(e->route, route, sizeof(route));
			snprintf(labels, sizeof(labels),
				 "interface=\"%s\",http_request_method=\"%s\",http_route=\"%s\","
				 "http_response_status_code=\"%u\",server_port=\"%u\"",
				 ifl, rx_http_method_name(e->k.method), route, e->k.status, e->k.port);
			if (part == 11) {
				endpoint_hist(b, families[part].name, labels, e->v.dur, rx_dur_bounds_us,
					      1e-6, RX_DUR_BUCKETS, (double)e->v.dur_sum_ns / 1e9);
				continue;
			}
			for (j = 0; j < RX_BODY_BUCKETS; j++)
				n += part == 12 ? e->v.req_size[j] : e->v.resp_size[j];
			if (!n)
				continue;
			endpoint_hist(b, families[part].name, labels,
				      part == 12 ? e->v.req_size : e->v.resp_size, rx_body_bounds, 1,
				      RX_BODY_BUCKETS,
				      (double)(part == 12 ? e->v.req_bytes : e->v.resp_bytes));
		}
		break;
	case 8:
		cum = 0;
		for (k = 0; k < RX_SIZE_BUCKETS; k++) {
			cum += s->sizes[k].packets;
			if (k < RX_SIZE_BUCKETS - 1)
				rx_buf__printf(b, "%s_bucket{interface=\"%s\",le=\"%u\"} %llu\n",
					       families[part].name, ifl, rx_size_bounds[k],
					       (unsigned long long)cum);
			else
				rx_buf__printf(b, "%s_bucket{interface=\"%s\",le=\"+Inf\"} %llu\n",
					       families[part].name, ifl, (unsigned long long)cum);
		}
		rest_p = 0;
		for (k = 0; k < RX_SIZE_BUCKETS; k++)
			rest_p += s->sizes[k].bytes;
		rx_buf__printf(b, "%s_sum{interface=\"%s\"} %llu\n%s_count{interface=\"%s\"} %llu\n",
			       families[part].name, ifl, (unsigned long long)rest_p,
			       families[part].name, ifl, (unsigned long long)cum);
		break;
	}
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

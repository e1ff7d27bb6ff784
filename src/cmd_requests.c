// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray requests: an access log from packets. One line (or JSON object with
 * OpenTelemetry's keys) per HTTP transaction the datapath paired: live from
 * the TC programs' transaction records, offline from the native build on a
 * pcap. The path (never its query) and the User-Agent come in a separate
 * record per request, joined here (reqjoin.h); no other header leaves the
 * datapath.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "filter.h"
#include "params.h"
#include "render.h"

static const char requests_usage[] =
	"Usage: rxray requests (-i IFACE | -r FILE) [-c N] [--json] [-l] [--route PATTERN ...]\n"
	"                      [FILTER]\n"
	"\n"
	"An access log derived from packets: one line per HTTP/1.x transaction\n"
	"(request and its response paired in the datapath), no change to the service.\n"
	"\n"
	"  -i, --interface IFACE  live (TC ingress and egress; needs CAP_BPF, CAP_NET_ADMIN)\n"
	"  -r, --read FILE        a pcap/pcapng holding both directions (no privileges)\n"
	"  -c, --count N          stop after N transactions\n"
	"      --json             one JSON object per transaction (OpenTelemetry keys)\n"
	"  -l, --line-buffered    write each line at once (tcpdump -l)\n"
	"      --route PATTERN    name matching paths by PATTERN, e.g. /api/{version}/items/{sku}\n"
	"                         or /static/* (repeat; tried in order before {id}/{uuid}/{hex})\n"
	"  -h, --help             this text\n"
	"\n"
	"FILTER is a tcpdump (pcap-filter) expression, e.g. 'host 192.0.2.1 and port 80':\n"
	"a transaction is shown when a segment of its connection matches, the request's\n"
	"(client to server) or the response's, as an IP/TCP header with ACK and PSH and\n"
	"no payload (so addresses, ports and protocol, live and offline alike). Options\n"
	"may also follow it; after \"--\" all is FILTER.\n";

struct requests {
	const struct rx_filter *filter; /* FILTER, or NULL */
	int json;
	unsigned long count, shown;
};

static void fmt_addr16(char *buf, const __u8 *a)
{
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4, 12))
		inet_ntop(AF_INET, a + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/*
 * The authority of an absolute-form target (uri[0..off): "http://host:port"),
 * as text into buf, when the request has no Host header: 1, or 0 if none.
 */
static int authority(char *buf, const char *uri, unsigned int off)
{
	const char *a = memmem(uri, off, "//", 2);

	if (!a || a + 2 >= uri + off)
		return 0;
	a += 2;
	rx_wire_text(buf, a, (unsigned int)(uri + off - a), 0);
	return 1;
}

static void on_txn(void *user, const struct rx_txn *t, const char *route,
		   const struct rx_reqinfo *ri)
{
	struct requests *q = user;
	char c[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], ver[8];
	char path[3 * RX_HTTP_URI_MAX + 2], ua[3 * RX_HTTP_UA_MAX + 1], host[3 * RX_HTTP_URI_MAX + 1];
	int has_ua = ri && (ri->flags & RX_RI_UA);
	/* a Host of RX_HTTP_HOST_MAX bytes may be cut: no server.address is better than a wrong one */
	int has_host = ri && ri->host_len && ri->host_len < RX_HTTP_HOST_MAX;

	if ((q->count && q->shown >= q->count) || (q->filter && !rx_filter__match_txn(q->filter, t)))
		return;
	snprintf(ver, sizeof(ver), "%s", rx_http_minor_text(t->minor) ?: "?");
	if (ri) {
		unsigned int n = ri->path_len > RX_HTTP_URI_MAX ? RX_HTTP_URI_MAX : ri->path_len;
		unsigned int u = ri->ua_len > RX_HTTP_UA_MAX ? RX_HTTP_UA_MAX : ri->ua_len;

		/* absolute-form: "scheme://authority" before the path (an empty one is "/") */
		unsigned int off = ri->path_off < n ? ri->path_off : n;

		/* '%' kept: a path is percent-encoded already, as OpenTelemetry's url.path is */
		rx_wire_text(path, ri->path + off, n - off, 0);
		if (off && off == n)
			strcpy(path, "/");
		rx_wire_text(ua, ri->ua, u, 0);
		if (has_host)
			rx_wire_text(host, ri->host, ri->host_len, 0);
		else if (authority(host, ri->path, off))
			has_host = 1;
	}
	if (q->json) {
		rx_render_txn_json(stdout, t, route, ri ? path : NULL, has_ua ? ua : NULL,
				   has_host ? host : NULL);
	} else {
		time_t sec = (time_t)(t->start_ns / 1000000000ull);
		struct tm tm;

		fmt_addr16(c, t->client);
		fmt_addr16(s, t->server);
		localtime_r(&sec, &tm);
		/* the path when its record came (and the route when it differs) */
		printf("%02d:%02d:%02d.%06u %s:%u -> %s:%u %s %s%s HTTP/%s %u %.3f ms", tm.tm_hour,
		       tm.tm_min, tm.tm_sec, (unsigned int)(t->start_ns % 1000000000ull / 1000), c,
		       t->cport, s, t->sport, rx_http_method_name(t->method), ri ? path : route,
		       ri && (ri->flags & RX_RI_PATH_TRUNC) ? "..." : "", ver, t->status,
		       (double)t->dur_ns / 1e6);
		if (ri && strcmp(path, route))
			printf(" route %s", route);
		if (t->flags & 1)
			printf(" req %u B", t->req_size);
		if (t->flags & 2)
			printf(" resp %u B", t->resp_size);
		if (has_ua)
			printf(" \"%s%s\"", ua, (ri->flags & RX_RI_UA_TRUNC) ? "..." : "");
		putchar('\n');
	}
	q->shown++;
	/* done, or the output's reader went away (rx_out_end() tells which) */
	if ((q->count && q->shown >= q->count) || ferror(stdout))
		rx_stop = 1;
}

/*
 * Requests but no response at all: say why, as far as the capture tells.
 * A server that sent a SYN-ACK or an RST is in it (both directions are), and
 * answered no request in view; otherwise it may hold one direction only.
 */
static void no_response_hint(const char *file, const struct rx_snapshot *s)
{
	if (s->latency[RX_LAT_SYNACK_DELAY].n || s->health[RX_TCPH_RST_FROM_SERVER])
		fprintf(stderr,
			"rxray: %s holds requests but no response, and their server's side is "
			"there (a SYN-ACK or RST from it): it answered none of them in the capture "
			"(it reset the connection, or its responses were not captured)\n",
			file);
	else
		fprintf(stderr,
			"rxray: %s holds requests but no response, nor a SYN-ACK or RST from their "
			"server: transactions need both directions (a pcap written by watch -i holds "
			"what arrives only; capture with tcpdump on the interface)\n",
			file);
}

static const struct rx_option requests_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_READ,
	RX_OPTION_COUNT("transactions"),
	RX_OPTION_JSON,
	RX_OPTION_LINE_BUFFERED,
	RX_OPTION_ROUTE,
	{ 0 },
};

static const struct rx_command_line requests_line = { "requests", requests_usage,
						      requests_options,
						      RX_PARAMS_ARGS | RX_PARAMS_SOURCE };

int cmd_requests(int argc, char **argv)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .tcp = 1, .http = 1, .txns = 1 };
	struct rx_params p = { .count = 0 };
	struct requests q = { 0 };
	struct rx_source *src;
	struct rx_snapshot snap;
	struct rx_filter *filter;
	__u64 joined, missing, replaced;
	char *expr;
	int r;

	r = rx_params__parse(&requests_line, &p, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	q.json = p.json;
	q.count = p.count;
	r = rx_filter__compile(&filter, &expr, p.argc, p.argv);
	free(expr);
	if (r)
		return r;
	q.filter = filter;
	r = rx_params__open(&p, &so, &src);
	if (r) {
		rx_filter__free(filter);
		return r;
	}
	r = rx_source__run(src, &(struct rx_sink){ .on_txn = on_txn, .user = &q });
	fflush(stdout);
	rx_source__snapshot(src, &snap);
	rx_source__joins(src, &joined, &missing, &replaced);
	fprintf(stderr,
		"%lu transactions shown; %llu requests seen, %llu responses unmatched, %llu expired, "
		"%llu records lost; %llu without their path (%llu request records lost, %llu "
		"overwritten)\n",
		q.shown, (unsigned long long)snap.stats[RX_STAT_HTTP_REQUESTS],
		(unsigned long long)snap.stats[RX_STAT_HTTP_UNMATCHED],
		(unsigned long long)snap.stats[RX_STAT_HTTP_EXPIRED],
		(unsigned long long)snap.stats[RX_STAT_TXN_LOST], (unsigned long long)missing,
		(unsigned long long)snap.stats[RX_STAT_REQINFO_LOST], (unsigned long long)replaced);
	if (so.file && snap.stats[RX_STAT_HTTP_REQUESTS] && !snap.stats[RX_STAT_TXN_PRODUCED] &&
	    !snap.stats[RX_STAT_HTTP_UNMATCHED])
		no_response_hint(so.file, &snap);
	r = rx_out_end(r, 0);
	rx_snapshot__free(&snap);
	rx_source__close(src);
	rx_filter__free(filter);
	return r;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray stats: the traffic picture of a run — protocols, top talkers, top
 * services, TCP segment kinds, frame sizes, losses — from the counters the
 * datapath keeps (in the kernel live, in the native build offline).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "source.h"

static const char stats_usage[] =
	"Usage: rxray stats (-i IFACE [--duration SECONDS] | -r FILE) [--json] [--top N]\n"
	"\n"
	"The traffic picture: packets and bytes by protocol, top source addresses,\n"
	"top destination services, TCP segments by kind, frame sizes, and every loss.\n"
	"\n"
	"  -i, --interface IFACE  count live at XDP (Ctrl-C or --duration to stop)\n"
	"      --duration S       live: stop after S seconds\n"
	"  -r, --read FILE        count a pcap/pcapng file (native build, no privileges)\n"
	"      --json             one JSON object (keys: SPEC.md)\n"
	"      --top N            talkers and services listed (default 10)\n"
	"  -h, --help             this text\n";

#define RX__NAME(name, str) str,
static const char *const tcpkind_names[] = { RX_TCPKINDS(RX__NAME) };
#define RX__BOUND(b) b,
static const unsigned int size_bounds[] = { RX_SIZE_BOUNDS(RX__BOUND) };

struct totals {
	__u64 packets, bytes;
	__u64 proto[RX_PROTO_MAX];
	__u64 reason[RX_REASON_MAX];
	__u64 verdict[RX_VERDICT_MAX];
};

static void sum(const struct rx_snapshot *s, struct totals *t)
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

/* Descending by packets, then bytes, then key: a stable, total order. */
static int by_packets(const void *a, const void *b)
{
	const struct rx_keyed *x = a, *y = b;

	if (x->c.packets != y->c.packets)
		return x->c.packets < y->c.packets ? 1 : -1;
	if (x->c.bytes != y->c.bytes)
		return x->c.bytes < y->c.bytes ? 1 : -1;
	return memcmp(x->key, y->key, sizeof(x->key));
}

static void fmt_addr(char *buf, const struct rx_keyed *k)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(k->key, v4mapped, 12))
		inet_ntop(AF_INET, k->key + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, k->key, buf, INET6_ADDRSTRLEN);
}

static const char *svc_proto(const struct rx_keyed *k)
{
	const struct rx_service *s = (const void *)k->key;

	return s->proto == 6 ? "tcp" : "udp";
}

static double duration_s(const struct rx_snapshot *s)
{
	return s->last_ns > s->first_ns ? (double)(s->last_ns - s->first_ns) / 1e9 : 0.0;
}

static void print_json(const struct rx_snapshot *s, const struct totals *t, size_t top)
{
	json_t *root = json_object(), *o, *l;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	__u32 k;

	json_object_set_new(root, "packets", json_integer((json_int_t)t->packets));
	json_object_set_new(root, "bytes", json_integer((json_int_t)t->bytes));
	json_object_set_new(root, "duration_s", json_real(duration_s(s)));
	o = json_object();
	for (k = 0; k < RX_PROTO_MAX; k++)
		json_object_set_new(o, rx_proto_name(k), json_integer((json_int_t)t->proto[k]));
	json_object_set_new(root, "protocols", o);
	l = json_array();
	for (i = 0; i < s->n_talkers && i < top; i++) {
		fmt_addr(a, &s->talkers[i]);
		json_array_append_new(l, json_pack("{sssIsI}", "address", a, "packets",
						   (json_int_t)s->talkers[i].c.packets, "bytes",
						   (json_int_t)s->talkers[i].c.bytes));
	}
	json_object_set_new(root, "talkers", l);
	l = json_array();
	for (i = 0; i < s->n_services && i < top; i++) {
		const struct rx_service *svc = (const void *)s->services[i].key;

		json_array_append_new(l, json_pack("{sIsssIsI}", "port", (json_int_t)svc->port,
						   "proto", svc_proto(&s->services[i]), "packets",
						   (json_int_t)s->services[i].c.packets, "bytes",
						   (json_int_t)s->services[i].c.bytes));
	}
	json_object_set_new(root, "services", l);
	json_object_set_new(root, "endpoints", json_array());
	o = json_object();
	for (k = 0; k < RX_TCPK_MAX; k++)
		json_object_set_new(o, tcpkind_names[k], json_integer((json_int_t)s->tcpkinds[k]));
	json_object_set_new(root, "tcp", o);
	l = json_array();
	for (k = 0; k < RX_SIZE_BUCKETS; k++)
		json_array_append_new(
			l, k < RX_SIZE_BUCKETS - 1
				   ? json_pack("{sIsI}", "le", (json_int_t)size_bounds[k], "packets",
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
	json_object_set_new(
		root, "lost",
		json_pack("{sIsIsI}", "records", (json_int_t)s->stats[RX_STAT_CAPTURE_LOST],
			  "talkers_overflow", (json_int_t)s->stats[RX_STAT_TALKERS_OVERFLOW],
			  "services_overflow", (json_int_t)s->stats[RX_STAT_SERVICES_OVERFLOW]));
	json_dumpf(root, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
}

static void print_text(const struct rx_snapshot *s, const struct totals *t, size_t top)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;
	__u32 k;

	printf("%llu packets, %llu bytes in %.3f s\n", (unsigned long long)t->packets,
	       (unsigned long long)t->bytes, duration_s(s));
	printf("\nprotocols:");
	for (k = 0; k < RX_PROTO_MAX; k++)
		if (t->proto[k])
			printf(" %s %llu (%.1f%%)", rx_proto_name(k), (unsigned long long)t->proto[k],
			       100.0 * (double)t->proto[k] / (double)t->packets);
	printf("\n\ntop talkers (source address)\n  %-40s %12s %14s\n", "address", "packets",
	       "bytes");
	for (i = 0; i < s->n_talkers && i < top; i++) {
		fmt_addr(a, &s->talkers[i]);
		printf("  %-40s %12llu %14llu\n", a, (unsigned long long)s->talkers[i].c.packets,
		       (unsigned long long)s->talkers[i].c.bytes);
	}
	if (s->n_talkers > top)
		printf("  ... %zu more\n", s->n_talkers - top);
	printf("\ntop services (destination port)\n  %-12s %12s %14s\n", "port/proto", "packets",
	       "bytes");
	for (i = 0; i < s->n_services && i < top; i++) {
		const struct rx_service *svc = (const void *)s->services[i].key;
		char ps[16];

		snprintf(ps, sizeof(ps), "%u/%s", svc->port, svc_proto(&s->services[i]));
		printf("  %-12s %12llu %14llu\n", ps, (unsigned long long)s->services[i].c.packets,
		       (unsigned long long)s->services[i].c.bytes);
	}
	if (s->n_services > top)
		printf("  ... %zu more\n", s->n_services - top);
	printf("\ntcp:");
	for (k = 0; k < RX_TCPK_MAX; k++)
		printf(" %s %llu", tcpkind_names[k], (unsigned long long)s->tcpkinds[k]);
	printf("\nframe sizes:");
	for (k = 0; k < RX_SIZE_BUCKETS; k++) {
		if (k < RX_SIZE_BUCKETS - 1)
			printf(" <=%u %llu", size_bounds[k], (unsigned long long)s->sizes[k].packets);
		else
			printf(" >%u %llu", size_bounds[k - 1], (unsigned long long)s->sizes[k].packets);
	}
	printf("\nreasons:");
	for (k = 0; k < RX_REASON_MAX; k++)
		if (t->reason[k])
			printf(" %s %llu", rx_reason_name(k), (unsigned long long)t->reason[k]);
	printf("\nlost: records %llu, talkers_overflow %llu, services_overflow %llu\n",
	       (unsigned long long)s->stats[RX_STAT_CAPTURE_LOST],
	       (unsigned long long)s->stats[RX_STAT_TALKERS_OVERFLOW],
	       (unsigned long long)s->stats[RX_STAT_SERVICES_OVERFLOW]);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1 };
	struct rx_source *src = NULL;
	struct rx_snapshot snap;
	struct totals t;
	unsigned long v, top = 10;
	int c, r, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+i:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			so.ifname = optarg;
			break;
		case 'r':
			so.file = optarg;
			break;
		case 'd':
			if (rx_parse_uint(optarg, 1, 86400 * 365, &v)) {
				rx_err("--duration %s: expected a positive number of seconds", optarg);
				return RX_EXIT_INPUT;
			}
			so.duration_s = (__u32)v;
			break;
		case 'J':
			json = 1;
			break;
		case 't':
			if (rx_parse_uint(optarg, 1, 100000, &top)) {
				rx_err("--top %s: expected 1..100000", optarg);
				return RX_EXIT_INPUT;
			}
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return RX_EXIT_OK;
		default:
			fputs(stats_usage, stderr);
			return RX_EXIT_INPUT;
		}
	}
	if (optind < argc) {
		rx_err("stats: unexpected argument '%s'", argv[optind]);
		return RX_EXIT_INPUT;
	}
	if (!!so.ifname == !!so.file) {
		rx_err("stats: give exactly one of -i IFACE or -r FILE");
		fputs(stats_usage, stderr);
		return RX_EXIT_INPUT;
	}
	if (so.duration_s && so.file) {
		rx_err("stats: --duration applies to -i only");
		return RX_EXIT_INPUT;
	}
	r = rx_source__open(&src, &so);
	if (r)
		return r;
	rx_install_signals();
	r = rx_source__run(src, NULL, NULL);
	rx_source__snapshot(src, &snap);
	qsort(snap.talkers, snap.n_talkers, sizeof(*snap.talkers), by_packets);
	qsort(snap.services, snap.n_services, sizeof(*snap.services), by_packets);
	sum(&snap, &t);
	if (json)
		print_json(&snap, &t, top);
	else
		print_text(&snap, &t, top);
	rx_snapshot__free(&snap);
	rx_source__close(src);
	return r;
}

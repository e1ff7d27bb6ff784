// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray stats: the traffic picture of a run — protocols, top talkers, top
 * services, TCP segment kinds, frame sizes, losses — from the counters the
 * datapath keeps (in the kernel live, in the native build offline).
 */
#include <stdlib.h>
#include <string.h>
#include "alertd.h"
#include "alerts_replay.h"
#include "filter.h"
#include "guard.h"
#include "params.h"
#include "picture.h"
#include "procmap.h"
#include "source.h"

static const char stats_usage[] =
	"Usage: rxray stats (-i IFACE [--duration SECONDS] | -r FILE) [--json] [--top N]\n"
	"                   [--route PATTERN ...] [FILTER]\n"
	"\n"
	"The traffic picture: packets and bytes by protocol, top source addresses,\n"
	"top destination services, TCP segments by kind, frame sizes, and every loss.\n"
	"\n"
	"  -i, --interface IFACE  count live at XDP (Ctrl-C or --duration to stop)\n"
	"      --duration S       live: stop after S seconds\n"
	"  -r, --read FILE        count a pcap/pcapng file (native build, no privileges)\n"
	"      --json             one JSON object (keys: docs/json.md)\n"
	"      --top N            talkers and services listed (default 10)\n"
	"      --route PATTERN    name matching paths by PATTERN, e.g. /api/{version}/items/{sku}\n"
	"                         or /static/* (repeat; tried in order before {id}/{uuid}/{hex})\n"
	"  -h, --help             this text\n"
	"\n"
	"FILTER is a tcpdump (pcap-filter) expression, e.g. 'tcp port 80': only the\n"
	"packets it matches are counted, as if there were no others. Live, the kernel\n"
	"then only captures (XDP, headers only) and the counting is done in user space:\n"
	"no HTTP endpoints, capture losses counted. Options may also follow it; after\n"
	"\"--\" all is FILTER.\n";

/* stats' settings: the options of stats_options. */
struct stats_cfg {
	struct rx_params p;
	unsigned long top;
};

static const struct rx_option stats_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_READ,
	RX_OPTION_DURATION,
	RX_OPTION_JSON,
	{ .name = "top", .type = RX_OPT_UINT, .off = offsetof(struct stats_cfg, top), .min = 1,
	  .max = 100000, .expect = "expected 1..100000" },
	RX_OPTION_ROUTE,
	{ 0 },
};

static const struct rx_command_line stats_line = { "stats", stats_usage, stats_options,
						   RX_PARAMS_ARGS | RX_PARAMS_SOURCE };

/*
 * The run's alerts: the detectors, with the default thresholds, over a
 * file's seconds (alerts_replay.h) or live over each second of the run (the
 * agent's alertd.h thread); each alert's last state, by fingerprint, in the
 * order they first fired.
 */
static void keep_alert(void *user, const json_t *j)
{
	const char *fp = json_string_value(json_object_get(j, "fingerprint"));

	if (fp)
		json_object_set_new(user, fp, json_deep_copy(j));
}

static json_t *alerts_list(json_t *by_fp)
{
	json_t *l = json_array(), *v;
	const char *k;

	json_object_foreach(by_fp, k, v)
		json_array_append(l, v);
	return l;
}

static void print_alerts(const json_t *l)
{
	size_t i;
	json_t *a;

	if (!json_array_size(l))
		return;
	printf("\nalerts (the detectors over each second, default thresholds; rxray alerts lists every change):\n");
	json_array_foreach(l, i, a)
		printf("  %-8s %-13s %-8s since %.3f: %s\n", json_string_value(json_object_get(a, "state")),
		       json_string_value(json_object_get(a, "alert")),
		       json_string_value(json_object_get(a, "severity")),
		       json_number_value(json_object_get(a, "since")),
		       json_string_value(json_object_get(json_object_get(a, "annotations"), "summary")));
}

/* A reason's packets; "rate_limited" with the caps' and the SYN guard's (rate limits all three). */
static __u64 reason_n(const json_t *by, const char *reason)
{
	__u64 n = (__u64)json_integer_value(json_object_get(by, reason));

	if (!strcmp(reason, "rate_limited"))
		n += (__u64)json_integer_value(json_object_get(by, "port_cap")) +
		     (__u64)json_integer_value(json_object_get(by, "syn_guard"));
	return n;
}

/* The running agent's guard (rx_guard__summary), as text. */
static void print_guard(const json_t *g)
{
	const json_t *o;
	const char *name;

	if (!g)
		return;
	printf("\nguard (the agent's rules, its counters since it started): %s, dry run %s, %llu rules\n",
	       json_is_true(json_object_get(g, "on")) ? "on" : "off",
	       json_is_true(json_object_get(g, "dry_run")) ? "on" : "off",
	       (unsigned long long)json_integer_value(json_object_get(g, "rules")));
	printf("  %-16s %8s %27s %27s\n", "", "", "dropped, by reason", "would drop (dry run)");
	printf("  %-16s %8s %12s %14s %12s %14s\n", "owner", "rules", "blocked", "rate_limited",
	       "blocked", "rate_limited");
	json_object_foreach((json_t *)json_object_get(g, "owners"), name, o) {
		const json_t *d = json_object_get(o, "dropped"), *w = json_object_get(o, "would_drop");

		printf("  %-16s %8llu %12llu %14llu %12llu %14llu\n", name,
		       (unsigned long long)json_integer_value(json_object_get(o, "rules")),
		       (unsigned long long)reason_n(d, "blocked"),
		       (unsigned long long)reason_n(d, "rate_limited"),
		       (unsigned long long)reason_n(w, "blocked"),
		       (unsigned long long)reason_n(w, "rate_limited"));
	}
	printf("  %-16s %8s %12llu %14llu %12llu %14llu\n", "all", "",
	       (unsigned long long)reason_n(json_object_get(g, "dropped"), "blocked"),
	       (unsigned long long)reason_n(json_object_get(g, "dropped"), "rate_limited"),
	       (unsigned long long)reason_n(json_object_get(g, "would_drop"), "blocked"),
	       (unsigned long long)reason_n(json_object_get(g, "would_drop"), "rate_limited"));
}

int cmd_stats(int argc, char **argv)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1, .tcp = 1, .http = 1,
				     .use_agent = 1 };
	struct stats_cfg cfg = { .top = 10 };
	struct rx_source *src = NULL;
	struct rx_snapshot snap;
	struct rx_totals t;
	struct rx_filter *filter;
	struct rx_alerts_cfg ac;
	struct rx_replay *replay = NULL;
	struct rx_alertd_opts ao = { .keep = keep_alert, .resend_s = 60 };
	struct rx_alertd *live = NULL;
	struct rx_sink sink = { .on_second = rx_replay__second };
	json_t *by_fp = NULL, *alerts, *guard = NULL;
	char *expr;
	int r;

	r = rx_params__parse(&stats_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	r = rx_filter__compile(&filter, &expr, cfg.p.argc, cfg.p.argv); /* the syntax, first */
	rx_filter__free(filter);
	so.filter = expr;
	if (!r)
		r = rx_params__open(&cfg.p, &so, &src);
	if (r) {
		free(expr);
		return r;
	}
	if (rx_source__is_agent(src))
		fprintf(stderr, "rxray: -i %s: reading the running agent's counters\n", cfg.p.ifname);
	if (cfg.p.file) {
		rx_alerts_cfg__defaults(&ac);
		ac.on_change = keep_alert;
		ac.user = by_fp = json_object();
		replay = by_fp ? rx_replay__new(src, &ac, cfg.p.file) : NULL;
		sink.user = replay;
	} else if ((ao.keep_user = by_fp = json_object())) {
		rx_alerts_cfg__defaults(&ao.cfg);
		if (rx_alertd__start(&live, &ao, &src, (const char *[]){ cfg.p.ifname }, 1)) {
			rx_alertd__stop(live); /* (said why) the picture without alerts */
			live = NULL;
		}
	}
	r = rx_source__run(src, replay ? &sink : NULL);
	if (!r && replay)
		rx_replay__finish(replay);
	rx_alertd__stop(live);
	/* over the agent: its guard, as its metrics count (docs/guard.md) */
	if (rx_source__is_agent(src))
		guard = rx_guard__summary();
	alerts = by_fp ? alerts_list(by_fp) : json_array();
	rx_source__snapshot(src, &snap);
	rx_snapshot__sort(&snap);
	rx_snapshot__sum(&snap, &t);
	if (cfg.p.json) {
		json_t *j = rx_picture_json(&snap, &t, cfg.top);
		struct rx_procmap *pm = cfg.p.file ? NULL : rx_procmap__new();

		/* live: the local sockets of this namespace receive the rows' packets */
		if (pm) {
			volatile struct rx_config_rt *rt;

			rx_procmap__kernel(pm, rx_source__bpf(src, &rt));
			rx_procmap__annotate(pm, j);
		}
		rx_procmap__free(pm);

		json_object_set(j, "alerts", alerts);
		if (guard)
			json_object_set(j, "guard", guard);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
		putchar('\n');
		json_decref(j);
	} else {
		rx_picture_print(stdout, &snap, &t, cfg.top);
		print_alerts(alerts);
		print_guard(guard);
	}
	json_decref(guard);
	json_decref(alerts);
	json_decref(by_fp);
	rx_replay__free(replay);
	r = rx_out_end(r, 0);
	rx_snapshot__free(&snap);
	rx_source__close(src);
	free(expr);
	return r;
}

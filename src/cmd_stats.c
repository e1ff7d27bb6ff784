// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray stats: the traffic picture of a run — protocols, top talkers, top
 * services, TCP segment kinds, frame sizes, losses — from the counters the
 * datapath keeps (in the kernel live, in the native build offline).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "picture.h"
#include "source.h"

static const char stats_usage[] =
	"Usage: rxray stats (-i IFACE [--duration SECONDS] | -r FILE) [--json] [--top N]\n"
	"                   [--route PATTERN ...]\n"
	"\n"
	"The traffic picture: packets and bytes by protocol, top source addresses,\n"
	"top destination services, TCP segments by kind, frame sizes, and every loss.\n"
	"\n"
	"  -i, --interface IFACE  count live at XDP (Ctrl-C or --duration to stop)\n"
	"      --duration S       live: stop after S seconds\n"
	"  -r, --read FILE        count a pcap/pcapng file (native build, no privileges)\n"
	"      --json             one JSON object (keys: SPEC.md)\n"
	"      --top N            talkers and services listed (default 10)\n"
	"      --route PATTERN    name matching paths by PATTERN, e.g. /api/{version}/items/{sku}\n"
	"                         or /static/* (repeat; tried in order before {id}/{uuid}/{hex})\n"
	"  -h, --help             this text\n";

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "top", required_argument, NULL, 't' },
		{ "route", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1, .tcp = 1, .http = 1,
				     .use_agent = 1 };
	struct rx_source *src = NULL;
	struct rx_snapshot snap;
	struct rx_patterns routes = { .n = 0 };
	struct rx_totals t;
	unsigned long v, top = 10;
	int c, r, json = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:r:h", longopts, NULL)) != -1) {
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
		case 'R':
			if (rx_patterns_opt(&routes, optarg, "--route"))
				return RX_EXIT_INPUT;
			so.patterns = &routes;
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
			return rx_opt_error("stats", c, argv);
		}
	}
	if (optind < argc) {
		rx_err("stats: unexpected argument '%s'", argv[optind]);
		return RX_EXIT_INPUT;
	}
	if (!!so.ifname == !!so.file) {
		rx_err("stats: give exactly one of -i IFACE or -r FILE (see rxray stats --help)");
		return RX_EXIT_INPUT;
	}
	if (so.duration_s && so.file) {
		rx_err("stats: --duration applies to -i only");
		return RX_EXIT_INPUT;
	}
	rx_install_signals();
	r = rx_source__open(&src, &so);
	if (r)
		return r;
	if (rx_source__is_agent(src))
		fprintf(stderr, "rxray: -i %s: reading the running agent's counters\n", so.ifname);
	r = rx_source__run(src, NULL);
	rx_source__snapshot(src, &snap);
	rx_snapshot__sort(&snap);
	rx_snapshot__sum(&snap, &t);
	if (json) {
		json_t *j = rx_picture_json(&snap, &t, top);

		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		rx_picture_print(stdout, &snap, &t, top);
	}
	if ((fflush(stdout) || ferror(stdout)) && !r) {
		rx_err("writing the output failed");
		r = RX_EXIT_RUNTIME;
	}
	rx_snapshot__free(&snap);
	rx_source__close(src);
	return r;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray watch: every packet, every field. A capture-record source (live or
 * pcap) feeding one of three views, an optional tcpdump filter and an
 * optional pcap writer.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "params.h"
#include "picture.h"
#include "source.h"
#include "render.h"

enum { VIEW_LINE, VIEW_VERBOSE, VIEW_JSON };

struct watch {
	struct rx_source *src;
	int view;
	unsigned long count;     /* -c: stop after this many records (0: no limit) */
	unsigned long shown;
	struct bpf_program filter;
	int has_filter;
	pcap_t *dead;            /* for -w */
	pcap_dumper_t *dumper;
	int out_error;
};

static const char watch_usage[] =
	"Usage: rxray watch (-i IFACE | -r FILE) [-c N] [-v] [--json] [-w OUT.pcap]\n"
	"                   [-s N] [-n] [--payload] [FILTER]\n"
	"\n"
	"Decode every packet arriving at IFACE (XDP, live) or stored in FILE (pcap or\n"
	"pcapng, the same datapath code run natively, no privileges needed). FILE may\n"
	"be Ethernet, Linux cooked v1/v2 (tcpdump -i any), BSD loopback (NULL, LOOP)\n"
	"or raw IP (RAW, IPV4, IPV6); FILTER and -w use its link type.\n"
	"\n"
	"  -i, --interface IFACE  attach to IFACE (needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)\n"
	"  -r, --read FILE        read packets from FILE\n"
	"  -c, --count N          stop after N packets shown\n"
	"  -v, --verbose          every field of every layer\n"
	"      --json             one JSON object per packet (keys: docs/json.md)\n"
	"  -w, --write OUT.pcap   also write the shown packets to OUT.pcap\n"
	"  -s, --snaplen N        bytes of each packet captured, 0..2048 (0 and the default: 2048)\n"
	"  -n, -nn                accepted as tcpdump takes them: rxray never resolves names\n"
	"      --payload          capture payload bytes too (for -w); by default records stop\n"
	"                         after the last decoded header, so application data (tokens,\n"
	"                         cookies, bodies) never leaves the kernel. Even then, in TCP\n"
	"                         payload the kernel masks with '*' every header value (so\n"
	"                         Authorization, Cookie, tokens...), but for a few harmless\n"
	"                         ones, and every query string, and keeps at most 512 bytes\n"
	"  -h, --help             this text\n"
	"\n"
	"FILTER is a tcpdump (pcap-filter) expression, e.g. 'tcp port 80'. Live, it is\n"
	"applied to the captured bytes in user space: counters count every packet.\n"
	"Options may also follow it, as with tcpdump; after \"--\" all is FILTER.\n";

static int on_record(void *user, const struct rx_capture *rec, __u64 frame)
{
	struct watch *w = user;
	const char *ifname = rx_source__ifname(w->src, rec->pkt.ifindex);
	struct pcap_pkthdr h;

	if (w->has_filter) {
		h.caplen = rec->data_len;
		h.len = rec->pkt.wire_len;
		if (!pcap_offline_filter(&w->filter, &h, rec->data))
			return 0;
	}
	switch (w->view) {
	case VIEW_JSON:
		rx_render_json(stdout, rec, frame, ifname);
		break;
	case VIEW_VERBOSE:
		rx_render_verbose(stdout, rec, ifname);
		break;
	default:
		rx_render_line(stdout, rec, ifname);
	}
	if (w->dumper) {
		h.ts.tv_sec = (time_t)(rec->pkt.ts_ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(rec->pkt.ts_ns % 1000000000ull); /* nanosecond file */
		h.caplen = rec->data_len;
		h.len = rec->pkt.wire_len;
		pcap_dump((u_char *)w->dumper, &h, rec->data);
	}
	if (ferror(stdout)) {
		w->out_error = 1;
		return 1;
	}
	w->shown++;
	return w->count && w->shown >= w->count;
}

/* The end-of-run summary on stderr, like tcpdump's. */
static void print_summary(struct watch *w)
{
	struct rx_snapshot snap;
	struct rx_totals t;
	__u32 r;

	rx_source__snapshot(w->src, &snap);
	rx_snapshot__sum(&snap, &t);
	fprintf(stderr, "%lu packets shown\n%llu packets seen by the datapath", w->shown,
		(unsigned long long)t.packets);
	for (r = 0; r < RX_REASON_MAX; r++)
		if (t.reason[r] && r != RX_REASON_OK)
			fprintf(stderr, ", %llu %s", (unsigned long long)t.reason[r],
				rx_reason_name(r));
	rx_snapshot__free(&snap);
	fprintf(stderr, "\n%llu capture records produced, %llu lost (ring buffer full)\n",
		(unsigned long long)snap.stats[RX_STAT_CAPTURE_PRODUCED],
		(unsigned long long)snap.stats[RX_STAT_CAPTURE_LOST]);
}

/* Would opening path for writing succeed? One error line if not. */
static int check_writable(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode)) {
			rx_err("-w %s: Is a directory", path);
			return -1;
		}
		if (access(path, W_OK)) {
			rx_err("-w %s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		rx_err("-w %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (access(dir, W_OK | X_OK)) {
		rx_err("-w %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Join the non-option arguments into one filter expression, as tcpdump does. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/*
 * The filter and the -w writer speak the link type of the records' bytes:
 * Ethernet live, a file's own (LINUX_SLL2, NULL, RAW...) offline, so that
 * `-w` keeps it and tcpdump's expressions mean what they mean on the file.
 * Live, the filter is compiled before anything is attached; a file's, once
 * it is open (which attaches nothing), for its link type, with its own
 * handle where libpcap has one (compiler: NULL for the dead one).
 */
static int watch_link(struct watch *w, const char *expr, int dlt, pcap_t *compiler)
{
	const char *name;

	if (pcap_datalink(w->dead) != dlt) {
		pcap_close(w->dead);
		w->dead = pcap_open_dead_with_tstamp_precision(dlt, RX_SNAP_MAX,
							      PCAP_TSTAMP_PRECISION_NANO);
		if (!w->dead) {
			rx_err("out of memory");
			return RX_EXIT_RUNTIME;
		}
	}
	if (!expr)
		return 0;
	if (!compiler)
		compiler = w->dead;
	if (pcap_compile(compiler, &w->filter, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		name = pcap_datalink_val_to_name(dlt);
		if (dlt == DLT_EN10MB)
			rx_err("invalid filter '%s': %s", expr, pcap_geterr(compiler));
		else
			rx_err("invalid filter '%s' (link type %s): %s", expr, name ? name : "?",
			       pcap_geterr(compiler));
		return RX_EXIT_INPUT;
	}
	w->has_filter = 1;
	return 0;
}

/* watch's settings: the options of watch_options. */
struct watch_cfg {
	struct rx_params p;
	unsigned long snaplen;
	int view, payload;
	const char *wfile;
	int numeric; /* -n, -nn: what rxray does anyway */
};

static const struct rx_option watch_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_READ,
	RX_OPTION_COUNT("packets"),
	{ .name = "verbose", .short_name = 'v', .type = RX_OPT_SET,
	  .off = offsetof(struct watch_cfg, view), .value = VIEW_VERBOSE },
	{ .name = "json", .type = RX_OPT_SET, .off = offsetof(struct watch_cfg, view),
	  .value = VIEW_JSON },
	{ .name = "write", .short_name = 'w', .type = RX_OPT_STR,
	  .off = offsetof(struct watch_cfg, wfile) },
	{ .name = "snaplen", .short_name = 's', .type = RX_OPT_UINT,
	  .off = offsetof(struct watch_cfg, snaplen), .min = 0, .max = RX_SNAP_MAX,
	  .expect = "expected 0.." RX_STR(RX_SNAP_MAX) " bytes (0: " RX_STR(RX_SNAP_MAX) ")" },
	{ .name = "numeric", .short_name = 'n', .type = RX_OPT_SET,
	  .off = offsetof(struct watch_cfg, numeric), .value = 1 },
	{ .name = "payload", .type = RX_OPT_SET,
	  .off = offsetof(struct watch_cfg, payload), .value = 1 },
	{ 0 },
};

static const struct rx_command_line watch_line = { "watch", watch_usage, watch_options,
						   RX_PARAMS_ARGS | RX_PARAMS_SOURCE };

int cmd_watch(int argc, char **argv)
{
	struct watch_cfg cfg = { .snaplen = RX_SNAP_MAX, .view = VIEW_LINE };
	struct rx_source_opts so = { .capture = 1 };
	struct watch w = { 0 };
	const char *wfile;
	char *expr = NULL;
	int r;

	r = rx_params__parse(&watch_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	w.view = cfg.view;
	w.count = cfg.p.count;
	wfile = cfg.wfile;
	so.snaplen = cfg.snaplen ? (__u32)cfg.snaplen : RX_SNAP_MAX; /* -s 0: all, as tcpdump */
	so.payload = cfg.payload;

	/* everything the user typed is checked before anything is attached */
	w.dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, RX_SNAP_MAX,
						      PCAP_TSTAMP_PRECISION_NANO);
	if (!w.dead) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	if (cfg.p.argc) {
		expr = join_args(cfg.p.argc, cfg.p.argv);
		if (!expr) {
			rx_err("out of memory");
			r = RX_EXIT_RUNTIME;
			goto out;
		}
	}
	if (!cfg.p.file && (r = watch_link(&w, expr, DLT_EN10MB, NULL)))
		goto out;
	r = RX_EXIT_INPUT;
	/*
	 * -w is checked now but opened (created, truncated) only once the source
	 * is: a run that fails before reading must leave an existing file alone.
	 */
	if (wfile && check_writable(wfile))
		goto out;
	r = rx_params__open(&cfg.p, &so, &w.src);
	if (r)
		goto out;
	if (cfg.p.file && (r = watch_link(&w, expr, rx_source__datalink(w.src),
						    rx_source__filter_pcap(w.src))))
		goto out;
	if (so.payload)
		fprintf(stderr, "rxray: --payload: capture records carry application data "
				"(HTTP secrets and query strings masked)\n");
	if (wfile) {
		w.dumper = pcap_dump_open(w.dead, wfile);
		if (!w.dumper) {
			/* libpcap's message starts with the path */
			rx_err("-w %s", pcap_geterr(w.dead));
			r = RX_EXIT_INPUT;
			goto out;
		}
	}
	r = rx_source__run(w.src, &(struct rx_sink){ .on_capture = on_record, .user = &w });
	fflush(stdout);
	if (w.out_error && !r) {
		rx_err("writing the output failed");
		r = RX_EXIT_RUNTIME;
	}
	if (w.dumper && (pcap_dump_flush(w.dumper) || ferror(pcap_dump_file(w.dumper))) && !r) {
		rx_err("-w %s: writing the file failed", wfile);
		r = RX_EXIT_RUNTIME;
	}
	print_summary(&w);
out:
	if (w.dumper)
		pcap_dump_close(w.dumper);
	rx_source__close(w.src);
	if (w.has_filter)
		pcap_freecode(&w.filter);
	if (w.dead)
		pcap_close(w.dead);
	free(expr);
	return r;
}

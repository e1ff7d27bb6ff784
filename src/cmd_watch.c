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
#include "filter.h"
#include "p0f.h"
#include "params.h"
#include "picture.h"
#include "source.h"
#include "render.h"

enum { VIEW_LINE, VIEW_VERBOSE, VIEW_JSON, VIEW_NONE /* -w -: stdout holds the pcap */ };

struct watch {
	struct rx_source *src;
	int view;
	unsigned long count;     /* -c: stop after this many records (0: no limit) */
	unsigned long shown;
	struct rx_filter *filter; /* FILTER, or NULL */
	pcap_t *dead;            /* for -w */
	pcap_dumper_t *dumper;
	int flush_each;          /* -U: the pcap flushed after each packet */
	struct rx_tcpseq seqs;   /* relative sequence numbers */
	struct rx_tcpseq *seq;   /* &seqs, or NULL with -S (absolute numbers) */
	struct rx_p0f_memo *p0f; /* -v, --json: SYNs' MSS for the SYN+ACKs' fingerprints */
};

static const char watch_usage[] =
	"Usage: rxray watch (-i IFACE | -r FILE) [-c N] [-v] [--json] [-w OUT.pcap] [-U]\n"
	"                   [-l] [-S] [-s N] [-n] [--payload] [FILTER]\n"
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
	"  -w, --write OUT.pcap   also write the shown packets to OUT.pcap; -w - writes the\n"
	"                         pcap to stdout, and no text (summary on stderr)\n"
	"  -U, --packet-buffered  write each packet to OUT.pcap at once (tcpdump -U)\n"
	"  -l, --line-buffered    write each text line at once (tcpdump -l)\n"
	"  -S, --absolute-tcp-sequence-numbers\n"
	"                         TCP seq and ack as sent; by default, as tcpdump, relative\n"
	"                         to the first ones seen with an ACK in each connection\n"
	"                         (README, \"Sequence numbers\")\n"
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

/*
 * The p0f fingerprint of a SYN or SYN+ACK record (p0f.h): res filled and
 * returned, or NULL (also without p0f's database). The database is read at
 * the first SYN.
 */
const struct rx_p0f_result *rx_watch_p0f(struct rx_p0f_memo *memo, const struct rx_capture *rec,
					 struct rx_p0f_result *res)
{
	const struct rx_pkt *pkt = &rec->pkt;
	const struct rx_p0f_db *db;

	if (!(pkt->layers & RX_L_TCP) || !(pkt->tcp_flags & RX_TH_SYN) ||
	    pkt->l3_off >= rec->data_len)
		return NULL;
	db = rx_p0f__default(); /* without it, no guess: no p0f at all */
	if (!db || rx_p0f__packet(memo, db, rec->data + pkt->l3_off,
			   rec->data_len - pkt->l3_off, res))
		return NULL;
	return res;
}

static int on_record(void *user, const struct rx_capture *rec, __u64 frame)
{
	struct watch *w = user;
	const char *ifname = rx_source__ifname(w->src, rec->pkt.ifindex);
	struct rx_render_extra x = { 0 };
	struct rx_p0f_result fp;
	struct pcap_pkthdr h;

	if (w->filter && !rx_filter__match(w->filter, rec->data, rec->data_len, rec->pkt.wire_len))
		return 0;
	if (w->p0f)
		x.p0f = rx_watch_p0f(w->p0f, rec, &fp);
	switch (w->view) {
	case VIEW_JSON:
		rx_render_json_x(stdout, rec, frame, ifname, &x);
		break;
	case VIEW_VERBOSE:
		rx_render_verbose(stdout, rec, ifname, w->seq);
		if (x.p0f)
			rx_render_p0f_verbose(stdout, x.p0f);
		break;
	case VIEW_NONE:
		break;
	default:
		rx_render_line(stdout, rec, ifname, w->seq);
	}
	if (w->dumper) {
		h.ts.tv_sec = (time_t)(rec->pkt.ts_ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(rec->pkt.ts_ns % 1000000000ull); /* nanosecond file */
		h.caplen = rec->data_len;
		h.len = rec->pkt.wire_len;
		pcap_dump((u_char *)w->dumper, &h, rec->data);
		if (w->flush_each)
			pcap_dump_flush(w->dumper);
	}
	if (ferror(stdout))
		return 1; /* rx_out_end() tells why */
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
	/* TLS hellos not wholly decoded (datapath/tls.h), only when there are some */
	if (snap.stats[RX_STAT_TLS_PARTIAL] || snap.stats[RX_STAT_TLS_MALFORMED] ||
	    snap.stats[RX_STAT_TLS_CUT])
		fprintf(stderr, "TLS hellos: %llu partial, %llu malformed, %llu with lists cut\n",
			(unsigned long long)snap.stats[RX_STAT_TLS_PARTIAL],
			(unsigned long long)snap.stats[RX_STAT_TLS_MALFORMED],
			(unsigned long long)snap.stats[RX_STAT_TLS_CUT]);
	/* hellos over two segments (datapath/tls.h), only when there are some */
	if (snap.stats[RX_STAT_TLS_HELD])
		fprintf(stderr, "TLS hellos over two segments: %llu held, %llu reassembled\n",
			(unsigned long long)snap.stats[RX_STAT_TLS_HELD],
			(unsigned long long)snap.stats[RX_STAT_TLS_REASSEMBLED]);
}

/* Would opening path for writing succeed? One error line if not. */
static int check_writable(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

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
	rx_dirname(dir, sizeof(dir), path);
	if (access(dir, W_OK | X_OK)) {
		rx_err("-w %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The filter and the -w writer speak the link type of the records' bytes:
 * Ethernet live, a file's own (LINUX_SLL2, NULL, RAW...) offline, so that
 * `-w` keeps it and tcpdump's expressions mean what they mean on the file
 * ("inbound" on a cooked capture). A file's filter is compiled once it is
 * open (which attaches nothing), with its own libpcap handle.
 */
static int watch_link(struct watch *w, const char *expr)
{
	int dlt = rx_source__datalink(w->src);

	if (pcap_datalink(w->dead) != dlt) {
		pcap_close(w->dead);
		w->dead = pcap_open_dead_with_tstamp_precision(dlt, RX_SNAP_MAX,
							      PCAP_TSTAMP_PRECISION_NANO);
		if (!w->dead) {
			rx_err("out of memory");
			return RX_EXIT_RUNTIME;
		}
	}
	return expr ? rx_filter__new_link(&w->filter, expr, dlt, rx_source__filter_pcap(w->src)) : 0;
}

/* watch's settings: the options of watch_options. */
struct watch_cfg {
	struct rx_params p;
	unsigned long snaplen;
	int view, payload;
	const char *wfile;
	int numeric; /* -n, -nn: what rxray does anyway */
	int flush_each; /* -U */
	int absolute;   /* -S */
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
	{ .name = "packet-buffered", .short_name = 'U', .type = RX_OPT_SET,
	  .off = offsetof(struct watch_cfg, flush_each), .value = 1 },
	RX_OPTION_LINE_BUFFERED,
	{ .name = "absolute-tcp-sequence-numbers", .short_name = 'S', .type = RX_OPT_SET,
	  .off = offsetof(struct watch_cfg, absolute), .value = 1 },
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
	w.count = cfg.p.count;
	wfile = cfg.wfile;
	/* -w -: the pcap is stdout, and nothing else may go there (tcpdump -w -) */
	w.view = wfile && !strcmp(wfile, "-") ? VIEW_NONE : cfg.view;
	w.flush_each = cfg.flush_each;
	w.seq = cfg.absolute ? NULL : &w.seqs;
	so.snaplen = cfg.snaplen ? (__u32)cfg.snaplen : RX_SNAP_MAX; /* -s 0: all, as tcpdump */
	so.payload = cfg.payload;
	if ((w.view == VIEW_JSON || w.view == VIEW_VERBOSE) &&
	    !(w.p0f = calloc(1, sizeof(*w.p0f)))) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}

	/* everything the user typed is checked before anything is attached */
	w.dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, RX_SNAP_MAX,
						      PCAP_TSTAMP_PRECISION_NANO);
	if (!w.dead) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	if (cfg.p.argc && !(expr = rx_filter__join(cfg.p.argc, cfg.p.argv))) {
		rx_err("out of memory");
		r = RX_EXIT_RUNTIME;
		goto out;
	}
	/* live, the filter is checked before anything is attached */
	if (expr && !cfg.p.file && (r = rx_filter__new(&w.filter, expr)))
		goto out;
	r = RX_EXIT_INPUT;
	/*
	 * -w is checked now but opened (created, truncated) only once the source
	 * is: a run that fails before reading must leave an existing file alone.
	 */
	if (wfile && strcmp(wfile, "-") && check_writable(wfile))
		goto out;
	r = rx_params__open(&cfg.p, &so, &w.src);
	if (r)
		goto out;
	if (cfg.p.file && (r = watch_link(&w, expr)))
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
	if (w.dumper && w.view != VIEW_NONE &&
	    (pcap_dump_flush(w.dumper) || ferror(pcap_dump_file(w.dumper))) && !r) {
		rx_err("-w %s: writing the file failed", wfile);
		r = RX_EXIT_RUNTIME;
	}
	r = rx_out_end(r, w.view == VIEW_NONE);
	print_summary(&w);
out:
	if (w.dumper)
		pcap_dump_close(w.dumper);
	rx_source__close(w.src);
	rx_filter__free(w.filter);
	if (w.dead)
		pcap_close(w.dead);
	rx_tcpseq__free(&w.seqs);
	free(w.p0f);
	free(expr);
	return r;
}

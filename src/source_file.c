// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Offline source: frames from a pcap or pcapng file (libpcap) run through
 * the native build of the datapath; time is the file's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>
#include "dpconfig.h"
#include "filter.h"
#include "reqjoin.h"
#include "snapshot_read.h"
#include "source_impl.h"
#include "../native/datapath.h"

struct rx_file {
	pcap_t *pcap;
	const char *name;
	struct rx_env *native;
	int dlt; /* the file's link type, for filters and -w (rx_source__datalink) */
	struct rx_sink sink;
	int stopped;
	__u64 frames; /* packets read so far: the number of the one being run */
	__u64 first_ns, last_ns;
	struct rx_reqjoin join;
	/* read by another thread while it runs (shared: top -r): the datapath's tables under lock */
	pthread_mutex_t lock;
	int shared;
	double speed;
	__s64 replay_start; /* CLOCK_MONOTONIC when the first packet was run; 0: none yet */
};

/* A replay: wait until the packet of time ts is due, at f->speed times the capture's pace. */
static void pace(struct rx_file *f, __u64 ts)
{
	__s64 due, now;

	if (!f->replay_start) {
		f->replay_start = rx_clock_ns(CLOCK_MONOTONIC);
		return;
	}
	if (ts <= f->first_ns)
		return;
	due = f->replay_start + (__s64)((double)(ts - f->first_ns) / f->speed);
	while (!rx_stop && (now = rx_clock_ns(CLOCK_MONOTONIC)) < due) {
		__s64 ns = due - now < 100000000 ? due - now : 100000000; /* see rx_stop soon */
		struct timespec d = { ns / 1000000000, ns % 1000000000 };

		nanosleep(&d, NULL);
	}
}

static void native_txn(void *user, const void *rec, __u32 size)
{
	struct rx_file *f = user;
	char route[RX_ROUTE_TEXT];
	const struct rx_txn *t = rec;

	if (t->hdr.type == RX_REC_REQINFO) {
		rx_reqjoin__put(&f->join, rec);
		return;
	}
	if (!f->sink.on_txn)
		return;
	rx_route_name(route, t->route, rx_nhash__find(&f->native->routes, &t->route));
	f->sink.on_txn(f->sink.user, t, route, rx_reqjoin__take(&f->join, t));
}

static void native_emit(void *user, const struct rx_capture *rec)
{
	struct rx_file *f = user;

	if (!f->stopped && f->sink.on_capture &&
	    f->sink.on_capture(f->sink.user, rec, f->frames))
		f->stopped = 1;
}

/* DLT_RAW is 14 on OpenBSD (and 12 here, where 14 has no other meaning). */
#define RX_DLT_RAW_OPENBSD 14

/* The datapath's enum rx_link of a capture's DLT_ value, or -1: not decoded. */
static int file_link(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return RX_LINK_ETH;
	case DLT_LINUX_SLL:
		return RX_LINK_SLL;
	case DLT_LINUX_SLL2:
		return RX_LINK_SLL2;
	case DLT_NULL:
		return RX_LINK_NULL;
	case DLT_LOOP:
		return RX_LINK_LOOP;
	case DLT_RAW: /* LINKTYPE_RAW (101) in the file */
	case RX_DLT_RAW_OPENBSD:
		return RX_LINK_RAW;
	case DLT_IPV4:
		return RX_LINK_IPV4;
	case DLT_IPV6:
		return RX_LINK_IPV6;
	default:
		return -1;
	}
}

/* The file's link type, or one error line naming it. */
static int file_datalink(struct rx_file *f)
{
	int dlt = pcap_datalink(f->pcap), link = file_link(dlt);
	const char *name = pcap_datalink_val_to_name(dlt);

	if (link < 0) {
		rx_err("%s: link type %s%sDLT %d%s is not supported: rxray reads Ethernet, "
		       "Linux cooked (LINUX_SLL, LINUX_SLL2), loopback (NULL, LOOP) and raw IP "
		       "(RAW, IPV4, IPV6)",
		       f->name, name ? name : "", name ? " (" : "", dlt, name ? ")" : "");
		return -1;
	}
	/* libpcap cannot compile filters for 14 (tcpdump refuses the file): raw IP it is */
	f->dlt = dlt == RX_DLT_RAW_OPENBSD ? DLT_RAW : dlt;
	return link;
}

/*
 * Only packets that match expr are read: 0, or -1 after the error. The
 * file's own handle compiles it for its link type (a dead one for DLT 14,
 * which libpcap does not know: file_datalink reads it as DLT_RAW).
 */
static int file_filter(struct rx_file *f, const char *expr)
{
	struct rx_filter *prog;
	int r;

	if (rx_filter__new_link(&prog, expr, f->dlt,
				pcap_datalink(f->pcap) == f->dlt ? f->pcap : NULL))
		return -1;
	r = pcap_setfilter(f->pcap, rx_filter__prog(prog));
	if (r)
		rx_err("%s: filter '%s': %s", f->name, expr, pcap_geterr(f->pcap));
	rx_filter__free(prog);
	return r ? -1 : 0;
}

static int file_open(void **impl, const struct rx_source_opts *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct rx_config cfg;
	struct rx_file *f;
	int link;

	*impl = NULL;
	if (!o->file)
		return -ENOENT;
	*impl = f = calloc(1, sizeof(*f));
	if (!f) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	f->name = o->file;
	f->speed = o->speed;
	f->shared = o->shared;
	pthread_mutex_init(&f->lock, NULL);
	f->pcap = pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO,
							 errbuf);
	if (!f->pcap) {
		/* libpcap names the file itself when the open fails, not when the format is bad */
		if (!strncmp(errbuf, "truncated dump file; tried to read 4 file header bytes", 54))
			rx_err("%s: not a pcap or pcapng file (shorter than a file header)", o->file);
		else if (strstr(errbuf, o->file))
			rx_err("%s", errbuf);
		else
			rx_err("%s: %s", o->file, errbuf);
		return RX_EXIT_INPUT;
	}
	link = file_datalink(f);
	if (link < 0)
		return RX_EXIT_INPUT;
	if (o->filter && file_filter(f, o->filter))
		return RX_EXIT_INPUT;
	f->native = rx_native__new();
	if (!f->native) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	rx_native__link(f->native, (__u32)link);
	cfg = rx_dpconfig(o);
	rx_native__configure(f->native, &cfg, o->patterns ? o->patterns->p : NULL);
	rx_native__sinks(f->native, o->capture ? native_emit : NULL, o->txns ? native_txn : NULL, f);
	if (o->txns && rx_reqjoin__init(&f->join)) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	return 0;
}

static int file_run(void *impl, const struct rx_sink *sink)
{
	struct rx_file *f = impl;
	struct pcap_pkthdr *h;
	const u_char *data;
	__u64 ts;
	int r;

	f->sink = *sink;
	while (!f->stopped && !rx_stop) {
		r = pcap_next_ex(f->pcap, &h, &data);
		if (r == PCAP_ERROR_BREAK) {
			if (f->shared)
				pthread_mutex_lock(&f->lock);
			rx_native__end(f->native);
			if (f->shared)
				pthread_mutex_unlock(&f->lock);
			return 0;
		}
		if (r != 1) {
			rx_err("%s: %s", f->name, pcap_geterr(f->pcap));
			return RX_EXIT_INPUT;
		}
		f->frames++;
		/* opened with nanosecond precision: tv_usec holds nanoseconds */
		ts = (__u64)h->ts.tv_sec * 1000000000ull + (__u64)h->ts.tv_usec;
		if (f->speed > 0)
			pace(f, ts);
		if (f->sink.on_second && f->last_ns && ts / 1000000000ull != f->last_ns / 1000000000ull)
			f->sink.on_second(f->sink.user, ts);
		if (f->shared)
			pthread_mutex_lock(&f->lock);
		if (!f->first_ns)
			f->first_ns = ts;
		f->last_ns = ts;
		rx_native__run(f->native, data, h->caplen, h->len, ts);
		if (f->shared)
			pthread_mutex_unlock(&f->lock);
	}
	return 0;
}

static void file_snapshot(void *impl, struct rx_snapshot *snap, const __u64 *after)
{
	struct rx_file *f = impl;
	struct rx_tables ts;

	pthread_mutex_lock(&f->lock);
	rx_tables__native(&ts, f->native);
	rx_snapshot__read(snap, &ts);
	snap->first_ns = f->first_ns;
	snap->last_ns = f->last_ns;
	pthread_mutex_unlock(&f->lock);
}

static void file_close(void *impl)
{
	struct rx_file *f = impl;

	if (!f)
		return;
	if (f->pcap)
		pcap_close(f->pcap);
	rx_native__free(f->native);
	rx_reqjoin__free(&f->join);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct rx_reqjoin *file_reqjoin(const void *impl)
{
	const struct rx_file *f = impl;

	return &f->join;
}

static int file_dlt(const void *impl)
{
	const struct rx_file *f = impl;

	return f->dlt;
}

/* libpcap compiles no filter for DLT 14: that file's are compiled for DLT_RAW. */
static struct pcap *file_filter_pcap(const void *impl)
{
	const struct rx_file *f = impl;

	return pcap_datalink(f->pcap) == f->dlt ? f->pcap : NULL;
}

static int file_tls_conn(void *impl, const struct rx_flow_key *k, struct rx_tls_conn *c)
{
	struct rx_file *f = impl;
	const struct rx_tls_conn *e = rx_nhash__find(&f->native->tls_conns, k);

	if (!e)
		return -1;
	*c = *e;
	return 0;
}

const struct rx_source_ops rx_file_source = {
	.open = file_open,
	.run = file_run,
	.snapshot = file_snapshot,
	.datalink = file_dlt,
	.filter_pcap = file_filter_pcap,
	.reqjoin = file_reqjoin,
	.tls_conn = file_tls_conn,
	.close = file_close,
};

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live source with a FILTER (stats -i IFACE FILTER): the kernel counts every
 * packet, so the counters come from user space instead. The live kind
 * streams capture records (XDP, the packets arriving, headers only); those
 * the pcap-filter expression matches go through the native build of the
 * datapath, whose tables are the snapshot. The capture's own counters
 * (records produced, lost) come from the kernel's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "dpconfig.h"
#include "filter.h"
#include "snapshot_read.h"
#include "source_impl.h"
#include "../native/datapath.h"

struct rx_filtered {
	void *live;              /* the live kind's source */
	struct rx_env *native;
	struct rx_filter *filter; /* FILTER, for the capture records' Ethernet frames */
	pthread_mutex_t lock;    /* the native tables: run and snapshot may be two threads */
};

static int filtered_record(void *user, const struct rx_capture *rec, __u64 frame)
{
	struct rx_filtered *f = user;

	(void)frame;
	if (!rx_filter__match(f->filter, rec->data, rec->data_len, rec->pkt.wire_len))
		return 0;
	pthread_mutex_lock(&f->lock);
	rx_native__run(f->native, rec->data, rec->data_len, rec->pkt.wire_len, rec->pkt.ts_ns);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int filtered_open(void **impl, const struct rx_source_opts *o)
{
	struct rx_source_opts lo = *o;
	struct rx_filtered *f;
	struct rx_config cfg;
	int r;

	*impl = NULL;
	if (!o->ifname || !o->filter)
		return -ENOENT;
	*impl = f = calloc(1, sizeof(*f));
	if (!f || !(f->native = rx_native__new())) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	pthread_mutex_init(&f->lock, NULL);
	r = rx_filter__new(&f->filter, o->filter);
	if (r)
		return r;
	cfg = rx_dpconfig(o);
	rx_native__configure(f->native, &cfg, o->patterns ? o->patterns->p : NULL);
	/* the kernel only captures; the counting is the native datapath's */
	lo.capture = 1;
	lo.payload = 0;
	lo.traffic = lo.tcp = lo.http = lo.txns = 0;
	return rx_live_source.open(&f->live, &lo);
}

static int filtered_run(void *impl, const struct rx_sink *sink)
{
	struct rx_filtered *f = impl;

	(void)sink; /* counters only (stats) */
	return rx_live_source.run(f->live, &(struct rx_sink){ .on_capture = filtered_record,
							      .user = f });
}

static void filtered_snapshot(void *impl, struct rx_snapshot *snap, const __u64 *after)
{
	struct rx_filtered *f = impl;
	struct rx_snapshot k;
	struct rx_tables ts;

	memset(&k, 0, sizeof(k));
	rx_live_source.snapshot(f->live, &k, after);
	pthread_mutex_lock(&f->lock);
	rx_tables__native(&ts, f->native);
	rx_snapshot__read(snap, &ts);
	pthread_mutex_unlock(&f->lock);
	snap->first_ns = k.first_ns;
	snap->last_ns = k.last_ns;
	snap->stats[RX_STAT_CAPTURE_PRODUCED] = k.stats[RX_STAT_CAPTURE_PRODUCED];
	snap->stats[RX_STAT_CAPTURE_LOST] = k.stats[RX_STAT_CAPTURE_LOST];
	rx_snapshot__free(&k);
}

static const char *filtered_ifname(const void *impl, __u32 ifindex)
{
	const struct rx_filtered *f = impl;

	return rx_live_source.ifname(f->live, ifindex);
}

static void filtered_close(void *impl)
{
	struct rx_filtered *f = impl;

	if (!f)
		return;
	rx_live_source.close(f->live);
	rx_filter__free(f->filter);
	rx_native__free(f->native);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

const struct rx_source_ops rx_filtered_source = {
	.open = filtered_open,
	.run = filtered_run,
	.snapshot = filtered_snapshot,
	.ifname = filtered_ifname,
	.close = filtered_close,
};

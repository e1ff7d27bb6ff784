// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Sources: one interface over the agent, the file and the live kind
 * (source_impl.h), tried in that order: the agent kind reads a running
 * `serve`'s counters, so `stats -i` and `top` never attach a second
 * datapath beside the agent. A source whose kind keeps reads (live) keeps
 * its last one for the readers that take a recent one
 * (rx_source__snapshot_recent), so they share one read of the maps.
 */
#include <pthread.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "source.h"
#include "source_impl.h"

static const struct rx_source_ops *const kinds[] = {
	&rx_agent_source,
	&rx_file_source,
	&rx_filtered_source,
	&rx_live_source,
};

struct rx_source {
	const struct rx_source_ops *ops;
	void *impl;
	/* the last read, kept once a reader takes recent ones */
	pthread_mutex_t lock; /* the agent's thread and the HTTP server's read alike */
	int sharing;
	struct rx_snapshot last;
	__s64 last_read_ns; /* CLOCK_MONOTONIC at the start of that read; 0: none */
};

void rx_source__joins(struct rx_source *src, __u64 *joined, __u64 *missing, __u64 *replaced)
{
	const struct rx_reqjoin *j = src->ops->reqjoin ? src->ops->reqjoin(src->impl) : NULL;

	*joined = j ? j->joined : 0;
	*missing = j ? j->missing : 0;
	*replaced = j ? j->replaced : 0;
}

int rx_source__tcp_flow(struct rx_source *src, const struct rx_flow_key *k, struct rx_tcp_flow *f)
{
	return src->ops->tcp_flow ? src->ops->tcp_flow(src->impl, k, f) : -1;
}

int rx_source__tls_conn(struct rx_source *src, const struct rx_flow_key *k, struct rx_tls_conn *c)
{
	return src->ops->tls_conn ? src->ops->tls_conn(src->impl, k, c) : -1;
}

int rx_source__tls_xchg(struct rx_source *src, const struct rx_tls_ep_key *k, __u64 *n,
			__u64 *sum_ns)
{
	return src->ops->tls_xchg ? src->ops->tls_xchg(src->impl, k, n, sum_ns) : -1;
}

int rx_source__is_agent(const struct rx_source *src)
{
	return src->ops == &rx_agent_source;
}

struct bpf_object *rx_source__bpf(struct rx_source *src, volatile struct rx_config_rt **rt)
{
	return src->ops == &rx_live_source ? rx_live__bpf(src->impl, rt) : NULL;
}

int rx_source__open(struct rx_source **out, const struct rx_source_opts *o)
{
	struct rx_source *src = calloc(1, sizeof(*src));
	size_t i;
	int r = -1;

	*out = NULL;
	if (!src) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	pthread_mutex_init(&src->lock, NULL);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && r < 0; i++) {
		src->ops = kinds[i];
		r = src->ops->open(&src->impl, o);
		if (r)
			src->ops->close(src->impl);
	}
	if (r < 0) {
		rx_err("no source: give an interface or a file");
		r = RX_EXIT_INPUT;
	}
	if (r) {
		src->impl = NULL;
		rx_source__close(src);
		return r;
	}
	*out = src;
	return 0;
}

int rx_source__run(struct rx_source *src, const struct rx_sink *sink)
{
	static const struct rx_sink none;

	return src->ops->run(src->impl, sink ? sink : &none);
}

/* Read the counters; once readers share, keep a copy for them. Called under src->lock. */
static void read_counters(struct rx_source *src, struct rx_snapshot *snap, const __u64 *after)
{
	__s64 t = rx_clock_ns(CLOCK_MONOTONIC);

	memset(snap, 0, sizeof(*snap)); /* (the maps' values are added into it) */
	src->ops->snapshot(src->impl, snap, after);
	if (!src->sharing)
		return;
	rx_snapshot__free(&src->last);
	src->last_read_ns = rx_snapshot__copy(&src->last, snap) ? 0 : t;
}

void rx_source__snapshot(struct rx_source *src, struct rx_snapshot *snap)
{
	pthread_mutex_lock(&src->lock);
	read_counters(src, snap, NULL);
	pthread_mutex_unlock(&src->lock);
}

/*
 * The kept read while it is younger than RX_SNAPSHOT_RECENT_NS (from when
 * it started) and newer than the caller's last, else a new one. Reads
 * happen under the lock, one at a time, so the kept read only moves
 * forward: no reader sees a counter go back.
 */
void rx_source__snapshot_recent(struct rx_source *src, struct rx_snapshot *snap, __u64 after_ns)
{
	pthread_mutex_lock(&src->lock);
	if (src->ops->keeps_reads) {
		src->sharing = 1;
		if (!src->last_read_ns || rx_clock_ns(CLOCK_MONOTONIC) - src->last_read_ns >= RX_SNAPSHOT_RECENT_NS ||
		    src->last.last_ns <= after_ns || rx_snapshot__copy(snap, &src->last))
			read_counters(src, snap, &after_ns);
	} else {
		read_counters(src, snap, &after_ns);
	}
	pthread_mutex_unlock(&src->lock);
}

const char *rx_source__ifname(const struct rx_source *src, __u32 ifindex)
{
	return src->ops->ifname ? src->ops->ifname(src->impl, ifindex) : NULL;
}

int rx_source__datalink(const struct rx_source *src)
{
	return src->ops->datalink ? src->ops->datalink(src->impl) : DLT_EN10MB;
}

struct pcap *rx_source__filter_pcap(const struct rx_source *src)
{
	return src->ops->filter_pcap ? src->ops->filter_pcap(src->impl) : NULL;
}

void rx_source__close(struct rx_source *src)
{
	if (!src)
		return;
	if (src->impl)
		src->ops->close(src->impl);
	rx_snapshot__free(&src->last);
	pthread_mutex_destroy(&src->lock);
	free(src);
}

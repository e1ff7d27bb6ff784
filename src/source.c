// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Sources: one interface over the file, the live and the agent
 * implementation. The agent source reads a running `serve`'s counters over
 * its control socket, as differences from the moment it was opened, so
 * `stats -i` and `top` never attach a second datapath beside the agent.
 * A live source keeps its last read for the readers that take a recent
 * one (rx_source__snapshot_recent), so they share one read of the maps.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "agent.h"
#include "source_impl.h"

struct rx_source {
	struct rx_file *file;
	struct rx_live *live;
	/* agent */
	const char *agent;
	char ifname[32];
	struct rx_snapshot base;
	__u32 duration_s;
	/* live: the last read, kept once a reader takes recent ones */
	pthread_mutex_t lock; /* the agent's thread and the HTTP server's read alike */
	int sharing;
	struct rx_snapshot last;
	__s64 last_read_ns; /* CLOCK_MONOTONIC at the start of that read; 0: none */
};

static int open_agent(struct rx_source *src, const struct rx_source_opts *o)
{
	const char *path = rx_agent_path();
	int r;

	/* (route patterns change what the datapath counts: the agent has its own) */
	if (!o->use_agent || !o->ifname || o->capture || o->pin || o->on_txn ||
	    (o->patterns && o->patterns->n) ||
	    strlen(o->ifname) >= sizeof(src->ifname))
		return -ENOENT;
	r = rx_agent_fetch(path, o->ifname, NULL, &src->base);
	if (r == -EPROTO)
		rx_err("%s: the agent there is another rxray build; attaching directly", path);
	if (r)
		return r;
	src->agent = path;
	strcpy(src->ifname, o->ifname);
	src->duration_s = o->duration_s;
	return 0;
}

static int run_agent(struct rx_source *src)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!rx_stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (src->duration_s && t.tv_sec - t0.tv_sec >= (time_t)src->duration_s &&
		    t.tv_nsec >= t0.tv_nsec)
			break;
		poll(NULL, 0, 50);
	}
	return 0;
}

/* Counters only grow: fewer packets than at the start means a new agent. */
static int agent_restarted(const struct rx_snapshot *now, const struct rx_snapshot *base)
{
	__u64 a = 0, b = 0;
	size_t i;

	for (i = 0; i < RX_COUNTER_SLOTS; i++) {
		a += now->counters[i].packets;
		b += base->counters[i].packets;
	}
	return a < b || now->first_ns != base->first_ns;
}

void rx_source__joins(struct rx_source *src, __u64 *joined, __u64 *missing, __u64 *replaced)
{
	*joined = *missing = *replaced = 0;
	if (src->file)
		rx_file__joins(src->file, joined, missing, replaced);
	else if (src->live)
		rx_live__joins(src->live, joined, missing, replaced);
}

int rx_source__is_agent(const struct rx_source *src)
{
	return src->agent != NULL;
}

int rx_source__open(struct rx_source **out, const struct rx_source_opts *o)
{
	struct rx_source *src = calloc(1, sizeof(*src));
	int r;

	*out = NULL;
	if (!src) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	pthread_mutex_init(&src->lock, NULL);
	if (!o->file && !open_agent(src, o)) {
		*out = src;
		return 0;
	}
	r = o->file ? rx_file__open(&src->file, o) : rx_live__open(&src->live, o);
	if (r) {
		rx_source__close(src);
		return r;
	}
	*out = src;
	return 0;
}

int rx_source__run(struct rx_source *src, rx_record_fn fn, void *user)
{
	if (src->agent)
		return run_agent(src);
	return src->file ? rx_file__run(src->file, fn, user) : rx_live__run(src->live, fn, user);
}

void rx_snapshot__free(struct rx_snapshot *snap)
{
	free(snap->talkers);
	free(snap->services);
	free(snap->endpoints);
	snap->talkers = snap->services = NULL;
	snap->endpoints = NULL;
	snap->n_talkers = snap->n_services = snap->n_endpoints = 0;
}

/* The agent's counters since this source opened: now, or a recent read made after *after. */
static void agent_snapshot(struct rx_source *src, struct rx_snapshot *snap, const __u64 *after)
{
	if (rx_agent_fetch(src->agent, src->ifname, after, snap)) {
		rx_err("%s: the agent stopped answering", src->agent);
		rx_stop = 1;
		memset(snap, 0, sizeof(*snap));
		return;
	}
	if (agent_restarted(snap, &src->base)) {
		rx_err("%s: the agent restarted: its counters started again", src->agent);
		rx_stop = 1;
		rx_snapshot__free(snap);
		memset(snap, 0, sizeof(*snap));
		return;
	}
	rx_snapshot__subtract(snap, &src->base);
}

static __s64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void *dup_table(const void *p, size_t n, size_t size)
{
	void *d = malloc(n ? n * size : 1);

	if (d && n)
		memcpy(d, p, n * size);
	return d;
}

/* A deep copy of a snapshot; -ENOMEM leaves to with empty tables. */
static int snapshot_copy(struct rx_snapshot *to, const struct rx_snapshot *from)
{
	*to = *from;
	to->talkers = dup_table(from->talkers, from->n_talkers, sizeof(*from->talkers));
	to->services = dup_table(from->services, from->n_services, sizeof(*from->services));
	to->endpoints = dup_table(from->endpoints, from->n_endpoints, sizeof(*from->endpoints));
	if (to->talkers && to->services && to->endpoints)
		return 0;
	rx_snapshot__free(to);
	return -ENOMEM;
}

/* Read the maps; once readers share, keep a copy for them. Called under src->lock. */
static void live_read(struct rx_source *src, struct rx_snapshot *snap)
{
	__s64 t = mono_ns();

	rx_live__snapshot(src->live, snap);
	if (!src->sharing)
		return;
	rx_snapshot__free(&src->last);
	src->last_read_ns = snapshot_copy(&src->last, snap) ? 0 : t;
}

void rx_source__snapshot(struct rx_source *src, struct rx_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	if (src->agent) {
		agent_snapshot(src, snap, NULL);
	} else if (src->file) {
		rx_file__snapshot(src->file, snap);
	} else {
		pthread_mutex_lock(&src->lock);
		live_read(src, snap);
		pthread_mutex_unlock(&src->lock);
	}
}

/*
 * The kept read while it is younger than RX_SNAPSHOT_RECENT_NS (from when
 * it started) and newer than the caller's last, else a new one. Reads
 * happen under the lock, one at a time, so the kept read only moves
 * forward: no reader sees a counter go back.
 */
void rx_source__snapshot_recent(struct rx_source *src, struct rx_snapshot *snap, __u64 after_ns)
{
	if (!src->live) {
		if (src->agent) {
			memset(snap, 0, sizeof(*snap));
			agent_snapshot(src, snap, &after_ns);
		} else {
			rx_source__snapshot(src, snap);
		}
		return;
	}
	pthread_mutex_lock(&src->lock);
	src->sharing = 1;
	if (!src->last_read_ns || mono_ns() - src->last_read_ns >= RX_SNAPSHOT_RECENT_NS ||
	    src->last.last_ns <= after_ns || snapshot_copy(snap, &src->last)) {
		memset(snap, 0, sizeof(*snap)); /* (the maps' values are added into it) */
		live_read(src, snap);
	}
	pthread_mutex_unlock(&src->lock);
}

const char *rx_source__ifname(const struct rx_source *src, __u32 ifindex)
{
	return src->live ? rx_live__ifname(src->live, ifindex) : NULL;
}

void rx_source__close(struct rx_source *src)
{
	if (!src)
		return;
	rx_file__close(src->file);
	rx_live__close(src->live);
	rx_snapshot__free(&src->base);
	rx_snapshot__free(&src->last);
	pthread_mutex_destroy(&src->lock);
	free(src);
}

/* A route id's text (see RX_ROUTE_TEXT), or the overflow route's name. */
void rx_route_name(char *buf, __u32 id, const struct rx_route *r)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned int i, n, o = 0;

	if (id == RX_ROUTE_OVERFLOW) {
		snprintf(buf, RX_ROUTE_TEXT, "{overflow}");
		return;
	}
	if (!r) {
		snprintf(buf, RX_ROUTE_TEXT, "{unknown:%08x}", id);
		return;
	}
	n = r->len > RX_ROUTE_MAX ? RX_ROUTE_MAX : r->len;
	if (!n || r->path[0] != '/')
		buf[o++] = '/';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->path[i];

		if (c >= 0x20 && c < 0x7f && c != '%') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = 0;
}

/* Add one CPU's (or one source's) endpoint values into a row. */
void rx_endpoint_add(struct rx_endpoint *to, const struct rx_endpoint *v)
{
	size_t i;

	if (v->count && (!to->count || v->dur_min_ns < to->dur_min_ns))
		to->dur_min_ns = v->dur_min_ns;
	to->count += v->count;
	for (i = 0; i < RX_DUR_BUCKETS; i++)
		to->dur[i] += v->dur[i];
	to->dur_sum_ns += v->dur_sum_ns;
	if (v->dur_max_ns > to->dur_max_ns)
		to->dur_max_ns = v->dur_max_ns;
	for (i = 0; i < RX_BODY_BUCKETS; i++) {
		to->req_size[i] += v->req_size[i];
		to->resp_size[i] += v->resp_size[i];
	}
	to->req_bytes += v->req_bytes;
	to->resp_bytes += v->resp_bytes;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Agent source: a running `serve`'s counters over its control socket
 * (agent_wire.h), as differences from the moment this source opened. It
 * attaches nothing, so `stats -i` and `top` can run beside the agent.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "agent_wire.h"
#include "source_impl.h"

struct rx_agent_client {
	const char *path;
	char ifname[32];
	struct rx_snapshot base; /* the agent's counters when this source opened */
	__u32 duration_s;
};

/*
 * Ask the agent on path for ifname's counters: now (after NULL), or a
 * recent read made after *after (rx_source__snapshot_recent). 0, or
 * -ENOENT (no agent), -ESRCH (the agent does not watch ifname), -EPROTO
 * (another rxray build).
 */
static int agent_fetch(const char *path, const char *ifname, const __u64 *after,
		       struct rx_snapshot *snap)
{
	struct rx_agent_hdr h;
	char req[64];
	int fd, r = -EPROTO;
	struct timeval tv = { .tv_sec = 5 };

	memset(snap, 0, sizeof(*snap));
	fd = rx_agent_connect(path);
	if (fd < 0)
		return -ENOENT;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (after)
		snprintf(req, sizeof(req), RX_AGENT_RECENT " %llu %s\n", (unsigned long long)*after,
			 ifname);
	else
		snprintf(req, sizeof(req), RX_AGENT_SNAP " %s\n", ifname);
	if (rx_agent_write(fd, req, strlen(req)) || rx_agent_read(fd, &h, sizeof(h)) ||
	    h.magic != RX_AGENT_MAGIC)
		goto out;
	/* an interface of the same name in another namespace is another interface */
	if (h.status == 1 || h.netns != rx_agent_netns()) {
		r = -ESRCH;
		goto out;
	}
	if (h.status || h.fixed_size != sizeof(*snap) || h.n_talkers > RX_TALKERS_MAX ||
	    h.n_services > RX_SERVICES_MAX || h.n_endpoints > RX_ENDPOINTS_MAX ||
	    rx_agent_read(fd, snap, sizeof(*snap)))
		goto out;
	snap->endpoints = NULL;
	snap->talkers = calloc(h.n_talkers + 1, sizeof(*snap->talkers));
	snap->services = calloc(h.n_services + 1, sizeof(*snap->services));
	snap->endpoints = calloc(h.n_endpoints + 1, sizeof(*snap->endpoints));
	snap->n_talkers = h.n_talkers;
	snap->n_services = h.n_services;
	snap->n_endpoints = h.n_endpoints;
	if (!snap->talkers || !snap->services || !snap->endpoints ||
	    rx_agent_read(fd, snap->talkers, h.n_talkers * sizeof(*snap->talkers)) ||
	    rx_agent_read(fd, snap->services, h.n_services * sizeof(*snap->services)) ||
	    rx_agent_read(fd, snap->endpoints, h.n_endpoints * sizeof(*snap->endpoints))) {
		rx_snapshot__free(snap);
		goto out;
	}
	/* text from another process ends inside its field, whatever it sent */
	for (size_t i = 0; i < snap->n_endpoints; i++)
		snap->endpoints[i].route[sizeof(snap->endpoints[i].route) - 1] = 0;
	r = 0;
out:
	if (r && r != -ESRCH) {
		snap->talkers = snap->services = NULL;
		snap->endpoints = NULL;
		snap->n_talkers = snap->n_services = snap->n_endpoints = 0;
	}
	close(fd);
	return r;
}

/* Only counters, from an agent that answers for o->ifname; else not this kind (< 0). */
static int agent_open(void **impl, const struct rx_source_opts *o)
{
	const char *path = rx_agent_path();
	struct rx_agent_client *a;
	int r;

	*impl = NULL;
	/* (route patterns change what the datapath counts: the agent has its own) */
	if (o->file || !o->use_agent || !o->ifname || o->capture || o->pin || o->txns ||
	    (o->patterns && o->patterns->n) || strlen(o->ifname) >= sizeof(a->ifname))
		return -ENOENT;
	*impl = a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	r = agent_fetch(path, o->ifname, NULL, &a->base);
	if (r == -EPROTO)
		rx_err("%s: the agent there is another rxray build; attaching directly", path);
	if (r)
		return r;
	a->path = path;
	strcpy(a->ifname, o->ifname);
	a->duration_s = o->duration_s;
	return 0;
}

/* Nothing to deliver: wait for the duration or rx_stop. */
static int agent_run(void *impl, const struct rx_sink *sink)
{
	struct rx_agent_client *a = impl;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!rx_stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (a->duration_s && t.tv_sec - t0.tv_sec >= (time_t)a->duration_s &&
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

/* The agent's counters since this source opened: now, or a recent read made after *after. */
static void agent_snapshot(void *impl, struct rx_snapshot *snap, const __u64 *after)
{
	struct rx_agent_client *a = impl;

	if (agent_fetch(a->path, a->ifname, after, snap)) {
		rx_err("%s: the agent stopped answering", a->path);
		rx_stop = 1;
		memset(snap, 0, sizeof(*snap));
		return;
	}
	if (agent_restarted(snap, &a->base)) {
		rx_err("%s: the agent restarted: its counters started again", a->path);
		rx_stop = 1;
		rx_snapshot__free(snap);
		memset(snap, 0, sizeof(*snap));
		return;
	}
	rx_snapshot__subtract(snap, &a->base);
}

static void agent_close(void *impl)
{
	struct rx_agent_client *a = impl;

	if (!a)
		return;
	rx_snapshot__free(&a->base);
	free(a);
}

const struct rx_source_ops rx_agent_source = {
	.open = agent_open,
	.run = agent_run,
	.snapshot = agent_snapshot,
	.close = agent_close,
};

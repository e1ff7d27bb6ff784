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
 * -ENOENT (no agent), -ESRCH (the agent does not watch ifname),
 * -EPROTONOSUPPORT (another protocol version: *peer the agent's), -EPROTO.
 */
static int agent_fetch(const char *path, const char *ifname, const __u64 *after,
		       struct rx_snapshot *snap, int *peer)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd, r = -EPROTO;

	memset(snap, 0, sizeof(*snap));
	*peer = 0;
	fd = rx_agent_connect(path);
	if (fd < 0)
		return -ENOENT;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!rx_agent_request_write(fd, ifname, after))
		r = rx_agent_answer_read(fd, snap, peer);
	close(fd);
	return r;
}

/* Only counters, from an agent that answers for o->ifname; else not this kind (< 0). */
static int agent_open(void **impl, const struct rx_source_opts *o)
{
	const char *path = rx_agent_path();
	struct rx_agent_client *a;
	int r, peer;

	*impl = NULL;
	/* (route patterns and a FILTER change what is counted: the agent counts all, its way) */
	if (o->file || !o->use_agent || !o->ifname || o->capture || o->pin || o->txns || o->filter ||
	    (o->patterns && o->patterns->n) || strlen(o->ifname) >= sizeof(a->ifname))
		return -ENOENT;
	*impl = a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	r = agent_fetch(path, o->ifname, NULL, &a->base, &peer);
	if (r == -EPROTONOSUPPORT) {
		/* two builds that cannot read each other: one line naming both, and fail */
		char theirs[32] = "no known control protocol";

		if (peer)
			snprintf(theirs, sizeof(theirs), "control protocol %d", peer);
		rx_err("%s: the agent speaks %s, this rxray speaks %d: run this command with the "
		       "agent's rxray build (or restart the agent with this one)",
		       path, theirs, RX_AGENT_PROTO);
		return RX_EXIT_RUNTIME;
	}
	if (r == -EPROTO)
		rx_err("%s: the agent's answer is garbled; attaching directly", path);
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
	int peer;

	if (agent_fetch(a->path, a->ifname, after, snap, &peer)) {
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

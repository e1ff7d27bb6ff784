// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The agent's control socket, server and client; see agent.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "agent.h"
#include "picture.h"

#define RX_AGENT_MAGIC 0x31535852u /* "RXS1" */
#define RX_AGENT_MAX 16

struct rx_agent_hdr {
	__u32 magic;
	__u32 status;     /* 0 ok, 1 unknown interface */
	__u32 fixed_size; /* sizeof(struct rx_snapshot): same build */
	__u32 n_talkers;
	__u32 n_services;
	__u32 n_endpoints;
	__u64 netns;      /* the agent's network namespace (inode): interface names are per netns */
};

/* This process's network namespace, as an inode number (0 if unknown). */
static __u64 own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u64)st.st_ino;
}

struct rx_agent {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	struct rx_source *srcs[RX_AGENT_MAX];
	const char *ifnames[RX_AGENT_MAX];
	int n;
};

const char *rx_agent_path(void)
{
	const char *p = getenv("RXRAY_AGENT");

	return p && *p ? p : RX_AGENT_SOCK;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * "SNAP IFACE" or "RECENT AFTER_NS IFACE": the interface named, or NULL;
 * *after is NULL for SNAP (the counters now), else set to AFTER_NS.
 */
static const char *parse_request(const char *req, __u64 *after_ns, const __u64 **after)
{
	const char *p;
	char *end;

	*after = NULL;
	if (!strncmp(req, RX_AGENT_SNAP " ", sizeof(RX_AGENT_SNAP)))
		return req + sizeof(RX_AGENT_SNAP);
	if (strncmp(req, RX_AGENT_RECENT " ", sizeof(RX_AGENT_RECENT)))
		return NULL;
	p = req + sizeof(RX_AGENT_RECENT);
	if (*p < '0' || *p > '9')
		return NULL;
	errno = 0;
	*after_ns = strtoull(p, &end, 10);
	if (errno || *end != ' ')
		return NULL;
	*after = after_ns;
	return end + 1;
}

static void answer(struct rx_agent *a, int c)
{
	struct rx_agent_hdr h = { .magic = RX_AGENT_MAGIC, .fixed_size = sizeof(struct rx_snapshot),
				  .netns = own_netns() };
	struct rx_snapshot snap;
	char req[64] = { 0 };
	const __u64 *after;
	const char *ifname;
	__u64 after_ns;
	size_t len = 0;
	int i;

	/* one short line, "SNAP IFACE\n" or "RECENT AFTER_NS IFACE\n", in one write as a rule */
	while (len < sizeof(req) - 1 && !memchr(req, '\n', len)) {
		ssize_t n = read(c, req + len, sizeof(req) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	req[len] = 0;
	req[strcspn(req, "\n")] = 0;
	ifname = parse_request(req, &after_ns, &after);
	if (!ifname)
		return;
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->ifnames[i], ifname))
			break;
	if (i == a->n) {
		h.status = 1;
		write_all(c, &h, sizeof(h));
		return;
	}
	if (after)
		rx_source__snapshot_recent(a->srcs[i], &snap, *after);
	else
		rx_source__snapshot(a->srcs[i], &snap);
	h.n_talkers = (__u32)snap.n_talkers;
	h.n_services = (__u32)snap.n_services;
	h.n_endpoints = (__u32)snap.n_endpoints;
	if (!write_all(c, &h, sizeof(h)) && !write_all(c, &snap, sizeof(snap)) &&
	    !write_all(c, snap.talkers, snap.n_talkers * sizeof(*snap.talkers)) &&
	    !write_all(c, snap.services, snap.n_services * sizeof(*snap.services)))
		write_all(c, snap.endpoints, snap.n_endpoints * sizeof(*snap.endpoints));
	rx_snapshot__free(&snap);
}

static void *serve_thread(void *arg)
{
	struct rx_agent *a = arg;
	struct timeval tv = { .tv_sec = 2 };
	int c;

	for (;;) {
		c = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break; /* shut down by rx_agent__stop */
		}
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		answer(a, c);
		close(c);
	}
	return NULL;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rx_agent__start(struct rx_agent **out, const char *path, struct rx_source **srcs,
		    const char **ifnames, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rx_agent *a;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	mode_t old;
	int fd, i;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path) || n > RX_AGENT_MAX) {
		rx_err("--control %s: path too long", path);
		return RX_EXIT_INPUT;
	}
	/* a live socket is another agent's; a dead one is a crashed agent's */
	fd = connect_to(path);
	if (fd >= 0) {
		close(fd);
		rx_err("--control %s: another rxray serve answers there", path);
		return RX_EXIT_RUNTIME;
	}
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			rx_err("--control %s: %s: %s", path, dir, strerror(errno));
			return RX_EXIT_RUNTIME;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	strcpy(sa.sun_path, path);
	snprintf(a->path, sizeof(a->path), "%s", path);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* 0600 from the start: no window in which others may connect */
	old = umask(0177);
	if (a->fd < 0 || bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(a->fd, 16)) {
		umask(old);
		rx_err("--control %s: %s", path, strerror(errno));
		if (a->fd >= 0)
			close(a->fd);
		free(a);
		return RX_EXIT_RUNTIME;
	}
	umask(old);
	for (i = 0; i < n; i++) {
		a->srcs[i] = srcs[i];
		a->ifnames[i] = ifnames[i];
	}
	a->n = n;
	if (pthread_create(&a->thread, NULL, serve_thread, a)) {
		rx_err("--control %s: cannot start its thread", path);
		close(a->fd);
		unlink(path);
		free(a);
		return RX_EXIT_RUNTIME;
	}
	*out = a;
	return 0;
}

void rx_agent__stop(struct rx_agent *a)
{
	if (!a)
		return;
	shutdown(a->fd, SHUT_RDWR); /* wakes accept() */
	pthread_join(a->thread, NULL);
	close(a->fd);
	unlink(a->path);
	free(a);
}

int rx_agent_fetch(const char *path, const char *ifname, const __u64 *after,
		   struct rx_snapshot *snap)
{
	struct rx_agent_hdr h;
	char req[64];
	int fd, r = -EPROTO;
	struct timeval tv = { .tv_sec = 5 };

	memset(snap, 0, sizeof(*snap));
	fd = connect_to(path);
	if (fd < 0)
		return -ENOENT;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (after)
		snprintf(req, sizeof(req), RX_AGENT_RECENT " %llu %s\n", (unsigned long long)*after,
			 ifname);
	else
		snprintf(req, sizeof(req), RX_AGENT_SNAP " %s\n", ifname);
	if (write_all(fd, req, strlen(req)) || read_all(fd, &h, sizeof(h)) ||
	    h.magic != RX_AGENT_MAGIC)
		goto out;
	/* an interface of the same name in another namespace is another interface */
	if (h.status == 1 || h.netns != own_netns()) {
		r = -ESRCH;
		goto out;
	}
	if (h.status || h.fixed_size != sizeof(*snap) || h.n_talkers > RX_TALKERS_MAX ||
	    h.n_services > RX_SERVICES_MAX || h.n_endpoints > RX_ENDPOINTS_MAX ||
	    read_all(fd, snap, sizeof(*snap)))
		goto out;
	snap->endpoints = NULL;
	snap->talkers = calloc(h.n_talkers + 1, sizeof(*snap->talkers));
	snap->services = calloc(h.n_services + 1, sizeof(*snap->services));
	snap->endpoints = calloc(h.n_endpoints + 1, sizeof(*snap->endpoints));
	snap->n_talkers = h.n_talkers;
	snap->n_services = h.n_services;
	snap->n_endpoints = h.n_endpoints;
	if (!snap->talkers || !snap->services || !snap->endpoints ||
	    read_all(fd, snap->talkers, h.n_talkers * sizeof(*snap->talkers)) ||
	    read_all(fd, snap->services, h.n_services * sizeof(*snap->services)) ||
	    read_all(fd, snap->endpoints, h.n_endpoints * sizeof(*snap->endpoints))) {
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

static int by_key(const void *a, const void *b)
{
	return memcmp(((const struct rx_keyed *)a)->key, ((const struct rx_keyed *)b)->key,
		      sizeof(((const struct rx_keyed *)a)->key));
}

static void subtract_table(struct rx_keyed *now, size_t *n, struct rx_keyed *base, size_t nb)
{
	size_t i, out = 0;

	qsort(base, nb, sizeof(*base), by_key);
	for (i = 0; i < *n; i++) {
		struct rx_keyed *b = nb ? bsearch(&now[i], base, nb, sizeof(*base), by_key) : NULL;

		if (b) {
			now[i].c.packets -= b->c.packets;
			now[i].c.bytes -= b->c.bytes;
		}
		if (now[i].c.packets)
			now[out++] = now[i];
	}
	*n = out;
}

static int by_ekey(const void *a, const void *b)
{
	return memcmp(&((const struct rx_endpoint_row *)a)->k, &((const struct rx_endpoint_row *)b)->k,
		      sizeof(struct rx_endpoint_key));
}

/*
 * The smallest and largest duration of a window cannot be subtracted. Where
 * the agent's changed during the window, the new one is the window's own;
 * otherwise the window's values lie between the agent's and the edges of
 * the window's outermost non-empty buckets: bounds, marked as such.
 */
static void window_min_max(struct rx_endpoint_row *e, const struct rx_endpoint *b)
{
	int max_new = e->v.dur_max_ns > b->dur_max_ns, min_new = e->v.dur_min_ns < b->dur_min_ns;
	size_t lo = RX_DUR_BUCKETS, hi = 0, k;

	for (k = 0; k < RX_DUR_BUCKETS; k++) {
		if (!e->v.dur[k])
			continue;
		if (lo == RX_DUR_BUCKETS)
			lo = k;
		hi = k;
	}
	if (lo == RX_DUR_BUCKETS)
		return;
	if (e->v.count == 1 && (max_new || min_new)) {
		/* one transaction, and its duration is known */
		if (max_new)
			e->v.dur_min_ns = e->v.dur_max_ns;
		else
			e->v.dur_max_ns = e->v.dur_min_ns;
		return;
	}
	if (!max_new) {
		/* (bucket b holds floor(us) <= its bound: ns up to (bound + 1) * 1000 - 1) */
		if (hi < RX_DUR_BUCKETS - 1 &&
		    ((__u64)rx_dur_bounds_us[hi] + 1) * 1000 - 1 < e->v.dur_max_ns)
			e->v.dur_max_ns = ((__u64)rx_dur_bounds_us[hi] + 1) * 1000 - 1;
		e->bounds = 1;
	}
	if (!min_new) {
		if (lo > 0 && ((__u64)rx_dur_bounds_us[lo - 1] + 1) * 1000 > e->v.dur_min_ns)
			e->v.dur_min_ns = ((__u64)rx_dur_bounds_us[lo - 1] + 1) * 1000;
		e->bounds = 1;
	}
}

/* Endpoints by key, over the window since base. */
static void subtract_endpoints(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	size_t i, k, out = 0;

	qsort(base->endpoints, base->n_endpoints, sizeof(*base->endpoints), by_ekey);
	for (i = 0; i < s->n_endpoints; i++) {
		struct rx_endpoint_row *e = &s->endpoints[i];
		const struct rx_endpoint_row *b =
			base->n_endpoints ? bsearch(e, base->endpoints, base->n_endpoints,
						    sizeof(*base->endpoints), by_ekey)
					  : NULL;

		if (b) {
			e->v.count -= b->v.count;
			for (k = 0; k < RX_DUR_BUCKETS; k++)
				e->v.dur[k] -= b->v.dur[k];
			if (b->v.count)
				window_min_max(e, &b->v);
			for (k = 0; k < RX_BODY_BUCKETS; k++) {
				e->v.req_size[k] -= b->v.req_size[k];
				e->v.resp_size[k] -= b->v.resp_size[k];
			}
			e->v.dur_sum_ns -= b->v.dur_sum_ns;
			e->v.req_bytes -= b->v.req_bytes;
			e->v.resp_bytes -= b->v.resp_bytes;
		}
		if (e->v.count)
			s->endpoints[out++] = *e;
	}
	s->n_endpoints = out;
}

void rx_snapshot__subtract(struct rx_snapshot *s, const struct rx_snapshot *base)
{
	struct rx_snapshot b = *base;
	size_t i, k;

	for (i = 0; i < RX_COUNTER_SLOTS; i++) {
		s->counters[i].packets -= b.counters[i].packets;
		s->counters[i].bytes -= b.counters[i].bytes;
	}
	for (i = 0; i < RX_STAT_MAX; i++)
		s->stats[i] -= b.stats[i];
	for (i = 0; i < RX_SIZE_BUCKETS; i++) {
		s->sizes[i].packets -= b.sizes[i].packets;
		s->sizes[i].bytes -= b.sizes[i].bytes;
	}
	for (i = 0; i < RX_TCPK_MAX; i++)
		s->tcpkinds[i] -= b.tcpkinds[i];
	for (i = 0; i < RX_TCPH_MAX; i++)
		s->health[i] -= b.health[i];
	for (i = 0; i < RX_LAT_MAX; i++) {
		for (k = 0; k < RX_LAT_BUCKETS; k++)
			s->latency[i].count[k] -= b.latency[i].count[k];
		s->latency[i].sum_ns -= b.latency[i].sum_ns;
	}
	/* the base's tables are sorted in place: they belong to the caller's copy */
	subtract_table(s->talkers, &s->n_talkers, base->talkers, base->n_talkers);
	subtract_table(s->services, &s->n_services, base->services, base->n_services);
	subtract_endpoints(s, base);
	s->first_ns = base->last_ns;
}

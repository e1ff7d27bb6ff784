// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The agent's control socket, the server side; see agent.h and agent_wire.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "agent.h"

#define RX_AGENT_MAX 16

struct rx_agent {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	struct rx_source *srcs[RX_AGENT_MAX];
	const char *ifnames[RX_AGENT_MAX];
	int n;
};

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
				  .netns = rx_agent_netns() };
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
		rx_agent_write(c, &h, sizeof(h));
		return;
	}
	if (after)
		rx_source__snapshot_recent(a->srcs[i], &snap, *after);
	else
		rx_source__snapshot(a->srcs[i], &snap);
	h.n_talkers = (__u32)snap.n_talkers;
	h.n_services = (__u32)snap.n_services;
	h.n_endpoints = (__u32)snap.n_endpoints;
	if (!rx_agent_write(c, &h, sizeof(h)) && !rx_agent_write(c, &snap, sizeof(snap)) &&
	    !rx_agent_write(c, snap.talkers, snap.n_talkers * sizeof(*snap.talkers)) &&
	    !rx_agent_write(c, snap.services, snap.n_services * sizeof(*snap.services)))
		rx_agent_write(c, snap.endpoints, snap.n_endpoints * sizeof(*snap.endpoints));
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
	fd = rx_agent_connect(path);
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

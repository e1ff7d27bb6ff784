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
	pthread_mutex_t lock; /* alerts_fn, set after the thread started */
	json_t *(*alerts_fn)(void *user, int history);
	void *alerts_user;
	json_t *(*guard_fn)(void *user, const json_t *req);
	void *guard_user;
};

void rx_agent__guard(struct rx_agent *a, json_t *(*fn)(void *user, const json_t *req), void *user)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->guard_fn = fn;
	a->guard_user = user;
	pthread_mutex_unlock(&a->lock);
}

static void answer_guard(struct rx_agent *a, int c, json_t *req)
{
	json_t *(*fn)(void *user, const json_t *req);
	void *user;

	pthread_mutex_lock(&a->lock);
	fn = a->guard_fn;
	user = a->guard_user;
	pthread_mutex_unlock(&a->lock);
	/* (the guard locks itself: a big list is not answered under the agent's lock) */
	rx_agent_guard_answer_write(c, fn ? fn(user, req) : NULL);
	json_decref(req);
}

void rx_agent__alerts(struct rx_agent *a, json_t *(*fn)(void *user, int history), void *user)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->alerts_fn = fn;
	a->alerts_user = user;
	pthread_mutex_unlock(&a->lock);
}

static void answer_alerts(struct rx_agent *a, int c, int history)
{
	json_t *j = NULL;

	pthread_mutex_lock(&a->lock);
	if (a->alerts_fn)
		j = a->alerts_fn(a->alerts_user, history);
	pthread_mutex_unlock(&a->lock);
	rx_agent_alerts_answer_write(c, j);
}

static void answer(struct rx_agent *a, int c)
{
	struct rx_snapshot snap;
	char req[4096] = { 0 }, ifname[64]; /* (a guard request carries a reason) */
	json_t *guard;
	__u64 after_ns = 0;
	int i, r, has_after, history;

	rx_agent_request_read(c, req, sizeof(req));
	guard = rx_agent_request_guard(req);
	if (guard) {
		answer_guard(a, c, guard);
		return;
	}
	if (rx_agent_request_is_alerts(req, &history)) {
		answer_alerts(a, c, history);
		return;
	}
	r = rx_agent_request_parse(req, ifname, sizeof(ifname), &after_ns, &has_after);
	if (r > 0) {
		/* another version: ours, so that the client can name both */
		rx_agent_answer_write(c, "version", NULL);
		return;
	}
	if (r)
		return; /* not our protocol at all (a version-1 client hears "another build") */
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->ifnames[i], ifname))
			break;
	if (i == a->n) {
		rx_agent_answer_write(c, "unknown interface", NULL);
		return;
	}
	if (has_after)
		rx_source__snapshot_recent(a->srcs[i], &snap, after_ns);
	else
		rx_source__snapshot(a->srcs[i], &snap);
	rx_agent_answer_write(c, "ok", &snap);
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
	pthread_mutex_init(&a->lock, NULL);
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

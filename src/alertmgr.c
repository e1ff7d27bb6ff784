// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Alertmanager sender; see alertmgr.h. A minimal HTTP/1.1 client
 * (plain HTTP: an Alertmanager on loopback or behind a local proxy), one
 * connection per POST, every step under a timeout.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "alertmgr.h"
#include "rxray.h"

#define AM_TIMEOUT_MS 2000
#define AM_RETRY_MAX_S 30 /* the longest wait between retries */

struct rx_alertmgr {
	enum rx_alertmgr_kind kind;
	const char *opt; /* the option, for errors: "--alertmanager" */
	char host[256], port[8], path[512];
	char generator[256];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	json_t *queue; /* the alerts waiting, in Alertmanager's form, oldest first */
	struct rx_alertmgr_stats st;
};

/* url's host, port and path into m (NULL: check only); 0 or -EINVAL with *why. */
static int url_parse(struct rx_alertmgr *m, const char *url, const char **why)
{
	const char *h, *slash, *colon;
	size_t hl;
	unsigned long port;

	*why = "expected http://HOST:PORT, e.g. http://127.0.0.1:9093";
	if (strncmp(url, "http://", 7))
		return -EINVAL;
	h = url + 7;
	slash = strchr(h, '/');
	hl = slash ? (size_t)(slash - h) : strlen(h);
	colon = memchr(h, ':', hl);
	if (!colon || colon == h || (size_t)(colon - h) >= 256 ||
	    strspn(colon + 1, "0123456789") != hl - (size_t)(colon - h) - 1 || hl - (size_t)(colon - h) - 1 > 5)
		return -EINVAL;
	port = strtoul(colon + 1, NULL, 10);
	if (port < 1 || port > 65535 || (slash && strlen(slash) >= 480))
		return -EINVAL;
	if (m) {
		memcpy(m->host, h, (size_t)(colon - h));
		m->host[colon - h] = 0;
		snprintf(m->port, sizeof(m->port), "%lu", port);
		/* the API's path after the given one (an Alertmanager under a route prefix) */
		hl = slash ? strcspn(slash, "?#") : 0;
		while (hl && slash[hl - 1] == '/')
			hl--;
		if (m->kind == RX_ALERTMGR_WEBHOOK) /* the receiver's own path, as given */
			snprintf(m->path, sizeof(m->path), "%.*s", (int)(slash ? strcspn(slash, "#") : 1),
				 slash ? slash : "/");
		else
			snprintf(m->path, sizeof(m->path), "%.*s/api/v2/alerts", (int)hl,
				 slash ? slash : "");
	}
	return 0;
}

int rx_alertmgr_url_check(const char *url, const char **why)
{
	return url_parse(NULL, url, why);
}

/* A connected socket to host:port within AM_TIMEOUT_MS, or -1. */
static int am_connect(const struct rx_alertmgr *m)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct pollfd p;
	int fd = -1, err;
	socklen_t el = sizeof(err);

	if (getaddrinfo(m->host, m->port, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (errno == EINPROGRESS && poll(&p, 1, AM_TIMEOUT_MS) == 1 &&
		    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) && !err)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* All of len bytes to fd within the timeout: 0, or -1. */
static int am_write(int fd, const char *s, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (len) {
		ssize_t n;

		if (poll(&p, 1, AM_TIMEOUT_MS) != 1)
			return -1;
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* POST body; the HTTP status (2xx: accepted), or -1. */
static int am_post(const struct rx_alertmgr *m, const char *body)
{
	char head[1024], resp[256];
	struct pollfd p;
	size_t got = 0;
	int fd = am_connect(m), status = -1, hl;

	if (fd < 0)
		return -1;
	hl = snprintf(head, sizeof(head),
		      "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: rxray/" RX_VERSION
		      "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n",
		      m->path, m->host, m->port, strlen(body));
	if (hl > 0 && (size_t)hl < sizeof(head) && !am_write(fd, head, (size_t)hl) &&
	    !am_write(fd, body, strlen(body))) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		while (got < sizeof(resp) - 1 && !memchr(resp, '\n', got) &&
		       poll(&p, 1, AM_TIMEOUT_MS) == 1) {
			ssize_t n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		resp[got] = 0;
		if (!strncmp(resp, "HTTP/1.", 7) && got > 12)
			status = atoi(resp + 9);
	}
	close(fd);
	return status;
}

/* The labels (or annotations) every alert of the batch has, with the same value. */
static json_t *common(const json_t *batch, const char *what)
{
	json_t *c = json_deep_copy(json_object_get(json_array_get(batch, 0), what)), *a, *v;
	const char *k;
	void *tmp;
	size_t i;

	if (!c)
		return json_object();
	json_array_foreach(batch, i, a) {
		json_object_foreach_safe(c, tmp, k, v) {
			if (!json_equal(v, json_object_get(json_object_get(a, what), k)))
				json_object_del(c, k);
		}
	}
	return c;
}

/*
 * Alertmanager's webhook message (version 4) of the batch: one group, the
 * root route's ({}:{}, no group labels), firing while any alert of it is.
 */
static json_t *webhook_msg(const struct rx_alertmgr *m, json_t *b)
{
	const char *status = "resolved";
	char ext[256];
	json_t *o;
	size_t i;

	json_array_foreach(b, i, o) {
		if (!strcmp(json_string_value(json_object_get(o, "status")), "firing"))
			status = "firing";
	}
	/* the externalURL: the generator's scheme and authority (serve's listener) */
	snprintf(ext, sizeof(ext), "%s", m->generator);
	if (strstr(ext, "://") && strchr(strstr(ext, "://") + 3, '/'))
		*strchr(strstr(ext, "://") + 3, '/') = 0;
	return json_pack("{ss ss si ss ss s{} so so ss sO}", "version", "4", "groupKey", "{}:{}",
			 "truncatedAlerts", 0, "status", status, "receiver", "rxray", "groupLabels",
			 "commonLabels", common(b, "labels"), "commonAnnotations",
			 common(b, "annotations"), "externalURL", ext, "alerts", b);
}

/* The POST's body: the batch without the fingerprints kept for the queue. */
static char *am_body(const struct rx_alertmgr *m, const json_t *batch)
{
	json_t *b = json_deep_copy(batch), *o;
	char *s;
	size_t i;

	json_array_foreach(b, i, o) {
		if (m->kind == RX_ALERTMGR_WEBHOOK) /* its "fingerprint" is the same one */
			json_object_set(o, "fingerprint", json_object_get(o, "_fp"));
		json_object_del(o, "_fp");
	}
	if (b && m->kind == RX_ALERTMGR_WEBHOOK) {
		o = webhook_msg(m, b);
		json_decref(b);
		b = o;
	}
	s = b ? json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(b);
	return s;
}

static void *am_thread(void *arg)
{
	struct rx_alertmgr *m = arg;
	unsigned int backoff = 0;
	struct timespec until;
	json_t *batch;
	char *body;
	int status;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		if (!json_array_size(m->queue) || backoff) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += backoff ? backoff : 3600;
			pthread_cond_timedwait(&m->wake, &m->lock, &until);
			if (m->stop || !json_array_size(m->queue))
				continue;
		}
		/* the whole queue in one POST; what arrives meanwhile waits for the next */
		batch = m->queue;
		m->queue = json_array();
		pthread_mutex_unlock(&m->lock);
		body = am_body(m, batch);
		status = body ? am_post(m, body) : -1;
		free(body);
		pthread_mutex_lock(&m->lock);
		if (status >= 200 && status < 300) {
			m->st.sent += json_array_size(batch);
			backoff = 0;
		} else {
			/* retried: back in front, newer states of the same alerts after them */
			m->st.failed++;
			json_array_extend(batch, m->queue);
			json_decref(m->queue);
			m->queue = json_incref(batch);
			while (json_array_size(m->queue) > RX_ALERTMGR_QUEUE) {
				json_array_remove(m->queue, 0);
				m->st.undelivered++;
			}
			backoff = backoff ? (backoff * 2 > AM_RETRY_MAX_S ? AM_RETRY_MAX_S : backoff * 2) : 1;
		}
		json_decref(batch);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

struct rx_alertmgr *rx_alertmgr__start(const char *url, const char *generator)
{
	return rx_alertmgr__start_kind(url, generator, RX_ALERTMGR_API_V2);
}

struct rx_alertmgr *rx_alertmgr__start_kind(const char *url, const char *generator,
					    enum rx_alertmgr_kind kind)
{
	struct rx_alertmgr *m = calloc(1, sizeof(*m));
	const char *why;

	if (!m) {
		rx_err("out of memory");
		return NULL;
	}
	m->kind = kind;
	m->opt = kind == RX_ALERTMGR_WEBHOOK ? "--alert-webhook" : "--alertmanager";
	if (url_parse(m, url, &why)) {
		rx_err("%s %s: %s", m->opt, url, why);
		free(m);
		return NULL;
	}
	snprintf(m->generator, sizeof(m->generator), "%s", generator);
	m->queue = json_array();
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	if (pthread_create(&m->thread, NULL, am_thread, m)) {
		rx_err("%s %s: cannot start its thread", m->opt, url);
		json_decref(m->queue);
		free(m);
		return NULL;
	}
	return m;
}

void rx_alertmgr__stop(struct rx_alertmgr *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	json_decref(m->queue);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
	free(m);
}

/* An alert object in Alertmanager's form. */
static json_t *am_alert(const struct rx_alertmgr *m, const json_t *a, double resend_s)
{
	json_t *o = json_pack("{sOsOsOss}", "labels", json_object_get(a, "labels"), "annotations",
			      json_object_get(a, "annotations"), "startsAt",
			      json_object_get(a, "startsAt"), "generatorURL", m->generator);
	json_t *ends = json_object_get(a, "endsAt");
	char ts[64];
	__u64 ns;
	time_t t;
	struct tm tm;

	if (!o)
		return NULL;
	if (m->kind == RX_ALERTMGR_WEBHOOK) {
		/* as Alertmanager's webhook: its status; a firing alert's endsAt is the zero time */
		json_object_set(o, "status", json_object_get(a, "state"));
		json_object_set_new(o, "endsAt", ends ? json_incref(ends) : json_string("0001-01-01T00:00:00Z"));
		return o;
	}
	if (ends) {
		json_object_set(o, "endsAt", ends);
		return o;
	}
	ns = (__u64)rx_clock_ns(CLOCK_REALTIME) + (__u64)(4 * resend_s * 1e9);
	t = (time_t)(ns / 1000000000ull);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "endsAt", json_string(ts));
	return o;
}

void rx_alertmgr__push(struct rx_alertmgr *m, const json_t *alert, double resend_s)
{
	const char *fp = json_string_value(json_object_get(alert, "fingerprint"));
	json_t *o = am_alert(m, alert, resend_s), *q;
	size_t i;

	if (!o)
		return;
	json_object_set_new(o, "_fp", json_string(fp ? fp : "")); /* removed before sending */
	pthread_mutex_lock(&m->lock);
	/*
	 * A newer state of a queued alert replaces it for Alertmanager (its
	 * latest state is all it keeps). A webhook is told each change: only a
	 * queued entry of the same state is replaced, so a receiver that was
	 * down sees "firing" before "resolved".
	 */
	json_array_foreach(m->queue, i, q) {
		if (fp && !strcmp(json_string_value(json_object_get(q, "_fp")), fp) &&
		    (m->kind != RX_ALERTMGR_WEBHOOK ||
		     json_equal(json_object_get(q, "status"), json_object_get(o, "status")))) {
			json_array_remove(m->queue, i);
			break;
		}
	}
	json_array_append_new(m->queue, o);
	while (json_array_size(m->queue) > RX_ALERTMGR_QUEUE) {
		json_array_remove(m->queue, 0);
		m->st.undelivered++;
	}
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
}

void rx_alertmgr__stats(struct rx_alertmgr *m, struct rx_alertmgr_stats *s)
{
	pthread_mutex_lock(&m->lock);
	*s = m->st;
	s->queued = json_array_size(m->queue);
	pthread_mutex_unlock(&m->lock);
}

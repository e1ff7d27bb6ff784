// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The agent's control socket protocol, both ends; see agent_wire.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <jansson.h>
#include "agent_wire.h"
#include "snapshot_json.h"

const char *rx_agent_path(void)
{
	const char *p = getenv("RXRAY_AGENT");

	return p && *p ? p : RX_AGENT_SOCK;
}

__u64 rx_agent_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u64)st.st_ino;
}

int rx_agent_write(int fd, const void *buf, size_t len)
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

void rx_agent_request_read(int fd, char *line, size_t size)
{
	size_t len = 0;

	while (len < size - 1 && !memchr(line, '\n', len)) {
		ssize_t n = read(fd, line + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	line[len] = 0;
	line[strcspn(line, "\n")] = 0;
}

int rx_agent_connect(const char *path)
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

/* ---- the messages: one JSON line each way (protocol RX_AGENT_PROTO) ----------------- */

/* One message: j as one compact JSON line, then j released (NULL: out of memory). */
static int write_line(int fd, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int r = -1;

	if (s)
		r = rx_agent_write(fd, s, strlen(s)) || rx_agent_write(fd, "\n", 1) ? -1 : 0;
	free(s);
	json_decref(j);
	return r;
}

int rx_agent_request_write(int fd, const char *ifname, const __u64 *after)
{
	json_t *j = json_pack("{sissss}", RX_AGENT_KEY, RX_AGENT_PROTO, "op",
			      after ? "recent" : "snap", "interface", ifname);

	if (j && after)
		json_object_set_new(j, "after_ns", json_integer((json_int_t)*after));
	return write_line(fd, j);
}

/* The version a message says it speaks (its RX_AGENT_KEY), or 0 when it says none. */
static int message_version(const json_t *j)
{
	json_t *v = json_object_get(j, RX_AGENT_KEY);

	return json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < INT32_MAX
		       ? (int)json_integer_value(v)
		       : 0;
}

int rx_agent_request_parse(const char *line, char *ifname, size_t n, __u64 *after_ns,
			   int *has_after)
{
	json_t *j = json_loads(line, 0, NULL), *a;
	const char *op = NULL, *ifn = NULL;
	int v, r = -EPROTO;

	*has_after = 0;
	v = message_version(j);
	if (v && v != RX_AGENT_PROTO) {
		r = v;
		goto out;
	}
	if (!v || json_unpack(j, "{ssss}", "op", &op, "interface", &ifn) || strlen(ifn) >= n)
		goto out;
	a = json_object_get(j, "after_ns");
	if (!strcmp(op, "recent") && json_is_integer(a) && json_integer_value(a) >= 0) {
		*after_ns = (__u64)json_integer_value(a);
		*has_after = 1;
	} else if (strcmp(op, "snap")) {
		goto out;
	}
	strcpy(ifname, ifn);
	r = 0;
out:
	json_decref(j);
	return r;
}

int rx_agent_answer_write(int fd, const char *status, const struct rx_snapshot *snap)
{
	json_t *j = json_pack("{sisssI}", RX_AGENT_KEY, RX_AGENT_PROTO, "status", status, "netns",
			      (json_int_t)rx_agent_netns());

	if (j && snap)
		json_object_set_new(j, "snapshot", rx_snapshot__to_json(snap));
	return write_line(fd, j);
}

/* All the peer sends until it closes, at most max bytes, NUL-ended; NULL on failure. */
static char *read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1), *nb;

	while (buf) {
		ssize_t k = read(fd, buf + n, cap - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n == cap) {
			nb = cap < max ? realloc(buf, 2 * cap + 1) : NULL;
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

int rx_agent_answer_read(int fd, struct rx_snapshot *snap, int *peer_version)
{
	size_t len = 0;
	char *buf = read_all(fd, 256u << 20, &len);
	json_t *j = buf ? json_loadb(buf, len, 0, NULL) : NULL;
	const char *status = NULL;
	json_int_t netns = 0;
	int r = -EPROTO;

	memset(snap, 0, sizeof(*snap));
	*peer_version = message_version(j);
	/* a raw answer of protocol 1 (before versions): its header starts with its magic */
	if (!j && len >= 4 && !memcmp(buf, &(__u32){ RX_AGENT_MAGIC }, 4))
		*peer_version = 1;
	if (*peer_version != RX_AGENT_PROTO) {
		r = -EPROTONOSUPPORT;
		goto out;
	}
	if (json_unpack(j, "{sssI}", "status", &status, "netns", &netns))
		goto out;
	if (!strcmp(status, "unknown interface") || (__u64)netns != rx_agent_netns()) {
		r = -ESRCH; /* an interface of the same name in another namespace is another one */
		goto out;
	}
	if (!strcmp(status, "ok") && !rx_snapshot__from_json(snap, json_object_get(j, "snapshot")))
		r = 0;
out:
	json_decref(j);
	free(buf);
	return r;
}

/* ---- the "alerts" request ------------------------------------------------------------ */

int rx_agent_alerts_request_write(int fd, int history)
{
	return write_line(fd, json_pack("{sisssb}", RX_AGENT_KEY, RX_AGENT_PROTO, "op", "alerts",
					"history", history));
}

int rx_agent_request_is_alerts(const char *line, int *history)
{
	json_t *j = json_loads(line, 0, NULL);
	const char *op = json_string_value(json_object_get(j, "op"));
	int r = message_version(j) == RX_AGENT_PROTO && op && !strcmp(op, "alerts");

	*history = json_is_true(json_object_get(j, "history"));
	json_decref(j);
	return r;
}

int rx_agent_alerts_answer_write(int fd, json_t *alerts)
{
	json_t *j = json_pack("{sisssI}", RX_AGENT_KEY, RX_AGENT_PROTO, "status",
			      alerts ? "ok" : "unavailable", "netns", (json_int_t)rx_agent_netns());

	if (j && alerts)
		json_object_set_new(j, "alerts", alerts);
	else
		json_decref(alerts);
	return write_line(fd, j);
}

int rx_agent_alerts_answer_read(int fd, json_t **alerts, int *peer_version)
{
	size_t len = 0;
	char *buf = read_all(fd, 64u << 20, &len);
	json_t *j = buf ? json_loadb(buf, len, 0, NULL) : NULL, *a;
	int r = -EPROTO;

	*alerts = NULL;
	*peer_version = message_version(j);
	if (j && *peer_version != RX_AGENT_PROTO) {
		r = -EPROTONOSUPPORT;
	} else if (json_is_object(a = json_object_get(j, "alerts"))) {
		*alerts = json_incref(a);
		r = 0;
	}
	json_decref(j);
	free(buf);
	return r;
}

int rx_agent_alerts(const char *path, int history, json_t **alerts, int *peer_version)
{
	int fd = rx_agent_connect(path), r;

	*alerts = NULL;
	*peer_version = 0;
	if (fd < 0)
		return 1; /* (errno: the connect's) */
	r = rx_agent_alerts_request_write(fd, history) ? -EPROTO
						       : rx_agent_alerts_answer_read(fd, alerts, peer_version);
	close(fd);
	return r;
}

/* ---- the "guard" request ------------------------------------------------------------- */

int rx_agent_guard_request_write(int fd, const json_t *guard)
{
	return write_line(fd, json_pack("{sisssO}", RX_AGENT_KEY, RX_AGENT_PROTO, "op", "guard",
					"guard", guard));
}

json_t *rx_agent_request_guard(const char *line)
{
	json_t *j = json_loads(line, 0, NULL), *g = NULL;
	const char *op = json_string_value(json_object_get(j, "op"));

	if (message_version(j) == RX_AGENT_PROTO && op && !strcmp(op, "guard") &&
	    json_is_object(json_object_get(j, "guard")))
		g = json_incref(json_object_get(j, "guard"));
	json_decref(j);
	return g;
}

int rx_agent_guard_answer_write(int fd, json_t *answer)
{
	json_t *j = answer ? answer : json_pack("{ss}", "status", "unavailable");

	if (j)
		json_object_set_new(j, RX_AGENT_KEY, json_integer(RX_AGENT_PROTO));
	return write_line(fd, j);
}

int rx_agent_guard_answer_read(int fd, json_t **answer, int *peer_version)
{
	size_t len = 0;
	char *buf = read_all(fd, 256u << 20, &len);
	json_t *j = buf ? json_loadb(buf, len, 0, NULL) : NULL;
	int r = -EPROTO;

	*answer = NULL;
	*peer_version = message_version(j);
	if (j && *peer_version != RX_AGENT_PROTO) {
		r = -EPROTONOSUPPORT;
	} else if (json_is_string(json_object_get(j, "status"))) {
		*answer = json_incref(j);
		r = 0;
	}
	json_decref(j);
	free(buf);
	return r;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray serve: the long-running agent. Attaches the datapath to each -i
 * interface (traffic picture on, capture off, or sampled for alert evidence
 * with alert-pcap-dir: alertpcap.h) and serves, on loopback by
 * default, the Prometheus exposition (/metrics) and the picture as JSON
 * (/api/stats) with libmicrohttpd, and a live page of it (/, src/web.c).
 * Counter reads happen per request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "agent.h"
#include "alertd.h"
#include "alertmgr.h"
#include "guard.h"
#include "metrics.h"
#include "params.h"
#include "picture.h"
#include "procmap.h"
#include "webauth.h"
#include "webconfig.h"
#include "web.h"

#define SERVE_MAX_IFACES 16

struct serve {
	struct rx_source *src[SERVE_MAX_IFACES];
	const char *ifname[SERVE_MAX_IFACES];
	int n;
	size_t top;
	struct rx_webauth *auth; /* NULL: no --web-config */
	struct rx_alertd *alerts;
	struct rx_guard *guard;
	struct rx_procmap *procmap; /* the rows' processes (procmap.h), NULL if out of memory */
	pthread_mutex_t procmap_lock;
};

static const char serve_usage[] =
	"Usage: rxray serve -i IFACE [-i IFACE ...] [--listen ADDR:PORT] [--top N] [--pin]\n"
	"                   [--control PATH] [--config FILE] [--web-config FILE]\n"
	"                   [--route PATTERN ...] [--alertmanager URL] [--alert-webhook URL]\n"
	"                   [--alert-log FILE] [--guard-log FILE]\n"
	"\n"
	"Attach to each IFACE and serve, until SIGINT/SIGTERM:\n"
	"  GET /metrics     Prometheus text exposition (docs/metrics.md)\n"
	"  GET /api/stats   the traffic picture of each interface as JSON\n"
	"  GET /api/alerts  the alerts firing and recently resolved (docs/alerts.md)\n"
	"  GET /            a live page of it (endpoints, talkers, services, TCP health),\n"
	"                   refreshed every second, read-only\n"
	"\n"
	"  -i, --interface IFACE  attach here (repeatable, up to 16)\n"
	"      --listen ADDR:PORT where to serve (default 127.0.0.1:9464; [::1]:PORT for IPv6);\n"
	"                         beyond loopback, give --web-config too\n"
	"      --web-config FILE  TLS and basic auth, in the Prometheus exporters' web config\n"
	"                         format (YAML: tls_server_config, basic_auth_users; see\n"
	"                         docs/config.md)\n"
	"      --top N            talkers and services exported per interface (default 50)\n"
	"      --config FILE      settings from FILE (docs/config.md); later options override\n"
	"                         (route and interface lines add up)\n"
	"      --route PATTERN    name matching paths by PATTERN, e.g. /api/{version}/items/{sku}\n"
	"                         or /static/* (repeat; tried in order before {id}/{uuid}/{hex})\n"
	"      --alertmanager URL send alerts to this Alertmanager (API v2), e.g.\n"
	"                         http://127.0.0.1:9093\n"
	"      --alert-webhook URL post each alert's changes there in Alertmanager's webhook\n"
	"                         JSON, e.g. http://127.0.0.1:5001/hook\n"
	"      --alert-log FILE   append each alert's changes there as JSON lines (default: stdout)\n"
	"      --alert-resend S   send firing alerts to Alertmanager again every S seconds\n"
	"                         (default 60); thresholds: alert-* keys in --config\n"
	"      --guard-log FILE   append every action of the guard (rxray guard, TTLs) there as\n"
	"                         JSON lines (docs/guard.md); rules: guard-* keys in --config\n"
	"      --control PATH     the 0600 control socket that top and stats -i use\n"
	"                         (default " RX_AGENT_SOCK ")\n"
	"      --pin              keep maps and links in /sys/fs/bpf/rxray/IFACE: counting goes on\n"
	"                         without the agent and a restarted agent continues the counters\n"
	"                         (rm -r /sys/fs/bpf/rxray/IFACE detaches and forgets)\n"
	"  -h, --help             this text\n";

/* Settings, from the command line and --config alike (see docs/config.md). */
struct serve_cfg {
	struct rx_params p; /* (its fields unused: every option goes through set_opt) */
	const char *ifname[SERVE_MAX_IFACES];
	int n;
	const char *listen;
	const char *control;
	const char *web_config;
	unsigned long top;
	int pin;
	struct rx_patterns routes;
	struct rx_alertd_opts alerts;
	struct rx_guard_conf guard;
};

/*
 * Apply one setting; where names its origin for the error ("-i", or
 * "FILE:LINE"). 0, or RX_EXIT_INPUT after the error.
 */
static int set_opt(struct serve_cfg *c, const char *key, const char *val, const char *where)
{
	const char *why = NULL;
	unsigned long n;
	int i, r;

	if (!strcmp(key, "interface")) {
		if (c->n == SERVE_MAX_IFACES) {
			rx_err("%s %s: at most %d interfaces", where, val, SERVE_MAX_IFACES);
			return RX_EXIT_INPUT;
		}
		for (i = 0; i < c->n; i++)
			if (!strcmp(c->ifname[i], val)) {
				rx_err("%s %s: given twice", where, val);
				return RX_EXIT_INPUT;
			}
		c->ifname[c->n++] = val;
	} else if (!strcmp(key, "listen")) {
		c->listen = val;
	} else if (!strcmp(key, "route")) {
		return rx_patterns_opt(&c->routes, val, where);
	} else if (!strcmp(key, "control")) {
		c->control = val;
	} else if (!strcmp(key, "web-config")) {
		c->web_config = val;
	} else if (!strcmp(key, "top")) {
		if (rx_parse_uint(val, 1, 1000, &c->top)) {
			rx_err("%s %s: expected 1..1000", where, val);
			return RX_EXIT_INPUT;
		}
	} else if (!strcmp(key, "alertmanager")) {
		const char *why;

		if (rx_alertmgr_url_check(val, &why)) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
		c->alerts.alertmanager = val;
	} else if (!strcmp(key, "alert-webhook")) {
		const char *why;

		if (rx_alertmgr_url_check(val, &why)) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
		c->alerts.webhook = val;
	} else if (!strcmp(key, "alert-detectors")) {
		if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "1")) {
			c->alerts.off = 0;
		} else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "0")) {
			c->alerts.off = 1;
		} else {
			rx_err("%s %s: expected true or false", where, val);
			return RX_EXIT_INPUT;
		}
	} else if (!strcmp(key, "alert-log")) {
		c->alerts.log_path = val;
	} else if (!strcmp(key, "alert-resend")) {
		if (rx_parse_uint(val, 1, 86400, &n)) {
			rx_err("%s %s: expected 1..86400 seconds", where, val);
			return RX_EXIT_INPUT;
		}
		c->alerts.resend_s = (double)n;
	} else if (!strcmp(key, "slo")) {
		char err[256];

		if (rx_alerts_cfg__slo(&c->alerts.cfg, val, err, sizeof(err))) {
			rx_err("%s: %s", where, err);
			return RX_EXIT_INPUT;
		}
	} else if (!strncmp(key, "alert-pcap-", 11) &&
		   (r = rx_alertpcap_opts__set(&c->alerts.pcap, key, val, &why)) != -ENOENT) {
		if (r) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
	} else if (!strncmp(key, "alert-", 6) && (r = rx_alerts_cfg__set(&c->alerts.cfg, key, val, &why)) != -ENOENT) {
		if (r) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
	} else if (!strcmp(key, "pin")) {
		if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "1")) {
			c->pin = 1;
		} else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "0")) {
			c->pin = 0;
		} else {
			rx_err("%s %s: expected true or false", where, val);
			return RX_EXIT_INPUT;
		}
	} else if (!strncmp(key, "guard", 5) &&
		   (r = rx_guard_conf__set(&c->guard, key, val, where)) != -ENOENT) {
		return r;
	} else {
		rx_err("%s: unknown key (known: interface, listen, top, pin, control, route, web-config, "
		       "alertmanager, alert-webhook, alert-log, alert-resend, alert-detectors, "
		       RX_ALERTPCAP_KEYS ", %s, " RX_GUARD_CONF_KEYS ")",
		       where, rx_alerts_cfg_keys);
		return RX_EXIT_INPUT;
	}
	return 0;
}

/* One key of the configuration file (rx_config__read); values outlive the file: the settings point at them. */
static int config_pair(void *user, const char *key, char *val, const char *where)
{
	char *v = strdup(val);

	if (!v) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	return set_opt(user, key, v, where);
}

/* The configuration file. Options given after --config on the command line override it. */
static int read_config(struct serve_cfg *c, const char *path)
{
	return rx_config__read(path, config_pair, c);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned int status,
				   const char *msg, const char *url)
{
	json_t *j = json_pack("{sssss[ss]}", "error", msg, "path", url, "paths", "/metrics",
			      "/api/stats");
	char *s;

	/* a path that is not UTF-8 cannot be a JSON string: answer without it */
	if (!j)
		j = json_pack("{sss[ss]}", "error", msg, "paths", "/metrics", "/api/stats");
	s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!s)
		return MHD_NO;
	return reply(c, status, "application/json", s, strlen(s));
}

/* The k-th largest (from 0) of v[0..n), k < n: a quickselect, v reordered. */
static __u64 nth_largest(__u64 *v, ssize_t n, ssize_t k)
{
	ssize_t lo = 0, hi = n - 1;

	while (lo < hi) {
		__u64 pivot = v[lo + (hi - lo) / 2], x;
		ssize_t i = lo, j = hi;

		while (i <= j) { /* [lo, i) >= pivot, (j, hi] <= pivot */
			while (v[i] > pivot)
				i++;
			while (v[j] < pivot)
				j--;
			if (i <= j) {
				x = v[i];
				v[i++] = v[j];
				v[j--] = x;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k]; /* between the two: equal to the pivot */
	}
	return v[k];
}

/*
 * Only the top N talkers and services are exported one by one, the rest
 * summed. Every entry with at least the N-th largest packet count goes to
 * the front, and their number is returned: the top N in rx_snapshot__sort's
 * order are among them, so sorting those alone gives the same series as
 * sorting the whole table (8,192 talkers when full) at a fraction of it.
 */
static size_t top_to_front(struct rx_keyed *t, size_t n, size_t top)
{
	__u64 *v, least;
	struct rx_keyed x;
	size_t i, m = 0;

	if (n <= top || !top || !(v = malloc(n * sizeof(*v))))
		return n;
	for (i = 0; i < n; i++)
		v[i] = t[i].c.packets;
	least = nth_largest(v, (ssize_t)n, (ssize_t)top - 1);
	free(v);
	for (i = 0; i < n; i++) {
		if (t[i].c.packets < least)
			continue;
		x = t[m];
		t[m++] = t[i];
		t[i] = x;
	}
	return m;
}

/* The top talkers and services first, in order; the rest after them, in none. */
static void sort_top(struct rx_snapshot *s, size_t top)
{
	struct rx_snapshot head = *s;

	head.n_talkers = top_to_front(s->talkers, s->n_talkers, top);
	head.n_services = top_to_front(s->services, s->n_services, top);
	rx_snapshot__sort(&head);
}

static enum MHD_Result serve_metrics(struct serve *sv, struct MHD_Connection *c)
{
	struct rx_snapshot snap[SERVE_MAX_IFACES];
	struct rx_buf b = { 0 };
	int i;

	for (i = 0; i < sv->n; i++) {
		rx_source__snapshot(sv->src[i], &snap[i]);
		sort_top(&snap[i], sv->top);
	}
	rx_metrics_write(&b, sv->n, sv->ifname, snap, sv->top);
	rx_alertd__metrics(sv->alerts, &b);
	if (sv->guard)
		rx_guard__metrics(sv->guard, &b);
	for (i = 0; i < sv->n; i++)
		rx_snapshot__free(&snap[i]);
	if (b.oom) {
		rx_buf__free(&b);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", "/metrics");
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.s, b.len);
}

static enum MHD_Result serve_stats(struct serve *sv, struct MHD_Connection *c)
{
	json_t *root = json_pack("{s{si}}", "rxray", "schema", RX_JSON_SCHEMA), *l = json_array();
	struct rx_snapshot snap;
	struct rx_totals t;
	char *s;
	int i;

	for (i = 0; i < sv->n; i++) {
		json_t *o;

		rx_source__snapshot(sv->src[i], &snap);
		sort_top(&snap, sv->top);
		rx_snapshot__sum(&snap, &t);
		o = rx_picture_json(&snap, &t, sv->top);
		if (sv->procmap) {
			volatile struct rx_config_rt *rt;

			pthread_mutex_lock(&sv->procmap_lock);
			rx_procmap__kernel(sv->procmap, rx_source__bpf(sv->src[i], &rt));
			rx_procmap__annotate(sv->procmap, o);
			pthread_mutex_unlock(&sv->procmap_lock);
		}
		json_object_set_new(o, "interface", json_string(sv->ifname[i]));
		json_array_append_new(l, o);
		rx_snapshot__free(&snap);
	}
	json_object_set_new(root, "interfaces", l);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
	json_decref(root);
	if (!s)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", "/api/stats");
	return reply(c, MHD_HTTP_OK, "application/json", s, strlen(s));
}

static enum MHD_Result serve_alerts(struct serve *sv, struct MHD_Connection *c)
{
	json_t *root = rx_alertd__json(sv->alerts, 1);
	char *s;

	json_object_set_new(root, "rxray", json_pack("{si}", "schema", RX_JSON_SCHEMA));
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
	json_decref(root);
	if (!s)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", "/api/alerts");
	return reply(c, MHD_HTTP_OK, "application/json", s, strlen(s));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct serve *sv = cls;
	enum MHD_Result ret;
	const struct rx_web_file *page;

	(void)version;
	(void)upload;
	/* who may ask comes first: a refused client learns nothing else */
	if (!*state && !rx_webauth__request(sv->auth, c, &ret))
		return ret;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		*upload_size = 0;
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET", url);
	}
	if (!*state) { /* first call: headers only */
		*state = sv;
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics"))
		return serve_metrics(sv, c);
	if (!strcmp(url, "/api/stats"))
		return serve_stats(sv, c);
	if (!strcmp(url, "/api/alerts"))
		return serve_alerts(sv, c);
	page = rx_web_find(url);
	if (page)
		return rx_web_reply(c, page);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "unknown path", url);
}

/* "127.0.0.1:9464", "[::1]:9464" or ":9464" (loopback) into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[64];
	const char *colon;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -1;
		hl = (size_t)(colon - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = 0;
		if (!hl)
			strcpy(host, "127.0.0.1");
	}
	if (rx_parse_uint(colon + 1, 1, 65535, &port))
		return -1;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104: what only this host reaches */
static int is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (ss->ss_family == AF_INET)
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/*
 * Beyond loopback, one line on what the listener gives away: without TLS
 * the metrics (and any password) cross the network in cleartext; without
 * users or client certificates anyone who reaches it reads them.
 */
static void warn_exposed(const char *addr, const struct sockaddr_storage *ss,
			 const struct rx_webconfig *w)
{
	const char *risk;

	if (is_loopback(ss))
		return;
	if (!w->tls && !w->n_users)
		risk = "metrics go to the network unauthenticated and in cleartext (give "
		       "--web-config with tls_server_config and basic_auth_users)";
	else if (!w->tls)
		risk = "basic-auth passwords and metrics go to the network in cleartext "
		       "(no tls_server_config)";
	else if (!w->n_users && !w->verify_client)
		risk = "metrics go to the network unauthenticated (no basic_auth_users)";
	else
		return;
	fprintf(stderr, "rxray: warning: --listen %s is not loopback: %s\n", addr, risk);
}

#define HTTP_LOG_PER_MIN 10

/*
 * libmicrohttpd's messages (a failed TLS handshake, a refused start) as
 * rxray's lines, at most HTTP_LOG_PER_MIN a minute: a scanner knocking on a
 * listener beyond loopback must not flood the log.
 */
static void http_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t minute;
	static unsigned int n;
	char msg[256];
	time_t now = time(NULL) / 60;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	pthread_mutex_lock(&lock);
	if (now != minute) {
		minute = now;
		n = 0;
	}
	if (++n <= HTTP_LOG_PER_MIN)
		fprintf(stderr, "rxray: http server: %s%s\n", msg,
			n == HTTP_LOG_PER_MIN ? " (more this minute are not shown)" : "");
	pthread_mutex_unlock(&lock);
}

/* The HTTP server on the bound socket fd, with TLS if w says so; NULL on failure. */
static struct MHD_Daemon *http_start(struct serve *sv, const struct rx_webconfig *w, int fd)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem web[RX_WEB_MHD_OPTS];

	rx_webconfig__mhd(w, &flags, web);
	/* (the logger first: libmicrohttpd's own would print the other options' complaints) */
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv, MHD_OPTION_EXTERNAL_LOGGER,
				http_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_ARRAY, web,
				MHD_OPTION_END);
}

/* --web-config FILE (or none) into w, and sv's authenticator when it names users. */
static int web_setup(struct serve *sv, struct rx_webconfig *w, const char *path)
{
	int r;

	memset(w, 0, sizeof(*w));
	if (!path)
		return 0;
	r = rx_webconfig__load(w, path);
	if (!r && (w->n_users || w->verify_client))
		r = rx_webauth__new(&sv->auth, w);
	if (r)
		rx_webconfig__free(w);
	return r;
}

/* The control socket's "alerts" answer (agent.h). */
static json_t *serve_alerts_json(void *user, int history)
{
	struct serve *sv = user;

	return rx_alertd__json(sv->alerts, history);
}

/* An alert's change: the guard's automatic action (guard-auto), if any. */
static const char *serve_on_alert(void *user, const json_t *alert)
{
	return rx_guard__on_alert(user, alert);
}

/* Each interface's window: the guard's SLO loop (guard-slo), if on. */
static void serve_on_window(void *user, const char *ifname, const struct rx_snapshot *w)
{
	rx_guard__on_window(user, ifname, w);
}

/* The control socket's guard requests: `rxray guard` is the operator's ("manual"). */
static json_t *serve_guard_json(void *user, const json_t *req)
{
	return rx_guard__request(user, req, "manual");
}

/* An option of the command line: a setting named as in the file, or the file itself. */
static int serve_opt(void *cfg, const struct rx_option *o, const char *arg)
{
	if (!strcmp(o->name, "config"))
		return read_config(cfg, arg);
	return set_opt(cfg, o->name, arg ? arg : "true", o->label);
}

#define SERVE_OPT(name_, label_, arg_) \
	{ .name = name_, .type = RX_OPT_FN, .label = label_, .has_arg = arg_, .fn = serve_opt }

static const struct rx_option serve_options[] = {
	{ .name = "interface", .short_name = 'i', .type = RX_OPT_FN, .label = "-i", .has_arg = 1,
	  .fn = serve_opt },
	SERVE_OPT("listen", "--listen", 1),
	SERVE_OPT("top", "--top", 1),
	SERVE_OPT("pin", "--pin", 0),
	SERVE_OPT("control", "--control", 1),
	SERVE_OPT("config", "--config", 1),
	SERVE_OPT("route", "--route", 1),
	SERVE_OPT("web-config", "--web-config", 1),
	SERVE_OPT("alertmanager", "--alertmanager", 1),
	SERVE_OPT("alert-webhook", "--alert-webhook", 1),
	SERVE_OPT("alert-log", "--alert-log", 1),
	SERVE_OPT("alert-resend", "--alert-resend", 1),
	SERVE_OPT("guard-log", "--guard-log", 1),
	{ 0 },
};

static const struct rx_command_line serve_line = { "serve", serve_usage, serve_options, 0 };

int cmd_serve(int argc, char **argv)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1, .tcp = 1, .http = 1 };
	struct serve_cfg cfg = { .listen = "127.0.0.1:9464", .control = RX_AGENT_SOCK, .top = 50 };
	struct serve sv = { .top = 50, .procmap_lock = PTHREAD_MUTEX_INITIALIZER };
	char generator[128];
	struct rx_webconfig web;
	const char *addr, *control;
	struct rx_agent *agent = NULL;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	socklen_t sl;
	sigset_t sigs;
	int sig;
	int i, r = RX_EXIT_OK, fd = -1, one = 1;

	rx_alerts_cfg__defaults(&cfg.alerts.cfg);
	rx_alertpcap_opts__defaults(&cfg.alerts.pcap);
	rx_guard_auto__defaults(&cfg.guard.o.autob);
	rx_guard_slo__defaults(&cfg.guard.o.slo);
	cfg.alerts.resend_s = 60;
	r = rx_params__parse(&serve_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	sv.n = cfg.n;
	memcpy(sv.ifname, cfg.ifname, sizeof(sv.ifname));
	sv.top = cfg.top;
	so.pin = cfg.pin;
	so.patterns = &cfg.routes;
	addr = cfg.listen;
	control = cfg.control;
	if (!sv.n) {
		rx_err("serve: give at least one -i IFACE (see rxray serve --help)");
		return RX_EXIT_INPUT;
	}
	if (parse_listen(addr, &ss, &sl)) {
		rx_err("--listen %s: expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464", addr);
		return RX_EXIT_INPUT;
	}
	/* the web configuration is checked in full before anything is bound or attached */
	r = web_setup(&sv, &web, cfg.web_config);
	if (r)
		return r;
	sv.procmap = rx_procmap__new();
	/* bind before attaching anything: a taken port leaves nothing behind */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64)) {
		rx_err("--listen %s: %s", addr, strerror(errno));
		r = RX_EXIT_RUNTIME;
		goto out;
	}
	warn_exposed(addr, &ss, &web);
	/*
	 * SIGINT/SIGTERM are blocked in every thread (libmicrohttpd's inherits
	 * the mask) and taken by sigwait() below: no lost wake-up, and no
	 * delivery to a thread that would not act on it.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* a control client that hangs up mid-answer is its own loss, not the agent's end */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sv.n; i++) {
		so.ifname = sv.ifname[i];
		r = rx_source__open(&sv.src[i], &so);
		if (r)
			goto out;
	}
	r = rx_guard__start(&sv.guard, &cfg.guard, sv.src, sv.n);
	if (r)
		goto out;
	cfg.alerts.on_alert = serve_on_alert;
	cfg.alerts.on_alert_user = sv.guard;
	cfg.alerts.on_window = serve_on_window;
	cfg.alerts.on_window_user = sv.guard;
	snprintf(generator, sizeof(generator), "http%s://%s/api/alerts", web.tls ? "s" : "", addr);
	cfg.alerts.generator = generator;
	r = rx_alertd__start(&sv.alerts, &cfg.alerts, sv.src, sv.ifname, sv.n);
	if (r)
		goto out;
	r = rx_agent__start(&agent, control, sv.src, sv.ifname, sv.n);
	if (r)
		goto out;
	rx_agent__alerts(agent, serve_alerts_json, &sv);
	rx_agent__guard(agent, serve_guard_json, sv.guard);
	d = http_start(&sv, &web, fd);
	if (!d) {
		rx_err("--listen %s: cannot start the HTTP server", addr);
		r = RX_EXIT_RUNTIME;
		goto out;
	}
	fd = -1; /* the daemon owns it */
	fprintf(stderr, "rxray: serving http%s://%s/metrics and /api/stats for %d interface(s)%s\n",
		web.tls ? "s" : "", addr, sv.n, sv.auth ? ", clients authenticated" : "");
	sigwait(&sigs, &sig);
out:
	if (d)
		MHD_stop_daemon(d);
	rx_agent__stop(agent);
	rx_alertd__stop(sv.alerts);
	rx_guard__free(sv.guard);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < sv.n; i++)
		rx_source__close(sv.src[i]);
	rx_webauth__free(sv.auth);
	rx_webconfig__free(&web);
	rx_procmap__free(sv.procmap);
	return r;
}

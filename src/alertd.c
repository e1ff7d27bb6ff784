// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The alerts of `serve`; see alertd.h. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "alertd.h"
#include "alertmgr.h"

#define ALERTD_MAX 16

struct rx_alertd {
	struct rx_alertd_opts o;
	struct rx_source *srcs[ALERTD_MAX];
	const char *ifnames[ALERTD_MAX];
	struct rx_alerts *eng[ALERTD_MAX];
	int n;
	FILE *log;
	pthread_mutex_t log_lock;
	struct rx_alertmgr *am;
	struct rx_alertmgr *wh; /* the webhook's sender: each change, no resend */
	struct rx_alertpcap *pcap; /* NULL: no packets as evidence */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	int running; /* the thread runs */
	__u64 log_errors; /* lines that could not be written */
};

/* One change of state: a JSON line, and to Alertmanager. */
static void on_change(void *user, const json_t *j)
{
	struct rx_alertd *d = user;
	const char *action = d->o.on_alert ? d->o.on_alert(d->o.on_alert_user, j) : NULL;
	json_t *acted = action ? json_copy((json_t *)j) : NULL;
	char *s;

	if (acted) {
		json_object_set_new(acted, "action", json_string(action));
		j = acted;
	}
	if (d->o.keep) {
		d->o.keep(d->o.keep_user, j);
		json_decref(acted);
		return;
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
	pthread_mutex_lock(&d->log_lock);
	if (!s || fprintf(d->log, "%s\n", s) < 0 || fflush(d->log))
		d->log_errors++;
	pthread_mutex_unlock(&d->log_lock);
	free(s);
	if (d->am)
		rx_alertmgr__push(d->am, j, d->o.resend_s);
	if (d->wh)
		rx_alertmgr__push(d->wh, j, d->o.resend_s);
	json_decref(acted);
}

/* A firing alert's evidence: the pcap of its packets (alertpcap.h). */
static void on_evidence(void *user, const char *ifname, const char *alert, __u64 fp,
			const json_t *subject, json_t *evidence)
{
	struct rx_alertd *d = user;
	int i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->ifnames[i], ifname))
			rx_alertpcap__evidence(d->pcap, i, alert, fp, subject, evidence);
}

/* Every firing alert to Alertmanager again (Prometheus's resend). */
static void resend(struct rx_alertd *d)
{
	json_t *l, *a;
	size_t k;
	int i;

	for (i = 0; i < d->n; i++) {
		l = rx_alerts__json(d->eng[i], 0);
		json_array_foreach(l, k, a)
			rx_alertmgr__push(d->am, a, d->o.resend_s);
		json_decref(l);
	}
}

/* Sleep until t (CLOCK_REALTIME, for the condition variable) or the stop: 1 when stopped. */
static int wait_until(struct rx_alertd *d, const struct timespec *t)
{
	int stop;

	pthread_mutex_lock(&d->lock);
	while (!d->stop && pthread_cond_timedwait(&d->wake, &d->lock, t) != ETIMEDOUT)
		;
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

/*
 * Once a second: each interface's counters (a read at most a second
 * old, shared with the other readers), minus the read before, through its
 * detectors. The windows are timed by the reads themselves
 * (first_ns, last_ns), so a late wake-up makes a longer window, not a
 * wrong rate.
 */
static void *alertd_thread(void *arg)
{
	struct rx_alertd *d = arg;
	struct rx_snapshot prev[ALERTD_MAX], cur, win;
	struct timespec next;
	double since_resend = 0;
	int i;

	/* named, so that its CPU can be told from the rest (bench/agent_cost.sh) */
	pthread_setname_np(pthread_self(), "rxray-alerts");
	/*
	 * The lowest nice, this thread only (Linux's nice is per thread): its
	 * wakeup once a second no longer takes the CPU from the server's
	 * threads (nginx at one connection: p99 against a stopped agent 1.12-1.74
	 * at nice 0, 1.00-1.19 at 19; bench/RESULTS.md section 30), and its
	 * weight (15 of a nice-0 thread's 1,024) still gives it far more than
	 * the few ms a second it needs on a saturated CPU: a late read makes a
	 * longer window, not a wrong rate. Only lowering: nothing to check.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	for (i = 0; i < d->n; i++)
		rx_source__snapshot(d->srcs[i], &prev[i]);
	clock_gettime(CLOCK_REALTIME, &next);
	for (;;) {
		next.tv_sec++;
		if (wait_until(d, &next))
			break;
		for (i = 0; i < d->n; i++) {
			/*
			 * a read newer than the last, made less than a second ago: a
			 * /metrics scrape's or a top client's when there was one, so
			 * that the tables are walked once a second, not once per reader
			 */
			rx_source__snapshot_recent(d->srcs[i], &cur, prev[i].last_ns);
			if (!rx_snapshot__copy(&win, &cur)) {
				rx_snapshot__subtract(&win, &prev[i]);
				rx_alerts__tick(d->eng[i], &win, cur.last_ns);
				if (d->o.on_window)
					d->o.on_window(d->o.on_window_user, d->ifnames[i], &win);
			}
			rx_snapshot__free(&win);
			rx_snapshot__free(&prev[i]);
			prev[i] = cur;
		}
		since_resend += 1;
		if (d->am && since_resend >= d->o.resend_s) {
			since_resend = 0;
			resend(d);
		}
	}
	for (i = 0; i < d->n; i++)
		rx_snapshot__free(&prev[i]);
	return NULL;
}

int rx_alertd__start(struct rx_alertd **out, const struct rx_alertd_opts *o,
		     struct rx_source **srcs, const char **ifnames, int n)
{
	struct rx_alertd *d = calloc(1, sizeof(*d));
	struct rx_alerts_cfg cfg = o->cfg;
	int i;

	*out = NULL;
	if (!d || n > ALERTD_MAX) {
		free(d);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	d->o = *o;
	d->n = n;
	d->log = stdout;
	pthread_mutex_init(&d->log_lock, NULL);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	*out = d;
	if (o->log_path && !(d->log = fopen(o->log_path, "ae"))) {
		d->log = stdout;
		rx_err("--alert-log %s: %s", o->log_path, strerror(errno));
		return RX_EXIT_INPUT;
	}
	if (o->alertmanager && !(d->am = rx_alertmgr__start(o->alertmanager, o->generator)))
		return RX_EXIT_INPUT;
	if (o->webhook &&
	    !(d->wh = rx_alertmgr__start_kind(o->webhook, o->generator, RX_ALERTMGR_WEBHOOK)))
		return RX_EXIT_INPUT;
	cfg.on_change = on_change;
	cfg.user = d;
	if (o->pcap.dir && !o->off) {
		cfg.on_evidence = on_evidence;
		cfg.evidence_user = d;
	}
	for (i = 0; i < n; i++) {
		d->srcs[i] = srcs[i];
		d->ifnames[i] = ifnames[i];
		d->eng[i] = rx_alerts__new(&cfg, ifnames[i]);
		if (!d->eng[i]) {
			d->n = i;
			rx_err("out of memory");
			return RX_EXIT_RUNTIME;
		}
	}
	if (o->off) /* the API and the metrics stay, with nothing firing */
		return 0;
	if (o->pcap.dir && (i = rx_alertpcap__start(&d->pcap, &o->pcap, srcs, ifnames, n)))
		return i;
	if (pthread_create(&d->thread, NULL, alertd_thread, d)) {
		rx_err("alerts: cannot start the detectors' thread");
		return RX_EXIT_RUNTIME;
	}
	d->running = 1;
	return 0;
}

void rx_alertd__stop(struct rx_alertd *d)
{
	int i;

	if (!d)
		return;
	if (d->running) {
		pthread_mutex_lock(&d->lock);
		d->stop = 1;
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
	}
	for (i = 0; i < d->n; i++)
		rx_alerts__free(d->eng[i]);
	rx_alertpcap__stop(d->pcap);
	rx_alertmgr__stop(d->am);
	rx_alertmgr__stop(d->wh);
	if (d->log && d->log != stdout)
		fclose(d->log);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->log_lock);
	pthread_cond_destroy(&d->wake);
	free(d);
}

/* A sender's metric (docs/metrics.md): its figure at off in struct rx_alertmgr_stats. */
struct sender_metric {
	const char *name, *type, *help;
	size_t off;
};
#define FIGURE(f) offsetof(struct rx_alertmgr_stats, f)

/* The two senders: Alertmanager's and the generic webhook's. */
static const struct sender_kind {
	const char *flag; /* its JSON key saying whether it is configured */
	struct sender_metric m[4];
} senders[] = {
	{ "alertmanager",
	  { { "rxray_alerts_sent_total", "counter", "Alerts Alertmanager accepted.", FIGURE(sent) },
	    { "rxray_alerts_undelivered_total", "counter",
	      "Alerts dropped from the full Alertmanager queue: never delivered.", FIGURE(undelivered) },
	    { "rxray_alerts_post_failures_total", "counter",
	      "POSTs to Alertmanager that failed (their alerts are retried).", FIGURE(failed) },
	    { "rxray_alerts_queued", "gauge", "Alerts waiting for Alertmanager.", FIGURE(queued) } } },
	{ "configured",
	  { { "rxray_alerts_webhook_sent_total", "counter", "Alerts the webhook accepted.", FIGURE(sent) },
	    { "rxray_alerts_webhook_undelivered_total", "counter",
	      "Alerts dropped from the full webhook queue: never delivered.", FIGURE(undelivered) },
	    { "rxray_alerts_webhook_post_failures_total", "counter",
	      "POSTs to the webhook that failed (their alerts are retried).", FIGURE(failed) },
	    { "rxray_alerts_webhook_queued", "gauge", "Alerts waiting for the webhook.",
	      FIGURE(queued) } } },
};

/* A sender's figures (all 0 when it is not configured: m NULL). */
static struct rx_alertmgr_stats sender_stats(struct rx_alertmgr *m)
{
	struct rx_alertmgr_stats st = { 0 };

	if (m)
		rx_alertmgr__stats(m, &st);
	return st;
}

/* Its object of the delivery JSON. */
static json_t *sender_json(struct rx_alertmgr *m, const struct sender_kind *k)
{
	struct rx_alertmgr_stats st = sender_stats(m);

	return json_pack("{sbsIsIsIsI}", k->flag, m != NULL, "sent", (json_int_t)st.sent, "undelivered",
			 (json_int_t)st.undelivered, "failed_posts", (json_int_t)st.failed, "queued",
			 (json_int_t)st.queued);
}

static json_t *delivery_json(struct rx_alertd *d)
{
	json_t *j = sender_json(d->am, &senders[0]);

	json_object_set_new(j, "webhook", sender_json(d->wh, &senders[1]));
	pthread_mutex_lock(&d->log_lock);
	json_object_set_new(j, "log_errors", json_integer((json_int_t)d->log_errors));
	if (d->pcap)
		json_object_set_new(j, "pcap", rx_alertpcap__json(d->pcap));
	pthread_mutex_unlock(&d->log_lock);
	return j;
}

/* A sender's metrics. */
static void sender_metrics(struct rx_buf *b, struct rx_alertmgr *m, const struct sender_kind *k)
{
	struct rx_alertmgr_stats st = sender_stats(m);
	const struct sender_metric *t;
	size_t i;

	for (i = 0; i < sizeof(k->m) / sizeof(k->m[0]); i++) {
		t = &k->m[i];
		rx_buf__printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", t->name, t->help, t->name,
			       t->type, t->name,
			       (unsigned long long)*(const __u64 *)((const char *)&st + t->off));
	}
}

json_t *rx_alertd__json(struct rx_alertd *d, int history)
{
	json_t *all = json_array(), *l, *j;
	int i;

	for (i = 0; i < d->n; i++) {
		l = rx_alerts__json(d->eng[i], history);
		json_array_extend(all, l);
		json_decref(l);
	}
	j = json_pack("{so}", "alerts", all);
	json_object_set_new(j, "delivery", delivery_json(d));
	return j;
}

void rx_alertd__metrics(struct rx_alertd *d, struct rx_buf *b)
{
	unsigned int firing[RX_ALERT_MAX], sum[RX_ALERT_MAX] = { 0 };
	struct rx_alert_gauge g[16];
	size_t k, ng;
	int i;

	for (i = 0; i < d->n; i++) {
		rx_alerts__firing(d->eng[i], firing);
		for (k = 0; k < RX_ALERT_MAX; k++)
			sum[k] += firing[k];
	}
	rx_buf__printf(b, "# HELP rxray_alerts_firing Alerts firing now, by alert and severity.\n"
			  "# TYPE rxray_alerts_firing gauge\n");
	for (k = 0; k < RX_ALERT_MAX; k++)
		rx_buf__printf(b, "rxray_alerts_firing{alert=\"%s\",severity=\"%s\"} %u\n",
			       rx_alert_names[k], rx_alert_severities[k], sum[k]);
	sender_metrics(b, d->am, &senders[0]);
	sender_metrics(b, d->wh, &senders[1]);
	rx_alertpcap__metrics(d->pcap, b);
	rx_buf__printf(b, "# HELP rxray_alert_input The detectors' inputs in the last second.\n"
			  "# TYPE rxray_alert_input gauge\n");
	for (i = 0; i < d->n; i++) {
		ng = rx_alerts__gauges(d->eng[i], g, 16);
		for (k = 0; k < ng; k++)
			rx_buf__printf(b, "rxray_alert_input{interface=\"%s\",input=\"%s\"} %.17g\n",
				       d->ifnames[i], g[k].name, g[k].value);
	}
}

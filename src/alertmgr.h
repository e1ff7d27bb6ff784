/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Delivery of alerts to an Alertmanager, API v2 (POST /api/v2/alerts, a
 * JSON array of {labels, annotations, startsAt, endsAt, generatorURL}), as
 * Prometheus delivers them: from a thread of its own, with a bounded
 * queue, retries, and every alert that could not be delivered counted.
 */
#ifndef RX_ALERTMGR_H
#define RX_ALERTMGR_H

#include <jansson.h>
#include <linux/types.h>

#define RX_ALERTMGR_QUEUE 1024 /* alerts waiting; past it the oldest is dropped, counted */

struct rx_alertmgr;

/* What a sender posts. */
enum rx_alertmgr_kind {
	RX_ALERTMGR_API_V2,  /* Alertmanager: POST URL/api/v2/alerts, [{labels, ...}] */
	RX_ALERTMGR_WEBHOOK, /* a generic webhook: POST URL, Alertmanager's webhook JSON (version 4) */
};

/* The counters of a sender (each only grows, but queued). */
struct rx_alertmgr_stats {
	__u64 sent;        /* alerts Alertmanager accepted (2xx) */
	__u64 undelivered; /* alerts dropped from a full queue: never delivered */
	__u64 failed;      /* POSTs that failed (connection, timeout, non-2xx): retried */
	__u64 queued;      /* alerts waiting now */
};

/*
 * Check url ("http://HOST:PORT[/PATH]"): 0, or -EINVAL with *why the
 * reason (for "--alertmanager URL: why").
 */
int rx_alertmgr_url_check(const char *url, const char **why);
/* Start the sender; NULL (after the error) on failure. generator: the generatorURL. */
struct rx_alertmgr *rx_alertmgr__start(const char *url, const char *generator);
/*
 * The same sender for kind (same queue, retries and counters): a webhook
 * gets {version "4", groupKey, status, receiver, groupLabels, commonLabels,
 * commonAnnotations, externalURL, alerts [{status, labels, annotations,
 * startsAt, endsAt, generatorURL, fingerprint}]}, one message per POST of
 * the queue, as an Alertmanager webhook receiver does.
 */
struct rx_alertmgr *rx_alertmgr__start_kind(const char *url, const char *generator,
					    enum rx_alertmgr_kind kind);
void rx_alertmgr__stop(struct rx_alertmgr *m);
/*
 * Queue one alert object (alerts.h's; state firing or resolved) for
 * delivery; an older one of the same fingerprint still queued is replaced
 * (the newer state supersedes it). resend_s: the firing alert's endsAt is
 * this far ahead times four, as Prometheus does, so that an agent gone
 * silent lets its alerts resolve.
 */
void rx_alertmgr__push(struct rx_alertmgr *m, const json_t *alert, double resend_s);
void rx_alertmgr__stats(struct rx_alertmgr *m, struct rx_alertmgr_stats *s);

#endif

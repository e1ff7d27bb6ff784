/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The alerts of `serve` (docs/alerts.md): once a second, a window of each
 * interface's counters (a read minus the one before) goes through that
 * interface's detectors (alerts.h); every change of state is written as a
 * JSON line (stdout or --alert-log FILE) and queued for Alertmanager
 * (alertmgr.h) when one is given, and firing alerts are sent again every
 * resend interval, as Prometheus does.
 */
#ifndef RX_ALERTD_H
#define RX_ALERTD_H

#include <jansson.h>
#include "alertpcap.h"
#include "alerts.h"
#include "metrics.h"
#include "source.h"

struct rx_alertd_opts {
	struct rx_alerts_cfg cfg;
	const char *log_path;     /* NULL: stdout */
	const char *alertmanager; /* NULL: none */
	const char *webhook;      /* NULL: none; else each change, Alertmanager's webhook JSON */
	double resend_s;          /* firing alerts again after this long */
	const char *generator;    /* the generatorURL */
	int off;                  /* alert-detectors = false: no detectors run (nothing fires) */
	rx_alert_fn keep;         /* not NULL: each change to keep(keep_user, ...), no line written */
	void *keep_user;
	/* each change first (the guard's automatic blocks): its "action", or NULL (none) */
	const char *(*on_alert)(void *user, const json_t *alert);
	void *on_alert_user;
	/* each interface's window after its detectors (the guard's SLO loop), or NULL */
	void (*on_window)(void *user, const char *ifname, const struct rx_snapshot *w);
	void *on_window_user;
	struct rx_alertpcap_opts pcap; /* pcap.dir NULL: no packets as evidence (alertpcap.h) */
};

struct rx_alertd;

/* 0, or an RX_EXIT_* status after the error. */
int rx_alertd__start(struct rx_alertd **out, const struct rx_alertd_opts *o,
		     struct rx_source **srcs, const char **ifnames, int n);
void rx_alertd__stop(struct rx_alertd *d);
/*
 * {"alerts": [...], "delivery": {...}}: the alerts of every interface,
 * firing first, then (history) the resolved ones kept.
 */
json_t *rx_alertd__json(struct rx_alertd *d, int history);
/* rxray_alerts_firing, the delivery counters, the detectors' inputs (and rxray_alert_pcap_*). */
void rx_alertd__metrics(struct rx_alertd *d, struct rx_buf *b);

#endif

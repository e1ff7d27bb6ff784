/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packets as alert evidence (docs/alerts.md, "Packets as evidence"): with
 * alert-pcap-dir set, serve turns its datapath's capture stage on for one
 * packet in alert-pcap-sample (rx_config_rt.sample: the others cost one
 * random number), keeps the last RX_ALERTPCAP_KEPT of them per interface,
 * headers only (capture's redaction: no payload byte), and when an alert
 * fires writes a pcap of the last alert-pcap-packets of them that match
 * the alert's subject (its source, host, ports) into the directory.
 *
 *	rx_alertpcap__start(&ap, &o, srcs, n)   (the live sources of serve)
 *	rx_alertpcap__evidence(ap, i, ...)      (an alert's first windows)
 *	rx_alertpcap__stop(ap)
 */
#ifndef RX_ALERTPCAP_H
#define RX_ALERTPCAP_H

#include <jansson.h>
#include "alertpcap_file.h"
#include "metrics.h"
#include "source.h"

#define RX_ALERTPCAP_KEPT 4096 /* sampled packets kept per interface, the newest */

struct rx_alertpcap_opts {
	const char *dir;       /* NULL: off */
	unsigned long packets; /* alert-pcap-packets: per file, at most */
	unsigned long sample;  /* alert-pcap-sample: one packet in this many */
	unsigned long files;   /* alert-pcap-files: kept in dir, the oldest removed */
};

void rx_alertpcap_opts__defaults(struct rx_alertpcap_opts *o);
/*
 * One config key ("alert-pcap-packets") and its value: 0; -ENOENT when the
 * key is none of these; -ERANGE (*why set) for a bad value.
 */
int rx_alertpcap_opts__set(struct rx_alertpcap_opts *o, const char *key, const char *val,
			   const char **why);
#define RX_ALERTPCAP_KEYS "alert-pcap-dir, alert-pcap-packets, alert-pcap-sample, alert-pcap-files"

struct rx_alertpcap;
/*
 * Make the 0700 directory (or check one there: refused when others may
 * read it), turn sampled capture on in each live source and start the
 * thread that reads their rings. 0 (*out NULL when o->dir is NULL), or an
 * RX_EXIT_* status after the error.
 */
int rx_alertpcap__start(struct rx_alertpcap **out, const struct rx_alertpcap_opts *o,
			struct rx_source **srcs, const char **ifnames, int n);
void rx_alertpcap__stop(struct rx_alertpcap *ap);
/*
 * Interface i's alert (name, fingerprint fp, subject) fires: write the
 * pcap of its packets and add "pcap" (the path) and "pcap_packets" to
 * evidence. None kept that match: "pcap_packets": 0 and no file.
 */
void rx_alertpcap__evidence(struct rx_alertpcap *ap, int i, const char *alert, __u64 fp,
			    const json_t *subject, json_t *evidence);
/* rxray_alert_pcap_* (docs/metrics.md, "Alerts"); nothing when off. */
void rx_alertpcap__metrics(struct rx_alertpcap *ap, struct rx_buf *b);
/* {"dir", "files", "packets", "sampled", "errors"} for /api/alerts' delivery, or NULL when off. */
json_t *rx_alertpcap__json(struct rx_alertpcap *ap);

#endif

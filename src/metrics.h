/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Prometheus text exposition of counter snapshots (SPEC.md metric names). */
#ifndef RX_METRICS_H
#define RX_METRICS_H

#include "source.h"

struct rx_buf {
	char *s;
	size_t len, cap;
	int oom;
};

void rx_buf__printf(struct rx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rx_buf__free(struct rx_buf *b);

/* Series of one interface; the HELP/TYPE headers come once, from the caller. */
void rx_metrics_headers(struct rx_buf *b, int part);
void rx_metrics_series(struct rx_buf *b, int part, const char *ifname, struct rx_snapshot *s,
		       size_t top);
#define RX_METRICS_PARTS 15

void rx_metrics_build_info(struct rx_buf *b);

#endif

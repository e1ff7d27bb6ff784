/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Prometheus text exposition of counter snapshots (names: docs/metrics.md). */
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

/*
 * The exposition of n interfaces: every family (HELP and TYPE once, then
 * the series of each interface), then rxray_build_info. snap[i]: ifname[i]'s
 * counters, its talkers and services sorted (the top N first).
 */
void rx_metrics_write(struct rx_buf *b, int n, const char *const *ifname,
		      struct rx_snapshot *snap, size_t top);

void rx_metrics_build_info(struct rx_buf *b);

#endif

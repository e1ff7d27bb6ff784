/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The traffic picture from a counter snapshot (see picture.c). */
#ifndef RX_PICTURE_H
#define RX_PICTURE_H

#include <jansson.h>
#include "quantile.h"
#include "source.h"

struct rx_totals {
	__u64 packets, bytes;
	__u64 proto[RX_PROTO_MAX];
	__u64 reason[RX_REASON_MAX];
	__u64 verdict[RX_VERDICT_MAX];
};

void rx_picture_sum(const struct rx_snapshot *s, struct rx_totals *t);
/* Talkers and services by packets, descending (ties: bytes, then key). */
void rx_picture_sort(struct rx_snapshot *s);
double rx_picture_duration(const struct rx_snapshot *s);
json_t *rx_picture_json(const struct rx_snapshot *s, const struct rx_totals *t, size_t top);
void rx_picture_print(FILE *out, const struct rx_snapshot *s, const struct rx_totals *t, size_t top);
void rx_fmt_keyed_addr(char *buf, const struct rx_keyed *k);
const char *rx_service_proto(const struct rx_keyed *k);
extern const char *const rx_tcpkind_names[];
extern const char *const rx_tcphealth_names[];
extern const char *const rx_latency_names[];
extern const unsigned int rx_lat_bounds_us[];
extern const unsigned int rx_dur_bounds_us[];
extern const unsigned int rx_body_bounds[];
__u64 rx_hist_count(const struct rx_hist *h);
double rx_hist_quantile(const struct rx_hist *h, double q);
extern const unsigned int rx_size_bounds[];

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The traffic picture from a counter snapshot (see picture.c). */
#ifndef RX_PICTURE_H
#define RX_PICTURE_H

#include <jansson.h>
#include "quantile.h"
#include "snapshot.h"

double rx_picture_duration(const struct rx_snapshot *s);
json_t *rx_picture_json(const struct rx_snapshot *s, const struct rx_totals *t, size_t top);
void rx_picture_print(FILE *out, const struct rx_snapshot *s, const struct rx_totals *t, size_t top);
void rx_fmt_keyed_addr(char *buf, const struct rx_keyed *k);
const char *rx_service_proto(const struct rx_keyed *k);
extern const char *const rx_tcpkind_names[];
extern const char *const rx_tcphealth_names[];
extern const char *const rx_latency_names[];
__u64 rx_hist_count(const struct rx_hist *h);
double rx_hist_quantile(const struct rx_hist *h, double q);
/* A TLS row's SNI (printable ASCII, others as \xHH) and ALPN list ("h2,http/1.1"). */
#define RX_TLS_TEXT (4 * RX_TLS_EP_SNI + 1)
void rx_tls_sni_text(char *buf, const struct rx_tls_ep_key *k);
void rx_tls_alpn_text(char *buf, const struct rx_tls_ep_key *k);
double rx_tls_hist_quantile(const struct rx_tls_hist *h, double q);
/* The TLS rows (docs/json.md "tls"), sorted by port, SNI, ALPN. */
json_t *rx_tls_rows_json(struct rx_snapshot *s);

#endif

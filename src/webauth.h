/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * HTTP basic authentication for serve's listener, against the
 * basic_auth_users of the web configuration (webconfig.h). bcrypt is slow
 * on purpose (tens of ms per check), so a password that passed is
 * remembered, as exporter-toolkit does: by an HMAC under a key made at
 * start, never in clear, in a small table; a miss costs one bcrypt, one
 * at a time.
 */
#ifndef RX_WEBAUTH_H
#define RX_WEBAUTH_H

#include <microhttpd.h>
#include "webconfig.h"

struct rx_webauth;

/* An authenticator for w's users (w outlives it): 0, or RX_EXIT_RUNTIME after the error. */
int rx_webauth__new(struct rx_webauth **out, const struct rx_webconfig *w);
void rx_webauth__free(struct rx_webauth *a);

/* 1 if user and password (of plen bytes) are one of the users', else 0. */
int rx_webauth__check(struct rx_webauth *a, const char *user, const char *password, size_t plen);

/* Password checks that crypt(3) made, and the ones the table answered. */
void rx_webauth__stats(struct rx_webauth *a, unsigned long *bcrypts, unsigned long *cached);

/*
 * At the top of the request handler: 1 if the request may go on (no users
 * configured, or good credentials), else 0 with a 401 and its
 * WWW-Authenticate header queued, and *ret what the handler returns. a
 * may be NULL (no web configuration).
 */
int rx_webauth__request(struct rx_webauth *a, struct MHD_Connection *c, enum MHD_Result *ret);

#endif

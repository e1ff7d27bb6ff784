/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TLS hellos in the packet views (datapath/tls.h decodes them): the fields
 * as tshark names them, and the fingerprints made from them, JA3 (as
 * tshark's tls.handshake.ja3_full) and JA4 (FoxIO's specification).
 */
#ifndef RX_TLSVIEW_H
#define RX_TLSVIEW_H

#include <stdio.h>
#include "rxray.h"
#include "jsonw.h"

#define RX_JA4_LEN 36 /* "t13d1516h2_8daaf6152771_d8a2da3f94cd" */

/* Whether v is a GREASE value (RFC 8701: 0x0a0a, 0x1a1a ... 0xfafa). */
int rx_tls_grease(unsigned int v);
/*
 * The JA4 fingerprint of a ClientHello into out (RX_JA4_LEN + 1 bytes).
 * Returns 0, or -1 when it cannot be told: not a ClientHello, or a list
 * longer than the datapath keeps, or cut by the segment's end.
 */
int rx_tls_ja4(const struct rx_tls *t, char *out);
/*
 * JA3's string (tshark's tls.handshake.ja3_full): version, ciphers,
 * extensions, groups, point formats, GREASE left out. Returns 0, or -1 as
 * rx_tls_ja4() (or when len is too small).
 */
int rx_tls_ja3_full(const struct rx_tls *t, char *out, size_t len);
/*
 * A ClientHello's highest version offered (supported_versions' highest,
 * GREASE left out, else the legacy version); a ServerHello's chosen one
 * is its sel_version when set, else its hs_version.
 */
unsigned int rx_tls_max_version(const struct rx_tls *t);
/* What keeps the hello from being whole: "partial", "malformed", "lists_cut", or NULL. */
const char *rx_tls_status(const struct rx_tls *t);
/* "TLS 1.2", "TLS 1.3", "SSL 3.0"; "0x%04x" for others (buf: 8 bytes) */
const char *rx_tls_version_name(unsigned int v, char *buf);
/* The views: ": TLS ClientHello ..." on the line; "  tls..." lines (-v); JSON keys. */
void rx_tls_line(FILE *out, const struct rx_tls *t);
void rx_tls_verbose(FILE *out, const struct rx_tls *t);
void rx_tls_json(struct jsonw *w, const struct rx_tls *t);

#endif

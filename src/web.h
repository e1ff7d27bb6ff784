/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The live page of serve: / and /assets/..., files embedded at build time
 * (src/web_assets.S), served read-only with their type, an ETag and
 * security headers. The page reads GET /api/stats once a second.
 */
#ifndef RX_WEB_H
#define RX_WEB_H

#include <microhttpd.h>

struct rx_web_file;

/* The embedded file at this URL path, or NULL when the path is not the page's. */
const struct rx_web_file *rx_web_find(const char *url);

/* Answer GET/HEAD for f: 200 with the file, or 304 when If-None-Match names its ETag. */
enum MHD_Result rx_web_reply(struct MHD_Connection *c, const struct rx_web_file *f);

#endif

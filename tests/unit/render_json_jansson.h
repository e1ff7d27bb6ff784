/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The jansson JSON renderers rx_render_json and rx_render_txn_json replaced: the oracles for their bytes. */
#ifndef RX_RENDER_JSON_JANSSON_H
#define RX_RENDER_JSON_JANSSON_H

#include "../../src/render.h"

int rx_render_json_jansson(FILE *out, const struct rx_capture *rec, __u64 frame,
			   const char *ifname);
int rx_render_txn_json_jansson(FILE *out, const struct rx_txn *t, const char *route,
			       const char *path, const char *ua, const char *host);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The jansson JSON renderer rx_render_json replaced: the oracle for its bytes. */
#ifndef RX_RENDER_JSON_JANSSON_H
#define RX_RENDER_JSON_JANSSON_H

#include "../../src/render.h"

int rx_render_json_jansson(FILE *out, const struct rx_capture *rec, const char *ifname);

#endif

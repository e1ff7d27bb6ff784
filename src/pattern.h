/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Route patterns: "/api/{version}/items/{sku}" names every path with those
 * literal segments by its own text, before the datapath's built-in
 * templating ({id}, {uuid}, {hex}) is tried. Compiled here into the
 * struct rx_pattern the datapath matches (datapath/route.h).
 */
#ifndef RX_PATTERN_H
#define RX_PATTERN_H

#include <stddef.h>
#include "rxray.h"

struct rx_patterns {
	struct rx_pattern p[RX_PATTERNS_MAX];
	__u32 n;
};

/*
 * Compile text and append it. 0, or -1 with the reason in err (what was
 * wrong, for a message that also names the flag or the config line).
 */
int rx_patterns_add(struct rx_patterns *ps, const char *text, char *err, size_t errlen);

/* The same for a command-line flag or config line named where; 0 or RX_EXIT_INPUT. */
int rx_patterns_opt(struct rx_patterns *ps, const char *text, const char *where);

#endif

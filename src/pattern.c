// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "pattern.h"

static int is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* A literal segment byte: printable ASCII that is not syntax here or in a URI's path end. */
static int is_literal(char c)
{
	return c > 0x20 && c < 0x7f && c != '{' && c != '}' && c != '*' && c != '?' && c != '#';
}

int rx_patterns_add(struct rx_patterns *ps, const char *text, char *err, size_t errlen)
{
	struct rx_pattern p;
	size_t len = strlen(text), i, seg, n;
	const char *s;

	memset(&p, 0, sizeof(p));
	if (ps->n >= RX_PATTERNS_MAX) {
		snprintf(err, errlen, "at most %d route patterns", RX_PATTERNS_MAX);
		return -1;
	}
	if (text[0] != '/') {
		snprintf(err, errlen, "a route pattern starts with '/'");
		return -1;
	}
	if (len > RX_ROUTE_MAX) {
		snprintf(err, errlen, "longer than %d bytes", RX_ROUTE_MAX);
		return -1;
	}
	/* the same pattern again (config file and command line): once is enough */
	for (i = 0; i < ps->n; i++)
		if (ps->p[i].len == len && !memcmp(ps->p[i].text, text, len))
			return 0;
	/* segments: what follows each '/' */
	for (s = text + 1, seg = 0;; seg++) {
		const char *e = strchr(s, '/');

		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '*') {
			if (e) {
				snprintf(err, errlen, "'*' (the rest of the path) must be the last segment");
				return -1;
			}
			p.rest = 1;
			break;
		}
		if (seg >= RX_PATTERN_SEGS) {
			snprintf(err, errlen, "more than %d segments", RX_PATTERN_SEGS);
			return -1;
		}
		if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
			for (i = 1; i + 1 < n; i++)
				if (!is_name(s[i]))
					break;
			if (n == 2 || i + 1 < n) {
				snprintf(err, errlen, "segment %zu: a placeholder is {name}, name of "
					 "letters, digits, '_', '-' or '.'", seg + 1);
				return -1;
			}
			p.wild |= 1u << seg;
		} else {
			__u32 h = 2166136261u;

			for (i = 0; i < n; i++) {
				if (!is_literal(s[i])) {
					snprintf(err, errlen, "segment %zu: '%c' is not allowed in a "
						 "literal segment", seg + 1, s[i]);
					return -1;
				}
				h = (h ^ (__u8)s[i]) * 16777619u;
			}
			if (!n && e) {
				snprintf(err, errlen, "segment %zu is empty ('//')", seg + 1);
				return -1;
			}
			p.hash[seg] = h;
		}
		if (!e) {
			seg++;
			break;
		}
		s = e + 1;
	}
	p.nseg = (__u32)seg;
	p.len = (__u32)len;
	memcpy(p.text, text, len);
	ps->p[ps->n++] = p;
	return 0;
}

int rx_patterns_opt(struct rx_patterns *ps, const char *text, const char *where)
{
	char err[128];

	if (rx_patterns_add(ps, text, err, sizeof(err))) {
		rx_err("%s %s: %s", where, text, err);
		return RX_EXIT_INPUT;
	}
	return 0;
}

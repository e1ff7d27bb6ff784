/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A JSON writer for records printed by the million (watch --json, requests
 * --json): text appended to a caller's buffer, no tree, no allocation.
 * Keys are the caller's literals; integers are formatted here, strings are
 * escaped as RFC 8259 section 7 asks, exactly as jansson's compact dump does
 * (\" \\ \b \f \n \r \t, other controls as \u00XX, everything else as is), so
 * the output is byte for byte what json_dumpb printed before.
 *
 * Every append checks the room left; one that does not fit sets w->full
 * and writes nothing, and the caller drops the record (jsonw_done < 0).
 */
#ifndef RX_JSONW_H
#define RX_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jsonw {
	char *p;    /* next byte */
	char *end;  /* one past the buffer */
	char *base;
	int full;   /* an append did not fit */
};

static inline void jsonw_init(struct jsonw *w, char *buf, size_t size)
{
	w->base = w->p = buf;
	w->end = buf + size;
	w->full = 0;
}

/* Room for n more bytes? Sets w->full if not. */
static inline int jsonw_room(struct jsonw *w, size_t n)
{
	if ((size_t)(w->end - w->p) >= n)
		return 1;
	w->full = 1;
	return 0;
}

static inline void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (!jsonw_room(w, n))
		return;
	memcpy(w->p, s, n);
	w->p += n;
}

/* A literal: keys with their quotes, colons and commas, in one copy. */
#define jsonw_lit(w, s) jsonw_raw((w), "" s, sizeof(s) - 1)
/* A literal that starts with ',', written without it when first is 1. */
#define jsonw_lit_sep(w, s, first) jsonw_raw((w), ("" s) + !!(first), sizeof(s) - 1 - !!(first))

static inline void jsonw_char(struct jsonw *w, char c)
{
	if (jsonw_room(w, 1))
		*w->p++ = c;
}

extern const char jsonw_digits2[200]; /* "00" "01" ... "99" */

/* v in decimal, two digits a step from the right (no snprintf). */
static inline void jsonw_u64(struct jsonw *w, uint64_t v)
{
	char tmp[20], *q = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		q -= 2;
		memcpy(q, &jsonw_digits2[(v % 100) * 2], 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, &jsonw_digits2[v * 2], 2);
	} else {
		*--q = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - q);
	jsonw_raw(w, q, n);
}

/* Bytes written so far, or -1 if something did not fit. */
static inline long jsonw_done(const struct jsonw *w)
{
	return w->full ? -1 : (long)(w->p - w->base);
}

/* s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
int jsonw_utf8_ok(const char *s, size_t n);

/*
 * s[0..n) as a JSON string, quotes included. The bytes must be UTF-8
 * (jsonw_utf8_ok): jansson refuses other strings, and callers keep its
 * answer, leaving the key out.
 */
void jsonw_str(struct jsonw *w, const char *s, size_t n);

/* "a.b.c.d" and RFC 5952 text as glibc's inet_ntop writes it, quotes included. */
void jsonw_ipv4(struct jsonw *w, const void *addr);
void jsonw_ipv6(struct jsonw *w, const uint8_t addr[16]);
/* "aa:bb:cc:dd:ee:ff", quotes included */
void jsonw_mac(struct jsonw *w, const uint8_t mac[6]);
/*
 * A double as jansson's json_real dumps it: "%.17g", a ".0" when that
 * reads like an integer, no '+' or leading zeros in the exponent. NaN and
 * infinities, which json_real refuses, are not written and mark the record
 * (w->full): callers pass finite values.
 */
void jsonw_real(struct jsonw *w, double v);
/*
 * The fewest digits (1 to 17) that read back as v: what "%.*g" needs so
 * that strtod returns v itself. A duration of n nanoseconds (n < 10^15)
 * divided by 1e9 has the digits of n, trailing zeros dropped.
 */
int jsonw_real_digits(double v);
/* v as json_real dumps it at JSON_REAL_PRECISION(jsonw_real_digits(v)) */
void jsonw_real_short(struct jsonw *w, double v);
/* seconds.nanoseconds, 9 digits after the point: rx_fmt_ts's text, unquoted */
void jsonw_ts(struct jsonw *w, uint64_t ts_ns);

#endif

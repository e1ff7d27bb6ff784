// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON writer's out-of-line parts: string escaping, UTF-8 checking and
 * the address and time texts, each without snprintf or inet_ntop (a record
 * holds up to four of them, and they were a tenth of --json's time).
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "jsonw.h"

#define D10(t) t "0" t "1" t "2" t "3" t "4" t "5" t "6" t "7" t "8" t "9"
const char jsonw_digits2[200] = D10("0") D10("1") D10("2") D10("3") D10("4") D10("5") D10("6")
	D10("7") D10("8") D10("9");

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/*
 * The length of the UTF-8 sequence starting at s[0..n), 0 if it is not
 * well formed: the checks of jansson's utf8_check_first/utf8_check_full.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07;
	} else {
		return 0; /* a continuation byte, 0xc0/0xc1 (overlong ASCII), or past RFC 3629 */
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
		return 0;
	return len;
}

int jsonw_utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(u + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

void jsonw_str(struct jsonw *w, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *p;
	size_t i;

	/* the worst case, every byte a \u00XX, checked once */
	if (!jsonw_room(w, 6 * n + 2))
		return;
	p = w->p;
	*p++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = u[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*p++ = (char)c;
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '"': *p++ = '"'; break;
		case '\\': *p++ = '\\'; break;
		case '\b': *p++ = 'b'; break;
		case '\f': *p++ = 'f'; break;
		case '\n': *p++ = 'n'; break;
		case '\r': *p++ = 'r'; break;
		case '\t': *p++ = 't'; break;
		default:
			/* jansson writes \u%04X: upper-case hex */
			memcpy(p, "u00", 3);
			p[3] = hex_upper[c >> 4];
			p[4] = hex_upper[c & 15];
			p += 5;
		}
	}
	*p++ = '"';
	w->p = p;
}

/* 0..255 in decimal at p; returns the end */
static char *put_u8(char *p, unsigned int v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		memcpy(p, &jsonw_digits2[v * 2], 2);
		return p + 2;
	}
	if (v >= 10) {
		memcpy(p, &jsonw_digits2[v * 2], 2);
		return p + 2;
	}
	*p++ = (char)('0' + v);
	return p;
}

static char *put_ipv4(char *p, const uint8_t *a)
{
	p = put_u8(p, a[0]);
	*p++ = '.';
	p = put_u8(p, a[1]);
	*p++ = '.';
	p = put_u8(p, a[2]);
	*p++ = '.';
	return put_u8(p, a[3]);
}

void jsonw_ipv4(struct jsonw *w, const void *addr)
{
	char *p;

	if (!jsonw_room(w, sizeof("\"255.255.255.255\"") - 1))
		return;
	p = w->p;
	*p++ = '"';
	p = put_ipv4(p, addr);
	*p++ = '"';
	w->p = p;
}

/* v in lower-case hex, no leading zeros */
static char *put_hex16(char *p, unsigned int v)
{
	int shift = 12;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex_lower[(v >> shift) & 15];
	return p;
}

/*
 * glibc's inet_ntop6 (from BIND): the longest run of two or more zero
 * words (the first of equal runs) becomes "::"; ::a.b.c.d and
 * ::ffff:a.b.c.d end in dotted IPv4.
 */
void jsonw_ipv6(struct jsonw *w, const uint8_t addr[16])
{
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	unsigned int words[8];
	char *p;

	if (!jsonw_room(w, sizeof("\"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255\"") - 1))
		return;
	for (i = 0; i < 8; i++) {
		words[i] = (unsigned int)addr[2 * i] << 8 | addr[2 * i + 1];
		if (!words[i]) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			cur_len++;
			continue;
		}
		if (cur >= 0 && cur_len > best_len) {
			best = cur;
			best_len = cur_len;
		}
		cur = -1;
	}
	if (cur >= 0 && cur_len > best_len) {
		best = cur;
		best_len = cur_len;
	}
	if (best_len < 2)
		best = -1;

	p = w->p;
	*p++ = '"';
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
			p = put_ipv4(p, addr + 12);
			break;
		}
		p = put_hex16(p, words[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p++ = '"';
	w->p = p;
}

void jsonw_mac(struct jsonw *w, const uint8_t mac[6])
{
	char *p;
	int i;

	if (!jsonw_room(w, sizeof("\"aa:bb:cc:dd:ee:ff\"") - 1))
		return;
	p = w->p;
	*p++ = '"';
	for (i = 0; i < 6; i++) {
		if (i)
			*p++ = ':';
		*p++ = hex_lower[mac[i] >> 4];
		*p++ = hex_lower[mac[i] & 15];
	}
	*p++ = '"';
	w->p = p;
}

void jsonw_ts(struct jsonw *w, uint64_t ts_ns)
{
	uint32_t ns = (uint32_t)(ts_ns % 1000000000ull);
	char frac[10];
	int i;

	jsonw_u64(w, ts_ns / 1000000000ull);
	frac[0] = '.';
	for (i = 9; i >= 1; i--) {
		frac[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	jsonw_raw(w, frac, sizeof(frac));
}

/* jansson's jsonp_dtostr (strconv.c) at a precision of prec digits */
static void real_prec(struct jsonw *w, double v, int prec)
{
	const char *point = localeconv()->decimal_point;
	char buf[40], *e, *q, *z;
	int n;

	n = isfinite(v) ? snprintf(buf, sizeof(buf), "%.*g", prec, v) : -1;
	if (n < 0 || (size_t)n >= sizeof(buf) - 2) {
		w->full = 1;
		return;
	}
	if (*point != '.' && (q = strchr(buf, *point)))
		*q = '.';
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	e = strchr(buf, 'e');
	if (e) {
		q = e + 1;        /* where the exponent's digits go */
		z = q + 1;        /* the first byte past its sign */
		if (*q == '-')
			q++;
		while (*z == '0')
			z++;
		if (z != q) {
			memmove(q, z, (size_t)(buf + n + 1 - z));
			n -= (int)(z - q);
		}
	}
	jsonw_raw(w, buf, (size_t)n);
}

/* jansson's default precision, 17 digits */
void jsonw_real(struct jsonw *w, double v)
{
	real_prec(w, v, 17);
}

int jsonw_real_digits(double v)
{
	char buf[40];
	int p;

	if (!isfinite(v))
		return 17;
	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return p;
	}
	return 17;
}

void jsonw_real_short(struct jsonw *w, double v)
{
	real_prec(w, v, jsonw_real_digits(v));
}

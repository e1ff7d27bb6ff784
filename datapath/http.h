/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * HTTP/1.x start lines, recognised by content (not by port or direction):
 * a request line "METHOD SP path[?query] SP HTTP/1.x CRLF" or a status line
 * "HTTP/1.x SP NNN". The first RX_HTTP_PEEK payload bytes are copied into
 * the work area and walked with rx_shim_loop() (bpf_loop in BPF), the
 * cursor kept in map memory as for the option walks. Only the path and the
 * Host value are kept; the query string and all other headers stay behind.
 */
#ifndef RX_HTTP_H
#define RX_HTTP_H

#include "parse.h"

#define RX_PEEK_MASK (RX_HTTP_PEEK - 1)
/*
 * Byte i of the peek window. The mask is for the verifier and the barrier
 * keeps it: clang drops a mask that its own range analysis proves useless
 * (pos - 1 after "pos > from"), and the verifiers of 6.1 and 6.12, which do
 * not learn from comparing two unknown registers, then see an unbounded
 * index ("R0 unbounded memory access").
 */
#define RX_PEEK(wk, i)                                                         \
	({                                                                     \
		__u32 __pi = (i);                                              \
		RX_BARRIER_VAR(__pi);                                          \
		(wk)->peek[__pi & RX_PEEK_MASK];                               \
	})

/*
 * Eight bytes of the work area at once, byte i at bits 8*i (little endian,
 * as BPF on x86 and the native build). BPF: one unaligned load (fine for
 * map memory where the architecture has efficient unaligned access).
 */
/* The word-at-a-time code reads byte i of a word at bits 8*i. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "rxray's datapath assumes little endian");

#ifdef __bpf__
#define RX_LOAD64(p) (*(const __u64 *)(const void *)(p))
#define RX_STORE64(p, v) (*(__u64 *)(void *)(p) = (v))
#else
#define RX_LOAD64(p) rx_load64(p)
#define RX_STORE64(p, v) rx_store64(p, v)
static inline __u64 rx_load64(const void *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void rx_store64(void *p, __u64 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}
#endif

/*
 * Eight peek bytes from i, which the caller checked to be <= RX_HTTP_PEEK - 8.
 * The mask is for the verifier (the map value goes on past peek[]), kept
 * by the barrier: clang would drop it, knowing the caller's check.
 */
#define RX_PEEK64(wk, i)                                                       \
	({                                                                     \
		__u32 __i = (i);                                               \
		RX_BARRIER_VAR(__i);                                           \
		RX_LOAD64(&(wk)->peek[__i & RX_PEEK_MASK]);                    \
	})

#define RX_BYTES(b) (0x0101010101010101ull * (b))

/* The high bit of each byte of v that equals b (and maybe of bytes after one). */
RX_INLINE __u64 rx_bytes_eq(__u64 v, __u8 b)
{
	__u64 x = v ^ RX_BYTES(b);

	return (x - RX_BYTES(1)) & ~x & RX_BYTES(0x80);
}

/*
 * The index of the lowest byte flagged in t (from rx_bytes_eq, OR-ed for
 * several bytes), or 8. Exact: a false flag only ever follows a true one.
 */
RX_INLINE __u32 rx_first_flag(__u64 t)
{
	__u32 i = 0;

	if (!t)
		return 8;
	if (!(t & 0xffffffffull)) {
		i += 4;
		t >>= 32;
	}
	if (!(t & 0xffffull)) {
		i += 2;
		t >>= 16;
	}
	if (!(t & 0xffull))
		i += 1;
	return i;
}

/* The first '\n' in the eight bytes of v: its index, or 8. */
RX_INLINE __u32 rx_find_lf(__u64 v)
{
	return rx_first_flag(rx_bytes_eq(v, '\n'));
}

RX_INLINE int rx_peek_is(const struct rx_work *wk, __u32 len, __u32 at, const char *lit, __u32 n)
{
	__u32 i;

	RX_UNROLL
	for (i = 0; i < 8; i++) {
		if (i >= n)
			break;
		if (at + i >= len || RX_PEEK(wk, at + i) != (__u8)lit[i])
			return 0;
	}
	return 1;
}

RX_INLINE __u8 rx_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* "METHOD " at the start: the method, and where the URI begins. */
RX_INLINE __u32 rx_http_method(const struct rx_work *wk, __u32 len, __u32 *uri)
{
#define RX__TRY(m, lit)                                                        \
	if (rx_peek_is(wk, len, 0, lit " ", sizeof(lit))) {                    \
		*uri = sizeof(lit);                                            \
		return RX_HTTP_M_##m;                                          \
	}
	switch (len ? RX_PEEK(wk, 0) : 0) {
	case 'G':
		RX__TRY(GET, "GET");
		break;
	case 'P':
		RX__TRY(POST, "POST");
		RX__TRY(PUT, "PUT");
		RX__TRY(PATCH, "PATCH");
		break;
	case 'D':
		RX__TRY(DELETE, "DELETE");
		break;
	case 'H':
		RX__TRY(HEAD, "HEAD");
		break;
	case 'O':
		RX__TRY(OPTIONS, "OPTIONS");
		break;
	case 'C':
		RX__TRY(CONNECT, "CONNECT");
		break;
	case 'T':
		RX__TRY(TRACE, "TRACE");
		break;
	}
#undef RX__TRY
	return RX_HTTP_M_NONE;
}

/*
 * Where the URI walk is (w->state). A path parameter (";jsessionid=...",
 * to the next '/') is dropped like the query: session ids travel there.
 * A target that does not start with '/' (absolute-form "http://host/p",
 * CONNECT's "host:port") may carry credentials before an '@': the walk
 * keeps the scheme and the host, never the userinfo.
 */
enum {
	RX_US_PATH = 0,   /* copying the path (or, after a '?', skipping the query) */
	RX_US_PARAM = 1,  /* skipping a path parameter, to the next '/' */
	RX_US_SCHEME = 2, /* the start of a target that is not a path: its scheme */
	RX_US_AUTH = 3,   /* the authority after "//", from w->auth in uri[] */
};

/* One more path byte, or the path is cut. */
RX_INLINE void rx_uri_put(struct rx_http *h, __u8 c)
{
	if (h->uri_len < RX_HTTP_URI_MAX) {
		h->uri[h->uri_len & (RX_HTTP_URI_MAX - 1)] = (char)c;
		h->uri_len++;
	} else {
		h->flags |= RX_HTTPF_URI_TRUNC;
	}
}

/*
 * Userinfo ended at an '@': forget what was kept from n on, bytes included
 * (uri[] leaves the kernel whole, in records).
 */
RX_INLINE void rx_uri_cut(struct rx_http *h, __u32 n)
{
	__u32 i;

	if (n > RX_HTTP_URI_MAX)
		n = RX_HTTP_URI_MAX;
	RX_UNROLL
	for (i = 0; i < RX_HTTP_URI_MAX / 8; i++) {
		__u64 v = 0;

		if (i * 8 + 8 <= n)
			continue;
		if (i * 8 < n)
			v = RX_LOAD64(&h->uri[i * 8]) & ((1ull << (8 * (n - i * 8))) - 1);
		RX_STORE64(&h->uri[i * 8], v);
	}
	h->uri_len = (__u8)n;
	h->flags &= ~RX_HTTPF_URI_TRUNC;
}

/*
 * One URI byte at w->off (eight where they are plain path): keep the path,
 * drop the query and path parameters. Returns 1 to stop.
 */
static long rx_http_uri_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_uriwalk *w = &wk->uri;
	struct rx_http *h = &wk->http;
	__u32 pos = w->off, p, st = w->state;
	__u8 c;

	if (pos >= w->len || pos >= RX_HTTP_PEEK)
		return 1;
	p = pos;
	RX_BARRIER_VAR(p);
	/* eight bytes a step where they are in view (and fit the path) */
	if (st == RX_US_PATH && p + 8 <= w->len && p <= RX_HTTP_PEEK - 8) {
		__u64 v = RX_PEEK64(wk, p);
		__u64 t = rx_bytes_eq(v, ' ') | rx_bytes_eq(v, '\r') | rx_bytes_eq(v, '\n');
		__u32 n = h->uri_len, i;

		if (!(h->flags & RX_HTTPF_QUERY))
			t |= rx_bytes_eq(v, '?') | rx_bytes_eq(v, ';');
		i = rx_first_flag(t);
		if (!(h->flags & RX_HTTPF_QUERY)) {
			RX_BARRIER_VAR(n);
			if (n > RX_HTTP_URI_MAX - 8)
				goto bytewise; /* the end of the kept path: byte by byte */
			/* only the path's bytes: never what follows (the query) */
			if (i < 8)
				v &= (1ull << (8 * i)) - 1;
			RX_STORE64(&h->uri[n], v);
			h->uri_len = (__u8)(n + i);
		}
		if (i == 8) {
			w->off = p + 8;
			return 0;
		}
		/* the byte that stopped the word: on its own, below */
		pos = p + i;
		w->off = pos;
	}
bytewise:
	c = RX_PEEK(wk, pos);
	if (c == ' ' || c == '\r' || c == '\n')
		return 1;
	w->off = pos + 1;
	if (h->flags & RX_HTTPF_QUERY)
		return 0;
	if (c == '?') {
		h->flags |= RX_HTTPF_QUERY;
		return 0;
	}
	switch (st) {
	case RX_US_PARAM:
		if (c != '/')
			return 0;
		w->state = RX_US_PATH;
		break;
	case RX_US_SCHEME:
	case RX_US_AUTH:
		if (c == '@') {
			rx_uri_cut(h, w->auth);
			return 0;
		}
		if (c != '/')
			break;
		/* the path after an authority: routes start there */
		if (st == RX_US_AUTH)
			h->path_off = h->uri_len;
		if (st == RX_US_SCHEME && pos > 0 && RX_PEEK(wk, pos - 1) == ':' &&
		    pos + 1 < w->len && RX_PEEK(wk, pos + 1) == '/') {
			/* "scheme://": the authority follows */
			rx_uri_put(h, '/');
			rx_uri_put(h, '/');
			w->off = pos + 2;
			w->auth = h->uri_len;
			w->state = RX_US_AUTH;
			return 0;
		}
		w->state = RX_US_PATH;
		break;
	default:
		if (c == ';') {
			w->state = RX_US_PARAM;
			return 0;
		}
	}
	rx_uri_put(h, c);
	return 0;
}

enum {
	RX_HS_LINE = 0, /* at the start of a header line */
	RX_HS_NAME,     /* matching "host:" / "content-length:" */
	RX_HS_SKIP,     /* to the end of the line */
	RX_HS_HOST,     /* copying the Host value */
	RX_HS_CLEN,     /* reading Content-Length digits */
	RX_HS_CR,       /* a CR at a line start: the blank line, if LF follows */
	RX_HS_UA,       /* copying the User-Agent value (while transactions stream) */
	RX_HS_DONE,     /* (a step's answer: the blank line ends the walk; never stored) */
};

/* The name walk's position (RX_HS_NAME): bytes matched, and the names ruled out. */
#define RX_HN_MATCHED 0xffu
#define RX_HN_NOT_UA (1u << 29)
#define RX_HN_NOT_HOST (1u << 30)
#define RX_HN_NOT_CLEN (1u << 31)
#define RX_HN_NONE (RX_HN_NOT_UA | RX_HN_NOT_HOST | RX_HN_NOT_CLEN)

/*
 * The header names, byte i at bits 8*i: constants in instructions, not
 * rodata arrays (clang 14 emits overlapping BTF for small static strings).
 */
#define RX_NAME_HOST 0x3a74736f68ull         /* "host:" */
#define RX_NAME_CLEN_LO 0x2d746e65746e6f63ull /* "content-" */
#define RX_NAME_CLEN_HI 0x3a6874676e656cull   /* "length:" */
#define RX_NAME_UA_LO 0x6567612d72657375ull   /* "user-age" */
#define RX_NAME_UA_HI 0x3a746eull             /* "nt:" */
#define RX_NAME_TE_LO 0x726566736e617274ull   /* "transfer" */
#define RX_NAME_TE_HI 0x6e69646f636e652dull   /* "-encodin" (then "g:") */

RX_INLINE __u8 rx_name_host(__u32 i)
{
	return (__u8)(RX_NAME_HOST >> (8 * (i & 7)));
}

RX_INLINE __u8 rx_name_clen(__u32 i)
{
	i &= 15;
	return (__u8)(i < 8 ? RX_NAME_CLEN_LO >> (8 * i) : RX_NAME_CLEN_HI >> (8 * (i - 8)));
}

RX_INLINE __u8 rx_name_ua(__u32 i)
{
	i &= 15;
	return (__u8)(i < 8 ? RX_NAME_UA_LO >> (8 * i) : RX_NAME_UA_HI >> (8 * (i - 8)));
}

/*
 * To the end of the line from p (within the window), up to 64 bytes in
 * this step: the next step starts at a line or goes on skipping.
 */
RX_INLINE void rx_http_skip_line(struct rx_work *wk, struct rx_hdrwalk *w, __u32 p)
{
	__u32 k, q, i;

	RX_UNROLL
	for (k = 0; k < 8; k++) {
		q = p + 8 * k;
		RX_BARRIER_VAR(q);
		if (q + 8 > w->len || q > RX_HTTP_PEEK - 8) {
			w->off = q;
			w->state = RX_HS_SKIP;
			return;
		}
		i = rx_find_lf(RX_PEEK64(wk, q));
		if (i < 8) {
			w->off = q + i + 1;
			w->state = RX_HS_LINE;
			return;
		}
	}
	w->off = p + 64;
	w->state = RX_HS_SKIP;
}

/* A blank that may lead a header value (the byte path skips any number of them). */
RX_INLINE __u32 rx_is_blank(__u8 c)
{
	return c == ' ' || c == '\t';
}

/*
 * Where the line that ends at byte i of v (the word at p) is over: the
 * next line's start when "\r\n" or "\n" ends it in view, else 0. What the
 * byte path reaches there is RX_HS_LINE too (through RX_HS_SKIP after
 * the CR).
 */
RX_INLINE __u32 rx_hs_eol(__u64 v, __u32 p, __u32 i)
{
	__u64 t = v >> (8 * (i & 7));

	if (i >= 8)
		return 0;
	if ((__u8)t == '\n')
		return p + i + 1;
	if ((__u8)t == '\r' && i < 7 && (__u8)(t >> 8) == '\n')
		return p + i + 2;
	return 0;
}

/*
 * A line start with 16 bytes in view: the names compared a word at a time
 * (lower case only where the name has letters: '-' and ':' must match
 * exactly). A name kept moves to its value; any other line is skipped to
 * its end, in this step. Returns 0 when the line is blank (a CR or LF
 * first), for the byte-wise step.
 */
RX_INLINE int rx_hs_line_words(struct rx_optctx *oc, struct rx_work *wk, struct rx_hdrwalk *w,
			       __u32 p)
{
	struct rx_http *h = &wk->http;
	__u64 a = RX_PEEK64(wk, p), b = RX_PEEK64(wk, p + 8);
	__u8 c = (__u8)a;

	if (c == '\r' || c == '\n')
		return 0;
	w->idx = 0;
	if (((a | 0x0020202020ull) & 0xffffffffffull) == RX_NAME_HOST &&
	    !(h->flags & RX_HTTPF_HOST)) {
		h->flags |= RX_HTTPF_HOST;
		w->off = p + 5 + rx_is_blank((__u8)(a >> 40)); /* (the value's leading blank) */
		w->state = RX_HS_HOST;
	} else if ((a | 0x0020202020202020ull) == RX_NAME_CLEN_LO &&
		   ((b | 0x00202020202020ull) & 0xffffffffffffffull) == RX_NAME_CLEN_HI &&
		   !(h->flags & RX_HTTPF_CLEN)) {
		h->content_length = 0;
		w->off = p + 15 + rx_is_blank((__u8)(b >> 56));
		w->state = RX_HS_CLEN;
	} else if ((a | 0x2020200020202020ull) == RX_NAME_UA_LO &&
		   ((b | 0x002020ull) & 0xffffffull) == RX_NAME_UA_HI &&
		   !(wk->info.flags & RX_RI_UA) && rx_shim_config_rt(oc->env)->txns) {
		wk->info.flags |= RX_RI_UA;
		w->off = p + 11 + rx_is_blank((__u8)(b >> 24));
		w->state = RX_HS_UA;
	} else {
		/* Transfer-Encoding: a request's body of unknown length (chunked) */
		if ((a | 0x2020202020202020ull) == RX_NAME_TE_LO &&
		    (b | 0x2020202020202000ull) == RX_NAME_TE_HI && p + 18 <= w->len &&
		    rx_lower(RX_PEEK(wk, p + 16)) == 'g' && RX_PEEK(wk, p + 17) == ':')
			h->flags |= RX_HTTPF_TE;
		/* not a header kept: on to the line's end, in this step */
		rx_http_skip_line(wk, w, p);
	}
	return 1;
}

/* Trailing blanks are not part of a value (a few, bounded): buf of max bytes, a constant. */
RX_INLINE void rx_hs_trim(char *buf, __u8 *len, const __u32 max)
{
	__u32 k, l;

	for (k = 0; k < 8; k++) {
		l = *len;
		if (l == 0 || l > max)
			break;
		/* the last byte's index, masked in the register used: clang drops a mask it can prove */
		l--;
		RX_BARRIER_VAR(l);
		l &= max - 1;
		if (buf[l] != ' ' && buf[l] != '\t')
			break;
		*len = (__u8)l;
	}
}

/*
 * A value (Host, User-Agent) 8 bytes a step, into buf (max bytes, a
 * constant) at *len: its blanks and its end byte by byte, by the caller.
 * Returns 1 when it took bytes.
 */
RX_INLINE int rx_hs_value_word(struct rx_work *wk, struct rx_hdrwalk *w, __u32 p, char *buf,
			       __u8 *len, const __u32 max)
{
	__u64 v = RX_PEEK64(wk, p), val = v;
	__u32 n = *len, i, next;
	__u8 c = (__u8)v;

	RX_BARRIER_VAR(n);
	if (n > max - 8 || c == ' ' || c == '\t')
		return 0;
	i = rx_first_flag(rx_bytes_eq(v, '\r') | rx_bytes_eq(v, '\n'));
	if (i == 0)
		return 0;
	if (i < 8)
		val &= (1ull << (8 * i)) - 1;
	RX_STORE64(&buf[n], val);
	*len = (__u8)(n + i);
	w->off = p + i;
	/* the line's end in view too: the value is complete (as its CR or LF byte would say) */
	next = rx_hs_eol(v, p, i);
	if (next) {
		rx_hs_trim(buf, len, max);
		w->off = next;
		w->state = RX_HS_LINE;
	}
	return 1;
}

/*
 * RX_HS_CLEN with 8 bytes in view, no digit read yet: the digits and the
 * line's end in this step when all are in the word ("17\r\n"). Returns 0
 * for the byte path (a blank, a line that does not end in the word,
 * anything unusual), which reaches the same state and value.
 */
RX_INLINE int rx_hs_clen_word(struct rx_work *wk, struct rx_hdrwalk *w, __u32 p)
{
	__u64 v = RX_PEEK64(wk, p);
	__u32 n = 0, k, next;
	__u32 len = 0;
	__u8 c;

	RX_UNROLL
	for (k = 0; k < 7; k++) {
		c = (__u8)(v >> (8 * k));
		if (c < '0' || c > '9')
			break;
		len = len * 10 + (c - '0');
		n++;
	}
	next = rx_hs_eol(v, p, n);
	if (!n || !next)
		return 0;
	wk->http.content_length = len;
	wk->http.flags |= RX_HTTPF_CLEN;
	w->off = next;
	w->state = RX_HS_LINE;
	return 1;
}

/* RX_HS_NAME: one more name byte (lc, lower case); idx as RX_HN_*. Returns the next state. */
RX_INLINE __u32 rx_hs_name(struct rx_optctx *oc, struct rx_work *wk, __u8 c, __u8 lc, __u32 *idx)
{
	struct rx_http *h = &wk->http;
	__u32 i = *idx;

	if (!(i & RX_HN_NOT_HOST) && ((i & RX_HN_MATCHED) >= 5 || lc != rx_name_host(i)))
		i |= RX_HN_NOT_HOST;
	if (!(i & RX_HN_NOT_CLEN) && ((i & RX_HN_MATCHED) >= 15 || lc != rx_name_clen(i)))
		i |= RX_HN_NOT_CLEN;
	if (!(i & RX_HN_NOT_UA) && ((i & RX_HN_MATCHED) >= 11 || lc != rx_name_ua(i)))
		i |= RX_HN_NOT_UA;
	*idx = 0;
	if (!(i & RX_HN_NOT_UA) && (i & RX_HN_MATCHED) == 10 && !(wk->info.flags & RX_RI_UA) &&
	    rx_shim_config_rt(oc->env)->txns) {
		wk->info.flags |= RX_RI_UA;
		return RX_HS_UA;
	}
	if (!(i & RX_HN_NOT_HOST) && (i & RX_HN_MATCHED) == 4 && !(h->flags & RX_HTTPF_HOST)) {
		h->flags |= RX_HTTPF_HOST;
		return RX_HS_HOST;
	}
	if (!(i & RX_HN_NOT_CLEN) && (i & RX_HN_MATCHED) == 14 && !(h->flags & RX_HTTPF_CLEN)) {
		h->content_length = 0;
		return RX_HS_CLEN;
	}
	*idx = i;
	if ((i & RX_HN_NONE) == RX_HN_NONE)
		return c == '\n' ? RX_HS_LINE : RX_HS_SKIP;
	*idx = i + 1;
	return RX_HS_NAME;
}

/* RX_HS_HOST: one byte of the Host value. Returns the next state. */
RX_INLINE __u32 rx_hs_host(struct rx_http *h, __u8 c)
{
	if (c == '\r' || c == '\n') {
		rx_hs_trim(h->host, &h->host_len, RX_HTTP_HOST_MAX);
		return c == '\n' ? RX_HS_LINE : RX_HS_SKIP;
	}
	if ((c == ' ' || c == '\t') && h->host_len == 0)
		return RX_HS_HOST; /* leading blanks */
	if (h->host_len < RX_HTTP_HOST_MAX) {
		h->host[h->host_len & (RX_HTTP_HOST_MAX - 1)] = (char)c;
		h->host_len++;
	} else {
		h->flags |= RX_HTTPF_HOST_TRUNC;
	}
	return RX_HS_HOST;
}

/* RX_HS_UA: one byte of the User-Agent value. Returns the next state. */
RX_INLINE __u32 rx_hs_ua(struct rx_reqinfo *ri, __u8 c)
{
	__u32 l;

	if (c == '\r' || c == '\n') {
		rx_hs_trim(ri->ua, &ri->ua_len, RX_HTTP_UA_MAX);
		return c == '\n' ? RX_HS_LINE : RX_HS_SKIP;
	}
	if ((c == ' ' || c == '\t') && ri->ua_len == 0)
		return RX_HS_UA; /* leading blanks */
	if (ri->ua_len < RX_HTTP_UA_MAX) {
		l = ri->ua_len;
		/* keep the mask: clang would drop it for the test above */
		RX_BARRIER_VAR(l);
		ri->ua[l & (RX_HTTP_UA_MAX - 1)] = (char)c;
		ri->ua_len = (__u8)(l + 1);
	} else if (c != ' ' && c != '\t') {
		/* (blanks past the end may only be trailing ones) */
		ri->flags |= RX_RI_UA_TRUNC;
	}
	return RX_HS_UA;
}

/* RX_HS_CLEN: one byte of the Content-Length value; idx: digits read. Returns the next state. */
RX_INLINE __u32 rx_hs_clen(struct rx_http *h, __u8 c, __u32 *idx)
{
	if (c >= '0' && c <= '9' && *idx < 9) {
		h->content_length = h->content_length * 10 + (c - '0');
		h->flags |= RX_HTTPF_CLEN;
		(*idx)++;
		return RX_HS_CLEN;
	}
	if (c >= '0' && c <= '9') {
		/* a gigabyte or more: beyond what a 32-bit length holds, so unknown */
		h->flags &= ~RX_HTTPF_CLEN;
		h->content_length = 0;
		return RX_HS_SKIP;
	}
	if (rx_is_blank(c) && *idx == 0)
		return RX_HS_CLEN; /* leading blanks */
	return c == '\n' ? RX_HS_LINE : RX_HS_SKIP;
}

/*
 * One byte where no word step applies: a state's helper decides what comes
 * next. Returns the next state, RX_HS_DONE at the blank line.
 */
RX_INLINE __u32 rx_hs_byte(struct rx_optctx *oc, struct rx_work *wk, __u32 pos, __u32 st,
			   __u32 *idx)
{
	struct rx_http *h = &wk->http;
	__u8 c = RX_PEEK(wk, pos);

	if (st == RX_HS_LINE) {
		if (c == '\r')
			return RX_HS_CR;
		if (c == '\n') {
			h->hdr_end = (__u16)(pos + 1);
			return RX_HS_DONE;
		}
		st = RX_HS_NAME;
		*idx = 0;
	}
	switch (st) {
	case RX_HS_CR:
		if (c != '\n')
			return RX_HS_SKIP;
		h->hdr_end = (__u16)(pos + 1);
		return RX_HS_DONE;
	case RX_HS_NAME:
		return rx_hs_name(oc, wk, c, rx_lower(c), idx);
	case RX_HS_HOST:
		return rx_hs_host(h, c);
	case RX_HS_UA:
		return rx_hs_ua(&wk->info, c);
	case RX_HS_CLEN:
		return rx_hs_clen(h, c, idx);
	default: /* RX_HS_SKIP */
		return c == '\n' ? RX_HS_LINE : RX_HS_SKIP;
	}
}

/*
 * The headers, one byte per step of a small state machine (its state in
 * the work area, like the option walks): keep Host, read Content-Length,
 * note where the blank line ends the headers. One byte per callback keeps
 * the verifier's work flat; a line-per-step walk with inner loops did not.
 * Where words are in view, the steps take them whole: a line start
 * compares the names a word at a time and skips a line not kept to its end
 * in the same step, a kept value is copied 8 bytes a step and ends with
 * its line, Content-Length's digits come from one word, and the blank line
 * CR LF ends the walk. One step for most lines, two or three for a kept
 * one, instead of its length. One helper per state (rx_hs_*).
 */
static long rx_http_hdr_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_optctx *oc = ctx;
	struct rx_work *wk = oc->work;
	struct rx_hdrwalk *w = &wk->hdr;
	__u32 pos = w->off, st = w->state, idx = w->idx, p;

	if (pos >= w->len || pos >= RX_HTTP_PEEK) {
		/* the window ends inside the User-Agent: what is here of it, marked cut */
		if (st == RX_HS_UA)
			wk->info.flags |= RX_RI_UA_TRUNC;
		return 1;
	}
	p = pos;
	RX_BARRIER_VAR(p);
	/*
	 * The word steps (RX_FAST_PATHS: tests/unit/unit_httphdr.c holds them
	 * to the byte steps alone). At a line start, the names; where they do
	 * not apply (a CR or LF first, or under 16 bytes in view), the blank
	 * line as CR LF: the end, in one step.
	 */
	if (RX_FAST_PATHS && st == RX_HS_LINE) {
		if (p + 16 <= w->len && p <= RX_HTTP_PEEK - 16 && rx_hs_line_words(oc, wk, w, p))
			return 0;
		if (p + 2 <= w->len && RX_PEEK(wk, p) == '\r' && RX_PEEK(wk, p + 1) == '\n') {
			wk->http.hdr_end = (__u16)(p + 2);
			return 1;
		}
	}
	if (RX_FAST_PATHS && st == RX_HS_CLEN && idx == 0 && p + 8 <= w->len && p <= RX_HTTP_PEEK - 8 &&
	    rx_hs_clen_word(wk, w, p))
		return 0;
	if (RX_FAST_PATHS && st == RX_HS_SKIP && p + 8 <= w->len && p <= RX_HTTP_PEEK - 8) {
		rx_http_skip_line(wk, w, p);
		return 0;
	}
	/* the User-Agent value (streaming only) and the Host value, 8 bytes a step */
	if (RX_FAST_PATHS && st == RX_HS_UA && p + 8 <= w->len && p <= RX_HTTP_PEEK - 8 &&
	    rx_hs_value_word(wk, w, p, wk->info.ua, &wk->info.ua_len, RX_HTTP_UA_MAX))
		return 0;
	if (RX_FAST_PATHS && st == RX_HS_HOST && p + 8 <= w->len && p <= RX_HTTP_PEEK - 8 &&
	    rx_hs_value_word(wk, w, p, wk->http.host, &wk->http.host_len, RX_HTTP_HOST_MAX))
		return 0;
	w->off = pos + 1;
	st = rx_hs_byte(oc, wk, pos, st, &idx);
	if (st == RX_HS_DONE)
		return 1;
	w->state = st;
	w->idx = idx;
	return 0;
}

/* Walk the headers from payload offset from (state st) to the blank line. */
RX_INLINE void rx_http_headers(struct rx_optctx *ctx, __u32 from, __u32 len, __u32 st)
{
	struct rx_hdrwalk *w = &ctx->work->hdr;

	w->off = from;
	w->len = len;
	w->state = st;
	w->idx = 0;
	rx_shim_loop(RX_HTTP_PEEK, rx_http_hdr_step, ctx);
}

/*
 * Decode the start line of the payload at frame offset off (avail bytes
 * in the frame) into wk->http; kind stays RX_HTTP_NONE if it is not one.
 */
RX_INLINE void rx_http_decode(struct rx_env *env, __u32 hook, struct rx_work *wk, __u32 off,
			      __u32 avail)
{
	struct rx_optctx ctx = { .work = wk, .env = env, .hook = hook };
	struct rx_uriwalk *w = &wk->uri;
	struct rx_http *h = &wk->http;
	__u32 len = avail, uri = 0, v, method;

	__builtin_memset(h, 0, sizeof(*h));
	wk->info.ua_len = 0;
	wk->info.flags = 0;
	/* no byte of an earlier request's User-Agent may ride along in the record */
	if (rx_shim_config_rt(env)->txns)
		__builtin_memset(wk->info.ua, 0, sizeof(wk->info.ua));
	if (len > RX_HTTP_PEEK)
		len = RX_HTTP_PEEK;
	if (len < 1 || rx_shim_load_bytes(env, hook, off, wk->peek, len, RX_HTTP_PEEK))
		return;
	if (len < 12) {
		/* too short for any start line: a cut one if it begins like one */
		__u32 u;

		if (rx_peek_is(wk, len, 0, "HTTP/1.", len < 7 ? len : 7) ||
		    rx_http_method(wk, len, &u) != RX_HTTP_M_NONE)
			h->flags = RX_HTTPF_PARTIAL;
		return;
	}

	if (rx_peek_is(wk, len, 0, "HTTP/1.", 7)) {
		/* status line: HTTP/1.x SP NNN */
		__u8 m = RX_PEEK(wk, 7), d0 = RX_PEEK(wk, 9), d1 = RX_PEEK(wk, 10),
		     d2 = RX_PEEK(wk, 11);

		if ((m != '0' && m != '1') || RX_PEEK(wk, 8) != ' ' || d0 < '1' || d0 > '5' ||
		    d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9')
			return;
		h->minor = m - '0';
		h->status = (__u16)((d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0'));
		h->kind = RX_HTTP_RESPONSE;
		/* the rest of the status line, then the headers */
		rx_http_headers(&ctx, 12, len, RX_HS_SKIP);
		return;
	}

	method = rx_http_method(wk, len, &uri);
	if (method == RX_HTTP_M_NONE)
		return;
	w->off = uri;
	w->len = len;
	w->auth = 0;
	w->state = uri < len && RX_PEEK(wk, uri) != '/' && RX_PEEK(wk, uri) != '*' ? RX_US_SCHEME
										: RX_US_PATH;
	rx_shim_loop(RX_HTTP_PEEK, rx_http_uri_step, &ctx);
	/* the bytes ran out inside a scheme or an authority: it may all be userinfo */
	if ((w->state == RX_US_SCHEME || w->state == RX_US_AUTH) && w->off >= len)
		rx_uri_cut(h, w->auth);
	/* "http://host" and no path: the path is empty (the route "/") */
	if (w->state == RX_US_AUTH)
		h->path_off = h->uri_len;
	/* " HTTP/1.x" and the end of the line: otherwise not a request line */
	v = w->off;
	/*
	 * The target runs past the window (a long query string, most often)
	 * while the segment goes on: a request whose version and headers are
	 * out of view. Its path is here; nothing after it in this segment is
	 * looked at.
	 */
	if (len == RX_HTTP_PEEK && avail > RX_HTTP_PEEK &&
	    (v >= len || (v + 10 >= len && RX_PEEK(wk, v) == ' '))) {
		h->method = (__u8)method;
		h->minor = RX_HTTP_MINOR_UNKNOWN;
		h->kind = RX_HTTP_REQUEST;
		return;
	}
	if (v >= RX_HTTP_PEEK || !rx_peek_is(wk, len, v, " HTTP/1.", 8) || v + 10 >= len ||
	    (RX_PEEK(wk, v + 8) != '0' && RX_PEEK(wk, v + 8) != '1') ||
	    RX_PEEK(wk, v + 9) != '\r' || RX_PEEK(wk, v + 10) != '\n') {
		__builtin_memset(h, 0, sizeof(*h));
		/* the line ran out of bytes (not out of form): a cut request line */
		if (v + 10 >= len && (v >= len || RX_PEEK(wk, v) == ' '))
			h->flags = RX_HTTPF_PARTIAL;
		return;
	}
	h->method = (__u8)method;
	h->minor = RX_PEEK(wk, v + 8) - '0';
	h->kind = RX_HTTP_REQUEST;
	rx_http_headers(&ctx, v + 11, len, RX_HS_LINE);
}

#endif

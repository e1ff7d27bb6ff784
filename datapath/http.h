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
#define RX_PEEK(wk, i) ((wk)->peek[(i) & RX_PEEK_MASK])

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

/* One URI byte at w->off: keep the path, drop the query. Returns 1 to stop. */
static long rx_http_uri_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_optwalk *w = &wk->opt;
	struct rx_http *h = &wk->http;
	__u32 pos = w->off;
	__u8 c;

	if (pos >= w->len || pos >= RX_HTTP_PEEK)
		return 1;
	c = RX_PEEK(wk, pos);
	if (c == ' ' || c == '\r' || c == '\n')
		return 1;
	if (c == '?')
		h->flags |= RX_HTTPF_QUERY;
	if (!(h->flags & RX_HTTPF_QUERY)) {
		if (h->uri_len < RX_HTTP_URI_MAX) {
			h->uri[h->uri_len & (RX_HTTP_URI_MAX - 1)] = (char)c;
			h->uri_len++;
		} else {
			h->flags |= RX_HTTPF_URI_TRUNC;
		}
	}
	w->off = pos + 1;
	return 0;
}

/* One header line start at w->off (just after a '\n'): Host? end of headers? */
static long rx_http_hdr_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_optwalk *w = &wk->opt;
	struct rx_http *h = &wk->http;
	__u32 pos = w->off, len = w->len, i, n = 0;
	__u8 c;

	if (pos + 1 >= len || pos >= RX_HTTP_PEEK)
		return 1;
	if (RX_PEEK(wk, pos) == '\r' || RX_PEEK(wk, pos) == '\n')
		return 1; /* the blank line: end of the headers */
	if (pos + 5 < len && rx_lower(RX_PEEK(wk, pos)) == 'h' &&
	    rx_lower(RX_PEEK(wk, pos + 1)) == 'o' && rx_lower(RX_PEEK(wk, pos + 2)) == 's' &&
	    rx_lower(RX_PEEK(wk, pos + 3)) == 't' && RX_PEEK(wk, pos + 4) == ':') {
		pos += 5;
		for (i = 0; i < 8 && pos < len && (RX_PEEK(wk, pos) == ' ' || RX_PEEK(wk, pos) == '\t'); i++)
			pos++;
		for (i = 0; i < RX_HTTP_HOST_MAX; i++) {
			if (pos + i >= len)
				break;
			c = RX_PEEK(wk, pos + i);
			if (c == '\r' || c == '\n')
				break;
			h->host[i & (RX_HTTP_HOST_MAX - 1)] = (char)c;
			n++;
		}
		if (i == RX_HTTP_HOST_MAX && pos + i < len && RX_PEEK(wk, pos + i) != '\r')
			h->flags |= RX_HTTPF_HOST_TRUNC;
		/* trailing blanks are not part of the value */
		while (n > 0 && n <= RX_HTTP_HOST_MAX &&
		       (h->host[(n - 1) & (RX_HTTP_HOST_MAX - 1)] == ' ' ||
			h->host[(n - 1) & (RX_HTTP_HOST_MAX - 1)] == '\t'))
			n--;
		h->host_len = (__u8)n;
		h->flags |= RX_HTTPF_HOST;
		return 1;
	}
	/* to the next line */
	for (i = 0; i < RX_HTTP_PEEK; i++) {
		if (pos + i >= len)
			return 1;
		if (RX_PEEK(wk, pos + i) == '\n')
			break;
	}
	w->off = pos + i + 1;
	return 0;
}

/*
 * Decode the start line of the payload at frame offset off (avail bytes
 * in the frame) into wk->http; kind stays RX_HTTP_NONE if it is not one.
 */
RX_INLINE void rx_http_decode(struct rx_env *env, __u32 hook, struct rx_work *wk, __u32 off,
			      __u32 avail)
{
	struct rx_optctx ctx = { .work = wk, .env = env, .hook = hook };
	struct rx_optwalk *w = &wk->opt;
	struct rx_http *h = &wk->http;
	__u32 len = avail, uri = 0, v, method;

	__builtin_memset(h, 0, sizeof(*h));
	if (len > RX_HTTP_PEEK)
		len = RX_HTTP_PEEK;
	if (len < 12 || rx_shim_load_bytes(env, hook, off, wk->peek, len, RX_HTTP_PEEK))
		return;

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
		return;
	}

	method = rx_http_method(wk, len, &uri);
	if (method == RX_HTTP_M_NONE)
		return;
	w->off = uri;
	w->len = len;
	rx_shim_loop(RX_HTTP_PEEK, rx_http_uri_step, &ctx);
	/* " HTTP/1.x" and the end of the line: otherwise not a request line */
	v = w->off;
	if (v >= RX_HTTP_PEEK || !rx_peek_is(wk, len, v, " HTTP/1.", 8) || v + 10 >= len ||
	    (RX_PEEK(wk, v + 8) != '0' && RX_PEEK(wk, v + 8) != '1') ||
	    RX_PEEK(wk, v + 9) != '\r' || RX_PEEK(wk, v + 10) != '\n') {
		__builtin_memset(h, 0, sizeof(*h));
		return;
	}
	h->method = (__u8)method;
	h->minor = RX_PEEK(wk, v + 8) - '0';
	h->kind = RX_HTTP_REQUEST;
	/* the headers, one line per step, for Host */
	w->off = v + 11;
	rx_shim_loop(64, rx_http_hdr_step, &ctx);
}

#endif

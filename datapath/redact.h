/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Secrets in captured payload, masked before the record leaves the kernel.
 * Payload capture is an explicit opt-in (--payload); even then, in TCP
 * payload, the value of every header not on a short list of harmless ones
 * (rx_redact_keep: Host, Content-Type, User-Agent, Accept...; so
 * Authorization, Cookie, Set-Cookie, API keys and tokens of any name), with
 * its folded continuation lines, every query ('?' to the next blank or
 * line end, wherever it appears), and, outside header values, every path
 * parameter (';' to the next '/') and the userinfo before an '@'
 * ("http://user:pass@host/", "CONNECT user:pass@host:443") become '*', byte
 * for byte, so the packet keeps its length and Wireshark still dissects it.
 *
 * The first RX_HTTP_PEEK payload bytes (already in wk->peek) are walked one
 * byte per bpf_loop step, the state in the work area as for the other
 * walks. A line is a header when a colon ends its first word ("name:" or
 * "name :"; the name hashed, FNV-1a, lower case); a segment that does not
 * start an HTTP message has its first line masked (it may continue a
 * secret). Nothing past the window leaves the kernel, nor anything past a
 * secret that reaches its end or past the RX_REDACT_RANGES-th secret.
 *
 * Shim (see process.h) additionally provides:
 *   void rx_shim_mask(struct rx_env *env, __u8 *dst, const __u8 *stars, __u32 len)
 *        copy len (<= RX_HTTP_PEEK) bytes of stars over dst
 */
#ifndef RX_REDACT_H
#define RX_REDACT_H

#include "http.h"

enum {
	RX_RS_LINE = 0, /* at the start of a line */
	RX_RS_NAME,     /* reading what may be a header name */
	RX_RS_NAME_SP,  /* blanks after it: a colon still makes it a header */
	RX_RS_SKIP,     /* a value kept: to the end of the line (but a '?' opens a query) */
	RX_RS_MASK,     /* a value masked: to the LF that ends the line */
	RX_RS_URI,      /* any other text: looking for '?' to the end of the line */
	RX_RS_QUERY,    /* a query: masked to the blank or line end that ends it */
	RX_RS_PARAM,    /* a path parameter (";jsessionid=..."): masked to '/', '?', blank, line end */
};

/*
 * Header values kept as they are (FNV-1a of the lower-case name): the ones
 * that describe the message, never credentials. Every other header's value
 * is masked. (A hash collision could keep one unknown header: 37 in 2^32.)
 */
RX_INLINE int rx_redact_keep(__u32 h)
{
	switch (h) {
	case 0xaffea56f: /* host */
	case 0x4df9451d: /* content-length */
	case 0xfcf70995: /* content-type */
	case 0x03e2ed88: /* content-encoding */
	case 0x017d1113: /* content-language */
	case 0xddb4744c: /* transfer-encoding */
	case 0x38b99ed9: /* connection */
	case 0xe18edb80: /* keep-alive */
	case 0x24259bee: /* user-agent */
	case 0x08247e29: /* accept */
	case 0xc9715a99: /* accept-encoding */
	case 0x75f67716: /* accept-language */
	case 0x6625cf66: /* accept-ranges */
	case 0x50c8a4cd: /* cache-control */
	case 0x19fa4625: /* pragma */
	case 0xd472dc59: /* date */
	case 0x40ac3dd2: /* server */
	case 0x40abde45: /* vary */
	case 0x06c857c0: /* etag */
	case 0xc0575a6b: /* last-modified */
	case 0x83e879a9: /* if-modified-since */
	case 0x972b6177: /* if-none-match */
	case 0x3e8ec783: /* expires */
	case 0x2c41499c: /* age */
	case 0x69122c13: /* via */
	case 0xdc97cc77: /* upgrade */
	case 0x3c453eb2: /* te */
	case 0x96da6b58: /* expect */
	case 0xfadc0cd2: /* range */
	case 0xd3ecfa4a: /* content-range */
	case 0xe2c21457: /* x-request-id */
	case 0x6c0b151e: /* traceparent */
	case 0x808e2e33: /* tracestate */
	case 0xd97f9a4f: /* origin */
	case 0xadb2f988: /* x-forwarded-for */
	case 0x2eb2af39: /* x-forwarded-proto */
	case 0xe37b3c60: /* x-real-ip */
		return 1;
	}
	return 0;
}

/* A secret range [r->from, end) is complete. */
RX_INLINE void rx_redact_close(struct rx_redact *r, __u32 end)
{
	__u32 n = r->n;

	if (end <= r->from)
		return;
	if (n < RX_REDACT_RANGES) {
		r->start[n & (RX_REDACT_RANGES - 1)] = (__u16)r->from;
		r->end[n & (RX_REDACT_RANGES - 1)] = (__u16)end;
		r->n = n + 1;
	} else if (r->from < r->cut) {
		r->cut = r->from;
	}
}

/* "name:" (or "name :") ends at pos: mask its value, or keep it. */
RX_INLINE __u32 rx_redact_header(struct rx_redact *r, __u32 pos)
{
	if (rx_redact_keep(r->hash))
		return RX_RS_SKIP;
	r->from = pos + 1;
	return RX_RS_MASK;
}

/*
 * A byte of text that is not a header value (a target, a status line, a
 * line of a body): the state that follows it. r->mark is where the current
 * word began; an '@' masks the word before it ("user:pass@host").
 */
RX_INLINE __u32 rx_redact_text(struct rx_redact *r, __u8 c, __u32 pos)
{
	if (c == '\n')
		return RX_RS_LINE;
	if (c == ' ' || c == '\t' || c == '\r' || c == '/') {
		r->mark = pos + 1;
	} else if (c == ';') {
		r->from = pos + 1;
		return RX_RS_PARAM;
	} else if (c == '@') {
		r->from = r->mark;
		rx_redact_close(r, pos);
		r->mark = pos + 1;
	}
	return RX_RS_URI;
}

/*
 * One byte of the payload; the walk's state is in wk->red (struct
 * rx_redactwalk).
 */
static long rx_redact_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_redactwalk *w = &wk->red;
	struct rx_redact *r = &wk->redact;
	__u32 pos = w->off, st = w->state;
	__u8 c;

	if (pos >= w->len || pos >= RX_HTTP_PEEK) {
		/*
		 * The window ends inside a secret: mask what is here, keep
		 * nothing after. A word of a target still open may be userinfo
		 * whose '@' is not in view ("http://alice:pa" | "ss@host/").
		 */
		if ((st == RX_RS_URI || st == RX_RS_PARAM) && r->mark < pos) {
			r->from = r->mark; /* (a parameter from its word: "user:pw;x" may be userinfo) */
			st = RX_RS_MASK;
		}
		if (st == RX_RS_MASK || st == RX_RS_QUERY || st == RX_RS_PARAM) {
			rx_redact_close(r, pos);
			if (pos < r->cut)
				r->cut = pos;
		}
		return 1;
	}
	c = RX_PEEK(wk, pos);
	w->off = pos + 1;
	if (c == '?' && st != RX_RS_MASK && st != RX_RS_QUERY) {
		/* a query anywhere (a target, a Referer, a glued pipelined request) */
		if (st == RX_RS_PARAM)
			rx_redact_close(r, pos);
		r->from = pos + 1;
		w->state = RX_RS_QUERY;
		return 0;
	}
	switch (st) {
	case RX_RS_LINE:
		if (c == '\r' || c == '\n') {
			w->folded = 0;
			break;
		}
		if ((c == ' ' || c == '\t') && w->folded) {
			/* obs-fold: the secret value goes on */
			r->from = pos;
			st = RX_RS_MASK;
			break;
		}
		w->folded = 0;
		r->hash = (2166136261u ^ rx_lower(c)) * 16777619u;
		r->mark = pos + 1;
		st = (c == ' ' || c == '\t') ? RX_RS_URI : RX_RS_NAME;
		break;
	case RX_RS_NAME:
		if (c == ':')
			st = rx_redact_header(r, pos);
		else if (c == ' ' || c == '\t')
			st = RX_RS_NAME_SP;
		else if (c == '\n')
			st = RX_RS_LINE;
		else
			r->hash = (r->hash ^ rx_lower(c)) * 16777619u;
		break;
	case RX_RS_NAME_SP:
		if (c == ':')
			st = rx_redact_header(r, pos);
		else if (c == '\n')
			st = RX_RS_LINE;
		else if (c != ' ' && c != '\t') {
			/* a request line's target, or any text */
			r->mark = pos;
			st = rx_redact_text(r, c, pos);
		}
		break;
	case RX_RS_QUERY:
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			rx_redact_close(r, pos);
			st = rx_redact_text(r, c, pos);
		}
		break;
	case RX_RS_PARAM:
		/* to '/', a blank or the line end; an '@' makes it userinfo ("user:pa;ss@host") */
		if (c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			rx_redact_close(r, pos);
		else if (c != '@')
			break;
		st = rx_redact_text(r, c, pos);
		break;
	case RX_RS_URI:
		st = rx_redact_text(r, c, pos);
		break;
	case RX_RS_MASK:
		/* only LF ends it: a bare CR is a blank to a server (RFC 9112 section 2.2) */
		if (c == '\n') {
			rx_redact_close(r, pos > r->from && RX_PEEK(wk, pos - 1) == '\r' ? pos - 1 : pos);
			w->folded = 1;
			st = RX_RS_LINE;
		}
		break;
	default: /* RX_RS_SKIP */
		if (c == '\n')
			st = RX_RS_LINE;
		break;
	}
	w->state = st;
	return 0;
}

/*
 * Mask the secrets of rec's TCP payload (its first bytes in wk->peek, len
 * of them; rec->data_len bytes captured). Returns how many captured bytes
 * may leave the kernel.
 */
RX_INLINE __u32 rx_redact(struct rx_env *env, __u32 hook, struct rx_work *wk,
			  struct rx_capture *rec, __u32 len)
{
	struct rx_optctx ctx = { .work = wk, .env = env, .hook = hook };
	struct rx_redactwalk *w = &wk->red;
	struct rx_redact *r = &wk->redact;
	__u32 poff = wk->pkt.payload_off, keep = rec->data_len, i;

	if (!wk->redact.stars_ready) {
		__builtin_memset(wk->stars, '*', sizeof(wk->stars));
		wk->redact.stars_ready = 1;
	}
	r->n = 0;
	r->cut = ~0u;
	r->from = 0;
	r->mark = 0;
	w->off = 0;
	w->len = len;
	w->folded = 0;
	/*
	 * A segment that does not start a message may start inside a secret
	 * (a header block or a value split across segments): its first line
	 * is masked.
	 */
	if (wk->http.kind != RX_HTTP_NONE || (wk->http.flags & RX_HTTPF_PARTIAL)) {
		w->state = RX_RS_LINE;
	} else {
		w->state = RX_RS_MASK;
		r->from = 0;
	}
	rx_shim_loop(RX_HTTP_PEEK + 1, rx_redact_step, &ctx);
	/* nothing past the window leaves: it was not looked at */
	if (len < r->cut)
		r->cut = len;

	RX_UNROLL
	for (i = 0; i < RX_REDACT_RANGES; i++) {
		__u32 s, e, off, n;

		if (i >= r->n)
			break;
		s = r->start[i];
		e = r->end[i];
		off = poff + s;
		if (off >= keep)
			continue;
		/* (a record this far in is cut rather than masked: bounds for the verifier) */
		if (off > RX_SNAP_MAX - RX_HTTP_PEEK || e <= s || e - s > RX_HTTP_PEEK) {
			keep = off;
			break;
		}
		n = e - s;
		if (n > keep - off)
			n = keep - off;
		RX_BARRIER_VAR(off);
		if (off > RX_SNAP_MAX - RX_HTTP_PEEK)
			break;
		rx_shim_mask(env, rec->data + off, wk->stars, n);
	}
	if (r->cut != ~0u && poff + r->cut < keep)
		keep = poff + r->cut;
	return keep;
}

#endif

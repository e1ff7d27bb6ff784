/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Secrets in captured payload, masked before the record leaves the kernel.
 * Payload capture is an explicit opt-in (--payload); even then the values
 * of Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
 * Api-Key, X-Auth-Token and X-Csrf-Token headers (and their folded
 * continuation lines) and every request's query string become '*', byte
 * for byte, so the packet keeps its length and Wireshark still dissects it.
 *
 * The first RX_HTTP_PEEK payload bytes (already in wk->peek) are walked one
 * byte per bpf_loop step, the state in the work area as for the other
 * walks. Each line is either a header ("name:" -- the name hashed, FNV-1a,
 * lower case) or, if a blank comes before any colon, a request line, whose
 * '?' opens the query. What the walk cannot judge is cut from the record:
 * a secret that runs to the end of the window, secrets past
 * RX_REDACT_RANGES, and an HTTP header block that does not end within the
 * window.
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
	RX_RS_SKIP,     /* to the end of the line */
	RX_RS_MASK,     /* a secret header value, to the end of the line */
	RX_RS_URI,      /* a request line's target, looking for '?' */
	RX_RS_QUERY,    /* the query, to the blank that ends it */
};

/* FNV-1a of the lower-case names: a collision only masks a harmless header. */
RX_INLINE int rx_redact_name(__u32 h)
{
	return h == 0x913657be /* authorization */ || h == 0xa01f18bb /* proxy-authorization */ ||
	       h == 0x77a740bf /* cookie */ || h == 0x6e2be738 /* set-cookie */ ||
	       h == 0xec985c4c /* x-api-key */ || h == 0x5ff64785 /* api-key */ ||
	       h == 0x2ea3b5d8 /* x-auth-token */ || h == 0x98b617c8 /* x-csrf-token */;
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

/* w->reason: state; w->n bit 0: the previous line was a secret (folding). */
static long rx_redact_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_optwalk *w = &wk->opt;
	struct rx_redact *r = &wk->redact;
	__u32 pos = w->off, st = w->reason;
	__u8 c;

	if (pos >= w->len || pos >= RX_HTTP_PEEK) {
		/* the window ends inside a secret: mask what is here, keep nothing after */
		if (st == RX_RS_MASK || st == RX_RS_QUERY) {
			rx_redact_close(r, pos);
			if (pos < r->cut)
				r->cut = pos;
		}
		return 1;
	}
	c = RX_PEEK(wk, pos);
	w->off = pos + 1;
	switch (st) {
	case RX_RS_LINE:
		if (c == '\r' || c == '\n') {
			w->n = 0;
			break;
		}
		if ((c == ' ' || c == '\t') && (w->n & 1)) {
			/* obs-fold: the secret value goes on */
			r->from = pos;
			st = RX_RS_MASK;
			break;
		}
		w->n = 0;
		r->hash = (2166136261u ^ rx_lower(c)) * 16777619u;
		st = c == ' ' ? RX_RS_URI : RX_RS_NAME;
		break;
	case RX_RS_NAME:
		if (c == ':') {
			if (rx_redact_name(r->hash)) {
				r->from = pos + 1;
				st = RX_RS_MASK;
			} else {
				st = RX_RS_SKIP;
			}
		} else if (c == ' ') {
			st = RX_RS_URI;
		} else if (c == '\n') {
			st = RX_RS_LINE;
		} else if (c == '\r') {
			st = RX_RS_SKIP;
		} else {
			r->hash = (r->hash ^ rx_lower(c)) * 16777619u;
		}
		break;
	case RX_RS_URI:
		if (c == '?') {
			r->from = pos + 1;
			st = RX_RS_QUERY;
		} else if (c == ' ' || c == '\r') {
			st = RX_RS_SKIP;
		} else if (c == '\n') {
			st = RX_RS_LINE;
		}
		break;
	case RX_RS_QUERY:
		if (c == ' ' || c == '\r' || c == '\n') {
			rx_redact_close(r, pos);
			st = c == '\n' ? RX_RS_LINE : RX_RS_SKIP;
		}
		break;
	case RX_RS_MASK:
		if (c == '\r' || c == '\n') {
			rx_redact_close(r, pos);
			w->n = 1;
			st = c == '\n' ? RX_RS_LINE : RX_RS_SKIP;
		}
		break;
	default: /* RX_RS_SKIP */
		if (c == '\n')
			st = RX_RS_LINE;
		break;
	}
	w->reason = st;
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
	struct rx_optwalk *w = &wk->opt;
	struct rx_redact *r = &wk->redact;
	__u32 poff = wk->pkt.payload_off, keep = rec->data_len, i;

	if (!wk->redact.stars_ready) {
		__builtin_memset(wk->stars, '*', sizeof(wk->stars));
		wk->redact.stars_ready = 1;
	}
	r->n = 0;
	r->cut = ~0u;
	r->from = 0;
	w->off = 0;
	w->len = len;
	w->reason = RX_RS_LINE;
	w->n = 0;
	rx_shim_loop(RX_HTTP_PEEK + 1, rx_redact_step, &ctx);
	/* an HTTP message whose headers go on past the window: the rest unseen */
	if (wk->http.kind != RX_HTTP_NONE && !wk->http.hdr_end && len < r->cut)
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

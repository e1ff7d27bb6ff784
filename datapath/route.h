/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Route templating in the datapath: /users/123 -> /users/{id}. The route
 * patterns user space configured (struct rx_pattern) are tried first, in
 * order; a path none matches has its segments of digits replaced by {id},
 * UUIDs {uuid}, hex strings of 16 or more characters {hex}; the rest is kept. Each server port has a budget of routes; a new
 * route past it is counted on the overflow route, so the cardinality of
 * everything keyed by route is bounded by construction.
 *
 * Shim (see process.h) additionally provides:
 *   struct rx_route *rx_shim_route(struct rx_env *env, __u32 id)     (lookup)
 *   int rx_shim_route_add(struct rx_env *env, __u32 id, const struct rx_route *r)
 *   struct rx_budget *rx_shim_budget(struct rx_env *env, __u32 port) (lookup or insert)
 *   const struct rx_pattern *rx_shim_pattern(struct rx_env *env, __u32 i)
 *   struct rx_route_memo *rx_shim_route_memo(struct rx_env *env, __u32 slot) (per CPU)
 */
#ifndef RX_ROUTE_H
#define RX_ROUTE_H

#include "http.h"

enum {
	RX_RT_DIGITS = 1,
	RX_RT_HEX = 2,
	RX_RT_UUID = 4,
	RX_RT_ALL = 7,
};

/* Placeholders as constants, byte i at bits 8*i (no rodata strings: see http.h). */
#define RX_PH_ID 0x7d64697bull       /* "{id}" */
#define RX_PH_UUID 0x7d646975757bull /* "{uuid}" */
#define RX_PH_HEX 0x7d7865687bull    /* "{hex}" */

RX_INLINE int rx_is_hex(__u8 c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Close the segment that started at rw->seg: replace it by its placeholder. */
RX_INLINE void rx_route_close(struct rx_routewalk *rw)
{
	__u64 ph = 0;
	__u32 n = 0, i;

	if (!rw->seglen)
		return;
	if (rw->flags & RX_RT_DIGITS) {
		ph = RX_PH_ID;
		n = 4;
	} else if ((rw->flags & RX_RT_UUID) && rw->seglen == 36) {
		ph = RX_PH_UUID;
		n = 6;
	} else if ((rw->flags & RX_RT_HEX) && rw->seglen >= 16) {
		ph = RX_PH_HEX;
		n = 5;
	}
	if (!n)
		return;
	for (i = 0; i < 6; i++) {
		if (i >= n || rw->seg + i >= RX_ROUTE_MAX)
			break;
		rw->out[(rw->seg + i) & (RX_ROUTE_MAX - 1)] = (char)(ph >> (8 * i));
	}
	rw->len = rw->seg + i;
	/*
	 * The route is cut when the placeholder was not written in full. A
	 * placeholder written in full stands for all of its segment's bytes.
	 * An earlier cut left seg at RX_ROUTE_MAX, where no placeholder is
	 * written in full, so that cut is kept.
	 */
	rw->cut = i < n;
}

/* One URI byte (or, at uri_len, the end); returns 1 when done. */
static long rx_route_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_routewalk *rw = &wk->route;
	__u32 pos = rw->pos, end = wk->http.uri_len, k, flags, len, sh, n, dig, hex, dash, uuid;
	__u8 c;

	if (pos > end || pos > RX_HTTP_URI_MAX)
		return 1;
	c = pos < end ? (__u8)wk->http.uri[pos & (RX_HTTP_URI_MAX - 1)] : '/';
	rw->pos = pos + 1;
	if (c == '/') {
		/* the segment's hash, for the patterns */
		if (rw->slash) {
			if (rw->nseg < RX_PATTERN_SEGS) {
				rw->segs[rw->nseg & (RX_PATTERN_SEGS - 1)] = rw->seghash;
				if (!rw->seglen)
					rw->empty |= 1u << (rw->nseg & (RX_PATTERN_SEGS - 1));
			}
			rw->nseg++;
		}
		rw->slash = 1;
		rw->seghash = 2166136261u;
		rx_route_close(rw);
		if (pos == end)
			return 1;
		if (rw->len < RX_ROUTE_MAX) {
			rw->out[rw->len & (RX_ROUTE_MAX - 1)] = '/';
			rw->len++;
		} else {
			rw->cut = 1;
		}
		rw->seg = rw->len;
		rw->seglen = 0;
		rw->flags = RX_RT_ALL;
		return 0;
	}
	/* this byte and up to 7 more of the same segment, in registers */
	k = rw->seglen;
	flags = rw->flags;
	len = rw->len;
	sh = rw->seghash;
	RX_UNROLL
	for (n = 0; n < 8; n++) {
		if (n) {
			if (pos + n >= end)
				break;
			c = (__u8)wk->http.uri[(pos + n) & (RX_HTTP_URI_MAX - 1)];
			if (c == '/')
				break;
		}
		sh = (sh ^ c) * 16777619u;
		/*
		 * Without branches (BPF has no conditional set; a branch per
		 * class per byte, unrolled, is more than the verifier will
		 * walk): x < n as the sign of x - n.
		 */
		dig = ((__u32)(__u8)(c - '0') - 10) >> 31;
		hex = dig | (((__u32)(__u8)((c | 0x20) - 'a') - 6) >> 31);
		dash = (__u32)(0x842100ull >> (k & 63)) & 1; /* offsets 8, 13, 18, 23 */
		uuid = ((dash & (((__u32)(c ^ '-') - 1) >> 31)) | ((dash ^ 1) & hex)) &
		       (((__u32)k - 36) >> 31);
		flags &= ~((dig ^ 1) * RX_RT_DIGITS) & ~((hex ^ 1) * RX_RT_HEX) &
			 ~((uuid ^ 1) * RX_RT_UUID);
		if (len < RX_ROUTE_MAX) {
			rw->out[len & (RX_ROUTE_MAX - 1)] = (char)c;
			len++;
		} else {
			rw->cut = 1;
		}
		k++;
	}
	rw->pos = pos + n;
	rw->seglen = k;
	rw->flags = flags;
	rw->len = len;
	rw->seghash = sh;
	return 0;
}

/* Does pattern i match the path just walked? Then its text is the route. */
static long rx_pattern_step(__u64 index, void *ctx)
{
	struct rx_optctx *o = ctx;
	struct rx_routewalk *rw = &o->work->route;
	const struct rx_pattern *p = rx_shim_pattern(o->env, (__u32)index);
	__u32 n, i, bad = 0;

	if (!p)
		return 1;
	n = p->nseg;
	if (n > RX_PATTERN_SEGS || (p->rest ? rw->nseg <= n : rw->nseg != n) || (p->wild & rw->empty))
		return 0;
	/*
	 * No break or return inside: clang 19 refuses to unroll a loop with
	 * early exits here (-Wpass-failed under -Werror); the mismatches are
	 * or-ed instead, a fixed RX_PATTERN_SEGS steps.
	 */
	RX_UNROLL
	for (i = 0; i < RX_PATTERN_SEGS; i++)
		bad |= i < n && !(p->wild & (1u << i)) && p->hash[i] != rw->segs[i];
	if (bad)
		return 0;
	__builtin_memcpy(rw->out, p->text, RX_ROUTE_MAX);
	rw->len = p->len > RX_ROUTE_MAX ? RX_ROUTE_MAX : p->len;
	rw->cut = 0;
	return 1;
}

/*
 * The route's id: the server port and the templated route, hashed eight
 * bytes at a time (FNV-1a's 64-bit prime with a shift to mix, folded to 32
 * bits). Unrolled: at most RX_ROUTE_MAX / 8 words.
 */
RX_INLINE __u32 rx_route_hash(const struct rx_routewalk *rw, __u32 port)
{
	__u64 h = 0xcbf29ce484222325ull ^ port ^ ((__u64)!!rw->cut << 32), v;
	__u32 len = rw->len, i;

	RX_UNROLL
	for (i = 0; i < RX_ROUTE_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		v = RX_LOAD64(&rw->out[i * 8]);
		/* the bytes past the end may be left from before a placeholder */
		if (len - i * 8 < 8)
			v &= (1ull << (8 * (len - i * 8))) - 1;
		h = (h ^ v) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return (__u32)(h ^ (h >> 32));
}

/* Is r (registered) the route just walked, on this port? Eight bytes at a time. */
RX_INLINE int rx_route_same(const struct rx_route *r, const struct rx_routewalk *rw, __u32 port)
{
	__u32 len = rw->len, i;
	__u64 x;

	if (r->len != len || r->port != port || r->flags != (rw->cut ? RX_ROUTEF_CUT : 0))
		return 0;
	RX_UNROLL
	for (i = 0; i < RX_ROUTE_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		x = RX_LOAD64(&r->path[i * 8]) ^ RX_LOAD64(&rw->out[i * 8]);
		if (len - i * 8 < 8)
			x &= (1ull << (8 * (len - i * 8))) - 1;
		if (x)
			return 0;
	}
	return 1;
}

/*
 * The route id of the request in wk->http, for server port port; the
 * route is registered on first sight within the port's budget.
 */
/*
 * The memo slot of the request path in wk->http on port, and whether m holds
 * exactly that path (all the walk reads: path bytes, length, truncation,
 * port, the number of patterns). Word at a time: bytes past uri_len may be
 * left from an earlier request, so the last word is masked.
 */
RX_INLINE __u32 rx_route_memo_slot(const struct rx_http *h, __u32 port, __u32 npat)
{
	__u64 x = 0xcbf29ce484222325ull ^ ((__u64)port << 16) ^ ((__u64)npat << 40), v;
	__u32 len = h->uri_len, i;

	RX_UNROLL
	for (i = 0; i < RX_HTTP_URI_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		v = RX_LOAD64(&h->uri[i * 8]);
		if (len - i * 8 < 8)
			v &= (1ull << (8 * (len - i * 8))) - 1;
		x = (x ^ v) * 0x100000001b3ull;
		x ^= x >> 29;
	}
	x ^= len;
	return (__u32)(x ^ (x >> 32)) & (RX_ROUTE_MEMO - 1);
}

RX_INLINE int rx_route_memo_same(const struct rx_route_memo *m, const struct rx_http *h,
				 __u32 port, __u32 npat)
{
	__u32 len = h->uri_len, i;
	__u64 diff = 0, v;

	if (m->len != len || !len || m->port != port || m->npat != npat ||
	    m->flags != (h->flags & RX_HTTPF_URI_TRUNC))
		return 0;
	RX_UNROLL
	for (i = 0; i < RX_HTTP_URI_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		v = RX_LOAD64(&h->uri[i * 8]) ^ RX_LOAD64(&m->path[i * 8]);
		if (len - i * 8 < 8)
			v &= (1ull << (8 * (len - i * 8))) - 1;
		diff |= v;
	}
	return diff == 0;
}

RX_INLINE void rx_route_memo_put(struct rx_route_memo *m, const struct rx_http *h, __u32 port,
				 __u32 npat, __u32 id)
{
	if (!m || !h->uri_len)
		return;
	m->len = 0; /* (per CPU: nothing reads it meanwhile; kept honest anyway) */
	__builtin_memcpy(m->path, h->uri, RX_HTTP_URI_MAX);
	m->port = (__u16)port;
	m->npat = (__u8)npat;
	m->flags = h->flags & RX_HTTPF_URI_TRUNC;
	m->route = id;
	m->len = h->uri_len;
}

/*
 * The route id of the request in wk->http on server port: from the memo,
 * or by the walk. Only ids of routes in the table are memoized, never the
 * overflow route (its count, a stat, is per request), so a hit is what
 * the walk would give: routes are never deleted.
 */
RX_INLINE __u32 rx_route_id_walk(struct rx_env *env, struct rx_work *wk, __u32 port);

RX_INLINE __u32 rx_route_id(struct rx_env *env, struct rx_work *wk, __u32 port)
{
	__u32 npat = rx_shim_config_ro(env)->patterns, id;
	struct rx_route_memo *m;

	npat = npat > RX_PATTERNS_MAX ? RX_PATTERNS_MAX : npat;
	m = rx_shim_route_memo(env, rx_route_memo_slot(&wk->http, port, npat));
	if (m && rx_route_memo_same(m, &wk->http, port, npat))
		return m->route;
	id = rx_route_id_walk(env, wk, port);
	if (id != RX_ROUTE_OVERFLOW)
		rx_route_memo_put(m, &wk->http, port, npat, id);
	return id;
}

RX_INLINE __u32 rx_route_id_walk(struct rx_env *env, struct rx_work *wk, __u32 port)
{
	struct rx_optctx ctx = { .work = wk, .env = env };
	struct rx_routewalk *rw = &wk->route;
	struct rx_budget *b;
	struct rx_route *r, *known;
	__u32 id, n;

	__builtin_memset(rw->out, 0, sizeof(rw->out));
	rw->pos = wk->http.path_off; /* absolute-form: the path, never the host */
	rw->len = 0;
	rw->seg = 0;
	rw->seglen = 0;
	rw->flags = RX_RT_ALL;
	rw->seghash = 2166136261u;
	rw->nseg = 0;
	rw->slash = 0;
	rw->empty = 0;
	rw->cut = 0;
	rx_shim_loop(RX_HTTP_URI_MAX + 1, rx_route_step, &ctx);
	/* the path was cut before the walk: so is the route */
	if (wk->http.flags & RX_HTTPF_URI_TRUNC)
		rw->cut = 1;
	n = rx_shim_config_ro(env)->patterns;
	/* (paths only: "*" and CONNECT's "host:port" match no pattern) */
	if (n && !(wk->http.flags & RX_HTTPF_URI_TRUNC) && wk->http.uri_len > wk->http.path_off &&
	    wk->http.uri[wk->http.path_off & (RX_HTTP_URI_MAX - 1)] == '/')
		rx_shim_loop(n > RX_PATTERNS_MAX ? RX_PATTERNS_MAX : n, rx_pattern_step, &ctx);
	if (rw->len == 0) {
		rw->out[0] = '/';
		rw->len = 1;
	}
	id = rx_route_hash(rw, port);
	if (id == RX_ROUTE_OVERFLOW)
		id ^= 1;
	known = rx_shim_route(env, id);
	if (known) {
		if (rx_route_same(known, rw, port))
			return id;
		/* another route with this id (a 32-bit hash): never count one as the other */
		rx_shim_stat(env, wk, RX_STAT_ROUTE_COLLISIONS);
		goto overflow;
	}
	b = rx_shim_budget(env, port);
	if (!b || b->routes >= RX_ROUTES_PER_SERVICE)
		goto overflow;
	/* built in the work area: the stack is short under two bpf_loop frames */
	r = &wk->newroute;
	__builtin_memcpy(r->path, rw->out, RX_ROUTE_MAX);
	r->port = (__u16)port;
	r->len = (__u16)(rw->len > RX_ROUTE_MAX ? RX_ROUTE_MAX : rw->len);
	r->flags = rw->cut ? RX_ROUTEF_CUT : 0;
	if (rx_shim_route_add(env, id, r)) {
		/* another CPU registered it first: the same route, or a collision */
		known = rx_shim_route(env, id);
		if (known && rx_route_same(known, rw, port))
			return id;
		goto overflow;
	}
	/* atomic: CPUs share the budget (the test above may let each CPU pass it by one) */
	__sync_fetch_and_add(&b->routes, 1);
	return id;
overflow:
	rx_shim_stat(env, wk, RX_STAT_ROUTES_OVERFLOW);
	return RX_ROUTE_OVERFLOW;
}

#endif

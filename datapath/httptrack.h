/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * HTTP/1.x transactions from packets: requests and responses told apart by
 * content, paired per connection in order (keep-alive and pipelining: up to
 * RX_HTTP_PIPE in flight, several in one segment), the duration from the
 * first request byte to the first response byte, in the datapath's clock.
 * Each transaction updates the RED metrics of its endpoint (server port,
 * method, templated route, status) and, while someone streams them, emits a
 * record. A response with no request waiting and a request that never gets
 * its answer are counted, never turned into a latency.
 *
 * Shim (see process.h) additionally provides:
 *   struct rx_http_conn *rx_shim_http_conn(struct rx_env *env, const struct rx_flow_key *k,
 *                                          int create)
 *   struct rx_endpoint *rx_shim_endpoint(struct rx_env *env, const struct rx_endpoint_key *k)
 *   struct rx_txn *rx_shim_txn_reserve(struct rx_env *env)
 *   void rx_shim_txn_submit(struct rx_env *env, struct rx_txn *t)
 *   struct rx_reqinfo *rx_shim_info_reserve(struct rx_env *env)     (same stream)
 *   void rx_shim_info_submit(struct rx_env *env, struct rx_reqinfo *r)
 */
#ifndef RX_HTTPTRACK_H
#define RX_HTTPTRACK_H

#include "http.h"
#include "route.h"
#include "tcp.h"

RX_INLINE __u32 rx_dur_bucket(__u64 ns)
{
	return RX_BUCKET(ns / 1000, RX_DUR_BOUNDS_US);
}

RX_INLINE __u32 rx_body_bucket(__u32 n)
{
	return RX_BUCKET(n, RX_BODY_BOUNDS);
}

/* The oldest request in flight will never be paired: it expired (counted). */
RX_INLINE void rx_http_give_up_oldest(struct rx_env *env, struct rx_http_conn *c)
{
	rx_shim_stat(env, NULL, RX_STAT_HTTP_EXPIRED);
	c->head = (c->head + 1) & (RX_HTTP_PIPE - 1);
	c->count--;
}

/* Requests that waited longer than RX_HTTP_TIMEOUT_NS are dropped, counted. */
RX_INLINE void rx_http_expire(struct rx_env *env, struct rx_http_conn *c, __u64 now)
{
	__u32 i;

	for (i = 0; i < RX_HTTP_PIPE; i++) {
		__u64 start = c->q[c->head & (RX_HTTP_PIPE - 1)].start_ns;

		/* (a capture's clock may step back: that is not an age) */
		if (!c->count || now <= start || now - start <= RX_HTTP_TIMEOUT_NS)
			break;
		rx_http_give_up_oldest(env, c);
	}
}

/*
 * A response without Content-Length (chunked, or to the close) has the
 * size of what the server sent until the next response or the end of the
 * connection: counted here, then added to its endpoint's size histogram
 * (chunk framing included).
 */
RX_INLINE void rx_http_body_done(struct rx_env *env, struct rx_http_conn *c)
{
	struct rx_endpoint *ep;

	if (!c->open.method)
		return;
	ep = rx_shim_endpoint(env, &c->open);
	if (ep) {
		ep->resp_size[rx_body_bucket(c->body) & 7]++;
		ep->resp_bytes += c->body;
	}
	c->open.method = 0;
	c->body = 0;
}

/*
 * Bytes of the server's stream that were never seen (lost before the
 * capture point, or out of its view) may have held responses: which
 * requests they answered cannot be known, so every request in flight is
 * given up, counted as expired, rather than paired with a wrong response.
 */
RX_INLINE void rx_http_forget(struct rx_env *env, struct rx_http_conn *c)
{
	__u32 i;

	c->open.method = 0; /* its size, if it had one open, is unknown now */

	for (i = 0; i < RX_HTTP_PIPE && c->count; i++) {
		rx_shim_stat(env, NULL, RX_STAT_HTTP_EXPIRED);
		c->count--;
	}
}

/*
 * Is the cut start line at the head of the peek window (n bytes of it) a
 * final response's? Only when "HTTP/1." is there whole: a short body
 * segment that is a prefix of it ("H"), or that begins like a request line,
 * is not taken for a response; and a cut 1xx ("HTTP/1.1 10") is interim,
 * its request still waits for the final answer.
 */
RX_INLINE int rx_http_cut_final(const struct rx_work *wk, __u32 n)
{
	if (n < 7 || n >= 12 || !rx_peek_is(wk, n, 0, "HTTP/1.", 7))
		return 0;
	return !(n >= 10 && RX_PEEK(wk, 9) == '1');
}

/*
 * The server began a response whose status line the segment cut (counted
 * as http_partial): it answers the oldest request in flight, which can
 * never be paired now. That request is given up (counted as expired), so
 * the responses after it pair with their own requests, not one earlier.
 */
RX_INLINE void rx_http_cut_response(struct rx_env *env, struct rx_http_conn *c)
{
	/* (the callers checked rx_http_cut_final) */
	rx_http_body_done(env, c); /* the body before it ended where it begins */
	if (c->count)
		rx_http_give_up_oldest(env, c);
}

/*
 * FIN or RST. A client's FIN is a half-close: the answers to its requests
 * may still come (wrk closing with a request in flight, or a client that
 * shuts down its sending side after the request), so nothing expires. A
 * server's FIN or an RST ends the connection: requests in flight expire,
 * and a server's FIN ends a body that runs to the close (an RST cuts it:
 * its size stays unknown).
 */
RX_INLINE void rx_http_end(struct rx_env *env, struct rx_http_conn *c, __u32 side,
			   const struct rx_pkt *pkt)
{
	int server = (c->known & RX_HC_SERVER) && side == c->server;

	if (!(pkt->tcp_flags & RX_TH_RST) && (c->known & RX_HC_SERVER) && !server)
		return;
	if ((pkt->tcp_flags & RX_TH_FIN) && server)
		rx_http_body_done(env, c);
	rx_http_forget(env, c);
}

/*
 * Reordering. Each side's stream has a next position (srv_next, cli_next):
 * the bytes before it were seen and their messages handled, in order. A
 * segment that starts past it leaves a hole of bytes not seen yet: a
 * reordering (the segment that fills it comes a little later) or a loss
 * before the capture point. What begins past a hole cannot be handled yet:
 * a message there comes after any that the hole holds, so pairing it now
 * could pair a response with another request. So the bytes past one hole
 * are only noted (where, since when, how many messages began there), the
 * segment that fills the hole is handled in order when it comes, and then
 * the messages noted past it take their turn: a response is given up with
 * the request it answers, a request is queued as a stand-in (method 0,
 * never decoded) whose response is counted, not paired. A hole that will not be filled (a
 * second one, more than RX_HTTP_HOLE_MAX bytes past it, the client
 * acknowledging its bytes, the end of the connection) is a loss: the
 * requests in flight expire, counted. Never is a request paired with a
 * response that is not its own.
 */
#define RX_HTTP_HOLE_MAX (1u << 20) /* two BIG TCP super-packets of up to 512 KiB */

RX_INLINE __u32 rx_hole_bit(int server)
{
	return server ? RX_HC_SRV_HOLE : RX_HC_CLI_HOLE;
}

RX_INLINE __u32 rx_next_bit(int server)
{
	return server ? RX_HC_SRV_NEXT : RX_HC_CLI_NEXT;
}

RX_INLINE __u32 rx_body_bit(int server)
{
	return server ? RX_HC_SRV_BODY : RX_HC_CLI_BODY;
}

/*
 * The side's newest message begins at seq: with its length known (end:
 * the bytes from its first to its last), no other begins before seq + end.
 */
RX_INLINE void rx_http_msg_end(struct rx_http_conn *c, int server, __u32 seq, __u64 end)
{
	if (!end || end > 0x7fffffff) {
		c->known &= ~rx_body_bit(server);
		return;
	}
	if (server)
		c->srv_body_end = seq + (__u32)end;
	else
		c->cli_body_end = seq + (__u32)end;
	c->known |= rx_body_bit(server);
}

RX_INLINE void rx_http_set_next(struct rx_http_conn *c, int server, __u32 next)
{
	if (server)
		c->srv_next = next;
	else
		c->cli_next = next;
	c->known |= rx_next_bit(server);
}

/* Where a segment lies in its side's stream. */
enum {
	RX_AT_NEXT = 0, /* the next bytes (or the side's first seen): its messages are handled */
	RX_AT_OLD = 1,  /* bytes seen already: a retransmission, nothing is decoded twice */
	RX_AT_PAST = 2, /* past a hole of bytes not seen yet */
};

RX_INLINE int rx_http_at(struct rx_http_conn *c, int server, const struct rx_pkt *pkt)
{
	const struct rx_http_hole *hl = &c->hole[server ? 1 : 0];
	__u32 next = server ? c->srv_next : c->cli_next;
	__u32 seq = pkt->tcp_seq, end = seq + pkt->payload_len;

	int hint = server && (c->known & RX_HC_SRV_ACK);

	if (!(c->known & rx_next_bit(server)))
		return RX_AT_NEXT;
	if (!hint && (__s32)(end - next) <= 0)
		return RX_AT_OLD;
	if ((c->known & rx_hole_bit(server)) && (__s32)(seq - hl->end) >= 0 &&
	    (__s32)(end - hl->far) <= 0)
		return RX_AT_OLD;
	/*
	 * A position from a request's ACK, with no server byte seen: a first
	 * segment before it, or far past it, shows that the ACK was not this
	 * stream's (ports reused, the handshake out of view): forgotten.
	 */
	if (hint && ((__s32)(seq - next) < 0 || (__s32)(seq - next) > (__s32)RX_HTTP_HOLE_MAX)) {
		c->known &= ~(RX_HC_SRV_ACK | RX_HC_SRV_HOLE);
		return RX_AT_NEXT;
	}
	if ((__s32)(seq - next) <= 0)
		return RX_AT_NEXT;
	/*
	 * Within a message of known length (an upload, a download): the bytes
	 * still missing before it hold no message's start, so nothing waits for
	 * them. Losses inside a large body then cost nothing, however many.
	 */
	if ((c->known & rx_body_bit(server)) &&
	    (__s32)(end - (server ? c->srv_body_end : c->cli_body_end)) <= 0)
		return RX_AT_NEXT;
	return RX_AT_PAST;
}

/*
 * The queue index of the client's newest request if its body is being
 * counted (chunked), else RX_HTTP_PIPE. An index, not a pointer or NULL:
 * clang may turn that choice into a mask, and a masked pointer is a
 * scalar to the verifier.
 */
RX_INLINE __u32 rx_http_counting(const struct rx_http_conn *c)
{
	__u32 i = (c->head + c->count - 1) & (RX_HTTP_PIPE - 1);

	if (!c->count || c->q[i].has_size != RX_REQ_SIZE_COUNTING)
		return RX_HTTP_PIPE;
	return i;
}

/*
 * A hole that will not be filled: a loss. The requests in flight expire
 * (which ones the lost bytes answered, or asked, cannot be known); the
 * stream goes on from to, or past what was seen past the hole.
 */
RX_INLINE void rx_http_hole_lost(struct rx_env *env, struct rx_http_conn *c, int server, __u32 to)
{
	const struct rx_http_hole *hl = &c->hole[server ? 1 : 0];

	if ((c->known & rx_hole_bit(server)) && (__s32)(hl->far - to) > 0)
		to = hl->far;
	c->known &= ~(rx_hole_bit(server) | (server ? RX_HC_SRV_ACK : 0));
	rx_http_set_next(c, server, to);
	rx_http_forget(env, c);
}

/*
 * How many messages of this side begin in a segment past a hole: its first
 * one decoded (or a final status line it cut), and 2 when another may
 * follow it in the segment (its end is before the segment's): not
 * countable from one decode.
 */
RX_INLINE __u32 rx_http_past_msgs(const struct rx_work *wk, int server, __u32 have)
{
	const struct rx_http *h = &wk->http;
	__u64 to = (__u64)h->hdr_end + ((h->flags & RX_HTTPF_CLEN) ? h->content_length : 0);
	int open;

	if (h->kind == RX_HTTP_NONE)
		return (h->flags & RX_HTTPF_PARTIAL) && server && rx_http_cut_final(wk, have);
	if ((h->kind == RX_HTTP_RESPONSE) != server)
		return 0; /* not a message of this side's kind: not handled in order either */
	/* a body of unknown length runs to the segment's end */
	if (server)
		open = !(h->flags & RX_HTTPF_CLEN) && h->status >= 200 && h->status != 204 &&
		       h->status != 304;
	else
		open = !(h->flags & RX_HTTPF_CLEN) && (h->flags & RX_HTTPF_TE);
	if (h->hdr_end && !open && to < have)
		return 2;
	return !server || h->status >= 200;
}

/* A segment past the next position: noted, its messages wait for the hole. */
RX_INLINE void rx_http_past(struct rx_env *env, struct rx_http_conn *c, int server,
			    const struct rx_work *wk, __u32 have)
{
	struct rx_http_hole *hl = &c->hole[server ? 1 : 0];
	__u32 seq = wk->pkt.tcp_seq, end = seq + wk->pkt.payload_len;
	__u32 next = server ? c->srv_next : c->cli_next, n, i;

	if (!(c->known & rx_hole_bit(server))) {
		c->known |= rx_hole_bit(server);
		hl->end = seq;
		hl->far = end;
		hl->ns = wk->stage.now;
		hl->msgs = 0;
		/* a body counted as it comes: some of it is not seen (yet), its size unknown */
		if (server) {
			c->open.method = 0;
		} else {
			i = rx_http_counting(c);
			if (i < RX_HTTP_PIPE)
				c->q[i].has_size = RX_REQ_SIZE_UNKNOWN;
		}
	} else if ((__s32)(seq - hl->far) <= 0 && (__s32)(end - hl->end) >= 0) {
		/* next to (or over) the bytes seen past the hole: they grow */
		if ((__s32)(seq - hl->end) < 0)
			hl->end = seq;
		if ((__s32)(end - hl->far) > 0)
			hl->far = end;
	} else {
		/* a second hole: past the one-hole window */
		rx_http_hole_lost(env, c, server, end);
		return;
	}
	if (hl->far - next > RX_HTTP_HOLE_MAX) {
		rx_http_hole_lost(env, c, server, hl->far);
		return;
	}
	n = rx_http_past_msgs(wk, server, have);
	if (n && hl->msgs != RX_HOLE_MSGS_UNKNOWN)
		hl->msgs = (n > 1 || hl->msgs >= RX_HTTP_PIPE) ? RX_HOLE_MSGS_UNKNOWN : hl->msgs + 1;
}

/* A segment at the next position: the stream moves to its end. */
RX_INLINE void rx_http_advance(struct rx_http_conn *c, int server, const struct rx_pkt *pkt)
{
	__u32 next = server ? c->srv_next : c->cli_next, end = pkt->tcp_seq + pkt->payload_len;

	if (server)
		c->known &= ~RX_HC_SRV_ACK;
	if (!(c->known & rx_next_bit(server)) || (__s32)(end - next) > 0)
		rx_http_set_next(c, server, end);
	/* past the end of the known message: the mark has served (and must not wrap) */
	if ((__s32)(end - (server ? c->srv_body_end : c->cli_body_end)) >= 0)
		c->known &= ~rx_body_bit(server);
}

/*
 * After a segment at the next position and its messages: if it filled the
 * hole, the bytes past it were seen already and the stream goes on after
 * them; the messages that began there take their turn now, after the
 * segment's own. A server's: each answered the oldest request in flight,
 * which can never be paired now (given up, counted). A client's: each
 * holds a place in the queue, so that its response pairs with no other
 * request.
 */
RX_INLINE void rx_http_filled(struct rx_env *env, struct rx_http_conn *c, int server)
{
	struct rx_http_hole *hl = &c->hole[server ? 1 : 0];
	__u32 next = server ? c->srv_next : c->cli_next, n = hl->msgs, i;

	if (!(c->known & rx_hole_bit(server)) || (__s32)(next - hl->end) < 0)
		return;
	c->known &= ~rx_hole_bit(server);
	/* a body of unknown length that the filling segment began: the bytes past are its own */
	if (server && c->open.method && !n && (__s32)(hl->far - next) > 0)
		c->body += hl->far - next;
	else if (server && n)
		c->open.method = 0;
	i = server ? RX_HTTP_PIPE : rx_http_counting(c);
	if (i < RX_HTTP_PIPE && !n && (__s32)(hl->far - next) > 0)
		c->q[i].req_size += hl->far - next;
	else if (i < RX_HTTP_PIPE && n)
		c->q[i].has_size = RX_REQ_SIZE_UNKNOWN;
	if ((__s32)(hl->far - next) > 0)
		rx_http_set_next(c, server, hl->far);
	if (n == RX_HOLE_MSGS_UNKNOWN) {
		rx_http_forget(env, c);
		return;
	}
	for (i = 0; i < RX_HTTP_PIPE; i++) {
		if (i >= n)
			break;
		if (server) {
			if (c->count)
				rx_http_give_up_oldest(env, c);
			else
				rx_shim_stat(env, NULL, RX_STAT_HTTP_UNMATCHED);
		} else if (c->count >= RX_HTTP_PIPE) {
			rx_shim_stat(env, NULL, RX_STAT_HTTP_PIPE_FULL);
		} else {
			struct rx_http_req *q = &c->q[(c->head + c->count) & (RX_HTTP_PIPE - 1)];

			__builtin_memset(q, 0, sizeof(*q)); /* method 0: a stand-in */
			q->start_ns = hl->ns;
			c->count++;
		}
	}
}

/*
 * When the first byte of the message at wk->stage.off was seen: now, but
 * in a segment that fills a hole, when the bytes past it were if the
 * message runs on into them (its later bytes came first). to_end: the
 * message's bytes from its start (0: it runs to the segment's end and on,
 * a body of unknown length).
 */
RX_INLINE __u64 rx_http_seen(const struct rx_http_conn *c, const struct rx_work *wk, int server,
			     __u64 to_end)
{
	const struct rx_http_hole *hl = &c->hole[server ? 1 : 0];
	__u64 now = wk->stage.now;
	__u32 at = wk->pkt.tcp_seq + wk->stage.off;

	__s32 left = (__s32)(hl->end - at); /* bytes from the message to those past the hole */

	if (!(c->known & rx_hole_bit(server)) || (__s32)(wk->pkt.tcp_seq - hl->end) >= 0 ||
	    left <= 0 || hl->ns >= now || !wk->http.hdr_end)
		return now;
	if (to_end ? to_end <= (__u32)left : hl->msgs != 0)
		return now;
	return hl->ns;
}

/*
 * A client segment at the next position that starts no request: body
 * bytes. The newest request in flight, if its body is chunked, counts what
 * is new in them.
 */
RX_INLINE void rx_http_client_body(struct rx_http_conn *c, const struct rx_pkt *pkt)
{
	__u32 end = pkt->tcp_seq + pkt->payload_len, i = rx_http_counting(c);

	if (i < RX_HTTP_PIPE && (__s32)(end - c->cli_next) > 0)
		c->q[i].req_size += end - c->cli_next; /* (a retransmission adds only what is new) */
}

/* The response in wk->http answers the oldest request of c: one transaction. */
RX_INLINE __u8 rx_http_complete(struct rx_env *env, struct rx_work *wk, struct rx_http_conn *c,
				const struct rx_flow_key *k, __u64 now)
{
	const volatile struct rx_config_rt *cfg = rx_shim_config_rt(env);
	const struct rx_http *h = &wk->http;
	struct rx_endpoint_key ek;
	struct rx_http_req *req;
	struct rx_endpoint *ep;
	struct rx_txn *t;
	__u32 resp_size;
	__u64 dur;
	int nobody;

	rx_http_body_done(env, c);
	rx_http_expire(env, c, now);
	if (!c->count) {
		rx_shim_stat(env, wk, RX_STAT_HTTP_UNMATCHED);
		return RX_HTTP_M_NONE;
	}
	req = &c->q[c->head & (RX_HTTP_PIPE - 1)];
	c->head = (c->head + 1) & (RX_HTTP_PIPE - 1);
	c->count--;
	/* a stand-in (a request seen past a hole, never decoded in order): counted */
	if (req->method == RX_HTTP_M_NONE) {
		rx_shim_stat(env, wk, RX_STAT_HTTP_EXPIRED);
		return RX_HTTP_M_NONE;
	}
	dur = now > req->start_ns ? now - req->start_ns : 0;
	/*
	 * No body, whatever Content-Length says: HEAD (it states the size a
	 * GET would get), 204, 304 (RFC 9110 section 6.4.1). Its size is 0.
	 */
	nobody = req->method == RX_HTTP_M_HEAD || h->status == 204 || h->status == 304;
	resp_size = nobody ? 0 : h->content_length;

	__builtin_memset(&ek, 0, sizeof(ek));
	ek.route = req->route;
	ek.port = c->server ? k->pb : k->pa;
	ek.status = h->status;
	ek.method = req->method;
	ep = rx_shim_endpoint(env, &ek);
	if (ep) {
		ep->count++;
		ep->dur[rx_dur_bucket(dur) & 15]++;
		ep->dur_sum_ns += dur;
		if (dur > ep->dur_max_ns)
			ep->dur_max_ns = dur;
		if (ep->count == 1 || dur < ep->dur_min_ns)
			ep->dur_min_ns = dur;
		if (req->has_size) {
			ep->req_size[rx_body_bucket(req->req_size) & 7]++;
			ep->req_bytes += req->req_size;
		}
		if ((h->flags & RX_HTTPF_CLEN) || nobody) {
			ep->resp_size[rx_body_bucket(resp_size) & 7]++;
			ep->resp_bytes += resp_size;
		}
	} else {
		rx_shim_stat(env, wk, RX_STAT_ENDPOINTS_OVERFLOW);
	}
	/* no Content-Length but a body (RFC 9110 section 6.4.1): count it */
	if (!(h->flags & RX_HTTPF_CLEN) && !nobody) {
		c->open = ek;
		c->body = 0;
	}

	if (cfg->txns) {
		struct rx_txn *s = &wk->txn;

		__builtin_memset(s, 0, sizeof(*s));
		s->hdr.type = RX_REC_TXN;
		s->start_ns = req->start_ns;
		s->dur_ns = dur;
		__builtin_memcpy(s->client, c->server ? k->a : k->b, 16);
		__builtin_memcpy(s->server, c->server ? k->b : k->a, 16);
		s->cport = c->server ? k->pa : k->pb;
		s->sport = ek.port;
		s->status = h->status;
		s->method = req->method;
		s->minor = req->minor;
		s->route = req->route;
		s->req_size = req->req_size;
		s->resp_size = resp_size;
		s->flags = (req->has_size ? RX_TXN_REQ_SIZE : 0) |
			   (((h->flags & RX_HTTPF_CLEN) || nobody) ? RX_TXN_RESP_SIZE : 0);
		s->seq = req->seq;
		t = rx_shim_txn_reserve(env);
		if (t) {
			__builtin_memcpy(t, s, sizeof(*t));
			rx_shim_txn_submit(env, t);
			rx_shim_stat(env, wk, RX_STAT_TXN_PRODUCED);
		} else {
			rx_shim_stat(env, wk, RX_STAT_TXN_LOST);
		}
	}
	return req->method;
}

/* A request's path and User-Agent, for the transaction its response will make. */
RX_INLINE void rx_http_reqinfo(struct rx_env *env, struct rx_work *wk, const struct rx_http_conn *c,
			       const struct rx_flow_key *k, __u32 seq)
{
	struct rx_reqinfo *ri = &wk->info, *t;
	const struct rx_http *h = &wk->http;

	/* ua_len and the User-Agent flags come from the header walk */
	ri->hdr.type = RX_REC_REQINFO;
	ri->hdr.pad = 0;
	__builtin_memcpy(ri->client, c->server ? k->a : k->b, 16);
	__builtin_memcpy(ri->server, c->server ? k->b : k->a, 16);
	ri->cport = c->server ? k->pa : k->pb;
	ri->sport = c->server ? k->pb : k->pa;
	ri->seq = seq;
	__builtin_memcpy(ri->path, h->uri, RX_HTTP_URI_MAX);
	ri->path_len = h->uri_len;
	if (h->flags & RX_HTTPF_URI_TRUNC)
		ri->flags |= RX_RI_PATH_TRUNC;
	if (h->flags & RX_HTTPF_QUERY)
		ri->flags |= RX_RI_QUERY;
	__builtin_memcpy(ri->host, h->host, RX_HTTP_HOST_MAX);
	ri->host_len = h->host_len;
	ri->path_off = h->path_off;
	ri->pad2[0] = ri->pad2[1] = ri->pad2[2] = 0;
	t = rx_shim_info_reserve(env);
	if (t) {
		__builtin_memcpy(t, ri, sizeof(*t));
		rx_shim_info_submit(env, t);
	} else {
		rx_shim_stat(env, wk, RX_STAT_REQINFO_LOST);
	}
}

/*
 * One HTTP message (already decoded into wk->http): queue a request or
 * complete a transaction, then decode the next message if it starts in
 * this segment. Returns 1 to stop, 0 when the next message is in wk->http.
 * The HTTP_MSG stage runs it once per program run and tail-calls itself
 * for the next message, so that pipelining costs the verifier one message,
 * not RX_HTTP_PIPE copies, and no loop callback holds the decoder's states.
 */
RX_INLINE long rx_http_msg_step(struct rx_env *env, __u32 hook, struct rx_work *wk,
				struct rx_http_conn *c)
{
	struct rx_stagectx *m = &wk->stage; /* the segment's walk: side, off, avail, now */
	struct rx_http *h = &wk->http;
	__u32 body = (h->flags & RX_HTTPF_CLEN) ? h->content_length : 0;
	__u64 off;
	__u8 method;

	if (!c || h->kind == RX_HTTP_NONE)
		return 1;
	if (h->kind == RX_HTTP_REQUEST) {
		if (m->side == c->server)
			return 1;
		rx_shim_stat(env, wk, RX_STAT_HTTP_REQUESTS);
		/*
		 * The client acknowledges server bytes never seen (a hole, or
		 * past all seen): responses went missing. Before any server
		 * byte, its ACK says where the server's stream begins.
		 */
		if ((c->known & RX_HC_SRV_NEXT) && (__s32)(wk->pkt.tcp_ack - c->srv_next) > 0)
			rx_http_hole_lost(env, c, 1, wk->pkt.tcp_ack);
		else if (!(c->known & RX_HC_SRV_NEXT) && (wk->pkt.tcp_flags & RX_TH_ACK)) {
			rx_http_set_next(c, 1, wk->pkt.tcp_ack);
			c->known |= RX_HC_SRV_ACK;
		}
		rx_http_msg_end(c, 0, wk->pkt.tcp_seq + m->off,
				(h->flags & RX_HTTPF_CLEN) && h->hdr_end ? (__u64)h->hdr_end + body : 0);
		if (c->count >= RX_HTTP_PIPE) {
			rx_shim_stat(env, wk, RX_STAT_HTTP_PIPE_FULL);
		} else {
			struct rx_http_req *q = &c->q[(c->head + c->count) & (RX_HTTP_PIPE - 1)];

			/* (a body of unknown length runs on: to_end 0) */
			q->start_ns = rx_http_seen(c, wk, 0,
						   (h->flags & RX_HTTPF_TE) && !(h->flags & RX_HTTPF_CLEN)
							   ? 0
							   : (__u64)h->hdr_end + body);
			q->route = rx_route_id(env, wk, c->server ? wk->hkey.pb : wk->hkey.pa);
			q->req_size = h->content_length;
			q->has_size = (h->flags & RX_HTTPF_CLEN) ? RX_REQ_SIZE_KNOWN : RX_REQ_SIZE_UNKNOWN;
			q->method = h->method;
			q->minor = h->minor;
			q->seq = wk->pkt.tcp_seq + m->off;
			c->count++;
			if (rx_shim_config_rt(env)->txns)
				rx_http_reqinfo(env, wk, c, &wk->hkey, q->seq);
			/*
			 * A chunked body (Transfer-Encoding, no Content-Length): the
			 * rest of this segment is some of it; the client's next
			 * segments are counted until the response.
			 */
			if (!(h->flags & RX_HTTPF_CLEN) && (h->flags & RX_HTTPF_TE)) {
				/* (the bytes sent, not only those captured: as later segments) */
				if (h->hdr_end && m->off + h->hdr_end <= m->avail) {
					q->has_size = RX_REQ_SIZE_COUNTING;
					q->req_size = wk->pkt.payload_len - (m->off + h->hdr_end);
				}
				return 1;
			}
		}
	} else {
		if (m->side != c->server)
			return 1;
		/* 1xx are interim: the final response is still to come */
		if (h->status >= 200) {
			__u8 ask = c->count ? c->q[c->head & (RX_HTTP_PIPE - 1)].method : 0;
			int open = !(h->flags & RX_HTTPF_CLEN) && h->status != 204 && h->status != 304 &&
				   ask != RX_HTTP_M_HEAD;

			method = rx_http_complete(env, wk, c, &wk->hkey,
						  rx_http_seen(c, wk, 1,
							       open ? 0
								    : (__u64)h->hdr_end +
									      (ask == RX_HTTP_M_HEAD ? 0 : body)));
			/* no body: HEAD, 204, 304 (RFC 9110 section 6.4.1) */
			if (method == RX_HTTP_M_HEAD || h->status == 204 || h->status == 304)
				body = 0;
			rx_http_msg_end(c, 1, wk->pkt.tcp_seq + m->off,
					!open && h->hdr_end ? (__u64)h->hdr_end + body : 0);
			/* a body of unknown length: the rest of this segment is some of it */
			if (c->open.method) {
				if (h->hdr_end && m->off + h->hdr_end <= m->avail)
					c->body = m->avail - (m->off + h->hdr_end);
				else
					c->open.method = 0; /* headers past the window: not countable */
				return 1;
			}
		} else {
			body = 0;
		}
	}
	/* the next message in this segment, if it starts within it */
	if (!h->hdr_end)
		return 1;
	/* in 64 bits: a Content-Length near 2^32 must not wrap back into the segment */
	off = (__u64)m->off + h->hdr_end + body;
	if (off >= m->avail)
		return 1;
	if (off > 0xffff) {
		/*
		 * A message past 64 KiB into one (BIG TCP) segment is out of the
		 * walk's reach: what it answers cannot be known, so what is in
		 * flight is given up (expired) rather than paired one off.
		 */
		rx_http_forget(env, c);
		return 1;
	}
	m->off = (__u32)off;
	rx_http_decode(env, hook, wk, wk->pkt.payload_off + m->off, m->avail - m->off);
	if (h->kind == RX_HTTP_NONE && (h->flags & RX_HTTPF_PARTIAL)) {
		rx_shim_stat(env, wk, RX_STAT_HTTP_PARTIAL);
		if (m->side == c->server && rx_http_cut_final(wk, m->avail - m->off))
			rx_http_cut_response(env, c);
	}
	return 0;
}

/*
 * One TCP segment, the HTTP stage: a new connection on old ports, the end
 * of one without payload, or the first message that starts in the payload,
 * decoded into wk->http (wk->stage says where; its clock, the caller set). Returns RX_STAGE_HTTP_SEG
 * after a decode, RX_STAGE_DONE otherwise. hook must be the program's
 * constant.
 */
RX_INLINE int rx_http_track(struct rx_env *env, __u32 hook, struct rx_work *wk)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_stagectx *st = &wk->stage;
	struct rx_http_conn *c;
	__u32 have, side;

	if (!(pkt->layers & RX_L_TCP))
		return RX_STAGE_DONE;
	side = st->side; /* the TCP stage made wk->hkey and found the side (rx_tcp_events) */
	/* a new connection on the same ports: what the old one left is gone */
	if ((pkt->tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN) {
		c = rx_shim_http_conn(env, &wk->hkey, 0);
		if (c) {
			rx_http_forget(env, c);
			c->known = 0;
			c->head = 0;
		}
		return RX_STAGE_DONE;
	}
	/*
	 * At TC the payload of a locally built (GSO) segment sits in page
	 * fragments past the linear data: load_bytes reaches it, so the whole
	 * skb counts; elsewhere, the bytes at hand.
	 */
	have = (hook == RX_HOOK_TC_INGRESS || hook == RX_HOOK_TC_EGRESS) ? pkt->wire_len
									    : pkt->cap_len;
	if (!pkt->payload_off || !(pkt->layers & RX_L_PAYLOAD) || have <= pkt->payload_off) {
		/* a connection that ends with requests in flight: they expired */
		if (pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST)) {
			c = rx_shim_http_conn(env, &wk->hkey, 0);
			if (c)
				rx_http_end(env, c, side, pkt);
		}
		return RX_STAGE_DONE;
	}
	have -= pkt->payload_off;
	if (have > pkt->payload_len)
		have = pkt->payload_len; /* Ethernet padding is not payload */
	/*
	 * A payload whose first byte cannot start an HTTP/1 message (every
	 * method and "HTTP/1." begin with a capital letter: rx_http_method())
	 * on a connection the tracker does not follow has nothing for it: one
	 * lookup instead of the decode and a tail call, for whatever else
	 * speaks TCP here (TLS, databases, floods).
	 */
	if (!(pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST)) &&
	    !rx_shim_load_bytes(env, hook, pkt->payload_off, wk->peek, 1, RX_HTTP_PEEK) &&
	    (wk->peek[0] < 'A' || wk->peek[0] > 'Z') && !rx_shim_http_conn(env, &wk->hkey, 0))
		return RX_STAGE_DONE;
	st->off = 0;
	st->avail = have;
	st->steps = 0;
	/*
	 * The decoder ends the stage: what follows depends on what it found,
	 * and in a program of its own the verifier does not explore it once
	 * per state that the decoder's walks leave behind. A message goes
	 * straight to the HTTP_MSG stage, which looks its connection up once
	 * for the segment (rx_http_first); body bytes to HTTP_SEG.
	 */
	rx_http_decode(env, hook, wk, pkt->payload_off, have);
	return wk->http.kind == RX_HTTP_NONE ? RX_STAGE_HTTP_SEG : RX_STAGE_HTTP_MSG;
}

/*
 * The HTTP_SEG stage: a segment that starts no message (body bytes), or
 * one whose first message lies past a hole (rx_http_first sends it here).
 * Returns RX_STAGE_HTTP_MSG when there is a message to handle,
 * RX_STAGE_DONE otherwise.
 */
RX_INLINE int rx_http_segment(struct rx_env *env, struct rx_work *wk)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_http *h = &wk->http;
	struct rx_stagectx *st = &wk->stage;
	struct rx_http_conn *c;
	__u32 side = st->side, have = st->avail;
	int server, at;

	if (h->kind == RX_HTTP_NONE) {
		if (h->flags & RX_HTTPF_PARTIAL)
			rx_shim_stat(env, wk, RX_STAT_HTTP_PARTIAL);
		/* a body segment: the stream positions still matter */
		c = rx_shim_http_conn(env, &wk->hkey, 0);
		/* (a client's body before any request of it: where it lies is not known) */
		if (c && (c->known & RX_HC_SERVER) && (side == c->server || (c->known & RX_HC_CLI_NEXT))) {
			int server = side == c->server, at = rx_http_at(c, server, pkt);

			if (at == RX_AT_PAST) {
				rx_http_past(env, c, server, wk, have);
			} else if (at == RX_AT_NEXT) {
				if (!server)
					rx_http_client_body(c, pkt);
				else if ((h->flags & RX_HTTPF_PARTIAL) && rx_http_cut_final(wk, have))
					rx_http_cut_response(env, c);
				else if (c->open.method)
					c->body += have;
				rx_http_advance(c, server, pkt);
				rx_http_filled(env, c, server);
			}
		}
		if (c && (pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST)))
			rx_http_end(env, c, side, pkt);
		return RX_STAGE_DONE;
	}
	c = rx_shim_http_conn(env, &wk->hkey, 1);
	if (!c) {
		rx_shim_stat(env, wk, RX_STAT_HTTP_CONNS_OVERFLOW);
		return RX_STAGE_DONE;
	}
	if (!(c->known & RX_HC_SERVER)) {
		c->known |= RX_HC_SERVER;
		c->server = (__u8)(h->kind == RX_HTTP_REQUEST ? !side : side);
	}
	server = side == c->server;
	at = rx_http_at(c, server, pkt);
	/* a retransmission holds messages already counted: decode nothing twice */
	if (at == RX_AT_OLD)
		return RX_STAGE_DONE;
	/* past a hole: its messages wait for the segment that fills it */
	if (at == RX_AT_PAST) {
		rx_http_past(env, c, server, wk, have);
		if (pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST))
			rx_http_end(env, c, side, pkt);
		return RX_STAGE_DONE;
	}
	/* (at the next position after all, another CPU moved it: rx_http_first handles it) */
	return RX_STAGE_HTTP_MSG;
}

/*
 * The HTTP_MSG stage: the message in wk->http, at wk->stage.off of the
 * segment's payload. Returns RX_STAGE_HTTP_MSG again while the next
 * message of the segment is decoded and fewer than RX_HTTP_PIPE were
 * handled; then, data and FIN (or RST) in one segment, the messages count
 * first and the end of the connection after them.
 */
/*
 * The segment's first message (wk->stage.steps 0): its connection, made
 * if new, looked up once and used in place for the segment's position and
 * the message (one lookup, one tail call fewer than through HTTP_SEG).
 * NULL with *next set when the message is not handled here: a
 * retransmission (RX_STAGE_DONE), or past a hole (RX_STAGE_HTTP_SEG,
 * which notes it: rare, so its code stays out of this stage's budget).
 */
RX_INLINE struct rx_http_conn *rx_http_first(struct rx_env *env, struct rx_work *wk, int *next)
{
	struct rx_http_conn *c = rx_shim_http_conn(env, &wk->hkey, 1);
	__u32 side = wk->stage.side;
	int server, at;

	*next = RX_STAGE_DONE;
	if (!c) {
		rx_shim_stat(env, wk, RX_STAT_HTTP_CONNS_OVERFLOW);
		return NULL;
	}
	if (!(c->known & RX_HC_SERVER)) {
		c->known |= RX_HC_SERVER;
		c->server = (__u8)(wk->http.kind == RX_HTTP_REQUEST ? !side : side);
	}
	server = side == c->server;
	at = rx_http_at(c, server, &wk->pkt);
	/* a retransmission holds messages already counted: decode nothing twice */
	if (at == RX_AT_OLD)
		return NULL;
	if (at == RX_AT_PAST) {
		*next = RX_STAGE_HTTP_SEG;
		return NULL;
	}
	rx_http_advance(c, server, &wk->pkt);
	return c;
}

RX_INLINE int rx_http_msg_stage(struct rx_env *env, __u32 hook, struct rx_work *wk)
{
	struct rx_stagectx *st = &wk->stage;
	struct rx_http_conn *c;
	int next = RX_STAGE_DONE;

	if (!st->steps) {
		c = rx_http_first(env, wk, &next);
		if (!c)
			return next;
	} else {
		c = rx_shim_http_conn(env, &wk->hkey, 0);
	}
	/*
	 * Evicted by another CPU since the segment's first message (LRU), or
	 * evicted and made afresh, sides unknown: its later messages are not
	 * counted.
	 */
	if (!c || !(c->known & RX_HC_SERVER))
		return RX_STAGE_DONE;
	if (rx_http_msg_step(env, hook, wk, c) == 0) {
		if (++st->steps < RX_HTTP_PIPE)
			return RX_STAGE_HTTP_MSG;
		/*
		 * More messages in one segment than the walk takes: a request
		 * (the client's side) would find the queue full; responses left
		 * unread are given up with what they answer, as past 64 KiB.
		 */
		if (st->side == c->server)
			rx_http_forget(env, c);
		else
			rx_shim_stat(env, wk, RX_STAT_HTTP_PIPE_FULL);
	}
	/* the segment filled a hole: the messages seen past it take their turn */
	rx_http_filled(env, c, st->side == c->server);
	if (wk->pkt.tcp_flags & (RX_TH_FIN | RX_TH_RST))
		rx_http_end(env, c, st->side, &wk->pkt);
	return RX_STAGE_DONE;
}

#endif

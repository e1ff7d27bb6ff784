/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TLS without decryption: per connection that begins with a ClientHello,
 * the handshake's outcome and durations and the request-response exchanges
 * seen in the timing of its records (docs/tls.md), counted per (server
 * port, SNI, ALPN) row.
 *
 * Records (RFC 8446 section 5.1: type, version, 16-bit length) are followed
 * per direction: each side's next record header is at a known sequence
 * number (rx_tls_conn.next), so a record that spans segments is skipped
 * whole and the headers inside a segment are found, up to RX_TLS_RECS per
 * segment. Where the position is lost (a hole, a header cut by the segment
 * end, more records than followed) the next segment that starts with a
 * plausible header resynchronises.
 *
 *   ClientHello                 connection begun (conns), ch_ns
 *   ServerHello                 handshake phase "server_hello" = now - ch_ns
 *   the client's first          handshake completed (hs_done), phase
 *   application-data record     "app_data" = now - ch_ns; the client's turn opens
 *   alert, RST or FIN before    handshake failed (hs_failed)
 *
 * An exchange: the client's first application-data record after the
 * server's last one opens the client's turn; the server's first record
 * after it closes the turn, and the time between is the exchange. In TLS
 * 1.3 the client's first record is its Finished, answered by the server's
 * session tickets: that first exchange is not a request, and is skipped.
 * A client that sends its first request with the Finished, before the
 * tickets arrive (curl, browsers), sends more than a Finished's bytes
 * (RX_TLS_FIN_MAX) in that turn: the turn is the request's from its first
 * byte past the Finished, the tickets close nothing (RX_TLSC_EARLY), and
 * the server's next segment answers it. Should the client send again
 * first (no tickets: the answer was taken for them; or a client
 * certificate made the Finished's flight long), the turn starts again
 * there: the exchanges keep their true times, the first one uncounted.
 * TLS 1.3 is the ServerHello's supported_versions; when the hello runs
 * past its segment before it, the next flight's records tell: application
 * data, 1.3 (RX_TLSC_TLS13_INFERRED), handshake records, 1.2.
 *
 * Shim (see process.h) additionally provides:
 *   struct rx_tls_conn *rx_shim_tls_conn(struct rx_env *env, const struct rx_flow_key *k,
 *                                        int create)
 *   struct rx_tls_ep *rx_shim_tls_ep(struct rx_env *env, const struct rx_tls_ep_key *k)
 */
#ifndef RX_TLSCONN_H
#define RX_TLSCONN_H

#include "tls.h"
#include "tcp.h"
#include "httptrack.h"

#define RX_TLS_CT_CCS 20 /* record content types (RFC 8446 section 5.1) */
#define RX_TLS_CT_ALERT 21
#define RX_TLS_CT_APPDATA 23
#define RX_TLS_REC_MAX (16384 + 2048) /* TLSCiphertext.length's bound (RFC 5246 section 6.2.3) */
#define RX_TLS_V13 0x0304

/* What began in a segment's records (rx_tls_records): 1 << (content type - 20). */
enum rx_tls_seen {
	RX_TLSR_CCS = 1 << 0,    /* a change_cipher_spec record */
	RX_TLSR_ALERT = 1 << 1,  /* an alert */
	RX_TLSR_HS = 1 << 2,     /* a handshake record */
	RX_TLSR_APP = 1 << 3,    /* an application-data record */
};

RX_INLINE void rx_tls_hist_add(struct rx_tls_hist *h, __u64 ns)
{
	__u32 b = rx_dur_bucket(ns);

	if (b >= RX_DUR_BUCKETS)
		return;
	h->count[b]++;
	h->sum_ns += ns;
	if (!h->n || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->n++;
}

/* The connection's row, or NULL when the table is full (counted). */
RX_INLINE struct rx_tls_ep *rx_tls_ep_of(struct rx_env *env, struct rx_work *wk,
					 const struct rx_tls_conn *c)
{
	struct rx_tls_ep *ep = rx_shim_tls_ep(env, &c->ep);

	if (!ep)
		rx_shim_stat(env, wk, RX_STAT_TLS_EPS_OVERFLOW);
	return ep;
}

/* A duration into the row's histogram: hs[RX_TLS_PH_*], or the exchanges (which 2). */
RX_INLINE void rx_tls_time(struct rx_env *env, struct rx_work *wk, const struct rx_tls_conn *c,
			   __u32 which, __u64 ns)
{
	struct rx_tls_ep *ep = rx_tls_ep_of(env, wk, c);

	if (!ep)
		return;
	if (which == RX_TLS_PH_SERVER_HELLO)
		rx_tls_hist_add(&ep->hs[RX_TLS_PH_SERVER_HELLO], ns);
	else if (which == RX_TLS_PH_APP_DATA)
		rx_tls_hist_add(&ep->hs[RX_TLS_PH_APP_DATA], ns);
	else
		rx_tls_hist_add(&ep->xchg, ns);
}

/* The handshake failed before it completed: counted once. */
RX_INLINE void rx_tls_failed(struct rx_env *env, struct rx_work *wk, struct rx_tls_conn *c)
{
	struct rx_tls_ep *ep;

	if (c->phase != RX_TLS_P_HELLO && c->phase != RX_TLS_P_SERVER)
		return;
	c->phase = RX_TLS_P_FAILED;
	ep = rx_tls_ep_of(env, wk, c);
	if (ep)
		ep->hs_failed++;
}

/* Whether the 5 bytes at b look like a record header (RFC 8446 section 5.1). */
RX_INLINE int rx_tls_rec_ok(const __u8 *b)
{
	return b[0] >= RX_TLS_CT_CCS && b[0] <= RX_TLS_CT_APPDATA && b[1] == 3 && b[2] <= 4 &&
	       (__u32)(b[3] << 8 | b[4]) <= RX_TLS_REC_MAX;
}

/*
 * Walk the record headers that begin in the segment (have payload bytes)
 * for side of c, from where its next one is known to begin (or the
 * segment's start). Returns enum rx_tls_seen bits; c->next follows.
 */
RX_INLINE __u32 rx_tls_records(struct rx_env *env, __u32 hook, struct rx_work *wk,
			       struct rx_tls_conn *c, __u32 side, __u32 have)
{
	const struct rx_pkt *pkt = &wk->pkt;
	__u32 bit = side ? RX_TLSC_NEXT1 : RX_TLSC_NEXT0, seen = 0, off = 0, i;
	__u32 seq = pkt->tcp_seq;

	if (c->flags & bit) {
		__s32 d = (__s32)(c->next[side & 1] - seq);

		if (d > 0 && (__u32)d >= have)
			return 0; /* inside a record begun earlier, or a retransmission */
		if (d > 0)
			off = (__u32)d;
		/* (d < 0: bytes not seen before this segment; try its start) */
	}
	c->flags &= ~bit;
	for (i = 0; i < RX_TLS_RECS; i++) {
		__u8 *b = wk->peek;

		if (off >= have)
			break;
		if (have - off < 5 || rx_shim_load_bytes(env, hook, pkt->payload_off + off, b, 5, RX_HTTP_PEEK) ||
		    !rx_tls_rec_ok(b))
			return seen; /* a header cut, or not one: position lost */
		seen |= 1u << ((b[0] - RX_TLS_CT_CCS) & 3); /* enum rx_tls_seen: a bit per type */
		off += 5 + (__u32)(b[3] << 8 | b[4]);
	}
	if (off < have)
		return seen; /* more records than followed: position lost */
	c->next[side & 1] = seq + off;
	c->flags |= bit;
	return seen;
}

/* A ClientHello (decoded into wk->tls) begins the connection of wk->hkey, from side. */
RX_INLINE struct rx_tls_conn *rx_tls_begin(struct rx_env *env, struct rx_work *wk, __u32 side)
{
	const struct rx_tls *t = &wk->tls;
	struct rx_tls_conn *c = rx_shim_tls_conn(env, &wk->hkey, 1);
	struct rx_tls_ep *ep;

	if (!c) {
		rx_shim_stat(env, wk, RX_STAT_TLS_CONNS_OVERFLOW);
		return NULL;
	}
	__builtin_memset(c, 0, sizeof(*c));
	c->ep.port = wk->pkt.dport;
	c->ep.sni_len = t->sni_len < RX_TLS_EP_SNI ? t->sni_len : RX_TLS_EP_SNI;
	c->ep.alpn_len = t->alpn_len < RX_TLS_EP_ALPN ? t->alpn_len : RX_TLS_EP_ALPN;
	__builtin_memcpy(c->ep.sni, t->sni, RX_TLS_EP_SNI);
	__builtin_memcpy(c->ep.alpn, t->alpn, RX_TLS_EP_ALPN);
	c->ch_ns = wk->stage.now;
	c->client = (__u8)side;
	c->phase = RX_TLS_P_HELLO;
	ep = rx_tls_ep_of(env, wk, c);
	if (ep)
		ep->conns++;
	return c;
}

/* Application data from one side, after the handshake: the turns and their exchanges. */
RX_INLINE void rx_tls_turn(struct rx_env *env, struct rx_work *wk, struct rx_tls_conn *c, int server)
{
	__u64 now = wk->stage.now;
	__u32 b;

	if (!server) {
		if (c->flags & RX_TLSC_SKIP) { /* the Finished's turn: a request with it? */
			b = c->fin_bytes + wk->pkt.payload_len;
			if (rx_tls_finished_turn(c) && b > RX_TLS_FIN_MAX)
				c->turn_ns = now; /* (set again below when the turn opens here) */
			c->fin_bytes = b < 255 ? (__u8)b : 255;
		}
		if (c->flags & RX_TLSC_EARLY) {
			c->flags &= (__u8)~RX_TLSC_EARLY; /* the client first: its turn starts again */
			c->turn_ns = now;
		} else if (!(c->flags & RX_TLSC_TURN)) {
			c->flags |= RX_TLSC_TURN;
			c->turn_ns = now;
		}
		return;
	}
	if (!(c->flags & RX_TLSC_TURN))
		return;
	/*
	 * TLS 1.3 servers send two session tickets (OpenSSL's default), often
	 * in two segments: when the first request goes out between them, the
	 * second is no answer to it. A segment of the first ticket's size,
	 * within 2 ms of it, is taken for the second and closes nothing (once).
	 */
	if (c->ticket_len && wk->pkt.payload_len == c->ticket_len &&
	    now - c->ch_ns - c->ticket_off < RX_TLS_TICKET2_NS) {
		c->ticket_len = 0;
		return;
	}
	if (c->flags & RX_TLSC_SKIP) {
		/* TLS 1.3: the session tickets answered the Finished */
		if (rx_tls_finished_turn(c))
			c->flags &= (__u8)~RX_TLSC_TURN;
		else
			c->flags |= RX_TLSC_EARLY; /* a request went with it: its answer is still to come */
		c->flags &= (__u8)~RX_TLSC_SKIP;
		c->ticket_len = wk->pkt.payload_len;
		c->ticket_off = now - c->ch_ns < 0xffffffffull ? (__u32)(now - c->ch_ns) : 0xffffffffu;
		return;
	}
	c->flags &= (__u8)~(RX_TLSC_TURN | RX_TLSC_EARLY);
	c->ticket_len = 0;
	if (now >= c->turn_ns)
		rx_tls_time(env, wk, c, RX_TLS_PH_MAX, now - c->turn_ns);
}

/* What the segment's records (seen) mean for c, sent by the server or not. */
RX_INLINE void rx_tls_events(struct rx_env *env, struct rx_work *wk, struct rx_tls_conn *c,
			     int server, __u32 seen)
{
	__u64 now = wk->stage.now;
	struct rx_tls_ep *ep;

	if (c->phase == RX_TLS_P_HELLO && server && wk->tls.kind == RX_TLS_SERVER_HELLO) {
		c->phase = RX_TLS_P_SERVER;
		if (wk->tls.sel_version == RX_TLS_V13)
			c->flags |= RX_TLSC_TLS13;
		else if ((wk->tls.flags & (RX_TLSF_PARTIAL | RX_TLSF_VERSIONS)) == RX_TLSF_PARTIAL)
			c->flags |= RX_TLSC_V_UNKNOWN; /* split before supported_versions */
		rx_tls_time(env, wk, c, RX_TLS_PH_SERVER_HELLO, now - c->ch_ns);
	} else if (c->phase == RX_TLS_P_SERVER && (c->flags & RX_TLSC_V_UNKNOWN) &&
		   (seen & (RX_TLSR_APP | RX_TLSR_HS))) {
		/*
		 * The version not seen. After the ServerHello, TLS 1.2's flights
		 * (both sides') are handshake records up to the Finished (itself
		 * a handshake record); TLS 1.3's are application data (the
		 * encrypted handshake, the client's Finished). The first record
		 * of either kind tells.
		 */
		c->flags &= (__u8)~RX_TLSC_V_UNKNOWN;
		if (!(seen & RX_TLSR_HS))
			c->flags |= RX_TLSC_TLS13 | RX_TLSC_TLS13_INFERRED;
	}
	if ((seen & RX_TLSR_ALERT) && c->phase != RX_TLS_P_DONE) {
		rx_tls_failed(env, wk, c);
		return;
	}
	if (!(seen & RX_TLSR_APP))
		return;
	if (c->phase == RX_TLS_P_SERVER && !server) {
		c->phase = RX_TLS_P_DONE;
		ep = rx_tls_ep_of(env, wk, c);
		if (ep)
			ep->hs_done++;
		rx_tls_time(env, wk, c, RX_TLS_PH_APP_DATA, now - c->ch_ns);
		if (c->flags & RX_TLSC_TLS13)
			c->flags |= RX_TLSC_SKIP;
	}
	if (c->phase == RX_TLS_P_DONE)
		rx_tls_turn(env, wk, c, server);
}

/*
 * The TLS stage, before HTTP: a segment of a connection that began with a
 * ClientHello is TLS's (RX_STAGE_DONE after it); any other goes on to the
 * HTTP stage. The clock is in wk->stage.now (the TCP stage read it). hook
 * must be the program's constant.
 */
RX_INLINE int rx_tls_conn_stage(struct rx_env *env, __u32 hook, struct rx_work *wk)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_tls_conn *c;
	__u32 side, have, seen;
	int server;

	have = rx_tls_have(pkt, hook);
	wk->peek[0] = 0;
	if (have && rx_shim_load_bytes(env, hook, pkt->payload_off, wk->peek, 1, RX_HTTP_PEEK))
		have = 0;
	/* (a segment that begins with a capital letter went to HTTP already: rx_l7_stage) */
	side = wk->stage.side; /* the TCP stage made wk->hkey and found the side (rx_tcp_events) */
	c = rx_shim_tls_conn(env, &wk->hkey, 0);
	if ((pkt->tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN) {
		if (c)
			c->phase = 0; /* a new connection on the same ports */
		return RX_STAGE_HTTP;
	}
	wk->tls.kind = RX_TLS_NONE;
	if (have && wk->peek[0] == RX_TLS_CT_HANDSHAKE &&
	    (!c || !c->phase || (c->phase == RX_TLS_P_HELLO && side != c->client))) {
		/*
		 * a hello starts the segment: a ClientHello begins a connection.
		 * The server's first handshake record cut in its header is its
		 * ServerHello (its version unknown, as a hello cut later)
		 */
		if (rx_tls_hello(env, hook, wk) && c && c->phase == RX_TLS_P_HELLO && side != c->client) {
			wk->tls.kind = RX_TLS_SERVER_HELLO;
			wk->tls.flags = RX_TLSF_PARTIAL;
		}
		if (wk->tls.kind == RX_TLS_CLIENT_HELLO)
			c = rx_tls_begin(env, wk, side);
	}
	if (!c || !c->phase)
		return RX_STAGE_HTTP;
	server = side != c->client;
	seen = have ? rx_tls_records(env, hook, wk, c, side & 1, have) : 0;
	rx_tls_events(env, wk, c, server, seen);
	if (pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST))
		rx_tls_failed(env, wk, c);
	return RX_STAGE_DONE;
}

#endif

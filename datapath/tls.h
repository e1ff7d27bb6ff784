/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TLS hellos from packets: the ClientHello (RFC 8446 section 4.1.2, RFC
 * 5246 section 7.4.1.2) and the ServerHello (RFC 8446 section 4.1.3) at
 * the start of a TCP segment, decoded into struct rx_tls for the capture
 * record. Only the handshake's clear text: the record header (RFC 8446
 * section 5.1), the handshake header, the versions, the cipher suites and
 * the extensions server_name (RFC 6066 section 3), supported_groups (RFC
 * 8422 section 5.1.1), ec_point_formats, signature_algorithms (RFC 8446
 * section 4.2.3), ALPN (RFC 7301 section 3.1) and supported_versions (RFC
 * 8446 section 4.2.1): what JA3 and JA4 are made of.
 *
 * The segment's first RX_TLS_BUF bytes are copied into the work area and
 * walked one item (a list entry, a name byte, an extension header) per
 * rx_shim_loop() step, the walk's state in the work area: as the option
 * walks (parse.h), a callback over a fixed buffer is verified once, where
 * an open-coded walk over packet pointers forks a verifier state per
 * offset. Every read masks its index into the buffer and is checked
 * against the bytes in view first.
 *
 * A ClientHello or ServerHello longer than its segment is held (its first
 * RX_TLS_BUF bytes, in rx_tls_holds, per connection and direction) and
 * counted as tls_held; when the connection's next segment starts where the
 * piece ends, the two are decoded as one hello (tls_reassembled). Anything
 * else is counted as tls_partial, never dropped unsaid: a hello longer
 * than two segments (or RX_TLS_BUF), a held piece that the next segment
 * does not continue (out of order, a gap), one replaced by another hello.
 * (The TC stage, rx_tls_hello, holds nothing: it takes what the first
 * piece has, tlsconn.h.) A retransmitted first piece
 * leaves the held one as it is. A hello longer than its segment is
 * decoded as far as it goes; a length that disagrees with its container
 * stops the walk and is counted as tls_malformed; lists longer than kept,
 * as tls_lists_cut. The hello is still shown, with what was decoded.
 *
 * The shim provides the holds (bpf/shim.h: an LRU map; native/shim.h):
 *
 *   struct rx_tls_hold *rx_shim_tls_hold(struct rx_env *env, const struct rx_flow_key *k)
 *   int rx_shim_tls_hold_put(struct rx_env *env, const struct rx_flow_key *k,
 *                            const struct rx_tls_hold *h)   (0, or -1: not held)
 *   void rx_shim_tls_hold_del(struct rx_env *env, const struct rx_flow_key *k)
 */
#ifndef RX_TLS_H
#define RX_TLS_H

#include "parse.h"
#include "tcp.h"

#define RX_TLS_CT_HANDSHAKE 22   /* record content type (RFC 8446 section 5.1) */
#define RX_TLS_HS_CLIENT_HELLO 1 /* handshake types (RFC 8446 section 4) */
#define RX_TLS_HS_SERVER_HELLO 2
#define RX_TLS_EXT_SNI 0         /* extension types (IANA TLS ExtensionType Values) */
#define RX_TLS_EXT_GROUPS 10
#define RX_TLS_EXT_ECPF 11
#define RX_TLS_EXT_SIGALGS 13
#define RX_TLS_EXT_ALPN 16
#define RX_TLS_EXT_VERSIONS 43
#define RX_TLS_SNI_HOST_NAME 0   /* NameType host_name (RFC 6066 section 3) */
#define RX_TLS_HDR 9             /* record header (5) + handshake header (4) */
#define RX_TLS_SID_OFF 43        /* + legacy_version (2) + random (32): legacy_session_id */
#define RX_TLS_STEPS (2 * RX_TLS_BUF) /* an item per step, at least a byte; and an end per list */

enum rx_tls_state {
	RX_TLS_S_CIPHERS = 0, /* cipher_suites entries */
	RX_TLS_S_EXTS = 1,    /* extension headers */
	RX_TLS_S_LIST16 = 2,  /* a list of 16-bit values in an extension */
	RX_TLS_S_LIST8 = 3,   /* a list of bytes in an extension */
	RX_TLS_S_NAME = 4,    /* the server name or ALPN protocol list, a byte a step */
	RX_TLS_S_DONE = 5,
};

#define RX_TLS_M (RX_TLS_BUF - 1)
#define RX_TLS_BYTE(wk, i) ((__u32)(wk)->tlsbuf[(i) & RX_TLS_M])

_Static_assert((RX_TLS_BUF & RX_TLS_M) == 0, "RX_TLS_BUF: a power of two");
_Static_assert((RX_TLS_CIPHERS_MAX & (RX_TLS_CIPHERS_MAX - 1)) == 0 &&
		       (RX_TLS_EXTS_MAX & (RX_TLS_EXTS_MAX - 1)) == 0 &&
		       (RX_TLS_SIGALGS_MAX & (RX_TLS_SIGALGS_MAX - 1)) == 0 &&
		       (RX_TLS_GROUPS_MAX & (RX_TLS_GROUPS_MAX - 1)) == 0 &&
		       (RX_TLS_VERSIONS_MAX & (RX_TLS_VERSIONS_MAX - 1)) == 0 &&
		       (RX_TLS_ECPF_MAX & (RX_TLS_ECPF_MAX - 1)) == 0 &&
		       (RX_TLS_SNI_MAX & (RX_TLS_SNI_MAX - 1)) == 0 &&
		       (RX_TLS_ALPN_MAX & (RX_TLS_ALPN_MAX - 1)) == 0,
	       "TLS lists: powers of two (indexes are masked)");

RX_INLINE __u32 rx_tls_u16(const struct rx_work *wk, __u32 i)
{
	return RX_TLS_BYTE(wk, i) << 8 | RX_TLS_BYTE(wk, i + 1);
}

RX_INLINE __u32 rx_tls_min(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

/* Append v to a list of max entries (n: its count); past max, the hello is cut. */
#define RX_TLS_PUT(t, list, n, max, v)                                         \
	do {                                                                   \
		__u32 i__ = (t)->n;                                            \
		if (i__ < (max)) {                                             \
			(t)->list[i__ & ((max) - 1)] = (v);                    \
			(t)->n = (__u8)(i__ + 1);                              \
		} else {                                                       \
			(t)->flags |= RX_TLSF_CUT;                             \
		}                                                              \
	} while (0)

/* One entry of the 16-bit list of the extension being read. */
RX_INLINE void rx_tls_put16(struct rx_tls *t, __u32 ext, __u16 v)
{
	if (ext == RX_TLS_EXT_SIGALGS)
		RX_TLS_PUT(t, sigalgs, n_sigalgs, RX_TLS_SIGALGS_MAX, v);
	else if (ext == RX_TLS_EXT_GROUPS)
		RX_TLS_PUT(t, groups, n_groups, RX_TLS_GROUPS_MAX, v);
	else
		RX_TLS_PUT(t, versions, n_versions, RX_TLS_VERSIONS_MAX, v);
}

/* The walk stops: the bytes say what cannot be. */
RX_INLINE long rx_tls_bad(struct rx_tls *t, struct rx_tlswalk *w)
{
	t->flags |= RX_TLSF_MALFORMED;
	w->state = RX_TLS_S_DONE;
	return 1;
}

/* A list inside the extension at data: [start, start + len), within the extension. */
RX_INLINE long rx_tls_list(struct rx_tls *t, struct rx_tlswalk *w, __u32 start, __u32 len,
			   __u32 state)
{
	if (start + len > w->ext_end)
		return rx_tls_bad(t, w);
	w->off = start;
	w->list_end = rx_tls_min(start + len, w->end);
	w->state = state;
	return 0;
}

/*
 * One extension header at w->off (RFC 8446 section 4.2): its type is
 * listed; the extensions of JA3 and JA4 go on to their lists, the others
 * are skipped whole.
 */
RX_INLINE long rx_tls_ext(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w)
{
	__u32 off = w->off, type, len, data;

	if (off >= w->exts_end || off >= w->end)
		return 1;
	if (off + 4 > w->end)
		return 1; /* cut by the view: partial, already flagged */
	if (off + 4 > w->exts_end)
		return rx_tls_bad(t, w);
	type = rx_tls_u16(wk, off);
	len = rx_tls_u16(wk, off + 2);
	data = off + 4;
	if (data + len > w->exts_end)
		return rx_tls_bad(t, w);
	t->exts_all++;
	RX_TLS_PUT(t, exts, n_exts, RX_TLS_EXTS_MAX, (__u16)type);
	w->ext_type = type;
	w->ext_end = data + len;
	w->off = data + len; /* unless a list below is read first */
	if (t->kind == RX_TLS_SERVER_HELLO) {
		if (type == RX_TLS_EXT_VERSIONS && len >= 2 && data + 2 <= w->end) {
			t->sel_version = (__u16)rx_tls_u16(wk, data);
			t->flags |= RX_TLSF_VERSIONS;
		}
		if (type == RX_TLS_EXT_ALPN && len >= 3 && data + 3 <= w->end) {
			t->flags |= RX_TLSF_ALPN;
			return rx_tls_list(t, w, data + 2, rx_tls_u16(wk, data), RX_TLS_S_NAME);
		}
		if (type == RX_TLS_EXT_ECPF && len >= 1 && data + 1 <= w->end)
			return rx_tls_list(t, w, data + 1, RX_TLS_BYTE(wk, data), RX_TLS_S_LIST8);
		return 0;
	}
	if (data + 2 > w->end || len < 2)
		return 0; /* nothing of it in view (partial), or an empty one */
	switch (type) {
	case RX_TLS_EXT_SNI:
		/* server_name_list (2), NameType (1), HostName length (2), the name */
		if (len < 5 || data + 5 > w->end || RX_TLS_BYTE(wk, data + 2) != RX_TLS_SNI_HOST_NAME)
			return 0;
		t->flags |= RX_TLSF_SNI;
		return rx_tls_list(t, w, data + 5, rx_tls_u16(wk, data + 3), RX_TLS_S_NAME);
	case RX_TLS_EXT_ALPN:
		/* protocol_name_list (2), then length-prefixed names: kept as they are */
		if (len < 3 || data + 3 > w->end)
			return 0;
		t->flags |= RX_TLSF_ALPN;
		return rx_tls_list(t, w, data + 2, rx_tls_u16(wk, data), RX_TLS_S_NAME);
	case RX_TLS_EXT_VERSIONS:
		t->flags |= RX_TLSF_VERSIONS;
		return rx_tls_list(t, w, data + 1, RX_TLS_BYTE(wk, data), RX_TLS_S_LIST16);
	case RX_TLS_EXT_SIGALGS:
		t->flags |= RX_TLSF_SIGALGS;
		return rx_tls_list(t, w, data + 2, rx_tls_u16(wk, data), RX_TLS_S_LIST16);
	case RX_TLS_EXT_GROUPS:
		return rx_tls_list(t, w, data + 2, rx_tls_u16(wk, data), RX_TLS_S_LIST16);
	case RX_TLS_EXT_ECPF:
		return rx_tls_list(t, w, data + 1, RX_TLS_BYTE(wk, data), RX_TLS_S_LIST8);
	}
	return 0;
}

/* One byte of the server name or ALPN protocol list being read. */
RX_INLINE long rx_tls_name(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w)
{
	__u32 off = w->off, n;
	__u8 c;

	if (off >= w->list_end) {
		w->off = w->ext_end;
		w->state = RX_TLS_S_EXTS;
		return 0;
	}
	c = (__u8)RX_TLS_BYTE(wk, off);
	if (w->ext_type == RX_TLS_EXT_SNI) {
		n = t->sni_len;
		if (n >= RX_TLS_SNI_MAX) {
			t->flags |= RX_TLSF_SNI_TRUNC;
			w->list_end = off; /* the rest is not kept */
			return 0;
		}
		t->sni[n & (RX_TLS_SNI_MAX - 1)] = (char)c;
		t->sni_len = (__u8)(n + 1);
	} else {
		n = t->alpn_len;
		if (n >= RX_TLS_ALPN_MAX) {
			t->flags |= RX_TLSF_ALPN_TRUNC;
			w->list_end = off;
			return 0;
		}
		t->alpn[n & (RX_TLS_ALPN_MAX - 1)] = (char)c;
		t->alpn_len = (__u8)(n + 1);
	}
	w->off = off + 1;
	return 0;
}

RX_INLINE long rx_tls_exts_start(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w,
				 __u32 off)
{
	__u32 len;

	if (off > w->hs_end)
		return rx_tls_bad(t, w);
	if (off == w->hs_end || off + 2 > w->end)
		return 1; /* no extensions, or not in view */
	len = rx_tls_u16(wk, off);
	if (off + 2 + len > w->hs_end)
		return rx_tls_bad(t, w);
	w->exts_end = off + 2 + len;
	w->off = off + 2;
	w->state = RX_TLS_S_EXTS;
	return 0;
}

/*
 * After cipher_suites: legacy_compression_methods (1-byte length), then the
 * extensions' 2-byte length, and the extensions (absent in a TLS 1.0-1.2
 * hello that has none).
 */
RX_INLINE long rx_tls_after_ciphers(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w)
{
	__u32 off = w->list_end;

	if (off + 1 > w->end)
		return 1;
	off += 1 + RX_TLS_BYTE(wk, off);
	return rx_tls_exts_start(wk, t, w, off);
}

/* One step of the walk (an rx_shim_loop() callback): returns 1 when done. */
static long rx_tls_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_tlswalk *w = &wk->tlsw;
	struct rx_tls *t = &wk->tls;
	__u32 off = w->off, state = w->state;

	if (state == RX_TLS_S_CIPHERS) {
		if (off + 2 > w->list_end)
			return rx_tls_after_ciphers(wk, t, w);
		t->ciphers_all++;
		RX_TLS_PUT(t, ciphers, n_ciphers, RX_TLS_CIPHERS_MAX, (__u16)rx_tls_u16(wk, off));
		w->off = off + 2;
		return 0;
	}
	if (state == RX_TLS_S_EXTS)
		return rx_tls_ext(wk, t, w);
	if (state == RX_TLS_S_NAME)
		return rx_tls_name(wk, t, w);
	if (state == RX_TLS_S_LIST16 || state == RX_TLS_S_LIST8) {
		__u32 size = state == RX_TLS_S_LIST16 ? 2 : 1;

		if (off + size > w->list_end) {
			w->off = w->ext_end;
			w->state = RX_TLS_S_EXTS;
			return 0;
		}
		if (size == 2)
			rx_tls_put16(t, w->ext_type, (__u16)rx_tls_u16(wk, off));
		else
			RX_TLS_PUT(t, ecpf, n_ecpf, RX_TLS_ECPF_MAX, (__u8)RX_TLS_BYTE(wk, off));
		w->off = off + size;
		return 0;
	}
	return 1;
}

/*
 * The fixed part of a hello, from the record header to the first list:
 * where the walk starts. Returns 0 to walk, 1 when nothing is to walk
 * (the flags say why).
 */
RX_INLINE int rx_tls_fixed(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w)
{
	__u32 sid, off, len;

	if (RX_TLS_SID_OFF + 1 > w->end)
		return 1;
	t->hs_version = (__u16)rx_tls_u16(wk, RX_TLS_HDR);
	sid = RX_TLS_BYTE(wk, RX_TLS_SID_OFF);
	if (sid > 32)
		return rx_tls_bad(t, w);
	off = RX_TLS_SID_OFF + 1 + sid;
	if (t->kind == RX_TLS_SERVER_HELLO) {
		/* cipher_suite (2), legacy_compression_method (1), extensions */
		if (off + 2 > w->end)
			return 1;
		t->cipher = (__u16)rx_tls_u16(wk, off);
		return (int)rx_tls_exts_start(wk, t, w, off + 3);
	}
	if (off + 2 > w->end)
		return 1;
	len = rx_tls_u16(wk, off);
	if ((len & 1) || off + 2 + len > w->hs_end)
		return rx_tls_bad(t, w);
	w->off = off + 2;
	w->list_end = rx_tls_min(off + 2 + len, w->end);
	w->state = RX_TLS_S_CIPHERS;
	return 0;
}

/* A held piece being copied to the start of the work buffer, 8 bytes a step. */
struct rx_tls_copyctx {
	struct rx_work *wk;
	const struct rx_tls_hold *h;
};

static long rx_tls_copy_step(__u64 index, void *ctx)
{
	struct rx_tls_copyctx *c = ctx;
	__u32 off = ((__u32)index * 8) & (RX_TLS_BUF - 8);

	__builtin_memcpy(&c->wk->tlsbuf[off], &c->h->data[off], 8);
	return 0;
}

/*
 * The piece held for this segment's connection and direction, if any: when
 * the segment starts where the piece ends, the piece is copied to the
 * buffer's start and its length returned; a retransmit of the piece
 * (*again set) leaves it held; any other segment ends the hold, counted as
 * tls_partial (the hello was not completed). 0: nothing to go on from.
 */
RX_INLINE __u32 rx_tls_resume(struct rx_env *env, struct rx_work *wk, int *again)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_tls_copyctx c = { .wk = wk };
	struct rx_tls_hold *h;
	__u32 len, side;

	side = rx_flow_key_of(pkt, &wk->tlskey);
	wk->tlskey.pad = side;
	h = rx_shim_tls_hold(env, &wk->tlskey);
	if (!h)
		return 0;
	if (pkt->tcp_seq == h->seq) {
		*again = 1;
		return 0;
	}
	len = h->len;
	if (pkt->tcp_seq != h->next || len == 0 || len >= RX_TLS_BUF) {
		rx_shim_tls_hold_del(env, &wk->tlskey);
		rx_shim_stat(env, wk, RX_STAT_TLS_PARTIAL);
		return 0;
	}
	c.h = h;
	rx_shim_loop((len + 7) / 8, rx_tls_copy_step, &c);
	rx_shim_tls_hold_del(env, &wk->tlskey);
	return len;
}

/*
 * Hold the segment's bytes (avail of them, all of its payload, fewer than
 * RX_TLS_BUF) as the first piece of a ClientHello: 0 when held (counted as
 * tls_held, unless it is the held piece again), -1 when not.
 */
RX_INLINE int rx_tls_hold(struct rx_env *env, __u32 hook, struct rx_work *wk, __u32 avail,
			  int again)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_tls_hold *h = &wk->tlsh;

	if (avail == 0 || avail >= RX_TLS_BUF || avail != pkt->payload_len)
		return -1;
	/*
	 * sampled (serve's alert evidence, one packet in N): the next segment
	 * would seldom be seen, so nothing is held (the hello is partial)
	 */
	if (rx_shim_config_rt(env)->sample > 1)
		return -1;
	h->seq = pkt->tcp_seq;
	/* data on a SYN (TCP Fast Open) starts after the SYN's sequence number */
	h->next = pkt->tcp_seq + avail + ((pkt->tcp_flags & RX_TH_SYN) ? 1 : 0);
	h->len = avail;
	h->pad = 0;
	if (rx_shim_load_bytes(env, hook, pkt->payload_off, h->data, avail, RX_TLS_BUF) ||
	    rx_shim_tls_hold_put(env, &wk->tlskey, h))
		return -1;
	if (!again)
		rx_shim_stat(env, wk, RX_STAT_TLS_HELD);
	return 0;
}

/*
 * Whether the bytes in view start a handshake record of SSL 3.0 to TLS 1.3
 * (record versions 0x0300-0x0304), as far as n of them say.
 */
RX_INLINE int rx_tls_record(const struct rx_work *wk, __u32 n)
{
	return RX_TLS_BYTE(wk, 0) == RX_TLS_CT_HANDSHAKE && (n <= 1 || RX_TLS_BYTE(wk, 1) == 3) &&
	       (n <= 2 || RX_TLS_BYTE(wk, 2) <= 4);
}

/*
 * The hello's headers (record, handshake) from the n bytes in the buffer
 * (avail in the segment, or the held piece and it) into t, and the walk
 * over its body set up in w; 1 when the hello is longer than those bytes
 * (or its record), else 0.
 */
RX_INLINE int rx_tls_head(struct rx_work *wk, struct rx_tls *t, struct rx_tlswalk *w, __u32 hs_type,
			  __u32 n, __u32 avail)
{
	__u32 rec_len;

	t->kind = (__u8)hs_type;
	t->rec_version = (__u16)rx_tls_u16(wk, 1);
	rec_len = rx_tls_u16(wk, 3);
	t->hs_len = n >= RX_TLS_HDR ? RX_TLS_BYTE(wk, 6) << 16 | rx_tls_u16(wk, 7) : 0;
	__builtin_memset(w, 0, sizeof(*w));
	w->hs_end = RX_TLS_HDR + t->hs_len;
	w->end = rx_tls_min(n, w->hs_end);
	w->state = RX_TLS_S_DONE;
	/* the hello in more bytes than this segment (or the buffer) has, or in more records */
	return n < RX_TLS_HDR || avail < w->hs_end || n < w->hs_end || 5 + rec_len < w->hs_end;
}

/*
 * After the walk: the counters of what it found. A held piece counts
 * nothing yet: its hello is counted once, when completed or given up.
 */
RX_INLINE void rx_tls_count(struct rx_env *env, struct rx_work *wk, const struct rx_tls *t)
{
	if (t->flags & RX_TLSF_HELD)
		return;
	if (t->flags & RX_TLSF_PARTIAL)
		rx_shim_stat(env, wk, RX_STAT_TLS_PARTIAL);
	if (t->flags & RX_TLSF_REASSEMBLED)
		rx_shim_stat(env, wk, RX_STAT_TLS_REASSEMBLED);
	if (t->flags & RX_TLSF_MALFORMED)
		rx_shim_stat(env, wk, RX_STAT_TLS_MALFORMED);
	if (t->flags & RX_TLSF_CUT)
		rx_shim_stat(env, wk, RX_STAT_TLS_CUT);
}

/*
 * Decode the hello that starts the TCP segment of wk->pkt (or that a held
 * piece of its connection started), if it starts one, into wk->tls (kind
 * RX_TLS_NONE otherwise). hook must be the program's constant (it picks
 * the load-bytes helper).
 */
RX_INLINE void rx_tls_decode(struct rx_env *env, __u32 hook, struct rx_work *wk)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_tls *t = &wk->tls;
	struct rx_tlswalk *w = &wk->tlsw;
	struct rx_optctx ctx = { .work = wk, .env = env, .hook = hook };
	__u32 avail, n, hs_type, held;
	int again = 0;

	__builtin_memset(t, 0, sizeof(*t));
	if (!(pkt->layers & RX_L_TCP) || !pkt->payload_off || pkt->cap_len <= pkt->payload_off ||
	    !pkt->payload_len)
		return;
	/* the segment's bytes, not the Ethernet padding of a tiny frame (a 1-5 byte piece) */
	avail = rx_tls_min(pkt->cap_len - pkt->payload_off, pkt->payload_len);
	held = rx_tls_resume(env, wk, &again);
	/*
	 * < RX_TLS_BUF already, but clang 19 drops a mask it can prove
	 * redundant and the verifier, after the bpf_loop() call, no longer
	 * knows the bound: the barrier keeps the mask.
	 */
	RX_BARRIER_VAR(held);
	held &= RX_TLS_M;
	n = rx_tls_min(avail, RX_TLS_BUF - held);
	if (rx_shim_load_bytes(env, hook, pkt->payload_off, wk->tlsbuf + held, n, RX_TLS_BUF)) {
		if (held)
			rx_shim_stat(env, wk, RX_STAT_TLS_PARTIAL);
		return;
	}
	avail += held;
	n += held;
	if (!rx_tls_record(wk, n) || (n >= 6 && RX_TLS_BYTE(wk, 5) != RX_TLS_HS_CLIENT_HELLO &&
				      RX_TLS_BYTE(wk, 5) != RX_TLS_HS_SERVER_HELLO)) {
		if (held) /* the held piece and this segment are no hello together */
			rx_shim_stat(env, wk, RX_STAT_TLS_PARTIAL);
		return;
	}
	if (n < 6) {
		/* too short to say which message: held for the next segment, or cut in its header */
		if (held || rx_tls_hold(env, hook, wk, avail, again))
			rx_shim_stat(env, wk, RX_STAT_TLS_PARTIAL);
		return;
	}
	hs_type = RX_TLS_BYTE(wk, 5);
	if (rx_tls_head(wk, t, w, hs_type, n, avail))
		t->flags |= RX_TLSF_PARTIAL;
	else if (held)
		t->flags |= RX_TLSF_REASSEMBLED;
	/* the first piece of a hello in one record: held for the next segment */
	if (!held && (t->flags & RX_TLSF_PARTIAL) &&
	    (n < RX_TLS_HDR || 5 + rx_tls_u16(wk, 3) >= w->hs_end) && !rx_tls_hold(env, hook, wk, avail, again))
		t->flags |= RX_TLSF_HELD;
	else if (again) /* the held piece came again, whole this time */
		rx_shim_tls_hold_del(env, &wk->tlskey);
	if (n >= RX_TLS_HDR && !rx_tls_fixed(wk, t, w))
		rx_shim_loop(RX_TLS_STEPS, rx_tls_step, &ctx);
	rx_tls_count(env, wk, t);
}

/* The payload bytes of the segment at hand (TC: the whole skb, load_bytes reaches it). */
RX_INLINE __u32 rx_tls_have(const struct rx_pkt *pkt, __u32 hook)
{
	__u32 have = (hook == RX_HOOK_TC_INGRESS || hook == RX_HOOK_TC_EGRESS) ? pkt->wire_len
									      : pkt->cap_len;

	if (!pkt->payload_off || !(pkt->layers & RX_L_PAYLOAD) || have <= pkt->payload_off)
		return 0;
	have -= pkt->payload_off;
	return have > pkt->payload_len ? pkt->payload_len : have;
}

/*
 * Decode the hello that starts the TCP segment of wk->pkt, if it starts
 * one, into wk->tls (kind RX_TLS_NONE otherwise); what went wrong is in
 * its flags, not counted, and nothing held (the TC TLS stage's, tlsconn.h;
 * the capture record's is rx_tls_decode, which holds and counts). Returns 1
 * for a hello cut in its header (kind RX_TLS_NONE, no flags), else 0. hook must be the program's constant (it picks the
 * load-bytes helper).
 */
RX_INLINE int rx_tls_hello(struct rx_env *env, __u32 hook, struct rx_work *wk)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_tls *t = &wk->tls;
	struct rx_tlswalk *w = &wk->tlsw;
	struct rx_optctx ctx = { .work = wk, .env = env, .hook = hook };
	__u32 avail, n, hs_type;

	__builtin_memset(t, 0, sizeof(*t));
	if (!(pkt->layers & RX_L_TCP) || !pkt->payload_off)
		return 0;
	/* at TC, a locally built segment's payload is past the linear data: load_bytes reaches it */
	if (hook == RX_HOOK_TC_INGRESS || hook == RX_HOOK_TC_EGRESS)
		avail = rx_tls_have(pkt, hook);
	else
		avail = pkt->cap_len > pkt->payload_off ? pkt->cap_len - pkt->payload_off : 0;
	if (!avail)
		return 0;
	n = rx_tls_min(avail, RX_TLS_BUF);
	if (rx_shim_load_bytes(env, hook, pkt->payload_off, wk->tlsbuf, n, RX_TLS_BUF))
		return 0;
	/* a handshake record of SSL 3.0 to TLS 1.3 (record versions 0x0300-0x0304) */
	if (RX_TLS_BYTE(wk, 0) != RX_TLS_CT_HANDSHAKE || (n > 1 && RX_TLS_BYTE(wk, 1) != 3) ||
	    (n > 2 && RX_TLS_BYTE(wk, 2) > 4))
		return 0;
	if (n < 6)
		return 1; /* too short to say which message: a hello cut in its header */
	hs_type = RX_TLS_BYTE(wk, 5);
	if (hs_type != RX_TLS_HS_CLIENT_HELLO && hs_type != RX_TLS_HS_SERVER_HELLO)
		return 0;
	if (rx_tls_head(wk, t, w, hs_type, n, avail))
		t->flags |= RX_TLSF_PARTIAL;
	if (n >= RX_TLS_HDR && !rx_tls_fixed(wk, t, w))
		rx_shim_loop(RX_TLS_STEPS, rx_tls_step, &ctx);
	return 0;
}

#endif

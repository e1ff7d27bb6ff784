/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Cursor-based, bounds-checked packet decoders, compiled for BPF and for the
 * host. Every read is preceded by a bounds check against the cursor's end;
 * every variable-length walk has a constant bound. Each decoder fills its
 * layer of struct rx_pkt and returns an enum rx_reason: RX_REASON_OK to go
 * on, anything else to stop with that reason.
 *
 * Multi-byte fields are read with one load of their width (rx_pkt16/32,
 * rx_pkt_copy): packet data has no alignment guarantee, which BPF allows
 * on packet pointers and the host build handles with memcpy (UBSan).
 *
 * A layer's bit is set in pkt->layers only once its whole fixed header
 * (and, for IPv4 and TCP, the options area the header announces) is
 * present, so a truncated header shows as absent, never half-filled.
 */
#ifndef RX_PARSE_H
#define RX_PARSE_H

#include "abi.h"

#ifndef RX_INLINE
#define RX_INLINE static inline __attribute__((always_inline))
#endif

/* Keep the compiler from splitting a bounds test and the use of its value. */
#define RX_BARRIER_VAR(v) asm volatile("" : "+r"(v))

/* Full unrolling where the bound is a small constant (clang, both targets). */
#if defined(__clang__)
#define RX_UNROLL _Pragma("unroll")
#else
#define RX_UNROLL
#endif

/*
 * The histogram bucket of v: the first of the n ascending bounds that v does
 * not exceed, or n (the open bucket). Every caller passes a constant array
 * of an X-macro's bounds (RX_BOUNDS), so the unrolled loop folds to
 * compares against immediates: no array reaches the object.
 */
RX_INLINE __u32 rx_bucket(__u64 v, const __u64 *bounds, const __u32 n)
{
	__u32 b;

	RX_UNROLL
	for (b = 0; b < n; b++)
		if (v <= bounds[b])
			break;
	return b;
}

#define RX__BOUND(bound) (bound),
/* The bounds of an X-macro list (reasons.h) as an array for rx_bucket(). */
#define RX_BOUNDS(LIST) ((const __u64[]){ LIST(RX__BOUND) })
#define RX_BUCKET(v, LIST) rx_bucket((v), RX_BOUNDS(LIST), sizeof(RX_BOUNDS(LIST)) / sizeof(__u64))

#define RX_ETH_P_IP 0x0800
#define RX_ETH_P_ARP 0x0806
#define RX_ETH_P_8021Q 0x8100
#define RX_ETH_P_8021AD 0x88a8
#define RX_ETH_P_QINQ1 0x9100 /* pre-standard QinQ */
#define RX_ETH_P_IPV6 0x86dd

#define RX_IPPROTO_HOPOPTS 0
#define RX_IPPROTO_ICMP 1
#define RX_IPPROTO_TCP 6
#define RX_IPPROTO_UDP 17
#define RX_IPPROTO_ROUTING 43
#define RX_IPPROTO_FRAGMENT 44
#define RX_IPPROTO_ESP 50
#define RX_IPPROTO_AH 51
#define RX_IPPROTO_ICMPV6 58
#define RX_IPPROTO_NONE 59
#define RX_IPPROTO_DSTOPTS 60

/*
 * The fast paths (fixed layouts decoded in place) give exactly what the
 * general walks give. The host unit tests hold them to it: they build this
 * file a second time with RX_PARSE_WALK_ONLY, as the reference decoder.
 */
#ifdef RX_PARSE_WALK_ONLY
#define RX_FAST_PATHS 0
#else
#define RX_FAST_PATHS 1
#endif

#define RX_HDR_OFF_MAX 0x3fff /* where an L4 header may start, bytes from the frame start */
#define RX_TCP_OPT_WALK 40 /* option bytes after a 20-byte header: (15 - 5) * 4 */
#define RX_IP_OPT_WALK 40

/*
 * rx_shim_loop(n, fn, ctx): call fn(i, ctx) for i in [0, n) until it returns
 * non-zero. bpf_loop() in BPF (the shim defines it); a plain loop elsewhere.
 */
#ifndef rx_shim_loop
RX_INLINE void rx_shim_loop(__u32 n, long (*fn)(__u64, void *), void *ctx)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (fn(i, ctx))
			break;
}
#endif

struct rx_cursor {
	struct rx_env *env;
	__u32 hook;      /* enum rx_hook: how rx_shim_load_bytes reaches the bytes */
	const __u8 *start;
	const __u8 *pos;
	const __u8 *end;
};

/*
 * Network-order loads straight from packet data, at any alignment. BPF: one
 * load of the width and one byte swap, where byte-wise reads take two or four
 * byte loads and as many shifts and ors; the verifier allows unaligned
 * packet and map-value access on the architectures whose JITs allow it
 * (x86-64, arm64: CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS), never on the
 * stack, so these are for packet pointers only. Host: memcpy, which the
 * compiler turns into the same load, without a misaligned pointer (UBSan).
 */
#if defined(__bpf__)
#define RX_LOADU(type, p) (*(const type *)(const void *)(p))
#define RX_STOREU(type, p, v) (*(type *)(void *)(p) = (v))
#else
#define RX_LOADU(type, p)                                                      \
	({                                                                     \
		type v__;                                                      \
		__builtin_memcpy(&v__, (p), sizeof(v__));                      \
		v__;                                                           \
	})
#define RX_STOREU(type, p, v)                                                  \
	do {                                                                   \
		type v__ = (v);                                                \
		__builtin_memcpy((p), &v__, sizeof(v__));                      \
	} while (0)
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RX_NTOH16(v) __builtin_bswap16(v)
#define RX_NTOH32(v) __builtin_bswap32(v)
#define RX_NTOH64(v) __builtin_bswap64(v)
#else
#define RX_NTOH16(v) (v)
#define RX_NTOH32(v) (v)
#define RX_NTOH64(v) (v)
#endif

RX_INLINE __u16 rx_pkt16(const __u8 *p)
{
	return RX_NTOH16(RX_LOADU(__u16, p));
}

RX_INLINE __u32 rx_pkt32(const __u8 *p)
{
	return RX_NTOH32(RX_LOADU(__u32, p));
}

/*
 * n bytes (a constant, a multiple of 2) of packet data into a field of
 * struct rx_pkt: word copies, not the byte copies clang makes of a memcpy
 * from a pointer of unknown alignment in BPF.
 */
RX_INLINE void rx_pkt_copy(void *dst, const __u8 *src, const __u32 n)
{
	__u8 *d = dst;
	__u32 i;

	if (n % 4 == 0) {
		RX_UNROLL
		for (i = 0; i < n; i += 4)
			RX_STOREU(__u32, d + i, RX_LOADU(__u32, src + i));
	} else {
		RX_UNROLL
		for (i = 0; i < n; i += 2)
			RX_STOREU(__u16, d + i, RX_LOADU(__u16, src + i));
	}
}

RX_INLINE int rx_is_vlan_tpid(__u16 t)
{
	return t == RX_ETH_P_8021Q || t == RX_ETH_P_8021AD || t == RX_ETH_P_QINQ1;
}

/*
 * Up to RX_VLAN_MAX 802.1Q/802.1ad tags from the cursor, the first one
 * announced by type (the EtherType after the link header). A tag beyond the
 * maximum stops decoding with vlan_too_deep: what follows it is not looked
 * at, so a deep stack cannot hide a payload from the counters under a wrong
 * protocol.
 */
RX_INLINE int rx_parse_vlans(struct rx_cursor *c, struct rx_pkt *pkt, __u16 type)
{
	const __u8 *p = c->pos;
	int i;

RX_UNROLL
	for (i = 0; i < RX_VLAN_MAX; i++) {
		if (!rx_is_vlan_tpid(type))
			break;
		if (p + 4 > c->end)
			return RX_REASON_TRUNC_VLAN;
		pkt->vlan[i].tpid = type;
		pkt->vlan[i].tci = rx_pkt16(p);
		pkt->vlan_n = i + 1;
		pkt->layers |= RX_L_VLAN;
		type = rx_pkt16(p + 2);
		p += 4;
	}
	pkt->l3_type = type;
	c->pos = p;
	if (rx_is_vlan_tpid(type))
		return RX_REASON_VLAN_TOO_DEEP;
	return RX_REASON_OK;
}

/* Ethernet II (IEEE 802.3) and its VLAN tags. */
RX_INLINE int rx_parse_eth(struct rx_cursor *c, struct rx_pkt *pkt)
{
	const __u8 *p = c->pos;
	__u16 type;

	if (p + 14 > c->end)
		return RX_REASON_TRUNC_ETH;
	rx_pkt_copy(pkt->eth_dst, p, 6);
	rx_pkt_copy(pkt->eth_src, p + 6, 6);
	type = rx_pkt16(p + 12);
	pkt->eth_type = type;
	pkt->layers |= RX_L_ETH;
	c->pos = p + 14;
	return rx_parse_vlans(c, pkt, type);
}

/*
 * The link headers of capture files that do not start with Ethernet
 * (https://www.tcpdump.org/linktypes.html). None of them reaches a hook:
 * the native build decodes them, then goes on at the network layer they
 * name, with the decoders the hooks use.
 */
#define RX_SLL_HDR_LEN 16  /* LINKTYPE_LINUX_SLL */
#define RX_SLL2_HDR_LEN 20 /* LINKTYPE_LINUX_SLL2 */
#define RX_NULL_HDR_LEN 4  /* LINKTYPE_NULL, LINKTYPE_LOOP */
#define RX_SLL_ADDR_MAX 8  /* address bytes either SLL header holds */

/* BSD address families of the loopback headers (LINKTYPE_NULL, LINKTYPE_LOOP). */
#define RX_BSD_AF_INET 2
#define RX_BSD_AF_INET6_BSD 24     /* NetBSD, OpenBSD, BSD/OS */
#define RX_BSD_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly BSD */
#define RX_BSD_AF_INET6_DARWIN 30  /* macOS, iOS */

/*
 * The protocol field of an SLL header: below 0x0600 a Linux LINUX_SLL_P_*
 * value (802.2 LLC, CAN, ...), from 0x0600 an EtherType, which may
 * announce VLAN tags (libpcap puts back the tag the kernel took off).
 */
RX_INLINE int rx_sll_proto(struct rx_cursor *c, struct rx_pkt *pkt, __u16 proto)
{
	pkt->sll_proto = proto;
	pkt->layers |= RX_L_LINK;
	if (proto < 0x0600)
		return RX_REASON_OK; /* l3_type stays 0: not IP */
	return rx_parse_vlans(c, pkt, proto);
}

/*
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL): packet type, ARPHRD_ type,
 * address length, 8 address bytes, protocol; all in network order.
 */
RX_INLINE int rx_parse_sll(struct rx_cursor *c, struct rx_pkt *pkt)
{
	const __u8 *p = c->pos;

	if (p + RX_SLL_HDR_LEN > c->end)
		return RX_REASON_TRUNC_LINK;
	pkt->sll_pkttype = rx_pkt16(p);
	pkt->sll_hatype = rx_pkt16(p + 2);
	pkt->sll_halen = rx_pkt16(p + 4) > 0xff ? 0xff : (__u8)rx_pkt16(p + 4);
	rx_pkt_copy(pkt->sll_addr, p + 6, RX_SLL_ADDR_MAX);
	c->pos = p + RX_SLL_HDR_LEN;
	return rx_sll_proto(c, pkt, rx_pkt16(p + 14));
}

/*
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, what `tcpdump -i any`
 * writes): protocol, 2 reserved bytes, interface index, ARPHRD_ type,
 * packet type, address length, 8 address bytes.
 */
RX_INLINE int rx_parse_sll2(struct rx_cursor *c, struct rx_pkt *pkt)
{
	const __u8 *p = c->pos;

	if (p + RX_SLL2_HDR_LEN > c->end)
		return RX_REASON_TRUNC_LINK;
	pkt->link_ifindex = rx_pkt32(p + 4);
	pkt->sll_hatype = rx_pkt16(p + 8);
	pkt->sll_pkttype = p[10];
	pkt->sll_halen = p[11];
	rx_pkt_copy(pkt->sll_addr, p + 12, RX_SLL_ADDR_MAX);
	c->pos = p + RX_SLL2_HDR_LEN;
	return rx_sll_proto(c, pkt, rx_pkt16(p));
}

/*
 * The loopback headers: a 4-byte BSD address family, in the byte order of
 * the host that wrote the file (LINKTYPE_NULL) or in network order
 * (LINKTYPE_LOOP). A NULL family with bits in its upper half was written
 * on a host of the other byte order (families are small), and is read
 * swapped, as tshark reads it. LOOP's is never swapped (tshark's reading,
 * and libpcap's filters': a byte-swapped LOOP family is not IP).
 */
RX_INLINE int rx_parse_null(struct rx_cursor *c, struct rx_pkt *pkt, __u32 link)
{
	const __u8 *p = c->pos;
	__u32 fam;

	if (p + RX_NULL_HDR_LEN > c->end)
		return RX_REASON_TRUNC_LINK;
	fam = rx_pkt32(p);
	if (link == RX_LINK_NULL) {
		fam = __builtin_bswap32(fam); /* little-endian writers, the usual case */
		if (fam & 0xffff0000)
			fam = __builtin_bswap32(fam);
	}
	pkt->link_family = fam;
	pkt->layers |= RX_L_LINK;
	c->pos = p + RX_NULL_HDR_LEN;
	if (fam == RX_BSD_AF_INET)
		pkt->l3_type = RX_ETH_P_IP;
	else if (fam == RX_BSD_AF_INET6_BSD || fam == RX_BSD_AF_INET6_FREEBSD ||
		 fam == RX_BSD_AF_INET6_DARWIN)
		pkt->l3_type = RX_ETH_P_IPV6;
	return RX_REASON_OK; /* any other family: l3_type 0, not IP */
}

/* The length of the link header pkt's frame starts with (0: raw IP). */
RX_INLINE __u32 rx_link_hdr_len(const struct rx_pkt *pkt)
{
	switch (pkt->link) {
	case RX_LINK_ETH:
		return 14;
	case RX_LINK_SLL:
		return RX_SLL_HDR_LEN;
	case RX_LINK_SLL2:
		return RX_SLL2_HDR_LEN;
	case RX_LINK_NULL:
	case RX_LINK_LOOP:
		return RX_NULL_HDR_LEN;
	default:
		return 0;
	}
}

/*
 * The link layer of a frame that does not start with Ethernet: decode its
 * header and leave the cursor and l3_type where the network layer starts,
 * as rx_parse_eth() leaves them. Raw IP has no header: the version nibble
 * (LINKTYPE_RAW) or the link type itself names the protocol.
 */
RX_INLINE int rx_parse_link(struct rx_cursor *c, struct rx_pkt *pkt, __u32 link)
{
	pkt->link = (__u8)link;
	switch (link) {
	case RX_LINK_SLL:
		return rx_parse_sll(c, pkt);
	case RX_LINK_SLL2:
		return rx_parse_sll2(c, pkt);
	case RX_LINK_NULL:
	case RX_LINK_LOOP:
		return rx_parse_null(c, pkt, link);
	case RX_LINK_RAW:
		if (c->pos + 1 > c->end)
			return RX_REASON_TRUNC_LINK;
		if (c->pos[0] >> 4 == 4)
			pkt->l3_type = RX_ETH_P_IP;
		else if (c->pos[0] >> 4 == 6)
			pkt->l3_type = RX_ETH_P_IPV6;
		return RX_REASON_OK;
	case RX_LINK_IPV4:
		pkt->l3_type = RX_ETH_P_IP;
		return RX_REASON_OK;
	case RX_LINK_IPV6:
		pkt->l3_type = RX_ETH_P_IPV6;
		return RX_REASON_OK;
	default:
		return RX_REASON_NOT_IP;
	}
}

/*
 * Option walks (IPv4 and TCP). The option bytes, at most 40, are first
 * copied into a buffer, then walked one option per step of rx_shim_loop(),
 * which is bpf_loop() in BPF: an open-coded 40-step walk over packet
 * pointers, with an unknown length per step, explodes the verifier's state
 * space past its 1M-instruction limit, while a callback over a fixed buffer
 * is verified once.
 */
/* bpf_loop()'s context must live on the stack: it only points at the work. */
struct rx_optctx {
	struct rx_work *work;
	struct rx_env *env;
	/*
	 * A constant per program: the verifier sees it through the stack and
	 * explores only the load-bytes helper of the program's own type.
	 */
	__u32 hook;
	__u32 pad;
};

#define RX_OPT_BYTE(w, i) ((w)->buf[(i) & RX_OPT_WALK_MASK])

RX_INLINE __u32 rx_opt_get32(const struct rx_optwalk *w, __u32 i)
{
	return (__u32)RX_OPT_BYTE(w, i) << 24 | (__u32)RX_OPT_BYTE(w, i + 1) << 16 |
	       (__u32)RX_OPT_BYTE(w, i + 2) << 8 | RX_OPT_BYTE(w, i + 3);
}

/*
 * Copy optlen (1..40) option bytes at frame offset off and walk them with
 * step(). Returns the walk's reason.
 */
RX_INLINE int rx_optwalk(struct rx_cursor *c, struct rx_work *wk, __u32 off, __u32 optlen,
			 long (*step)(__u64, void *))
{
	struct rx_optwalk *w = &wk->opt;
	struct rx_optctx ctx = { .work = wk, .env = c->env, .hook = c->hook };

	if (optlen < 1 || optlen > RX_TCP_OPT_WALK)
		return RX_REASON_OK;
	w->off = 0;
	w->len = optlen;
	w->reason = RX_REASON_OK;
	w->count = 0;
	if (rx_shim_load_bytes(c->env, c->hook, off, w->buf, optlen, sizeof(w->buf)))
		return RX_REASON_OK; /* cannot happen: the caller checked the bounds */
	rx_shim_loop(RX_TCP_OPT_WALK, step, &ctx);
	return (int)w->reason;
}

/* IPv4 option types (RFC 791 section 3.1) of one byte; every other has a length. */
#define RX_IPOPT_EOL 0 /* end of option list */
#define RX_IPOPT_NOP 1 /* no operation */

/* One IPv4 option (RFC 791 section 3.1) at w->off; returns 1 to stop. */
static long rx_ip_opt_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_optwalk *w = &wk->opt;
	__u32 off = w->off, len = 1, n = w->count;
	__u8 type;

	if (off >= w->len || off >= RX_IP_OPT_WALK)
		return 1;
	type = RX_OPT_BYTE(w, off);
	if (type > RX_IPOPT_NOP) {
		if (off + 2 > w->len)
			goto bad;
		len = RX_OPT_BYTE(w, off + 1);
		if (len < 2 || off + len > w->len)
			goto bad;
	}
	if (n < RX_IPOPT_MAX) {
		wk->pkt.ipopt[n].type = type;
		wk->pkt.ipopt[n].len = (__u8)len;
		wk->pkt.ipopt_n = (__u8)(n + 1);
		w->count = n + 1;
	}
	if (type == RX_IPOPT_EOL)
		return 1;
	w->off = off + len;
	return 0;
bad:
	w->reason = RX_REASON_BAD_IPV4_OPT;
	return 1;
}

/*
 * The length an IP header states (IPv4 total length, IPv6 payload length),
 * counted from frame offset from. BIG TCP (IPv4 since Linux 6.3, IPv6 since
 * 5.19): a GRO or GSO packet past 64 KiB carries 0 there (IPv6: and no jumbo
 * option), and its length is the packet's from that offset on, as the
 * kernel's iph_totlen() infers it. Only a packet too long for the field is
 * read so: a short one that states 0 stays malformed.
 */
RX_INLINE __u32 rx_big_tcp_len(const struct rx_pkt *pkt, __u32 stated, __u32 from)
{
	if (stated == 0 && pkt->wire_len > from && pkt->wire_len - from > 0xffff)
		return pkt->wire_len - from;
	return stated;
}

/* IPv4 (RFC 791). On OK, *l4_len is the L4 length the header states. */
RX_INLINE int rx_parse_ipv4(struct rx_cursor *c, struct rx_work *wk, __u32 *l4_len)
{
	struct rx_pkt *pkt = &wk->pkt;
	const __u8 *p = c->pos;
	__u32 hl, tot;
	int r;

	if (p + 20 > c->end)
		return RX_REASON_TRUNC_IPV4;
	hl = (p[0] & 0xf) * 4;
	if (p[0] >> 4 != 4 || hl < 20)
		return RX_REASON_BAD_IPV4;
	if (p + hl > c->end)
		return RX_REASON_TRUNC_IPV4;
	pkt->l3_off = (__u16)(p - c->start);
	pkt->ip_hl = hl;
	pkt->ip_tos = p[1];
	pkt->ip_len = rx_pkt16(p + 2);
	pkt->ip_id = rx_pkt16(p + 4);
	pkt->ip_frag = rx_pkt16(p + 6);
	pkt->ip_ttl = p[8];
	pkt->ip_proto = p[9];
	pkt->l4_nxt = p[9];
	pkt->ip_csum = rx_pkt16(p + 10);
	rx_pkt_copy(&pkt->ip_src, p + 12, 4);
	rx_pkt_copy(&pkt->ip_dst, p + 16, 4);
	pkt->layers |= RX_L_IPV4;
	pkt->proto = RX_PROTO_IPV4;

	if (hl > 20) {
		r = rx_optwalk(c, wk, (__u32)(p - c->start) + 20, hl - 20, rx_ip_opt_step);
		if (r != RX_REASON_OK)
			return r;
	}
	/* where L4 (or a fragment's data) starts, even when it is not decoded */
	pkt->l4_off = pkt->l3_off + (__u16)hl;
	tot = rx_big_tcp_len(pkt, pkt->ip_len, pkt->l3_off);
	if (tot < hl)
		return RX_REASON_BAD_IPV4;
	if (pkt->ip_frag & RX_IP_OFFMASK)
		return RX_REASON_IP_FRAGMENT;
	*l4_len = tot - hl;
	c->pos = p + hl;
	return RX_REASON_OK;
}

RX_INLINE int rx_is_ip6ext(__u8 nxt)
{
	return nxt == RX_IPPROTO_HOPOPTS || nxt == RX_IPPROTO_ROUTING ||
	       nxt == RX_IPPROTO_FRAGMENT || nxt == RX_IPPROTO_DSTOPTS || nxt == RX_IPPROTO_AH;
}

/*
 * One IPv6 extension header at frame offset w->off, next header w->nxt: hop-by-
 * hop, routing, fragment, destination options (RFC 8200 section 4) and AH
 * (RFC 4302). Returns 1 to stop. Like the option walks, the position lives
 * in the work area so the verifier sees one state per step, not one per
 * combination of header lengths; the header bytes come in by load_bytes.
 */
RX_INLINE long rx_ip6ext_step(__u64 index, void *ctx, const __u32 hook)
{
	struct rx_optctx *oc = ctx;
	struct rx_work *wk = oc->work;
	struct rx_optwalk *w = &wk->opt;
	struct rx_pkt *pkt = &wk->pkt;
	__u32 off = w->off, i = (__u32)index, len;
	__u8 nxt = (__u8)w->nxt;

	if (!rx_is_ip6ext(nxt))
		return 1;
	if (i >= RX_IP6EXT_MAX) {
		w->reason = RX_REASON_IPV6_EXT_TOO_DEEP;
		return 1;
	}
	if (off > RX_HDR_OFF_MAX || off + 8 > pkt->cap_len ||
	    rx_shim_load_bytes(oc->env, hook, off, w->buf, 8, sizeof(w->buf))) {
		w->reason = RX_REASON_TRUNC_IPV6_EXT;
		return 1;
	}
	if (nxt == RX_IPPROTO_FRAGMENT) {
		len = 8;
		pkt->ip6_frag = (__u16)(w->buf[2] << 8 | w->buf[3]);
		pkt->ip6_frag_id = rx_opt_get32(w, 4);
		pkt->layers |= RX_L_IP6FRAG;
	} else if (nxt == RX_IPPROTO_AH) {
		len = ((__u32)w->buf[1] + 2) * 4;
	} else {
		len = ((__u32)w->buf[1] + 1) * 8;
	}
	if (off + len > pkt->cap_len) {
		w->reason = RX_REASON_TRUNC_IPV6_EXT;
		return 1;
	}
	pkt->ip6ext[i & (RX_IP6EXT_MAX - 1)].type = nxt;
	pkt->ip6ext[i & (RX_IP6EXT_MAX - 1)].len = (__u16)len;
	pkt->ip6ext_n = (__u8)(i + 1);
	w->nxt = w->buf[0];
	w->off = off + len;
	/* after a non-first fragment's header comes payload, not more headers */
	if (nxt == RX_IPPROTO_FRAGMENT && (pkt->ip6_frag & RX_IP6F_OFFMASK))
		return 1;
	return 0;
}

/*
 * The step with the hook as a constant of its own, one callback per kind of
 * hook: a callback that read the hook from its context would leave the
 * verifier of 6.1 unsure which load-bytes helper it calls, and it refuses
 * the other program type's ("unknown func bpf_skb_load_bytes" in XDP).
 */
static long rx_ip6ext_step_xdp(__u64 index, void *ctx)
{
	return rx_ip6ext_step(index, ctx, RX_HOOK_XDP);
}

static long rx_ip6ext_step_skb(__u64 index, void *ctx)
{
	return rx_ip6ext_step(index, ctx, RX_HOOK_TC_INGRESS); /* (egress: the same helper) */
}

#define RX_IP6EXT_FAST 3 /* extension headers read in place before the walk takes over */

/*
 * Up to RX_IP6EXT_FAST extension headers read in place from the packet, as
 * rx_ip6ext_step() reads them, without its copy and callback per header:
 * the chains seen in practice (a hop-by-hop router alert for MLD, a
 * fragment header, a routing header and destination options). Returns 1
 * when the chain ended within them, with the walk's fields and position
 * (w->nxt, w->off) set; 0 for the walk to decide, from the first header
 * again: a longer chain, or a header the frame does not hold (the walk
 * names the truncation). What was written by then, the walk writes again
 * with the same values. off: the first header's frame offset.
 */
RX_INLINE int rx_ip6ext_fast(const struct rx_cursor *c, struct rx_work *wk, __u32 off, __u8 nxt)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_optwalk *w = &wk->opt;
	const __u8 *e;
	__u64 at;
	__u32 i, len;
	__u8 type;

	RX_UNROLL
	for (i = 0; i < RX_IP6EXT_FAST; i++) {
		at = off;
		RX_BARRIER_VAR(at); /* test and use the very same register (6.1) */
		if (at > RX_HDR_OFF_MAX)
			return 0;
		e = c->start + at;
		if (e + 8 > c->end)
			return 0;
		type = nxt;
		if (type == RX_IPPROTO_FRAGMENT)
			len = 8;
		else if (type == RX_IPPROTO_AH)
			len = ((__u32)e[1] + 2) * 4;
		else
			len = ((__u32)e[1] + 1) * 8;
		if (off + len > pkt->cap_len)
			return 0;
		if (type == RX_IPPROTO_FRAGMENT) {
			pkt->ip6_frag = rx_pkt16(e + 2);
			pkt->ip6_frag_id = rx_pkt32(e + 4);
			pkt->layers |= RX_L_IP6FRAG;
		}
		pkt->ip6ext[i].type = type;
		pkt->ip6ext[i].len = (__u16)len;
		pkt->ip6ext_n = (__u8)(i + 1);
		nxt = e[0];
		off += len;
		/* after a non-first fragment's header comes payload, not more headers */
		if (!rx_is_ip6ext(nxt) ||
		    (type == RX_IPPROTO_FRAGMENT && (pkt->ip6_frag & RX_IP6F_OFFMASK))) {
			w->nxt = nxt;
			w->off = off;
			return 1;
		}
	}
	return 0;
}

/* IPv6 (RFC 8200) and at most RX_IP6EXT_MAX extension headers. */
RX_INLINE int rx_parse_ipv6(struct rx_cursor *c, struct rx_work *wk, __u32 *l4_len)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_optwalk *w = &wk->opt;
	struct rx_optctx ctx = { .work = wk, .env = c->env, .hook = c->hook };
	const __u8 *p = c->pos;
	__u32 off, ext_bytes, plen;
	__u64 l4_off;

	if (p + 40 > c->end)
		return RX_REASON_TRUNC_IPV6;
	if (p[0] >> 4 != 6)
		return RX_REASON_BAD_IPV6;
	off = (__u32)(p - c->start);
	pkt->l3_off = (__u16)off;
	pkt->ip6_tclass = (__u8)(rx_pkt16(p) >> 4);
	pkt->ip6_flow = rx_pkt32(p) & 0xfffff;
	pkt->ip6_plen = rx_pkt16(p + 4);
	pkt->ip6_nxt = p[6];
	pkt->ip6_hlim = p[7];
	rx_pkt_copy(pkt->ip6_src, p + 8, 16);
	rx_pkt_copy(pkt->ip6_dst, p + 24, 16);
	pkt->layers |= RX_L_IPV6;
	pkt->proto = RX_PROTO_IPV6;

	off += 40;
	w->off = off;
	w->nxt = p[6];
	w->reason = RX_REASON_OK;
	if (rx_is_ip6ext(p[6]) &&
	    !(RX_FAST_PATHS && rx_ip6ext_fast(c, wk, off, p[6]))) {
		/* one step more than the maximum, to tell "too deep" from "done" */
		rx_shim_loop(RX_IP6EXT_MAX + 1,
			     c->hook == RX_HOOK_XDP ? rx_ip6ext_step_xdp : rx_ip6ext_step_skb, &ctx);
		if (w->reason != RX_REASON_OK)
			return (int)w->reason;
	}
	pkt->l4_nxt = (__u8)w->nxt;
	pkt->l4_off = (__u16)w->off;
	ext_bytes = w->off - off;
	if ((pkt->layers & RX_L_IP6FRAG) && (pkt->ip6_frag & RX_IP6F_OFFMASK))
		return RX_REASON_IP_FRAGMENT;
	plen = rx_big_tcp_len(pkt, pkt->ip6_plen, off);
	if (plen < ext_bytes)
		return RX_REASON_BAD_IPV6;
	*l4_len = plen - ext_bytes;
	/*
	 * A fresh pointer from a bounded offset: the walk's position is unknown
	 * to the verifier, which gives a variable-offset packet pointer a range
	 * only while umax + fixed offset stays below 64 KiB (MAX_PACKET_OFF).
	 */
	l4_off = w->off;
	RX_BARRIER_VAR(l4_off); /* test and use the very same register */
	if (l4_off > RX_HDR_OFF_MAX)
		return RX_REASON_IPV6_EXT_TOO_LONG;
	c->pos = c->start + l4_off;
	return RX_REASON_OK;
}

/* TCP option kinds (RFC 9293 section 3.2, RFC 7323, RFC 2018), tcpdump's TCPOPT_*. */
#define RX_TCPOK_EOL 0       /* end of option list */
#define RX_TCPOK_NOP 1       /* no-operation */
#define RX_TCPOK_MSS 2       /* maximum segment size, length 4 */
#define RX_TCPOK_WSCALE 3    /* window scale, length 3 */
#define RX_TCPOK_SACK_PERM 4 /* SACK permitted, length 2 */
#define RX_TCPOK_SACK 5      /* SACK blocks, length 2 + 8n */
#define RX_TCPOK_TS 8        /* timestamps, length 10 */

/* One TCP option (MSS RFC 9293, wscale and TS RFC 7323, SACK RFC 2018); returns 1 to stop. */
static long rx_tcp_opt_step(__u64 index __attribute__((unused)), void *ctx)
{
	struct rx_work *wk = ((struct rx_optctx *)ctx)->work;
	struct rx_optwalk *w = &wk->opt;
	struct rx_pkt *pkt = &wk->pkt;
	__u32 off = w->off, len, j, n;
	__u8 kind;

	if (off >= w->len || off >= RX_TCP_OPT_WALK)
		return 1;
	kind = RX_OPT_BYTE(w, off);
	if (kind == RX_TCPOK_EOL)
		return 1;
	if (kind == RX_TCPOK_NOP) {
		w->off = off + 1;
		return 0;
	}
	if (off + 2 > w->len)
		goto bad;
	len = RX_OPT_BYTE(w, off + 1);
	if (len < 2 || off + len > w->len)
		goto bad;
	switch (kind) {
	case RX_TCPOK_MSS:
		if (len != 4)
			goto bad;
		pkt->tcp_mss = (__u16)(RX_OPT_BYTE(w, off + 2) << 8 | RX_OPT_BYTE(w, off + 3));
		pkt->tcp_optmask |= RX_TCPOPT_MSS;
		break;
	case RX_TCPOK_WSCALE:
		if (len != 3)
			goto bad;
		pkt->tcp_wscale = RX_OPT_BYTE(w, off + 2);
		pkt->tcp_optmask |= RX_TCPOPT_WSCALE;
		break;
	case RX_TCPOK_SACK_PERM:
		if (len != 2)
			goto bad;
		pkt->tcp_optmask |= RX_TCPOPT_SACK_PERM;
		break;
	case RX_TCPOK_SACK:
		if ((len - 2) % 8 != 0 || len > 2 + 8 * RX_SACK_MAX)
			goto bad;
		n = (len - 2) / 8;
		for (j = 0; j < RX_SACK_MAX; j++) {
			if (j >= n)
				break;
			pkt->sack[j][0] = rx_opt_get32(w, off + 2 + 8 * j);
			pkt->sack[j][1] = rx_opt_get32(w, off + 6 + 8 * j);
		}
		pkt->sack_n = n;
		pkt->tcp_optmask |= RX_TCPOPT_SACK;
		break;
	case RX_TCPOK_TS:
		if (len != 10)
			goto bad;
		pkt->tcp_tsval = rx_opt_get32(w, off + 2);
		pkt->tcp_tsecr = rx_opt_get32(w, off + 6);
		pkt->tcp_optmask |= RX_TCPOPT_TS;
		break;
	default:
		break;
	}
	w->off = off + len;
	return 0;
bad:
	w->reason = RX_REASON_BAD_TCP_OPT;
	return 1;
}

/*
 * Option words as the wire has them (RFC 9293 section 3.2, RFC 7323, RFC 2018):
 * kind, length, ... in network order; RX_TCPO_MSS and RX_TCPO_WS leave their
 * value bytes out (masks below).
 */
#define RX_TCPO_NOP_NOP_TS 0x0101080a   /* NOP, NOP, timestamps (kind 8, len 10) */
#define RX_TCPO_SACKP_TS 0x0402080a     /* SACK-permitted (kind 4, len 2), timestamps */
#define RX_TCPO_NOP_NOP_SACKP 0x01010402 /* NOP, NOP, SACK-permitted */
#define RX_TCPO_MSS 0x02040000          /* MSS (kind 2, len 4), value in the low half */
#define RX_TCPO_MSS_MASK 0xffff0000
#define RX_TCPO_NOP_WS 0x01030300       /* NOP, window scale (kind 3, len 3), shift in the low byte */
#define RX_TCPO_NOP_WS_MASK 0xffffff00

/*
 * The option layouts Linux writes (tcp_options_write(), net/ipv4/tcp_output.c),
 * recognised whole at fixed offsets of the packet and decoded in place: no
 * copy, no walk. Nearly every TCP segment carries one of them:
 *
 *   hl 32  NOP NOP TS                     every segment after the handshake
 *   hl 40  MSS SACK-perm TS NOP WS        SYN, SYN-ACK (NOP NOP in place of
 *                                         SACK-perm when SACK is off)
 *   hl 32  MSS NOP NOP SACK-perm NOP WS   SYN, SYN-ACK with timestamps off
 *
 * Returns 1 with exactly the fields rx_tcp_opt_step() would set from the
 * same bytes (pkt was zeroed: = is its |=), or 0 for anything else, even one
 * byte off, which the walk then decodes. p is the TCP header, hl its
 * length, and [p, p + hl) is in the frame (the caller checked).
 */
RX_INLINE int rx_tcp_opts_linux(const __u8 *p, const __u8 *end, __u32 hl, struct rx_pkt *pkt)
{
	const __u8 *o = p + 20;
	__u32 w0, w1;

	if (hl == 32 && p + 32 <= end) {
		w0 = rx_pkt32(o);
		if (w0 == RX_TCPO_NOP_NOP_TS) {
			pkt->tcp_tsval = rx_pkt32(o + 4);
			pkt->tcp_tsecr = rx_pkt32(o + 8);
			pkt->tcp_optmask = RX_TCPOPT_TS;
			return 1;
		}
		if ((w0 & RX_TCPO_MSS_MASK) != RX_TCPO_MSS ||
		    rx_pkt32(o + 4) != RX_TCPO_NOP_NOP_SACKP ||
		    (rx_pkt32(o + 8) & RX_TCPO_NOP_WS_MASK) != RX_TCPO_NOP_WS)
			return 0;
		pkt->tcp_mss = (__u16)w0;
		pkt->tcp_wscale = o[11];
		pkt->tcp_optmask = RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_WSCALE;
		return 1;
	}
	if (hl == 40 && p + 40 <= end) {
		w0 = rx_pkt32(o);
		w1 = rx_pkt32(o + 4);
		if ((w0 & RX_TCPO_MSS_MASK) != RX_TCPO_MSS ||
		    (w1 != RX_TCPO_SACKP_TS && w1 != RX_TCPO_NOP_NOP_TS) ||
		    (rx_pkt32(o + 16) & RX_TCPO_NOP_WS_MASK) != RX_TCPO_NOP_WS)
			return 0;
		pkt->tcp_mss = (__u16)w0;
		pkt->tcp_tsval = rx_pkt32(o + 8);
		pkt->tcp_tsecr = rx_pkt32(o + 12);
		pkt->tcp_wscale = o[19];
		pkt->tcp_optmask = RX_TCPOPT_MSS | RX_TCPOPT_TS | RX_TCPOPT_WSCALE |
				   (w1 == RX_TCPO_SACKP_TS ? RX_TCPOPT_SACK_PERM : 0);
		return 1;
	}
	return 0;
}

/*
 * The payload after a header ending at frame offset off: what the headers
 * state, but no more than the frame carried on the wire (tshark's tcp.len).
 */
RX_INLINE void rx_set_payload(struct rx_pkt *pkt, __u32 off, __u32 stated)
{
	if (pkt->wire_len < off)
		stated = 0;
	else if (stated > pkt->wire_len - off)
		stated = pkt->wire_len - off;
	pkt->payload_len = stated;
	pkt->layers |= RX_L_PAYLOAD;
}

/* TCP (RFC 9293) header, options and the payload length the IP header implies. */
RX_INLINE int rx_parse_tcp(struct rx_cursor *c, struct rx_work *wk, __u32 l4_len)
{
	struct rx_pkt *pkt = &wk->pkt;
	const __u8 *p = c->pos;
	__u32 hl;
	int r;

	/* the header must fit both in the bytes we have and in the IP datagram */
	if (p + 20 > c->end || l4_len < 20)
		return RX_REASON_TRUNC_TCP;
	hl = (p[12] >> 4) * 4;
	if (hl >= 20 && (p + hl > c->end || l4_len < hl))
		return RX_REASON_TRUNC_TCP;
	pkt->sport = rx_pkt16(p);
	pkt->dport = rx_pkt16(p + 2);
	pkt->tcp_seq = rx_pkt32(p + 4);
	pkt->tcp_ack = rx_pkt32(p + 8);
	pkt->tcp_hl = hl;
	pkt->tcp_flags = rx_pkt16(p + 12) & RX_TH_FLAGS;
	pkt->tcp_win = rx_pkt16(p + 14);
	pkt->tcp_csum = rx_pkt16(p + 16);
	pkt->tcp_urp = rx_pkt16(p + 18);
	pkt->layers |= RX_L_TCP;
	pkt->proto = RX_PROTO_TCP;
	if (hl < 20)
		return RX_REASON_BAD_TCP;
	/*
	 * 6.1's verifier carries a path that cannot happen out of the tests
	 * above (hl with umin 20 > umax 19) and then refuses the pointer math
	 * below ("math between pkt pointer and register with unbounded min
	 * value"): hl starts afresh from the register the mask bounds, 0..60.
	 */
	RX_BARRIER_VAR(hl);
	hl &= 0x3c;
	if (hl > 20 && !(RX_FAST_PATHS && rx_tcp_opts_linux(p, c->end, hl, pkt))) {
		r = rx_optwalk(c, wk, (__u32)(p - c->start) + 20, hl - 20, rx_tcp_opt_step);
		if (r != RX_REASON_OK)
			return r;
	}
	rx_set_payload(pkt, (__u32)(p - c->start) + hl, l4_len - hl);
	c->pos = p + hl;
	return RX_REASON_OK;
}

/* UDP (RFC 768). */
RX_INLINE int rx_parse_udp(struct rx_cursor *c, struct rx_pkt *pkt, __u32 l4_len, int first_frag)
{
	const __u8 *p = c->pos;

	if (p + 8 > c->end || l4_len < 8)
		return RX_REASON_TRUNC_UDP;
	pkt->sport = rx_pkt16(p);
	pkt->dport = rx_pkt16(p + 2);
	pkt->udp_len = rx_pkt16(p + 4);
	pkt->udp_csum = rx_pkt16(p + 6);
	pkt->layers |= RX_L_UDP;
	pkt->proto = RX_PROTO_UDP;
	if (pkt->udp_len < 8)
		return RX_REASON_BAD_UDP;
	pkt->payload_len = pkt->udp_len - 8;
	pkt->layers |= RX_L_PAYLOAD;
	c->pos = p + 8;
	/* the length must fit the datagram, unless the rest is in later fragments */
	if (pkt->udp_len > l4_len && !first_frag)
		return RX_REASON_BAD_UDP;
	return RX_REASON_OK;
}

/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): the 8-byte header only. An error
 * message quotes the offending packet; those inner layers belong to the
 * ICMP message and are deliberately not decoded as this packet's own.
 */
RX_INLINE int rx_parse_icmp(struct rx_cursor *c, struct rx_pkt *pkt, __u32 l4_len, int v6)
{
	const __u8 *p = c->pos;

	if (p + 8 > c->end || l4_len < 8)
		return RX_REASON_TRUNC_ICMP;
	pkt->icmp_type = p[0];
	pkt->icmp_code = p[1];
	pkt->icmp_csum = rx_pkt16(p + 2);
	pkt->icmp_rest = rx_pkt32(p + 4);
	pkt->layers |= v6 ? RX_L_ICMPV6 : RX_L_ICMP;
	pkt->proto = v6 ? RX_PROTO_ICMPV6 : RX_PROTO_ICMP;
	rx_set_payload(pkt, (__u32)(p - c->start) + 8, l4_len - 8);
	c->pos = p + 8;
	return RX_REASON_OK;
}

/* A first fragment (more fragments follow; non-first ones never reach L4). */
RX_INLINE int rx_first_fragment(const struct rx_pkt *pkt)
{
	return ((pkt->layers & RX_L_IPV4) && (pkt->ip_frag & RX_IP_MF)) ||
	       ((pkt->layers & RX_L_IP6FRAG) && (pkt->ip6_frag & RX_IP6F_MORE));
}

/*
 * Zero bytes [from, to) of pkt (constants, multiples of 4) in 8-byte stores,
 * a 4-byte one at an end not on 8. Volatile in BPF: clang otherwise makes
 * the run one memset at the first store's alignment, which it lowers to
 * 4-byte (or, through a byte pointer, 1-byte) stores.
 */
#if defined(__bpf__)
#define RX_ZERO(type, p) (*(volatile type *)(void *)(p) = 0)
#else
#define RX_ZERO(type, p) RX_STOREU(type, p, 0)
#endif

RX_INLINE void rx_pkt_zero(struct rx_pkt *pkt, const __u32 from, const __u32 to)
{
	__u8 *b = (__u8 *)pkt;
	__u32 i = from;

	if (i % 8 && i < to) {
		RX_ZERO(__u32, b + i);
		i += 4;
	}
	RX_UNROLL
	for (; i + 8 <= to; i += 8)
		RX_ZERO(__u64, b + i);
	if (i < to)
		RX_ZERO(__u32, b + i);
}

#define RX_PKT_ZERO(pkt, from, to)                                             \
	rx_pkt_zero(pkt, __builtin_offsetof(struct rx_pkt, from),              \
		    __builtin_offsetof(struct rx_pkt, to))

/*
 * Zero pkt for the next rx_parse(), as a memset of the whole struct would,
 * but skipping what the last decode into it cannot have written: the IPv4
 * option list, the IPv6 header and extension list, the SACK blocks. Each
 * is written only together with its mark (ipopt_n, RX_L_IPV6, ip6ext_n,
 * RX_TCPOPT_SACK), read here before they are cleared; the rest (108 bytes
 * of 360 for IPv4 TCP) is zeroed always. A third of the fixed cost per
 * packet was the full memset (issue 10).
 *
 * Only for a work area that started zeroed (a map value, struct rx_env)
 * and where nothing but rx_parse() writes the regions cleared on a mark
 * (ipopt, ip6_*, ip6ext, sack) or the marks: XDP's and TC's (the entries
 * and the guard write only fields cleared always). unit_parse
 * holds every decode to a fresh memset's (RX_PARSE_WALK_ONLY).
 */
RX_INLINE void rx_pkt_clear(struct rx_pkt *pkt)
{
	__u32 ip6 = pkt->layers & RX_L_IPV6, ipopt_n = pkt->ipopt_n, ip6ext_n = pkt->ip6ext_n;
	__u32 sack = pkt->tcp_optmask & RX_TCPOPT_SACK;

	RX_PKT_ZERO(pkt, ts_ns, ipopt); /* the frame, L2, offsets, IPv4 */
	if (ipopt_n)
		RX_PKT_ZERO(pkt, ipopt, ip6_src);
	if (ip6)
		RX_PKT_ZERO(pkt, ip6_src, ip6ext);
	else /* l4_nxt, which IPv4 sets too, and its neighbours */
		RX_PKT_ZERO(pkt, ip6_tclass, ip6_plen);
	if (ip6ext_n)
		RX_PKT_ZERO(pkt, ip6ext, sport);
	RX_PKT_ZERO(pkt, sport, sack);
	if (sack)
		RX_PKT_ZERO(pkt, sack, udp_len);
	rx_pkt_zero(pkt, __builtin_offsetof(struct rx_pkt, udp_len), sizeof(*pkt));
}

/*
 * Decode one frame [start, end) into wk->pkt (which the caller zeroed and
 * whose cap_len it set to end - start). hook must be the program's
 * constant, not a value read back from memory (see struct rx_optctx);
 * link (enum rx_link) too: the hooks pass RX_LINK_ETH, and the other link
 * layers' decoders are left out of their programs. Offsets in pkt count
 * from start, the link header included. Returns the parse outcome.
 */
RX_INLINE int rx_parse(struct rx_env *env, __u32 hook, struct rx_work *wk, const __u8 *start,
			const __u8 *end, __u32 link)
{
	struct rx_pkt *pkt = &wk->pkt;
	struct rx_cursor c = { .env = env, .hook = hook, .start = start, .pos = start, .end = end };
	__u32 l4_len = 0;
	int r;

	if (link == RX_LINK_ETH)
		r = rx_parse_eth(&c, pkt);
	else
		r = rx_parse_link(&c, pkt, link);
	if (r != RX_REASON_OK)
		return r;
	switch (pkt->l3_type) {
	case RX_ETH_P_IP:
		r = rx_parse_ipv4(&c, wk, &l4_len);
		break;
	case RX_ETH_P_IPV6:
		r = rx_parse_ipv6(&c, wk, &l4_len);
		break;
	case RX_ETH_P_ARP:
		pkt->proto = RX_PROTO_ARP;
		return RX_REASON_NOT_IP;
	default:
		return RX_REASON_NOT_IP;
	}
	if (r != RX_REASON_OK)
		return r;
	pkt->l4_off = (__u16)(c.pos - start);

	switch (pkt->l4_nxt) {
	case RX_IPPROTO_TCP:
		r = rx_parse_tcp(&c, wk, l4_len);
		break;
	case RX_IPPROTO_UDP:
		r = rx_parse_udp(&c, pkt, l4_len, rx_first_fragment(pkt));
		break;
	case RX_IPPROTO_ICMP:
		r = (pkt->layers & RX_L_IPV4) ? rx_parse_icmp(&c, pkt, l4_len, 0)
					      : RX_REASON_OTHER_L4;
		break;
	case RX_IPPROTO_ICMPV6:
		r = (pkt->layers & RX_L_IPV6) ? rx_parse_icmp(&c, pkt, l4_len, 1)
					      : RX_REASON_OTHER_L4;
		break;
	case RX_IPPROTO_NONE:
		return RX_REASON_OK;
	default:
		return RX_REASON_OTHER_L4;
	}
	/*
	 * A first fragment's TCP payload length is unknown without reassembly
	 * (tshark reports no tcp.len either); UDP's header states its own.
	 */
	if (pkt->proto == RX_PROTO_TCP && rx_first_fragment(pkt)) {
		pkt->layers &= ~RX_L_PAYLOAD;
		pkt->payload_len = 0;
	}
	if (r == RX_REASON_OK && (pkt->layers & RX_L_PAYLOAD))
		pkt->payload_off = (__u16)(c.pos - start);
	return r;
}

/* pkt's source into addr: IPv6, or IPv4 mapped (::ffff:a.b.c.d); addr is zero. */
RX_INLINE void rx_pkt_src16(const struct rx_pkt *pkt, __u8 *addr)
{
	if (pkt->layers & RX_L_IPV4) {
		addr[10] = 0xff;
		addr[11] = 0xff;
		__builtin_memcpy(&addr[12], &pkt->ip_src, 4);
	} else {
		__builtin_memcpy(addr, pkt->ip6_src, 16);
	}
}

#endif

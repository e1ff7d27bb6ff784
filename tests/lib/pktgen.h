/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pktgen: the one packet builder of rxray's C tests and benchmarks
 * (tests/unit, tests/bpf, bench/), in the spirit of Cilium's
 * bpf/tests/pktgen.h. Header only, host side only.
 *
 * A frame is built front to back into a caller's buffer, one layer a call:
 *
 *	struct pktgen g;
 *
 *	pktgen__init(&g, buf, sizeof(buf));
 *	pktgen__eth(&g, dst, src, ETH_P_IP);
 *	pktgen__vlan(&g, ETH_P_8021Q, 100);          (optional, any number)
 *	pktgen__ipv4(&g, saddr, daddr, IPPROTO_TCP, PKTGEN_DF, NULL, 0);
 *	pktgen__tcp(&g, 50000, 80, seq, ack, PKTGEN_TH_ACK, 0xfaf0, opts, optlen);
 *	pktgen__put(&g, payload, n);
 *	len = pktgen__done(&g);
 *
 * Every write is bounds-checked: nothing is written past the buffer. The
 * first write that does not fit sets g.err to -ENOSPC (a bad argument, such
 * as options that are not a multiple of 4 bytes, to -EINVAL); from then on
 * every call writes nothing, and pktgen__done() returns g.err. pktgen__done() fills what depends on what
 * follows a header: IPv4 total length and header checksum, IPv6 payload
 * length, UDP length. Checksums over data (TCP, UDP) are left 0 unless
 * pktgen__tcp_csum() is called: the datapath does not verify them.
 *
 * Fixed fields, the same in every frame: IPv4 TOS 0, id 0x1234, TTL 64;
 * IPv6 traffic class and flow label 0, hop limit 64; TCP urgent pointer 0;
 * UDP checksum 0. Multi-byte fields are written in network byte order.
 */
#ifndef RX_TESTS_PKTGEN_H
#define RX_TESTS_PKTGEN_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

/* TCP flags (RFC 9293 section 3.1) */
#define PKTGEN_TH_FIN 0x01
#define PKTGEN_TH_SYN 0x02
#define PKTGEN_TH_RST 0x04
#define PKTGEN_TH_PSH 0x08
#define PKTGEN_TH_ACK 0x10

/* IPv4 flags and fragment offset field (RFC 791): don't fragment, more fragments */
#define PKTGEN_DF 0x4000
#define PKTGEN_MF 0x2000

struct pktgen {
	uint8_t *buf;
	uint32_t cap;  /* bytes of buf */
	uint32_t len;  /* bytes written */
	uint32_t l3;   /* offset of the IP header */
	uint32_t l4;   /* offset of the L4 header (TCP, UDP) */
	uint32_t pl;   /* offset of the L4 payload */
	uint8_t ipv;   /* 4 or 6 once an IP header is written */
	uint8_t l4proto; /* IPPROTO_TCP or IPPROTO_UDP once an L4 header is written */
	int err;       /* 0, or -ENOSPC once a write did not fit */
};

static inline void pktgen__init(struct pktgen *g, void *buf, uint32_t cap)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->cap = cap;
}

/* n bytes of src (zeros if src is NULL) at the end of the frame. */
static inline void pktgen__put(struct pktgen *g, const void *src, uint32_t n)
{
	if (g->err || n > g->cap - g->len) {
		g->err = -ENOSPC;
		return;
	}
	if (src)
		memcpy(g->buf + g->len, src, n);
	else
		memset(g->buf + g->len, 0, n);
	g->len += n;
}

/* Overwrite a 16-bit or 32-bit field already written, at offset off. */
static inline void pktgen__set16(struct pktgen *g, uint32_t off, uint16_t v)
{
	if (g->err || off > g->len || g->len - off < 2) {
		g->err = -ENOSPC;
		return;
	}
	g->buf[off] = (uint8_t)(v >> 8);
	g->buf[off + 1] = (uint8_t)v;
}

static inline void pktgen__set32(struct pktgen *g, uint32_t off, uint32_t v)
{
	pktgen__set16(g, off, (uint16_t)(v >> 16));
	pktgen__set16(g, off + 2, (uint16_t)v);
}

static inline void pktgen__put16(struct pktgen *g, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	pktgen__put(g, b, sizeof(b));
}

/* Ethernet II (IEEE 802.3) header. */
static inline void pktgen__eth(struct pktgen *g, const uint8_t dst[6], const uint8_t src[6],
			       uint16_t type)
{
	pktgen__put(g, dst, 6);
	pktgen__put(g, src, 6);
	pktgen__put16(g, type);
}

/*
 * A VLAN tag (IEEE 802.1Q / 802.1ad: TPID, then PCP, DEI and VID in tci)
 * inserted before the EtherType just written: call after pktgen__eth(), or
 * after another tag (the outermost tag first).
 */
static inline void pktgen__vlan(struct pktgen *g, uint16_t tpid, uint16_t tci)
{
	uint16_t type;

	if (g->err || g->len < 14) {
		g->err = g->err ?: -EINVAL;
		return;
	}
	type = (uint16_t)(g->buf[g->len - 2] << 8 | g->buf[g->len - 1]);
	pktgen__set16(g, g->len - 2, tpid);
	pktgen__put16(g, tci);
	pktgen__put16(g, type);
}

/* The ones' complement sum of RFC 1071, carried on from sum, not folded. */
static inline uint32_t pktgen__sum(const uint8_t *b, uint32_t n, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static inline uint16_t pktgen__fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * IPv4 header (RFC 791) with optlen bytes of options (a multiple of 4, at
 * most 40); frag is the flags and fragment offset field (PKTGEN_DF, or
 * PKTGEN_MF | offset / 8). Length and checksum are set by pktgen__done().
 */
static inline void pktgen__ipv4(struct pktgen *g, const uint8_t saddr[4], const uint8_t daddr[4],
				uint8_t proto, uint16_t frag, const void *opts, uint32_t optlen)
{
	uint8_t h[20] = { (uint8_t)(0x40 | (20 + optlen) / 4), 0, 0, 0, 0x12, 0x34,
			  (uint8_t)(frag >> 8), (uint8_t)frag, 64, proto };

	if (optlen % 4 || optlen > 40) {
		g->err = g->err ?: -EINVAL;
		return;
	}
	memcpy(h + 12, saddr, 4);
	memcpy(h + 16, daddr, 4);
	g->l3 = g->len;
	g->ipv = 4;
	pktgen__put(g, h, sizeof(h));
	if (optlen)
		pktgen__put(g, opts, optlen);
	g->l4 = g->pl = g->len;
}

/* IPv6 fixed header (RFC 8200); the payload length is set by pktgen__done(). */
static inline void pktgen__ipv6(struct pktgen *g, const uint8_t saddr[16], const uint8_t daddr[16],
				uint8_t nxt)
{
	uint8_t h[8] = { 0x60, 0, 0, 0, 0, 0, nxt, 64 };

	g->l3 = g->len;
	g->ipv = 6;
	pktgen__put(g, h, sizeof(h));
	pktgen__put(g, saddr, 16);
	pktgen__put(g, daddr, 16);
	g->l4 = g->pl = g->len;
}

/*
 * An IPv6 extension header (RFC 8200 section 4), given whole: n bytes,
 * its first byte the next header. The L4 header follows it.
 */
static inline void pktgen__ip6ext(struct pktgen *g, const void *ext, uint32_t n)
{
	pktgen__put(g, ext, n);
	g->l4 = g->pl = g->len;
}

/* TCP header (RFC 9293) with optlen bytes of options (a multiple of 4, at most 40). */
static inline void pktgen__tcp(struct pktgen *g, uint16_t sport, uint16_t dport, uint32_t seq,
			       uint32_t ack, uint8_t flags, uint16_t win, const void *opts,
			       uint32_t optlen)
{
	uint8_t h[20] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			  (uint8_t)dport, 0, 0, 0, 0, 0, 0, 0, 0,
			  (uint8_t)((20 + optlen) / 4 << 4), flags, (uint8_t)(win >> 8), (uint8_t)win };

	if (optlen % 4 || optlen > 40) {
		g->err = g->err ?: -EINVAL;
		return;
	}
	g->l4 = g->len;
	g->l4proto = IPPROTO_TCP;
	pktgen__put(g, h, sizeof(h));
	pktgen__set32(g, g->l4 + 4, seq);
	pktgen__set32(g, g->l4 + 8, ack);
	if (optlen)
		pktgen__put(g, opts, optlen);
	g->pl = g->len;
}

/* UDP header (RFC 768); its length is set by pktgen__done(), the checksum left 0. */
static inline void pktgen__udp(struct pktgen *g, uint16_t sport, uint16_t dport)
{
	g->l4 = g->len;
	g->l4proto = IPPROTO_UDP;
	pktgen__put16(g, sport);
	pktgen__put16(g, dport);
	pktgen__put(g, NULL, 4);
	g->pl = g->len;
}

/*
 * The lengths that depend on what follows a header, and the IPv4 header
 * checksum. Returns the frame's length, or g->err.
 */
static inline int pktgen__done(struct pktgen *g)
{
	uint32_t ihl;

	if (g->err)
		return g->err;
	if (g->ipv == 4) {
		ihl = (g->buf[g->l3] & 0xf) * 4u;
		pktgen__set16(g, g->l3 + 2, (uint16_t)(g->len - g->l3));
		pktgen__set16(g, g->l3 + 10, 0);
		pktgen__set16(g, g->l3 + 10, pktgen__fold(pktgen__sum(g->buf + g->l3, ihl, 0)));
	} else if (g->ipv == 6) {
		pktgen__set16(g, g->l3 + 4, (uint16_t)(g->len - g->l3 - 40));
	}
	if (g->l4proto == IPPROTO_UDP)
		pktgen__set16(g, g->l4 + 4, (uint16_t)(g->len - g->l4));
	return g->err ?: (int)g->len;
}

/*
 * The TCP checksum of an IPv4 frame (pseudo-header of RFC 9293 section
 * 3.1), after pktgen__done() and after any change to the TCP segment.
 */
static inline void pktgen__tcp_csum(struct pktgen *g)
{
	uint32_t tl = g->len - g->l4, sum;

	if (g->ipv != 4 || g->l4proto != IPPROTO_TCP) {
		g->err = g->err ?: -EINVAL;
		return;
	}
	pktgen__set16(g, g->l4 + 16, 0);
	sum = pktgen__sum(g->buf + g->l3 + 12, 8, 0) + IPPROTO_TCP + tl;
	pktgen__set16(g, g->l4 + 16, pktgen__fold(pktgen__sum(g->buf + g->l4, tl, sum)));
}

#endif /* RX_TESTS_PKTGEN_H */

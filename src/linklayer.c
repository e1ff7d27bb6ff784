// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Link-layer fields of capture records from files that are not Ethernet:
 * see linklayer.h. The datapath decoded them (datapath/parse.h,
 * rx_parse_link); this only says them.
 */
#include <arpa/inet.h>
#include "linklayer.h"

#define HAS_LINK(pkt) (((pkt)->layers & RX_L_LINK) != 0)
#define RX_ARPHRD_IPGRE 778 /* GRE over IP: tshark reads a 4-byte address as IPv4 */

/* PACKET_HOST ... PACKET_OUTGOING (linux/if_packet.h): tcpdump's word, our name. */
static const char *const pkttype_short[] = { "In", "B", "M", "P", "Out" };
static const char *const pkttype_name[] = { "host", "broadcast", "multicast", "otherhost",
					    "outgoing" };

static int is_sll(const struct rx_pkt *pkt)
{
	return HAS_LINK(pkt) && (pkt->link == RX_LINK_SLL || pkt->link == RX_LINK_SLL2);
}

static int is_null(const struct rx_pkt *pkt)
{
	return HAS_LINK(pkt) && (pkt->link == RX_LINK_NULL || pkt->link == RX_LINK_LOOP);
}

/* How tshark shows an SLL source address: sll.src.eth, .ipv4, .other or none. */
enum sll_src { SRC_NONE, SRC_ETH, SRC_IPV4, SRC_OTHER };

static enum sll_src sll_src_kind(const struct rx_pkt *pkt)
{
	if (!pkt->sll_halen)
		return SRC_NONE;
	if (pkt->sll_halen == 6)
		return SRC_ETH;
	if (pkt->sll_halen == 4 && pkt->sll_hatype == RX_ARPHRD_IPGRE)
		return SRC_IPV4;
	return SRC_OTHER;
}

/* The address bytes the header holds: halen of them, at most 8. */
static unsigned int sll_addr_len(const struct rx_pkt *pkt)
{
	return pkt->sll_halen < sizeof(pkt->sll_addr) ? pkt->sll_halen : sizeof(pkt->sll_addr);
}

/* "aa:bb:..." (eth), "aabb..." (other: tshark's bytes) or a dotted quad (ipv4); buf: 24 bytes. */
static void sll_src_text(char *buf, const struct rx_pkt *pkt)
{
	unsigned int i, n = sll_addr_len(pkt);
	char *p = buf;

	*p = 0;
	if (sll_src_kind(pkt) == SRC_IPV4) {
		inet_ntop(AF_INET, pkt->sll_addr, buf, 24);
		return;
	}
	for (i = 0; i < n; i++)
		p += sprintf(p, i && sll_src_kind(pkt) != SRC_OTHER ? ":%02x" : "%02x", pkt->sll_addr[i]);
}

/* sll.etype for an EtherType, sll.ltype for Linux's own, sll.gretype under GRE */
static const char *sll_proto_key(const struct rx_pkt *pkt)
{
	if (pkt->sll_hatype == RX_ARPHRD_IPGRE)
		return "gretype";
	return pkt->sll_proto < 0x0600 ? "ltype" : "etype";
}

void rx_link_line(FILE *out, const struct rx_pkt *pkt)
{
	if (!is_sll(pkt))
		return;
	if (pkt->link == RX_LINK_SLL2)
		fprintf(out, "ifindex %u ", pkt->link_ifindex);
	if (pkt->sll_pkttype < sizeof(pkttype_short) / sizeof(pkttype_short[0]))
		fprintf(out, "%s ", pkttype_short[pkt->sll_pkttype]);
	else
		fprintf(out, "pkttype %u ", pkt->sll_pkttype);
}

int rx_link_not_ip(FILE *out, const struct rx_pkt *pkt)
{
	if (is_sll(pkt)) {
		fprintf(out, "sll %s 0x%04x", sll_proto_key(pkt), pkt->sll_proto);
		return 1;
	}
	if (is_null(pkt)) {
		fprintf(out, "null family %u", pkt->link_family);
		return 1;
	}
	if (pkt->link == RX_LINK_RAW || pkt->link == RX_LINK_IPV4 || pkt->link == RX_LINK_IPV6) {
		fputs("raw", out);
		return 1;
	}
	return 0;
}

void rx_link_verbose(FILE *out, const struct rx_pkt *pkt)
{
	static const char *const src_key[] = { "", "src", "src", "src" };
	char src[24];

	if (is_sll(pkt)) {
		sll_src_text(src, pkt);
		fprintf(out, "  sll: v%u pkttype %u (%s)", pkt->link == RX_LINK_SLL2 ? 2 : 1,
			pkt->sll_pkttype,
			pkt->sll_pkttype < sizeof(pkttype_name) / sizeof(pkttype_name[0])
				? pkttype_name[pkt->sll_pkttype]
				: "?");
		if (pkt->link == RX_LINK_SLL2)
			fprintf(out, " ifindex %u", pkt->link_ifindex);
		fprintf(out, " hatype %u halen %u", pkt->sll_hatype, pkt->sll_halen);
		if (sll_src_kind(pkt) != SRC_NONE)
			fprintf(out, " %s %s", src_key[sll_src_kind(pkt)], src);
		fprintf(out, " %s 0x%04x\n", sll_proto_key(pkt), pkt->sll_proto);
	} else if (is_null(pkt)) {
		fprintf(out, "  null: family %u (%s)\n", pkt->link_family,
			pkt->link == RX_LINK_LOOP ? "LOOP: network order" : "NULL: writer's order");
	} else if (pkt->link == RX_LINK_RAW || pkt->link == RX_LINK_IPV4 ||
		   pkt->link == RX_LINK_IPV6) {
		fprintf(out, "  raw: no link header (%s)\n",
			pkt->link == RX_LINK_RAW ? "RAW" : pkt->link == RX_LINK_IPV4 ? "IPV4" : "IPV6");
	}
}

static void jw_key_u64(struct jsonw *w, const char *key, size_t n, __u64 v)
{
	jsonw_raw(w, key, n);
	jsonw_u64(w, v);
}

#define JW_U64(w, key, v) jw_key_u64((w), "" key, sizeof(key) - 1, (v))

void rx_link_json(struct jsonw *w, const struct rx_pkt *pkt)
{
	/* dotted keys: tshark has sll.src.eth and its kin, but no sll.src */
	static const char *const src_key[] = { "", ",\"src.eth\":\"", ",\"src.ipv4\":\"",
					       ",\"src.other\":\"" };
	const char *key;
	char src[24];
	enum sll_src k;

	if (is_sll(pkt)) {
		JW_U64(w, ",\"sll\":{\"pkttype\":", pkt->sll_pkttype);
		JW_U64(w, ",\"hatype\":", pkt->sll_hatype);
		JW_U64(w, ",\"halen\":", pkt->sll_halen);
		k = sll_src_kind(pkt);
		if (k != SRC_NONE) {
			sll_src_text(src, pkt);
			jsonw_raw(w, src_key[k], strlen(src_key[k]));
			jsonw_raw(w, src, strlen(src));
			jsonw_char(w, '"');
		}
		key = sll_proto_key(pkt);
		jsonw_char(w, ',');
		jsonw_char(w, '"');
		jsonw_raw(w, key, strlen(key));
		jsonw_lit(w, "\":");
		jsonw_u64(w, pkt->sll_proto);
		if (pkt->link == RX_LINK_SLL2)
			JW_U64(w, ",\"ifindex\":", pkt->link_ifindex);
		jsonw_char(w, '}');
	} else if (is_null(pkt)) {
		JW_U64(w, ",\"null\":{\"family\":", pkt->link_family);
		jsonw_char(w, '}');
	} else if (pkt->link == RX_LINK_RAW) {
		jsonw_lit(w, ",\"raw\":{}"); /* tshark's protocol without fields */
	}
}

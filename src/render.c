// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet views. Every value shown comes from the datapath's decoded record
 * (struct rx_pkt); the captured bytes are used only for -w.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "jsonw.h"
#include "linklayer.h"
#include "p0f.h"
#include "render.h"
#include "tlsview.h"

#define HAS(pkt, l) (((pkt)->layers & (l)) != 0)

#define RX__MNAME(name, str) str,

/* Printable ASCII only: anything else from the wire becomes '.'. */
void rx_http_text(char *dst, const char *src, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '.';
	dst[len] = 0;
}

/* docs/json.md's order; the AE/NS bit (0x100) is in the number only */
static const char *const tcp_flag_names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };

void rx_fmt_flags(char *buf, size_t len, __u16 flags)
{
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
				      tcp_flag_names[i]);
	}
}

void rx_fmt_ts(char *buf, size_t len, __u64 ts_ns)
{
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, (uint64_t)(ts_ns / 1000000000ull),
		 (uint64_t)(ts_ns % 1000000000ull));
}

static void fmt_mac(char *buf, const __u8 *m)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_src_dst(const struct rx_pkt *pkt, char *src, char *dst)
{
	if (HAS(pkt, RX_L_IPV4)) {
		inet_ntop(AF_INET, &pkt->ip_src, src, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET, &pkt->ip_dst, dst, INET6_ADDRSTRLEN);
	} else {
		inet_ntop(AF_INET6, pkt->ip6_src, src, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET6, pkt->ip6_dst, dst, INET6_ADDRSTRLEN);
	}
}

/* tcpdump's one-letter flags: "S.", "P.", "F." ... */
static void fmt_tcp_short(char *buf, __u16 f)
{
	int n = 0;

	if (!(f & 0xff)) {
		strcpy(buf, "none");
		return;
	}
	if (f & 0x02) buf[n++] = 'S';
	if (f & 0x01) buf[n++] = 'F';
	if (f & 0x08) buf[n++] = 'P';
	if (f & 0x04) buf[n++] = 'R';
	if (f & 0x20) buf[n++] = 'U';
	if (f & 0x40) buf[n++] = 'E';
	if (f & 0x80) buf[n++] = 'W';
	if (f & 0x10) buf[n++] = '.';
	buf[n] = 0;
}

static void print_tcp_opts(FILE *out, const struct rx_pkt *pkt, __u32 sack_base)
{
	const char *sep = "";
	__u32 i;

	if (!pkt->tcp_optmask)
		return;
	fputs(", options [", out);
	if (pkt->tcp_optmask & RX_TCPOPT_MSS) {
		fprintf(out, "%smss %u", sep, pkt->tcp_mss);
		sep = ",";
	}
	if (pkt->tcp_optmask & RX_TCPOPT_SACK_PERM) {
		fprintf(out, "%ssackOK", sep);
		sep = ",";
	}
	if (pkt->tcp_optmask & RX_TCPOPT_SACK) {
		fprintf(out, "%ssack %u", sep, pkt->sack_n);
		for (i = 0; i < pkt->sack_n && i < RX_SACK_MAX; i++)
			fprintf(out, " {%u:%u}", pkt->sack[i][0] - sack_base,
				pkt->sack[i][1] - sack_base);
		sep = ",";
	}
	if (pkt->tcp_optmask & RX_TCPOPT_TS) {
		fprintf(out, "%sTS val %u ecr %u", sep, pkt->tcp_tsval, pkt->tcp_tsecr);
		sep = ",";
	}
	if (pkt->tcp_optmask & RX_TCPOPT_WSCALE)
		fprintf(out, "%swscale %u", sep, pkt->tcp_wscale);
	fputc(']', out);
}

void rx_render_line(FILE *out, const struct rx_capture *rec, const char *ifname,
		    struct rx_tcpseq *seqs)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], fl[16];
	time_t sec = (time_t)(pkt->ts_ns / 1000000000ull);
	struct tm tm;
	__u32 i;

	localtime_r(&sec, &tm);
	fprintf(out, "%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned int)(pkt->ts_ns % 1000000000ull / 1000));
	if (ifname)
		fprintf(out, "%s ", ifname);
	rx_link_line(out, pkt);
	for (i = 0; i < pkt->vlan_n && i < RX_VLAN_MAX; i++)
		fprintf(out, "vlan %u, ", pkt->vlan[i].tci & 0xfff);

	if (HAS(pkt, RX_L_IPV4 | RX_L_IPV6)) {
		const char *ipv = HAS(pkt, RX_L_IPV4) ? "IP" : "IP6";

		fmt_src_dst(pkt, src, dst);
		if (HAS(pkt, RX_L_TCP)) {
			struct rx_tcpseq_view v;
			__u32 len = HAS(pkt, RX_L_PAYLOAD) ? pkt->payload_len : 0;

			rx_tcpseq__map(seqs, pkt, &v);
			fmt_tcp_short(fl, pkt->tcp_flags);
			fprintf(out, "%s %s.%u > %s.%u: Flags [%s]", ipv, src, pkt->sport, dst,
				pkt->dport, fl);
			/* as tcpdump: seq for data, SYN, FIN or RST; its range for data */
			if (len || (pkt->tcp_flags & (RX_TH_SYN | RX_TH_FIN | RX_TH_RST)))
				fprintf(out, ", seq %u", v.seq);
			if (len)
				fprintf(out, ":%u", v.seq + len);
			if (pkt->tcp_flags & RX_TH_ACK)
				fprintf(out, ", ack %u", v.ack);
			fprintf(out, ", win %u", pkt->tcp_win);
			print_tcp_opts(out, pkt, v.sack_base);
			fprintf(out, ", length %u", pkt->payload_len);
		} else if (HAS(pkt, RX_L_UDP)) {
			fprintf(out, "%s %s.%u > %s.%u: UDP, length %u", ipv, src, pkt->sport, dst,
				pkt->dport, pkt->payload_len);
		} else if (HAS(pkt, RX_L_ICMP | RX_L_ICMPV6)) {
			fprintf(out, "%s %s > %s: %s type %u code %u", ipv, src, dst,
				HAS(pkt, RX_L_ICMP) ? "ICMP" : "ICMP6", pkt->icmp_type,
				pkt->icmp_code);
			if ((HAS(pkt, RX_L_ICMP) && (pkt->icmp_type == 0 || pkt->icmp_type == 8)) ||
			    (HAS(pkt, RX_L_ICMPV6) && (pkt->icmp_type == 128 || pkt->icmp_type == 129)))
				fprintf(out, " echo id %u seq %u", pkt->icmp_rest >> 16,
					pkt->icmp_rest & 0xffff);
			fprintf(out, ", length %u", pkt->payload_len);
		} else if (pkt->reason == RX_REASON_IP_FRAGMENT) {
			fprintf(out, "%s %s > %s: frag id %u, off %u, proto %u", ipv, src, dst,
				HAS(pkt, RX_L_IPV4) ? pkt->ip_id : pkt->ip6_frag_id,
				HAS(pkt, RX_L_IPV4) ? (pkt->ip_frag & 0x1fff) * 8u
						    : (unsigned int)(pkt->ip6_frag & 0xfff8),
				pkt->l4_nxt);
		} else {
			fprintf(out, "%s %s > %s: proto %u", ipv, src, dst, pkt->l4_nxt);
		}
	} else if (pkt->proto == RX_PROTO_ARP) {
		fputs("ARP", out);
	} else if (HAS(pkt, RX_L_ETH)) {
		fprintf(out, "ethertype 0x%04x", pkt->l3_type);
	} else if (!rx_link_not_ip(out, pkt)) {
		fputs("frame", out);
	}
	if (rec->http.kind == RX_HTTP_REQUEST) {
		char u[RX_HTTP_URI_MAX + 1], h[RX_HTTP_HOST_MAX + 1];

		rx_http_text(u, rec->http.uri, rec->http.uri_len);
		rx_http_text(h, rec->http.host, rec->http.host_len);
		fprintf(out, ": HTTP %s %s%s HTTP/%s%s%s", rx_http_method_name(rec->http.method), u,
			(rec->http.flags & RX_HTTPF_QUERY) ? "?..." : "",
			rx_http_minor_text(rec->http.minor) ?: "? (line past 512 bytes)",
			(rec->http.flags & RX_HTTPF_HOST) ? " host " : "", h);
	} else if (rec->http.kind == RX_HTTP_RESPONSE) {
		fprintf(out, ": HTTP/1.%u %u", rec->http.minor, rec->http.status);
	} else if (rec->tls.kind != RX_TLS_NONE) {
		rx_tls_line(out, &rec->tls);
	}
	fprintf(out, " (%u bytes)", pkt->wire_len);
	if (pkt->reason != RX_REASON_OK && pkt->reason != RX_REASON_NOT_IP)
		fprintf(out, " [%s]", rx_reason_name(pkt->reason));
	if (pkt->verdict != RX_VERDICT_PASS)
		fprintf(out, " [%s]", rx_verdict_name(pkt->verdict));
	fputc('\n', out);
}

void rx_render_verbose(FILE *out, const struct rx_capture *rec, const char *ifname,
		       struct rx_tcpseq *seqs)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ts[32], fl[64];
	__u32 i;

	rx_render_line(out, rec, ifname, seqs);
	rx_fmt_ts(ts, sizeof(ts), pkt->ts_ns);
	fprintf(out, "  frame: ts %s len %u cap_len %u\n", ts, pkt->wire_len, pkt->cap_len);
	if (pkt->hook != RX_HOOK_NONE)
		fprintf(out, "  kernel: ifindex %u ifname %s rx_queue %u hook %s verdict %s reason %s\n",
			pkt->ifindex, ifname ? ifname : "?", pkt->rx_queue,
			rx_hook_name(pkt->hook), rx_verdict_name(pkt->verdict),
			rx_reason_name(pkt->reason));
	else
		fprintf(out, "  datapath: verdict %s reason %s proto %s\n",
			rx_verdict_name(pkt->verdict), rx_reason_name(pkt->reason),
			rx_proto_name(pkt->proto));
	if (HAS(pkt, RX_L_ETH)) {
		fmt_mac(a, pkt->eth_src);
		fmt_mac(b, pkt->eth_dst);
		fprintf(out, "  eth: src %s dst %s type 0x%04x\n", a, b, pkt->eth_type);
	}
	rx_link_verbose(out, pkt);
	for (i = 0; i < pkt->vlan_n && i < RX_VLAN_MAX; i++)
		fprintf(out, "  vlan: id %u pcp %u dei %u tpid 0x%04x\n", pkt->vlan[i].tci & 0xfff,
			pkt->vlan[i].tci >> 13, (pkt->vlan[i].tci >> 12) & 1, pkt->vlan[i].tpid);
	if (HAS(pkt, RX_L_IPV4)) {
		fmt_src_dst(pkt, a, b);
		fprintf(out,
			"  ip: version 4 hdr_len %u dsfield 0x%02x len %u id 0x%04x flags df %u mf %u "
			"frag_offset %u ttl %u proto %u checksum 0x%04x src %s dst %s\n",
			pkt->ip_hl, pkt->ip_tos, pkt->ip_len, pkt->ip_id, (pkt->ip_frag >> 14) & 1,
			(pkt->ip_frag >> 13) & 1, pkt->ip_frag & 0x1fff, pkt->ip_ttl, pkt->ip_proto,
			pkt->ip_csum, a, b);
		for (i = 0; i < pkt->ipopt_n && i < RX_IPOPT_MAX; i++)
			fprintf(out, "  ip.option: type %u len %u\n", pkt->ipopt[i].type,
				pkt->ipopt[i].len);
	}
	if (HAS(pkt, RX_L_IPV6)) {
		fmt_src_dst(pkt, a, b);
		fprintf(out,
			"  ipv6: tclass 0x%02x flow 0x%05x plen %u nxt %u hlim %u src %s dst %s\n",
			pkt->ip6_tclass, pkt->ip6_flow, pkt->ip6_plen, pkt->ip6_nxt, pkt->ip6_hlim, a,
			b);
		for (i = 0; i < pkt->ip6ext_n && i < RX_IP6EXT_MAX; i++)
			fprintf(out, "  ipv6.ext: type %u len %u\n", pkt->ip6ext[i].type,
				pkt->ip6ext[i].len);
		if (HAS(pkt, RX_L_IP6FRAG))
			fprintf(out, "  ipv6.frag: offset %u more %u id 0x%08x\n",
				pkt->ip6_frag >> 3, pkt->ip6_frag & 1, pkt->ip6_frag_id);
	}
	if (HAS(pkt, RX_L_TCP)) {
		rx_fmt_flags(fl, sizeof(fl), pkt->tcp_flags);
		fprintf(out,
			"  tcp: srcport %u dstport %u seq %u ack %u flags 0x%03x (%s) window %u "
			"hdr_len %u checksum 0x%04x urgent_pointer %u\n",
			pkt->sport, pkt->dport, pkt->tcp_seq, pkt->tcp_ack, pkt->tcp_flags, fl,
			pkt->tcp_win, pkt->tcp_hl, pkt->tcp_csum, pkt->tcp_urp);
		if (pkt->tcp_optmask) {
			fputs("  tcp.options:", out);
			if (pkt->tcp_optmask & RX_TCPOPT_MSS)
				fprintf(out, " mss %u", pkt->tcp_mss);
			if (pkt->tcp_optmask & RX_TCPOPT_WSCALE)
				fprintf(out, " wscale %u", pkt->tcp_wscale);
			if (pkt->tcp_optmask & RX_TCPOPT_SACK_PERM)
				fputs(" sack_perm", out);
			if (pkt->tcp_optmask & RX_TCPOPT_TS)
				fprintf(out, " tsval %u tsecr %u", pkt->tcp_tsval, pkt->tcp_tsecr);
			for (i = 0; i < pkt->sack_n && i < RX_SACK_MAX; i++)
				fprintf(out, " sack %u-%u", pkt->sack[i][0], pkt->sack[i][1]);
			fputc('\n', out);
		}
	}
	if (HAS(pkt, RX_L_UDP))
		fprintf(out, "  udp: srcport %u dstport %u length %u checksum 0x%04x\n", pkt->sport,
			pkt->dport, pkt->udp_len, pkt->udp_csum);
	if (HAS(pkt, RX_L_ICMP | RX_L_ICMPV6))
		fprintf(out, "  %s: type %u code %u checksum 0x%04x\n",
			HAS(pkt, RX_L_ICMP) ? "icmp" : "icmpv6", pkt->icmp_type, pkt->icmp_code,
			pkt->icmp_csum);
	if (HAS(pkt, RX_L_PAYLOAD))
		fprintf(out, "  payload: len %u\n", pkt->payload_len);
	if (rec->http.kind == RX_HTTP_REQUEST) {
		char u[RX_HTTP_URI_MAX + 1], h[RX_HTTP_HOST_MAX + 1];

		rx_http_text(u, rec->http.uri, rec->http.uri_len);
		rx_http_text(h, rec->http.host, rec->http.host_len);
		fprintf(out, "  http.request: method %s uri %s%s version HTTP/%s host %s\n",
			rx_http_method_name(rec->http.method), u,
			(rec->http.flags & RX_HTTPF_QUERY) ? " (query string not kept)" : "",
			rx_http_minor_text(rec->http.minor) ?: "? (past the first 512 bytes)",
			(rec->http.flags & RX_HTTPF_HOST) ? h : "-");
	} else if (rec->http.kind == RX_HTTP_RESPONSE) {
		fprintf(out, "  http.response: code %u version HTTP/1.%u\n", rec->http.status,
			rec->http.minor);
	}
	if (rec->tls.kind != RX_TLS_NONE)
		rx_tls_verbose(out, &rec->tls);
}

/* ---- JSON --------------------------------------------------------------- */

const char *rx_http_method_name(unsigned int m)
{
	static const char *const names[] = { RX_HTTP_METHODS(RX__MNAME) };

	return m < sizeof(names) / sizeof(names[0]) ? names[m] : "";
}

const char *rx_http_minor_text(unsigned int minor)
{
	return minor == 0 ? "1.0" : minor == 1 ? "1.1" : NULL;
}

/*
 * The JSON view is written straight into one buffer per record (jsonw.h):
 * keys as literals, in docs/json.md's order, each nested object's first key
 * carrying its '{' and every other key its ','. Joined with dots, a key's
 * path is tshark's field name (tests/pcap/test_json_names.py checks it).
 * It prints what the jansson renderer kept as its oracle prints, byte for
 * byte (tests/unit/render_json_jansson.c, unit_render_json).
 */
static void jw_cstr(struct jsonw *w, const char *s)
{
	jsonw_str(w, s, strlen(s));
}

/* A key (a literal: ",\"ttl\":") and its number: most fields of a record. */
#define jw_u64(w, key, v)            \
	do {                         \
		jsonw_lit((w), key); \
		jsonw_u64((w), (v)); \
	} while (0)

/*
 * tcp.flags.str as tshark prints it: the 12 flag bits from the highest, one
 * character each, the bit's letter when set and U+00B7 (a middle dot, two
 * bytes in UTF-8) when not ("\u00b7\u00b7...S\u00b7" for a SYN).
 */
static void jw_tcp_flags_str(struct jsonw *w, __u16 flags)
{
	static const char letters[] = "RRRACEUAPRSF"; /* bits 11..0: reserved, AE, CWR ... FIN */
	char *p;
	int i;

	if (!jsonw_room(w, 2 + 2 * (sizeof(letters) - 1)))
		return;
	p = w->p;
	*p++ = '"';
	for (i = 0; i < (int)sizeof(letters) - 1; i++) {
		if (flags & (0x800u >> i)) {
			*p++ = letters[i];
		} else {
			*p++ = (char)0xc2;
			*p++ = (char)0xb7;
		}
	}
	*p++ = '"';
	w->p = p;
}

/*
 * tcp.flags is a number and the parent of tcp.flags.fin ...: the children
 * are keys "flags.fin" ... of the same object, so the path joined with dots
 * is tshark's name.
 */
static void jw_tcp_flags(struct jsonw *w, __u16 f)
{
	jw_u64(w, ",\"flags\":", f);
	jw_u64(w, ",\"flags.fin\":", (f & RX_TH_FIN) != 0);
	jw_u64(w, ",\"flags.syn\":", (f & RX_TH_SYN) != 0);
	jw_u64(w, ",\"flags.reset\":", (f & RX_TH_RST) != 0);
	jw_u64(w, ",\"flags.push\":", (f & RX_TH_PUSH) != 0);
	jw_u64(w, ",\"flags.ack\":", (f & RX_TH_ACK) != 0);
	jw_u64(w, ",\"flags.urg\":", (f & RX_TH_URG) != 0);
	jw_u64(w, ",\"flags.ece\":", (f & RX_TH_ECE) != 0);
	jw_u64(w, ",\"flags.cwr\":", (f & RX_TH_CWR) != 0);
	jsonw_lit(w, ",\"flags.str\":");
	jw_tcp_flags_str(w, f);
}

/* The source and destination, as fmt_src_dst picks them (IPv4 first). */
static void jw_addr(struct jsonw *w, const struct rx_pkt *pkt, int dst)
{
	if (HAS(pkt, RX_L_IPV4))
		jsonw_ipv4(w, dst ? &pkt->ip_dst : &pkt->ip_src);
	else
		jsonw_ipv6(w, dst ? pkt->ip6_dst : pkt->ip6_src);
}

static void jw_tcp(struct jsonw *w, const struct rx_pkt *pkt)
{
	int first = 1;
	__u32 i;

	jw_u64(w, ",\"tcp\":{\"srcport\":", pkt->sport);
	jw_u64(w, ",\"dstport\":", pkt->dport);
	jw_u64(w, ",\"seq_raw\":", pkt->tcp_seq);
	jw_u64(w, ",\"ack_raw\":", pkt->tcp_ack);
	jw_tcp_flags(w, pkt->tcp_flags);
	jw_u64(w, ",\"window_size_value\":", pkt->tcp_win);
	jw_u64(w, ",\"hdr_len\":", pkt->tcp_hl);
	jw_u64(w, ",\"checksum\":", pkt->tcp_csum);
	jw_u64(w, ",\"urgent_pointer\":", pkt->tcp_urp);
	if (pkt->tcp_optmask) {
		/* every option is optional: the first one written opens without a ',' */
		jsonw_lit(w, ",\"options\":{");
		if (pkt->tcp_optmask & RX_TCPOPT_MSS) {
			jsonw_lit_sep(w, ",\"mss_val\":", first);
			jsonw_u64(w, pkt->tcp_mss);
			first = 0;
		}
		if (pkt->tcp_optmask & RX_TCPOPT_WSCALE) {
			jsonw_lit_sep(w, ",\"wscale\":{\"shift\":", first);
			jsonw_u64(w, pkt->tcp_wscale);
			jsonw_char(w, '}');
			first = 0;
		}
		if (pkt->tcp_optmask & RX_TCPOPT_SACK_PERM) {
			jsonw_lit_sep(w, ",\"sack_perm\":1", first);
			first = 0;
		}
		if (pkt->tcp_optmask & RX_TCPOPT_TS) {
			jsonw_lit_sep(w, ",\"timestamp\":{\"tsval\":", first);
			jsonw_u64(w, pkt->tcp_tsval);
			jw_u64(w, ",\"tsecr\":", pkt->tcp_tsecr);
			jsonw_char(w, '}');
			first = 0;
		}
		if (pkt->tcp_optmask & RX_TCPOPT_SACK) {
			jsonw_lit_sep(w, ",\"sack\":[", first);
			for (i = 0; i < pkt->sack_n && i < RX_SACK_MAX; i++) {
				jsonw_lit_sep(w, ",[", !i);
				jsonw_u64(w, pkt->sack[i][0]);
				jsonw_char(w, ',');
				jsonw_u64(w, pkt->sack[i][1]);
				jsonw_char(w, ']');
			}
			jsonw_char(w, ']');
		}
		jsonw_char(w, '}');
	}
	jsonw_char(w, '}');
}

/*
 * http.request.{method,uri,version}, http.host, http.response.code, as
 * tshark names them. The URI is the path only (the datapath never keeps a
 * query string); rx_http_text leaves printable ASCII only, so no byte from
 * the wire can make the string invalid.
 */
static void jw_http(struct jsonw *w, const struct rx_http *h)
{
	char buf[RX_HTTP_URI_MAX + 1];
	unsigned int n;

	if (h->kind != RX_HTTP_REQUEST) {
		jw_u64(w, ",\"http\":{\"response\":{\"code\":", h->status);
		jw_u64(w, ",\"version\":\"HTTP/1.", h->minor);
		jsonw_lit(w, "\"}}");
		return;
	}
	jsonw_lit(w, ",\"http\":{\"request\":{\"method\":");
	jw_cstr(w, rx_http_method_name(h->method));
	jsonw_lit(w, ",\"uri\":");
	n = h->uri_len < RX_HTTP_URI_MAX ? h->uri_len : RX_HTTP_URI_MAX;
	rx_http_text(buf, h->uri, n);
	jsonw_str(w, buf, n);
	if (rx_http_minor_text(h->minor)) {
		jw_u64(w, ",\"version\":\"HTTP/1.", h->minor);
		jsonw_char(w, '"');
	}
	jsonw_char(w, '}');
	if (h->flags & RX_HTTPF_HOST) {
		jsonw_lit(w, ",\"host\":");
		n = h->host_len < RX_HTTP_HOST_MAX ? h->host_len : RX_HTTP_HOST_MAX;
		rx_http_text(buf, h->host, n);
		jsonw_str(w, buf, n);
	}
	jsonw_char(w, '}');
}

/* A live record's kernel facts; an ifname that is not UTF-8 is left out, as jansson did. */
static void jw_kernel(struct jsonw *w, const struct rx_pkt *pkt, const char *ifname)
{
	jw_u64(w, ",\"kernel\":{\"ifindex\":", pkt->ifindex);
	if (ifname && jsonw_utf8_ok(ifname, strlen(ifname))) {
		jsonw_lit(w, ",\"ifname\":");
		jw_cstr(w, ifname);
	}
	jw_u64(w, ",\"rx_queue\":", pkt->rx_queue);
	jsonw_lit(w, ",\"hook\":");
	jw_cstr(w, rx_hook_name(pkt->hook));
	jsonw_lit(w, ",\"verdict\":");
	jw_cstr(w, rx_verdict_name(pkt->verdict));
	jsonw_lit(w, ",\"reason\":");
	jw_cstr(w, rx_reason_name(pkt->reason));
	jsonw_char(w, '}');
}

/* The i-th {"type", "len"} of a list (IPv4 options, IPv6 extension headers). */
static void jw_type_len(struct jsonw *w, __u32 i, __u64 type, __u64 len)
{
	jsonw_lit_sep(w, ",{\"type\":", !i);
	jsonw_u64(w, type);
	jw_u64(w, ",\"len\":", len);
	jsonw_char(w, '}');
}

static void jw_ip(struct jsonw *w, const struct rx_pkt *pkt)
{
	__u32 i;

	jw_u64(w, ",\"ip\":{\"version\":4,\"hdr_len\":", pkt->ip_hl);
	jw_u64(w, ",\"dsfield\":", pkt->ip_tos);
	jw_u64(w, ",\"len\":", pkt->ip_len);
	jw_u64(w, ",\"id\":", pkt->ip_id);
	jw_u64(w, ",\"flags\":{\"df\":", (pkt->ip_frag >> 14) & 1);
	jw_u64(w, ",\"mf\":", (pkt->ip_frag >> 13) & 1);
	jw_u64(w, "},\"frag_offset\":", pkt->ip_frag & 0x1fff);
	jw_u64(w, ",\"ttl\":", pkt->ip_ttl);
	jw_u64(w, ",\"proto\":", pkt->ip_proto);
	jw_u64(w, ",\"checksum\":", pkt->ip_csum);
	jsonw_lit(w, ",\"src\":");
	jw_addr(w, pkt, 0);
	jsonw_lit(w, ",\"dst\":");
	jw_addr(w, pkt, 1);
	if (pkt->ipopt_n) {
		jsonw_lit(w, ",\"options\":[");
		for (i = 0; i < pkt->ipopt_n && i < RX_IPOPT_MAX; i++)
			jw_type_len(w, i, pkt->ipopt[i].type, pkt->ipopt[i].len);
		jsonw_char(w, ']');
	}
	jsonw_char(w, '}');
}

static void jw_ipv6(struct jsonw *w, const struct rx_pkt *pkt)
{
	__u32 i;

	jsonw_lit(w, ",\"ipv6\":{\"src\":");
	jw_addr(w, pkt, 0);
	jsonw_lit(w, ",\"dst\":");
	jw_addr(w, pkt, 1);
	jw_u64(w, ",\"nxt\":", pkt->ip6_nxt);
	jw_u64(w, ",\"hlim\":", pkt->ip6_hlim);
	jw_u64(w, ",\"flow\":", pkt->ip6_flow);
	jw_u64(w, ",\"plen\":", pkt->ip6_plen);
	jw_u64(w, ",\"tclass\":", pkt->ip6_tclass);
	if (pkt->ip6ext_n) {
		jsonw_lit(w, ",\"ext\":[");
		for (i = 0; i < pkt->ip6ext_n && i < RX_IP6EXT_MAX; i++)
			jw_type_len(w, i, pkt->ip6ext[i].type, pkt->ip6ext[i].len);
		jsonw_char(w, ']');
	}
	if (HAS(pkt, RX_L_IP6FRAG)) {
		jw_u64(w, ",\"fraghdr\":{\"offset\":", pkt->ip6_frag >> 3);
		jw_u64(w, ",\"more\":", pkt->ip6_frag & 1);
		jw_u64(w, ",\"ident\":", pkt->ip6_frag_id);
		jsonw_char(w, '}');
	}
	jsonw_char(w, '}');
}

static void jw_l2(struct jsonw *w, const struct rx_pkt *pkt)
{
	__u32 i;

	rx_link_json(w, pkt);
	if (HAS(pkt, RX_L_ETH)) {
		jsonw_lit(w, ",\"eth\":{\"src\":");
		jsonw_mac(w, pkt->eth_src);
		jsonw_lit(w, ",\"dst\":");
		jsonw_mac(w, pkt->eth_dst);
		/* below 0x0600 the field is an IEEE 802.3 length, as tshark names it */
		if (pkt->eth_type < 0x0600)
			jsonw_lit(w, ",\"len\":");
		else
			jsonw_lit(w, ",\"type\":");
		jsonw_u64(w, pkt->eth_type);
		jsonw_char(w, '}');
	}
	if (HAS(pkt, RX_L_VLAN)) {
		jsonw_lit(w, ",\"vlan\":[");
		for (i = 0; i < pkt->vlan_n && i < RX_VLAN_MAX; i++) {
			jsonw_lit_sep(w, ",{\"id\":", !i);
			jsonw_u64(w, pkt->vlan[i].tci & 0xfff);
			jw_u64(w, ",\"pcp\":", pkt->vlan[i].tci >> 13);
			jw_u64(w, ",\"dei\":", (pkt->vlan[i].tci >> 12) & 1);
			jw_u64(w, ",\"tpid\":", pkt->vlan[i].tpid);
			jsonw_char(w, '}');
		}
		jsonw_char(w, ']');
	}
}

/* Write the record out: 0, or -1 if it did not fit the buffer or the write failed. */
static int jw_write(FILE *out, const struct jsonw *w)
{
	long n = jsonw_done(w);

	if (n < 0)
		return -1;
	return fwrite(w->base, 1, (size_t)n, out) == (size_t)n ? 0 : -1;
}

/*
 * One line per record. frame.time_epoch goes first, as exact text:
 * nanoseconds since the epoch need 19 significant digits, more than a
 * double holds. The record is dropped (-1) if it does not fit the buffer,
 * which no record of the datapath's bounded arrays can reach.
 */
int rx_render_json(FILE *out, const struct rx_capture *rec, __u64 frame, const char *ifname)
{
	return rx_render_json_x(out, rec, frame, ifname, NULL);
}

/* The quality of a p0f match as one word (rx_p0f__quality's, without p0f.o). */
static const char *p0f_quality(const struct rx_p0f_result *r)
{
	return !r->os ? "none" : r->fuzzy ? "fuzzy" : r->generic ? "generic" : "exact";
}

/*
 * p0f.*: the SYN's fingerprint (docs/json.md). p0f's own words: os for a
 * system, app for a tool (nmap), neither without a match.
 */
static void jw_p0f(struct jsonw *w, const struct rx_p0f_result *r)
{
	if (r->os) {
		if (r->user)
			jsonw_lit(w, ",\"p0f\":{\"app\":");
		else
			jsonw_lit(w, ",\"p0f\":{\"os\":");
		jw_cstr(w, r->os);
		jsonw_lit(w, ",\"quality\":");
	} else {
		jsonw_lit(w, ",\"p0f\":{\"quality\":");
	}
	jw_cstr(w, p0f_quality(r));
	jw_u64(w, ",\"dist\":", (__u64)(r->dist < 0 ? 0 : r->dist));
	jsonw_lit(w, ",\"sig\":");
	jw_cstr(w, r->sig);
	jsonw_char(w, '}');
}

void rx_render_p0f_verbose(FILE *out, const struct rx_p0f_result *r)
{
	fprintf(out, "  p0f: %s %s (%s) dist %s%d sig %s\n", r->os && r->user ? "app" : "os",
		r->os ? r->os : "???", p0f_quality(r), r->bad_ttl ? "<= " : "", r->dist, r->sig);
}

int rx_render_json_x(FILE *out, const struct rx_capture *rec, __u64 frame, const char *ifname,
		     const struct rx_render_extra *x)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char buf[8192];
	struct jsonw w;

	jsonw_init(&w, buf, sizeof(buf));
	jsonw_lit(&w, "{\"frame\":{\"time_epoch\":");
	jsonw_ts(&w, pkt->ts_ns);
	jw_u64(&w, ",\"number\":", frame);
	jw_u64(&w, ",\"len\":", pkt->wire_len);
	/* the bytes the datapath had (as tshark's frame.cap_len for the same file) */
	jw_u64(&w, ",\"cap_len\":", pkt->cap_len);
	jsonw_char(&w, '}');
	jw_l2(&w, pkt);
	if (HAS(pkt, RX_L_IPV4))
		jw_ip(&w, pkt);
	if (HAS(pkt, RX_L_IPV6))
		jw_ipv6(&w, pkt);
	if (HAS(pkt, RX_L_TCP))
		jw_tcp(&w, pkt);
	if (HAS(pkt, RX_L_UDP)) {
		jw_u64(&w, ",\"udp\":{\"srcport\":", pkt->sport);
		jw_u64(&w, ",\"dstport\":", pkt->dport);
		jw_u64(&w, ",\"length\":", pkt->udp_len);
		jw_u64(&w, ",\"checksum\":", pkt->udp_csum);
		jsonw_char(&w, '}');
	}
	if (HAS(pkt, RX_L_ICMP | RX_L_ICMPV6)) {
		if (HAS(pkt, RX_L_ICMP))
			jsonw_lit(&w, ",\"icmp\":{\"type\":");
		else
			jsonw_lit(&w, ",\"icmpv6\":{\"type\":");
		jsonw_u64(&w, pkt->icmp_type);
		jw_u64(&w, ",\"code\":", pkt->icmp_code);
		jsonw_char(&w, '}');
	}
	if (HAS(pkt, RX_L_PAYLOAD)) {
		jw_u64(&w, ",\"payload\":{\"len\":", pkt->payload_len);
		jsonw_char(&w, '}');
	}
	if (rec->http.kind != RX_HTTP_NONE)
		jw_http(&w, &rec->http);
	if (rec->tls.kind != RX_TLS_NONE)
		rx_tls_json(&w, &rec->tls);
	if (x && x->p0f)
		jw_p0f(&w, x->p0f);
	if (pkt->hook != RX_HOOK_NONE)
		jw_kernel(&w, pkt, ifname);
	jsonw_lit(&w, ",\"rxray\":{\"verdict\":");
	jw_cstr(&w, rx_verdict_name(pkt->verdict));
	jsonw_lit(&w, ",\"reason\":");
	jw_cstr(&w, rx_reason_name(pkt->reason));
	jsonw_lit(&w, ",\"proto\":");
	jw_cstr(&w, rx_proto_name(pkt->proto));
	if (rec->tls.kind != RX_TLS_NONE && rx_tls_status(&rec->tls)) {
		jsonw_lit(&w, ",\"tls_status\":");
		jw_cstr(&w, rx_tls_status(&rec->tls));
	}
	/* a ClientHello over two segments: its first piece, and where it was completed */
	if (rec->tls.kind != RX_TLS_NONE && (rec->tls.flags & RX_TLSF_HELD))
		jsonw_lit(&w, ",\"tls_held\":true");
	if (rec->tls.kind != RX_TLS_NONE && (rec->tls.flags & RX_TLSF_REASSEMBLED))
		jsonw_lit(&w, ",\"tls_reassembled\":true");
	jw_u64(&w, ",\"schema\":", RX_JSON_SCHEMA);
	jsonw_lit(&w, "}}\n");
	return jw_write(out, &w);
}

/* An address of a transaction: IPv4 as a.b.c.d, not ::ffff:a.b.c.d. */
static void jw_addr16(struct jsonw *w, const __u8 *a)
{
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4, sizeof(v4)))
		jsonw_ipv4(w, a + 12);
	else
		jsonw_ipv6(w, a);
}

/* 1-65535 in decimal digits only, else 0 */
static __u16 port_of(const char *s)
{
	unsigned long v = 0;
	int n = 0;

	for (; *s >= '0' && *s <= '9' && n < 6; s++, n++)
		v = v * 10 + (unsigned long)(*s - '0');
	return (*s || n == 0 || n > 5 || v > 65535) ? 0 : (__u16)v;
}

size_t rx_host_split(const char *host, const char **name, __u16 *port)
{
	const char *colon, *end;
	__u16 p = 0;
	size_t n = strlen(host);

	*name = host;
	if (host[0] == '[') {
		/* "[2001:db8::1]" or "[2001:db8::1]:8080"; anything else is the text as it came */
		end = strchr(host, ']');
		if (end && (end[1] == ':' || !end[1])) {
			*name = host + 1;
			n = (size_t)(end - host - 1);
			if (end[1] == ':')
				p = port_of(end + 2);
		}
	} else if ((colon = strchr(host, ':')) && !strchr(colon + 1, ':')) {
		/* "name:port"; more than one ':' is no port (a bare IPv6 address) */
		n = (size_t)(colon - host);
		p = port_of(colon + 1);
	}
	if (p)
		*port = p;
	return n;
}

/*
 * One transaction in the contract's key order, written into one buffer; a
 * string that is not UTF-8 is left out as json_string did (no caller's text
 * can be one today: they are printable ASCII). duration_s has the fewest
 * digits that read back as the same double (jsonw_real_short): the
 * nanoseconds' own digits, 0.001162492 and never 0.0011624920000000001.
 */
int rx_render_txn_json(FILE *out, const struct rx_txn *t, const char *route, const char *path,
		       const char *ua, const char *host)
{
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	/* path, User-Agent, route and host at most 3 bytes a byte, doubled by escaping: < 3 KB */
	char buf[4096];
	const char *name = NULL;
	__u16 sport = t->sport;
	size_t hlen = 0;
	struct jsonw w;

	/* split at ASCII bytes: the host of UTF-8 text is UTF-8 */
	if (host && jsonw_utf8_ok(host, strlen(host)))
		hlen = rx_host_split(host, &name, &sport);
	jsonw_init(&w, buf, sizeof(buf));
	jsonw_lit(&w, "{\"ts\":");
	jsonw_ts(&w, t->start_ns);
	/* a u64 over 1e9: always finite, so never one json_real refuses */
	jsonw_lit(&w, ",\"duration_s\":");
	jsonw_real_short(&w, (double)t->dur_ns / 1e9);
	jsonw_lit(&w, ",\"client.address\":");
	jw_addr16(&w, t->client);
	jw_u64(&w, ",\"client.port\":", t->cport);
	if (hlen) {
		jsonw_lit(&w, ",\"server.address\":");
		jsonw_str(&w, name, hlen);
	}
	jw_u64(&w, ",\"server.port\":", sport);
	jsonw_lit(&w, ",\"network.local.address\":");
	jw_addr16(&w, t->server);
	jw_u64(&w, ",\"network.local.port\":", t->sport);
	jsonw_lit(&w, ",\"network.peer.address\":");
	jw_addr16(&w, t->client);
	jw_u64(&w, ",\"network.peer.port\":", t->cport);
	jsonw_lit(&w, ",\"network.transport\":\"tcp\",\"network.type\":");
	if (!memcmp(t->server, v4, sizeof(v4)))
		jsonw_lit(&w, "\"ipv4\"");
	else
		jsonw_lit(&w, "\"ipv6\"");
	jsonw_lit(&w, ",\"url.scheme\":\"http\"");
	if (t->status >= 500) {
		jsonw_lit(&w, ",\"error.type\":\"");
		jsonw_u64(&w, t->status);
		jsonw_char(&w, '"');
	}
	jsonw_lit(&w, ",\"http.request.method\":");
	jw_cstr(&w, rx_http_method_name(t->method));
	if (path && jsonw_utf8_ok(path, strlen(path))) {
		jsonw_lit(&w, ",\"url.path\":");
		jw_cstr(&w, path);
	}
	if (jsonw_utf8_ok(route, strlen(route))) {
		jsonw_lit(&w, ",\"http.route\":");
		jw_cstr(&w, route);
	}
	jw_u64(&w, ",\"http.response.status_code\":", t->status);
	if (t->flags & RX_TXN_REQ_SIZE)
		jw_u64(&w, ",\"http.request.body.size\":", t->req_size);
	if (t->flags & RX_TXN_RESP_SIZE)
		jw_u64(&w, ",\"http.response.body.size\":", t->resp_size);
	if (rx_http_minor_text(t->minor)) {
		jsonw_lit(&w, ",\"network.protocol.version\":");
		jw_cstr(&w, rx_http_minor_text(t->minor));
	}
	if (ua && jsonw_utf8_ok(ua, strlen(ua))) {
		jsonw_lit(&w, ",\"user_agent.original\":");
		jw_cstr(&w, ua);
	}
	jw_u64(&w, ",\"rxray.schema\":", RX_JSON_SCHEMA);
	jsonw_lit(&w, "}\n");
	return jw_write(out, &w);
}

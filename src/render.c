// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet views. Every value shown comes from the datapath's decoded record
 * (struct rx_pkt); the captured bytes are used only for -w.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "render.h"

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

/* SPEC.md's order; the AE/NS bit (0x100) is in the number only */
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

static void print_tcp_opts(FILE *out, const struct rx_pkt *pkt)
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
			fprintf(out, " {%u:%u}", pkt->sack[i][0], pkt->sack[i][1]);
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

void rx_render_line(FILE *out, const struct rx_capture *rec, const char *ifname)
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
	for (i = 0; i < pkt->vlan_n && i < RX_VLAN_MAX; i++)
		fprintf(out, "vlan %u, ", pkt->vlan[i].tci & 0xfff);

	if (HAS(pkt, RX_L_IPV4 | RX_L_IPV6)) {
		const char *ipv = HAS(pkt, RX_L_IPV4) ? "IP" : "IP6";

		fmt_src_dst(pkt, src, dst);
		if (HAS(pkt, RX_L_TCP)) {
			fmt_tcp_short(fl, pkt->tcp_flags);
			fprintf(out, "%s %s.%u > %s.%u: Flags [%s], seq %u", ipv, src, pkt->sport,
				dst, pkt->dport, fl, pkt->tcp_seq);
			if (pkt->tcp_flags & 0x10)
				fprintf(out, ", ack %u", pkt->tcp_ack);
			fprintf(out, ", win %u", pkt->tcp_win);
			print_tcp_opts(out, pkt);
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
	} else {
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
	}
	fprintf(out, " (%u bytes)", pkt->wire_len);
	if (pkt->reason != RX_REASON_OK && pkt->reason != RX_REASON_NOT_IP)
		fprintf(out, " [%s]", rx_reason_name(pkt->reason));
	if (pkt->verdict != RX_VERDICT_PASS)
		fprintf(out, " [%s]", rx_verdict_name(pkt->verdict));
	fputc('\n', out);
}

void rx_render_verbose(FILE *out, const struct rx_capture *rec, const char *ifname)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ts[32], fl[64];
	__u32 i;

	rx_render_line(out, rec, ifname);
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
}

/* ---- JSON --------------------------------------------------------------- */

static void set_int(json_t *o, const char *k, json_int_t v)
{
	json_object_set_new_nocheck(o, k, json_integer(v));
}

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new_nocheck(o, k, json_string(v));
}

static json_t *json_tcp(const struct rx_pkt *pkt)
{
	json_t *t = json_object(), *o, *sack;
	char fl[64];
	__u32 i;

	set_int(t, "srcport", pkt->sport);
	set_int(t, "dstport", pkt->dport);
	set_int(t, "seq_raw", pkt->tcp_seq);
	set_int(t, "ack_raw", pkt->tcp_ack);
	set_int(t, "flags", pkt->tcp_flags);
	rx_fmt_flags(fl, sizeof(fl), pkt->tcp_flags);
	set_str(t, "flags_str", fl);
	set_int(t, "window_size_value", pkt->tcp_win);
	set_int(t, "hdr_len", pkt->tcp_hl);
	set_int(t, "checksum", pkt->tcp_csum);
	set_int(t, "urgent_pointer", pkt->tcp_urp);
	if (pkt->tcp_optmask) {
		o = json_object();
		if (pkt->tcp_optmask & RX_TCPOPT_MSS)
			set_int(o, "mss", pkt->tcp_mss);
		if (pkt->tcp_optmask & RX_TCPOPT_WSCALE)
			set_int(o, "wscale", pkt->tcp_wscale);
		if (pkt->tcp_optmask & RX_TCPOPT_SACK_PERM)
			set_int(o, "sack_perm", 1);
		if (pkt->tcp_optmask & RX_TCPOPT_TS) {
			set_int(o, "tsval", pkt->tcp_tsval);
			set_int(o, "tsecr", pkt->tcp_tsecr);
		}
		if (pkt->tcp_optmask & RX_TCPOPT_SACK) {
			sack = json_array();
			for (i = 0; i < pkt->sack_n && i < RX_SACK_MAX; i++)
				json_array_append_new(sack, json_pack("[II]", (json_int_t)pkt->sack[i][0],
								      (json_int_t)pkt->sack[i][1]));
			json_object_set_new_nocheck(o, "sack", sack);
		}
		json_object_set_new_nocheck(t, "options", o);
	}
	return t;
}

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
 * http.request.{method,uri,version}, http.host, http.response.code, as
 * tshark names them. The URI is the path only (the datapath never keeps a
 * query string); bytes that are not UTF-8 are left out by jansson's check,
 * so they are replaced here rather than dropping the key.
 */
static json_t *json_http(const struct rx_http *h)
{
	json_t *o = json_object(), *req;
	char buf[RX_HTTP_URI_MAX + 1], ver[16];

	snprintf(ver, sizeof(ver), "HTTP/1.%u", h->minor);
	if (h->kind == RX_HTTP_REQUEST) {
		req = json_object();
		set_str(req, "method", rx_http_method_name(h->method));
		rx_http_text(buf, h->uri, h->uri_len);
		set_str(req, "uri", buf);
		if (rx_http_minor_text(h->minor))
			set_str(req, "version", ver);
		json_object_set_new_nocheck(o, "request", req);
		if (h->flags & RX_HTTPF_HOST) {
			rx_http_text(buf, h->host, h->host_len);
			set_str(o, "host", buf);
		}
	} else {
		json_object_set_new_nocheck(o, "response",
					    json_pack("{sIss}", "code", (json_int_t)h->status,
						      "version", ver));
	}
	return o;
}

int rx_render_json(FILE *out, const struct rx_capture *rec, const char *ifname)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ts[32];
	json_t *root = json_object(), *o, *l;
	char buf[8192];
	size_t n;
	__u32 i;

	o = json_object();
	set_int(o, "len", pkt->wire_len);
	/* the bytes the datapath had (as tshark's frame.cap_len for the same file) */
	set_int(o, "cap_len", pkt->cap_len);
	json_object_set_new_nocheck(root, "frame", o);

	if (HAS(pkt, RX_L_ETH)) {
		o = json_object();
		fmt_mac(a, pkt->eth_src);
		fmt_mac(b, pkt->eth_dst);
		set_str(o, "src", a);
		set_str(o, "dst", b);
		/* below 0x0600 the field is an IEEE 802.3 length, as tshark names it */
		set_int(o, pkt->eth_type < 0x0600 ? "len" : "type", pkt->eth_type);
		json_object_set_new_nocheck(root, "eth", o);
	}
	if (HAS(pkt, RX_L_VLAN)) {
		l = json_array();
		for (i = 0; i < pkt->vlan_n && i < RX_VLAN_MAX; i++)
			json_array_append_new(l, json_pack("{sIsIsIsI}", "id",
							  (json_int_t)(pkt->vlan[i].tci & 0xfff), "pcp",
							  (json_int_t)(pkt->vlan[i].tci >> 13), "dei",
							  (json_int_t)((pkt->vlan[i].tci >> 12) & 1),
							  "tpid", (json_int_t)pkt->vlan[i].tpid));
		json_object_set_new_nocheck(root, "vlan", l);
	}
	if (HAS(pkt, RX_L_IPV4)) {
		o = json_object();
		fmt_src_dst(pkt, a, b);
		set_int(o, "version", 4);
		set_int(o, "hdr_len", pkt->ip_hl);
		set_int(o, "dsfield", pkt->ip_tos);
		set_int(o, "len", pkt->ip_len);
		set_int(o, "id", pkt->ip_id);
		json_object_set_new_nocheck(o, "flags",
					    json_pack("{sIsI}", "df",
						      (json_int_t)((pkt->ip_frag >> 14) & 1), "mf",
						      (json_int_t)((pkt->ip_frag >> 13) & 1)));
		set_int(o, "frag_offset", pkt->ip_frag & 0x1fff);
		set_int(o, "ttl", pkt->ip_ttl);
		set_int(o, "proto", pkt->ip_proto);
		set_int(o, "checksum", pkt->ip_csum);
		set_str(o, "src", a);
		set_str(o, "dst", b);
		if (pkt->ipopt_n) {
			l = json_array();
			for (i = 0; i < pkt->ipopt_n && i < RX_IPOPT_MAX; i++)
				json_array_append_new(l, json_pack("{sIsI}", "type",
								  (json_int_t)pkt->ipopt[i].type, "len",
								  (json_int_t)pkt->ipopt[i].len));
			json_object_set_new_nocheck(o, "options", l);
		}
		json_object_set_new_nocheck(root, "ip", o);
	}
	if (HAS(pkt, RX_L_IPV6)) {
		o = json_object();
		fmt_src_dst(pkt, a, b);
		set_str(o, "src", a);
		set_str(o, "dst", b);
		set_int(o, "nxt", pkt->ip6_nxt);
		set_int(o, "hlim", pkt->ip6_hlim);
		set_int(o, "flow", pkt->ip6_flow);
		set_int(o, "plen", pkt->ip6_plen);
		set_int(o, "tclass", pkt->ip6_tclass);
		if (pkt->ip6ext_n) {
			l = json_array();
			for (i = 0; i < pkt->ip6ext_n && i < RX_IP6EXT_MAX; i++)
				json_array_append_new(l, json_pack("{sIsI}", "type",
								  (json_int_t)pkt->ip6ext[i].type, "len",
								  (json_int_t)pkt->ip6ext[i].len));
			json_object_set_new_nocheck(o, "ext", l);
		}
		if (HAS(pkt, RX_L_IP6FRAG))
			json_object_set_new_nocheck(
				o, "fraghdr",
				json_pack("{sIsIsI}", "offset", (json_int_t)(pkt->ip6_frag >> 3), "more",
					  (json_int_t)(pkt->ip6_frag & 1), "ident",
					  (json_int_t)pkt->ip6_frag_id));
		json_object_set_new_nocheck(root, "ipv6", o);
	}
	if (HAS(pkt, RX_L_TCP))
		json_object_set_new_nocheck(root, "tcp", json_tcp(pkt));
	if (HAS(pkt, RX_L_UDP))
		json_object_set_new_nocheck(root, "udp",
					    json_pack("{sIsIsIsI}", "srcport", (json_int_t)pkt->sport,
						      "dstport", (json_int_t)pkt->dport, "length",
						      (json_int_t)pkt->udp_len, "checksum",
						      (json_int_t)pkt->udp_csum));
	if (HAS(pkt, RX_L_ICMP | RX_L_ICMPV6))
		json_object_set_new_nocheck(root, HAS(pkt, RX_L_ICMP) ? "icmp" : "icmpv6",
					    json_pack("{sIsI}", "type", (json_int_t)pkt->icmp_type,
						      "code", (json_int_t)pkt->icmp_code));
	if (HAS(pkt, RX_L_PAYLOAD))
		json_object_set_new_nocheck(root, "payload",
					    json_pack("{sI}", "len", (json_int_t)pkt->payload_len));
	if (rec->http.kind != RX_HTTP_NONE)
		json_object_set_new_nocheck(root, "http", json_http(&rec->http));
	if (pkt->hook != RX_HOOK_NONE) {
		o = json_object();
		set_int(o, "ifindex", pkt->ifindex);
		if (ifname)
			set_str(o, "ifname", ifname);
		set_int(o, "rx_queue", pkt->rx_queue);
		set_str(o, "hook", rx_hook_name(pkt->hook));
		set_str(o, "verdict", rx_verdict_name(pkt->verdict));
		set_str(o, "reason", rx_reason_name(pkt->reason));
		json_object_set_new_nocheck(root, "kernel", o);
	}
	json_object_set_new_nocheck(root, "rxray",
				    json_pack("{ssssss}", "verdict", rx_verdict_name(pkt->verdict),
					      "reason", rx_reason_name(pkt->reason), "proto",
					      rx_proto_name(pkt->proto)));
	/*
	 * ts goes first, as exact text: nanoseconds since the epoch need 19
	 * significant digits, more than a double (and so json_real) holds.
	 */
	rx_fmt_ts(ts, sizeof(ts), pkt->ts_ns);
	n = json_dumpb(root, buf, sizeof(buf), JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (n < 2 || n > sizeof(buf))
		return -1;
	fprintf(out, "{\"ts\":%s,%.*s\n", ts, (int)(n - 1), buf + 1);
	return 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The oracles for rx_render_json and rx_render_txn_json: the jansson
 * renderers they replaced (src/render.c and src/cmd_requests.c at 3c1626b),
 * kept verbatim but for their names and arguments, so tests can hold the
 * direct writer (src/jsonw.c) to the exact bytes rxray printed before; since
 * issue 15, with watch --json's keys renamed to tshark's field names (the
 * frame number, tcp.flags.*, tcp.options.mss_val, wscale.shift, timestamp.*)
 * in both alike.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "render_json_jansson.h"

#define HAS(pkt, l) (((pkt)->layers & (l)) != 0)

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

static void set_int(json_t *o, const char *k, json_int_t v)
{
	json_object_set_new_nocheck(o, k, json_integer(v));
}

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new_nocheck(o, k, json_string(v));
}

/* tshark's tcp.flags.str: bits 11..0, the letter if set, else U+00B7 (MIDDLE DOT) */
static void fmt_flags_str(char *buf, __u16 flags)
{
	static const char letters[] = "RRRACEUAPRSF";
	int bit;

	buf[0] = 0;
	for (bit = 11; bit >= 0; bit--) {
		if ((flags >> bit) & 1)
			strncat(buf, &letters[11 - bit], 1);
		else
			strcat(buf, "\u00b7");
	}
}

static json_t *json_tcp(const struct rx_pkt *pkt)
{
	/* tcp.flags.NAME, in docs/json.md's order */
	static const char *const bits[] = { "flags.fin", "flags.syn", "flags.reset", "flags.push",
					    "flags.ack", "flags.urg", "flags.ece", "flags.cwr" };
	json_t *t = json_object(), *o, *sack;
	char fl[64];
	__u32 i;

	set_int(t, "srcport", pkt->sport);
	set_int(t, "dstport", pkt->dport);
	set_int(t, "seq_raw", pkt->tcp_seq);
	set_int(t, "ack_raw", pkt->tcp_ack);
	/* a number and a parent: the children are dotted keys beside it */
	set_int(t, "flags", pkt->tcp_flags);
	for (i = 0; i < 8; i++)
		set_int(t, bits[i], (pkt->tcp_flags >> i) & 1);
	fmt_flags_str(fl, pkt->tcp_flags);
	set_str(t, "flags.str", fl);
	set_int(t, "window_size_value", pkt->tcp_win);
	set_int(t, "hdr_len", pkt->tcp_hl);
	set_int(t, "checksum", pkt->tcp_csum);
	set_int(t, "urgent_pointer", pkt->tcp_urp);
	if (pkt->tcp_optmask) {
		o = json_object();
		if (pkt->tcp_optmask & RX_TCPOPT_MSS)
			set_int(o, "mss_val", pkt->tcp_mss);
		if (pkt->tcp_optmask & RX_TCPOPT_WSCALE)
			json_object_set_new_nocheck(o, "wscale",
						    json_pack("{sI}", "shift",
							      (json_int_t)pkt->tcp_wscale));
		if (pkt->tcp_optmask & RX_TCPOPT_SACK_PERM)
			set_int(o, "sack_perm", 1);
		if (pkt->tcp_optmask & RX_TCPOPT_TS)
			json_object_set_new_nocheck(o, "timestamp",
						    json_pack("{sIsI}", "tsval",
							      (json_int_t)pkt->tcp_tsval, "tsecr",
							      (json_int_t)pkt->tcp_tsecr));
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

/* The IP header's addresses as text, "src" then "dst". */
static void set_src_dst(json_t *o, const struct rx_pkt *pkt)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fmt_src_dst(pkt, a, b);
	set_str(o, "src", a);
	set_str(o, "dst", b);
}

/* [{"type", "len"}, ...] of the first n (at most max) of arr: IPv4 options, IPv6 extension headers */
#define JSON_TYPE_LENS(arr, n, max)                                                           \
	({                                                                                    \
		json_t *l_ = json_array();                                                    \
		for (__u32 i_ = 0; i_ < (n) && i_ < (max); i_++)                              \
			json_array_append_new(l_, json_pack("{sIsI}", "type",                  \
							   (json_int_t)(arr)[i_].type, "len",  \
							   (json_int_t)(arr)[i_].len));        \
		l_;                                                                           \
	})

/* The IPv4 header, as tshark's ip.* fields. */
static json_t *json_ipv4(const struct rx_pkt *pkt)
{
	json_t *o = json_object();

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
	set_src_dst(o, pkt);
	if (pkt->ipopt_n)
		json_object_set_new_nocheck(o, "options",
					    JSON_TYPE_LENS(pkt->ipopt, pkt->ipopt_n, RX_IPOPT_MAX));
	return o;
}

/* The IPv6 header and its extension headers, as tshark's ipv6.* fields. */
static json_t *json_ipv6(const struct rx_pkt *pkt)
{
	json_t *o = json_object();

	set_src_dst(o, pkt);
	set_int(o, "nxt", pkt->ip6_nxt);
	set_int(o, "hlim", pkt->ip6_hlim);
	set_int(o, "flow", pkt->ip6_flow);
	set_int(o, "plen", pkt->ip6_plen);
	set_int(o, "tclass", pkt->ip6_tclass);
	if (pkt->ip6ext_n)
		json_object_set_new_nocheck(o, "ext",
					    JSON_TYPE_LENS(pkt->ip6ext, pkt->ip6ext_n, RX_IP6EXT_MAX));
	if (HAS(pkt, RX_L_IP6FRAG))
		json_object_set_new_nocheck(
			o, "fraghdr",
			json_pack("{sIsIsI}", "offset", (json_int_t)(pkt->ip6_frag >> 3), "more",
				  (json_int_t)(pkt->ip6_frag & 1), "ident",
				  (json_int_t)pkt->ip6_frag_id));
	return o;
}

/*
 * The link layer of a file that is not Ethernet (src/linklayer.c, written
 * after the oracle was frozen): tshark's sll.* and null.family, raw.
 */
static json_t *json_link(const struct rx_pkt *pkt, const char **key)
{
	unsigned int i, n = pkt->sll_halen < 8 ? pkt->sll_halen : 8;
	char src[32] = "";
	json_t *o;

	*key = NULL;
	if (!HAS(pkt, RX_L_LINK) && pkt->link != RX_LINK_RAW)
		return NULL;
	if (pkt->link == RX_LINK_SLL || pkt->link == RX_LINK_SLL2) {
		o = json_object();
		set_int(o, "pkttype", pkt->sll_pkttype);
		set_int(o, "hatype", pkt->sll_hatype);
		set_int(o, "halen", pkt->sll_halen);
		if (pkt->sll_halen == 4 && pkt->sll_hatype == 778) {
			inet_ntop(AF_INET, pkt->sll_addr, src, sizeof(src));
			set_str(o, "src.ipv4", src);
		} else if (n) {
			for (i = 0; i < n; i++)
				sprintf(src + strlen(src), "%s%02x",
					i && n == 6 && pkt->sll_halen == 6 ? ":" : "", pkt->sll_addr[i]);
			set_str(o, n == 6 && pkt->sll_halen == 6 ? "src.eth" : "src.other", src);
		}
		set_int(o, pkt->sll_hatype == 778 ? "gretype" : pkt->sll_proto < 0x0600 ? "ltype" : "etype",
			pkt->sll_proto);
		if (pkt->link == RX_LINK_SLL2)
			set_int(o, "ifindex", pkt->link_ifindex);
		*key = "sll";
		return o;
	}
	if (pkt->link == RX_LINK_NULL || pkt->link == RX_LINK_LOOP) {
		*key = "null";
		return json_pack("{sI}", "family", (json_int_t)pkt->link_family);
	}
	if (pkt->link == RX_LINK_RAW) {
		*key = "raw";
		return json_object();
	}
	return NULL;
}

#define FRAME_OPEN "{\"frame\":{"

int rx_render_json_jansson(FILE *out, const struct rx_capture *rec, __u64 frame,
			   const char *ifname)
{
	const struct rx_pkt *pkt = &rec->pkt;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ts[32];
	json_t *root = json_object(), *o, *l;
	const char *key;
	char buf[8192];
	size_t n;
	__u32 i;

	o = json_object();
	set_int(o, "number", (json_int_t)frame);
	set_int(o, "len", pkt->wire_len);
	/* the bytes the datapath had (as tshark's frame.cap_len for the same file) */
	set_int(o, "cap_len", pkt->cap_len);
	json_object_set_new_nocheck(root, "frame", o);

	o = json_link(pkt, &key);
	if (o)
		json_object_set_new_nocheck(root, key, o);
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
	if (HAS(pkt, RX_L_IPV4))
		json_object_set_new_nocheck(root, "ip", json_ipv4(pkt));
	if (HAS(pkt, RX_L_IPV6))
		json_object_set_new_nocheck(root, "ipv6", json_ipv6(pkt));
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
				    json_pack("{sssssssi}", "verdict", rx_verdict_name(pkt->verdict),
					      "reason", rx_reason_name(pkt->reason), "proto",
					      rx_proto_name(pkt->proto), "schema", RX_JSON_SCHEMA));
	/*
	 * frame.time_epoch goes first, as exact text: nanoseconds since the
	 * epoch need 19 significant digits, more than a double (and so
	 * json_real) holds. The dump starts {"frame":{"number":...
	 */
	rx_fmt_ts(ts, sizeof(ts), pkt->ts_ns);
	n = json_dumpb(root, buf, sizeof(buf), JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (n < sizeof(FRAME_OPEN) || n > sizeof(buf) ||
	    memcmp(buf, FRAME_OPEN, sizeof(FRAME_OPEN) - 1))
		return -1;
	fprintf(out, FRAME_OPEN "\"time_epoch\":%s,%.*s\n", ts,
		(int)(n - (sizeof(FRAME_OPEN) - 1)), buf + sizeof(FRAME_OPEN) - 1);
	return 0;
}

/* requests --json's jansson code (src/cmd_requests.c at 3c1626b), as a function. */
static void fmt_addr16(char *buf, const __u8 *a)
{
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4, 12))
		inet_ntop(AF_INET, a + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/*
 * The Host header apart, read again from RFC 9110 7.2 and RFC 3986 3.2.2:
 * "[" IPv6 "]" [":" port] or name [":" port]; a port is 1 to 5 digits,
 * 1-65535. Returns 0 when there is no host.
 */
static int host_parts(const char *h, char *name, size_t size, long *port)
{
	const char *rb = strchr(h, ']'), *c = strchr(h, ':'), *p = NULL;

	if (h[0] == '[' && rb && (rb[1] == '\0' || rb[1] == ':')) {
		snprintf(name, size, "%.*s", (int)(rb - h - 1), h + 1);
		if (rb[1] == ':')
			p = rb + 2;
	} else if (h[0] != '[' && c && strrchr(h, ':') == c) {
		snprintf(name, size, "%.*s", (int)(c - h), h);
		p = c + 1;
	} else {
		snprintf(name, size, "%s", h);
	}
	if (p && strlen(p) >= 1 && strlen(p) <= 5 && strspn(p, "0123456789") == strlen(p) &&
	    strtol(p, NULL, 10) >= 1 && strtol(p, NULL, 10) <= 65535)
		*port = strtol(p, NULL, 10);
	return name[0] != '\0';
}

/* the fewest significant digits that strtod reads back as v */
static int shortest(double v)
{
	char b[64];
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(b, sizeof(b), "%.*g", p, v);
		if (strtod(b, NULL) == v)
			break;
	}
	return p;
}

/*
 * requests --json in the contract's keys and order (docs/json.md "requests
 * --json"): the jansson form of rx_render_txn_json.
 */
int rx_render_txn_json_jansson(FILE *out, const struct rx_txn *t, const char *route,
			       const char *path, const char *ua, const char *host)
{
	char c[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], ts[32], ver[8], name[1024], err[8];
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	double dur = (double)t->dur_ns / 1e9;
	long port = t->sport;
	int has_name = 0;
	json_t *o = json_object(), *hj;
	char *txt;
	int r;

	fmt_addr16(c, t->client);
	fmt_addr16(s, t->server);
	rx_fmt_ts(ts, sizeof(ts), t->start_ns);
	snprintf(ver, sizeof(ver), "%s", rx_http_minor_text(t->minor) ?: "?");
	hj = host ? json_string(host) : NULL; /* NULL: not UTF-8, left out whole */
	if (hj)
		has_name = host_parts(host, name, sizeof(name), &port);
	json_decref(hj);
	json_object_set_new(o, "duration_s", json_real(dur));
	json_object_set_new(o, "client.address", json_string(c));
	json_object_set_new(o, "client.port", json_integer(t->cport));
	if (has_name)
		json_object_set_new(o, "server.address", json_string(name));
	json_object_set_new(o, "server.port", json_integer(port));
	json_object_set_new(o, "network.local.address", json_string(s));
	json_object_set_new(o, "network.local.port", json_integer(t->sport));
	json_object_set_new(o, "network.peer.address", json_string(c));
	json_object_set_new(o, "network.peer.port", json_integer(t->cport));
	json_object_set_new(o, "network.transport", json_string("tcp"));
	json_object_set_new(o, "network.type",
			    json_string(memcmp(t->server, v4, 12) ? "ipv6" : "ipv4"));
	json_object_set_new(o, "url.scheme", json_string("http"));
	if (t->status >= 500) {
		snprintf(err, sizeof(err), "%u", t->status);
		json_object_set_new(o, "error.type", json_string(err));
	}
	json_object_set_new(o, "http.request.method", json_string(rx_http_method_name(t->method)));
	if (path)
		json_object_set_new(o, "url.path", json_string(path));
	json_object_set_new(o, "http.route", json_string(route));
	json_object_set_new(o, "http.response.status_code", json_integer(t->status));
	if (t->flags & 1)
		json_object_set_new(o, "http.request.body.size", json_integer(t->req_size));
	if (t->flags & 2)
		json_object_set_new(o, "http.response.body.size", json_integer(t->resp_size));
	if (rx_http_minor_text(t->minor))
		json_object_set_new(o, "network.protocol.version", json_string(ver));
	if (ua)
		json_object_set_new(o, "user_agent.original", json_string(ua));
	json_object_set_new(o, "rxray.schema", json_integer(RX_JSON_SCHEMA));
	txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(shortest(dur)));
	json_decref(o);
	/* ts first, as exact text (see render.c) */
	r = txt ? 0 : -1;
	if (txt)
		fprintf(out, "{\"ts\":%s,%s\n", ts, txt + 1);
	free(txt);
	return r;
}

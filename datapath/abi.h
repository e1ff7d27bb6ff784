/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one ABI header: every map key/value and ring-buffer record shared by
 * the BPF programs, the native build and user space.
 *
 * Fixed-width types, explicit padding, a size assertion per struct. Byte
 * order: multi-byte header fields are stored in HOST order (the decoder
 * converts once), except addresses, which stay in network order (as on the
 * wire) so they can go straight to inet_ntop().
 */
#ifndef RX_ABI_H
#define RX_ABI_H

#include <linux/types.h>
#include "reasons.h"

#define RX_VLAN_MAX 2     /* tags decoded; a third is vlan_too_deep */
#define RX_IPOPT_MAX 40   /* IPv4 options listed, NOP and EOL included: 40 bytes hold at most 40 */
#define RX_IP6EXT_MAX 8   /* extension headers walked; a ninth is ipv6_ext_too_deep */
#define RX_SACK_MAX 4     /* SACK blocks in one option (RFC 2018: at most 4) */
#define RX_SNAP_MAX 2048  /* packet bytes carried by one capture record */
#define RX_TALKERS_MAX 8192  /* source addresses counted; more: talkers_overflow */
#define RX_SERVICES_MAX 1024 /* (port, proto) destinations counted; more: services_overflow */
#define RX_FLOWS_MAX 65536   /* TCP connections tracked (BPF: LRU; native: then flows_overflow) */
#define RX_HTTP_CONNS_MAX 16384 /* HTTP connections with requests in flight (BPF: LRU) */
#define RX_HTTP_PIPE 16         /* requests awaiting their responses, per connection */
#define RX_TCP_PORTS_MAX 4096   /* server ports with TCP health counts (BPF: LRU; native: then tcp_ports_overflow) */
/*
 * The meaning of pinned state (route ids, map layouts): raised whenever a
 * new build must not continue an older one's maps. It is the size of the
 * pinned rx_abi map, so libbpf refuses to reuse another version's pins.
 */
#define RX_ABI_VERSION 18 /* 18: the connection filter's two generations (rx_conn_filter.gen, rx_config_rt.cf_gen), closed connections (rx_tcp_flow.closed, close_s); 17: the connection filter's third table, TLS connections (rx_conn_filter.tls); 16: the traffic picture's key filter (rx_pict_filter), the scan budget (rx_percpu.scan); 14: the receiving socket at TC ingress (rx_sock_ports, rx_config_rt.nosock, work area, stats nosocket_tcp/udp, listen_full, sock_ports_lost); 8: the per-CPU counters and work areas in one map, rx_percpu; 9: route flags (cut); 10: scan maps; 11: TLS stage (work area, stats); 12: guard reasons and maps; 13: TCP health per destination port (rx_tcp_ports, stat tcp_ports_overflow); per-source limits (rx_guard_srclimits, rx_guard_cfg.src_limits) for the guard's SLO loop; rx_config_rt.sample (serve's sampled capture for alert evidence); SYN guard and port caps (rx_guard_cfg, rx_guard_good); TLS hellos over two segments (rx_tls_holds, work area); TLS connections and per-SNI rows (rx_tls_conns, rx_tls_eps, stage TLS, stats); 15: the guard's early check at XDP entry (rx_guard_cfg.lists, rx_stagectx.guard) */

#define RX_ROUTE_MAX 64         /* bytes of a templated route */
#define RX_ROUTES_PER_SERVICE 128 /* route budget per server port; then the overflow route */
#define RX_ROUTES_MAX 8192      /* routes over all services */
#define RX_ENDPOINTS_MAX 4096   /* (port, method, route, status) combinations */
#define RX_ROUTE_OVERFLOW 0xffffffffu /* the route id of "{overflow}" */
#define RX_HTTP_TIMEOUT_NS (60ull * 1000000000ull) /* a request older than this expired */

/* Which layers of struct rx_pkt hold decoded values. */
enum rx_layer {
	RX_L_ETH = 1 << 0,
	RX_L_VLAN = 1 << 1,
	RX_L_IPV4 = 1 << 2,
	RX_L_IPV6 = 1 << 3,
	RX_L_TCP = 1 << 4,
	RX_L_UDP = 1 << 5,
	RX_L_ICMP = 1 << 6,
	RX_L_ICMPV6 = 1 << 7,
	RX_L_IP6FRAG = 1 << 8, /* IPv6 fragment header seen: ip6_frag_* valid */
	RX_L_PAYLOAD = 1 << 9, /* payload_len valid */
	RX_L_LINK = 1 << 10,   /* a link header other than Ethernet: link_* or sll_* valid */
};

/*
 * The link layer a frame starts with (struct rx_pkt.link). The hooks see
 * Ethernet; a capture file may hold any of these (src/source_file.c maps
 * the file's DLT), and the same decoder starts at the layer the link
 * header names (datapath/parse.h, rx_parse_link).
 */
enum rx_link {
	RX_LINK_ETH = 0,  /* Ethernet II (DLT_EN10MB) */
	RX_LINK_SLL = 1,  /* Linux cooked capture v1 (DLT_LINUX_SLL, 113) */
	RX_LINK_SLL2 = 2, /* Linux cooked capture v2 (DLT_LINUX_SLL2, 276: tcpdump -i any) */
	RX_LINK_NULL = 3, /* BSD loopback, family in the writer's byte order (DLT_NULL, 0) */
	RX_LINK_LOOP = 4, /* OpenBSD loopback, family in network order (DLT_LOOP, 108) */
	RX_LINK_RAW = 5,  /* raw IP, the version nibble tells which (DLT_RAW: 12, 14, 101) */
	RX_LINK_IPV4 = 6, /* raw IPv4 (DLT_IPV4, 228) */
	RX_LINK_IPV6 = 7, /* raw IPv6 (DLT_IPV6, 229) */
	RX_LINK_MAX,
};

/*
 * TCP header flags (RFC 9293 section 3.1, RFC 3168), as struct rx_pkt.tcp_flags
 * holds them: the low byte of the 12 bits after the data offset.
 */
#define RX_TH_FIN 0x01
#define RX_TH_SYN 0x02
#define RX_TH_RST 0x04
#define RX_TH_PUSH 0x08
#define RX_TH_ACK 0x10
#define RX_TH_URG 0x20
#define RX_TH_ECE 0x40
#define RX_TH_CWR 0x80
#define RX_TH_FLAGS 0x0fff /* reserved:3 AE CWR ECE URG ACK PSH RST SYN FIN */

/* IPv4 flags and fragment offset (RFC 791), as struct rx_pkt.ip_frag holds them. */
#define RX_IP_MF 0x2000      /* more fragments */
#define RX_IP_OFFMASK 0x1fff /* the fragment offset, 8-byte units */

/* The IPv6 fragment header's second half (RFC 8200 section 4.5): struct rx_pkt.ip6_frag. */
#define RX_IP6F_OFFMASK 0xfff8 /* the fragment offset, 8-byte units, shifted by 3 */
#define RX_IP6F_MORE 0x0001    /* more fragments */

/* Which TCP options were present (struct rx_pkt.tcp_optmask). */
enum rx_tcpopt {
	RX_TCPOPT_MSS = 1 << 0,
	RX_TCPOPT_WSCALE = 1 << 1,
	RX_TCPOPT_SACK_PERM = 1 << 2,
	RX_TCPOPT_SACK = 1 << 3,
	RX_TCPOPT_TS = 1 << 4,
};

enum rx_hook {
	RX_HOOK_NONE = 0, /* offline: the native build fed from a pcap */
	RX_HOOK_XDP = 1,
	RX_HOOK_TC_INGRESS = 2,
	RX_HOOK_TC_EGRESS = 3,
};

struct rx_vlan {
	__u16 tpid; /* 0x8100 or 0x88a8 (or 0x9100) */
	__u16 tci;  /* pcp:3 dei:1 id:12 */
};

struct rx_ipopt {
	__u8 type;
	__u8 len; /* bytes, including type and length; 1 for EOL/NOP */
};

struct rx_ip6ext {
	__u8 type;  /* protocol number of this extension header */
	__u8 pad;
	__u16 len;  /* bytes */
};

/*
 * One decoded packet. Produced by the datapath for every packet, the head
 * of every capture record. Fields of a layer are valid only when its
 * RX_L_* bit is set in .layers; everything else is zero.
 */
struct rx_pkt {
	__u64 ts_ns;     /* CLOCK_MONOTONIC (live) or pcap time (offline) */
	__u32 wire_len;  /* frame length on the wire (no FCS) */
	__u32 cap_len;   /* bytes the datapath could read */
	__u32 ifindex;
	__u32 rx_queue;
	__u8 hook;       /* enum rx_hook */
	__u8 verdict;    /* enum rx_verdict */
	__u8 reason;     /* enum rx_reason */
	__u8 proto;      /* enum rx_proto */
	__u32 layers;    /* enum rx_layer bits */

	/* L2 */
	__u8 eth_dst[6];
	__u8 eth_src[6];
	__u16 eth_type;  /* the type right after the MAC addresses */
	__u16 l3_type;   /* the type after the last decoded VLAN tag */
	__u8 vlan_n;
	__u8 ipopt_n;
	__u8 ip6ext_n;
	__u8 sack_n;
	struct rx_vlan vlan[RX_VLAN_MAX];

	/* offsets from the start of the frame; 0 when absent */
	__u16 l3_off;
	__u16 l4_off;
	__u16 payload_off;
	__u16 pad0;
	__u32 payload_len; /* L4 payload length as the headers state it (BIG TCP: > 64 KiB) */

	/* IPv4 (RFC 791) */
	__u8 ip_hl;      /* header length, bytes */
	__u8 ip_tos;
	__u8 ip_ttl;
	__u8 ip_proto;
	__u16 ip_len;
	__u16 ip_id;
	__u16 ip_frag;   /* flags:3 offset:13 as on the wire */
	__u16 ip_csum;
	__be32 ip_src;
	__be32 ip_dst;
	struct rx_ipopt ipopt[RX_IPOPT_MAX];

	/* IPv6 (RFC 8200) */
	__u8 ip6_src[16];
	__u8 ip6_dst[16];
	__u32 ip6_flow;  /* 20-bit flow label */
	__u8 ip6_tclass;
	__u8 ip6_nxt;    /* next header of the fixed header */
	__u8 ip6_hlim;
	__u8 l4_nxt;     /* protocol after the last header (IPv4 or IPv6) */
	__u16 ip6_plen;
	__u16 ip6_frag;  /* fragment header: offset:13 res:2 M:1 */
	__u32 ip6_frag_id;
	struct rx_ip6ext ip6ext[RX_IP6EXT_MAX];

	/* L4 ports (TCP/UDP) */
	__u16 sport;
	__u16 dport;

	/* TCP (RFC 9293), options RFC 7323, RFC 2018 */
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u16 tcp_flags; /* 12 bits: reserved:3 AE CWR ECE URG ACK PSH RST SYN FIN */
	__u16 tcp_win;
	__u16 tcp_csum;
	__u16 tcp_urp;
	__u8 tcp_hl;     /* header length, bytes */
	__u8 tcp_optmask;/* enum rx_tcpopt */
	__u8 tcp_wscale;
	__u8 pad1;
	__u16 tcp_mss;
	__u16 pad2;
	__u32 tcp_tsval;
	__u32 tcp_tsecr;
	__u32 sack[RX_SACK_MAX][2];

	/* UDP (RFC 768) */
	__u16 udp_len;
	__u16 udp_csum;

	/* ICMP (RFC 792) / ICMPv6 (RFC 4443) */
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 icmp_csum;
	__u32 icmp_rest; /* the second 32-bit word (id/seq for echo) */

	/*
	 * The link layer: its type for every frame, its header's fields (tshark's
	 * sll.* and null.*) with RX_L_LINK. Ethernet's are eth_* above.
	 */
	__u8 link;          /* enum rx_link */
	__u8 sll_halen;     /* SLL, SLL2: link-layer address length as stated */
	__u16 sll_proto;    /* SLL, SLL2: an EtherType, or a Linux LINUX_SLL_P_* below 0x0600 */
	__u32 link_ifindex; /* SLL2: the capturing host's interface index */
	__u32 link_family;  /* NULL, LOOP: the address family (AF_INET 2; AF_INET6 24, 28, 30) */
	__u16 sll_pkttype;  /* SLL, SLL2: PACKET_HOST 0 ... PACKET_OUTGOING 4 */
	__u16 sll_hatype;   /* SLL, SLL2: ARPHRD_* */
	__u8 sll_addr[8];   /* SLL, SLL2: the source link-layer address, sll_halen bytes of it */
	__u32 pad3;
};
_Static_assert(sizeof(struct rx_pkt) == 360, "struct rx_pkt ABI size");

#define RX_HTTP_PEEK 512     /* TCP payload bytes the HTTP decoder looks at */
#define RX_HTTP_URI_MAX 128  /* request path bytes kept (the query never is) */
#define RX_HTTP_HOST_MAX 64  /* Host header bytes kept */
#define RX_HTTP_UA_MAX 128   /* User-Agent bytes kept (transaction records only) */

#define RX_HTTP_MINOR_UNKNOWN 0xff /* a request line that runs past RX_HTTP_PEEK */

enum rx_http_kind {
	RX_HTTP_NONE = 0,
	RX_HTTP_REQUEST = 1,
	RX_HTTP_RESPONSE = 2,
};

enum rx_http_flag {
	RX_HTTPF_QUERY = 1 << 0,     /* the URI had a query string: not kept (secrets) */
	RX_HTTPF_URI_TRUNC = 1 << 1, /* the path was longer than RX_HTTP_URI_MAX */
	RX_HTTPF_HOST = 1 << 2,      /* a Host header was found */
	RX_HTTPF_HOST_TRUNC = 1 << 3,
	RX_HTTPF_CLEN = 1 << 4,      /* a Content-Length header was found */
	RX_HTTPF_PARTIAL = 1 << 5,   /* a start line begins but does not end in view */
	RX_HTTPF_TE = 1 << 6,        /* a Transfer-Encoding header was found (at a line start in view) */
};

/*
 * The HTTP/1.x start line (and Host) of a segment that begins one, decoded
 * in the datapath from the first RX_HTTP_PEEK payload bytes. Only the path
 * of the URI is kept: query strings (tokens) and every other header
 * (Authorization, Cookie) never leave the kernel.
 */
struct rx_http {
	__u8 kind;       /* enum rx_http_kind */
	__u8 method;     /* enum rx_http_method */
	__u8 minor;      /* HTTP/1.minor */
	__u8 flags;      /* enum rx_http_flag */
	__u16 status;    /* responses */
	__u8 uri_len;
	__u8 host_len;
	__u32 content_length; /* when RX_HTTPF_CLEN */
	__u16 hdr_end;        /* payload offset just past the blank line; 0: not in view */
	__u8 path_off;        /* where the path starts in uri[]: after an absolute-form's
				 "scheme://authority" (routes and url.path come from there) */
	__u8 pad;
	char uri[RX_HTTP_URI_MAX];
	char host[RX_HTTP_HOST_MAX];
};
_Static_assert(sizeof(struct rx_http) == 16 + RX_HTTP_URI_MAX + RX_HTTP_HOST_MAX,
	       "struct rx_http ABI size");

/*
 * TLS hellos (datapath/tls.h): what a ClientHello or ServerHello in one
 * segment says, as the TLS stage decodes it from its first RX_TLS_BUF
 * bytes. Lists keep their first entries in wire order, GREASE values
 * included (RFC 8701); user space computes JA3 and JA4 from them.
 */
#define RX_TLS_BUF 2048       /* segment bytes the TLS stage looks at */
#define RX_TLS_CIPHERS_MAX 64 /* cipher suites kept; more: RX_TLSF_CUT */
#define RX_TLS_EXTS_MAX 32    /* extension types kept */
#define RX_TLS_SIGALGS_MAX 32 /* signature_algorithms kept */
#define RX_TLS_GROUPS_MAX 16  /* supported_groups kept */
#define RX_TLS_VERSIONS_MAX 8 /* supported_versions kept */
#define RX_TLS_ECPF_MAX 4     /* ec_point_formats kept */
#define RX_TLS_SNI_MAX 128    /* server name bytes kept */
#define RX_TLS_ALPN_MAX 64    /* bytes of the ALPN protocol_name_list kept, as on the wire */

enum rx_tls_kind {
	RX_TLS_NONE = 0,
	RX_TLS_CLIENT_HELLO = 1, /* handshake type 1 */
	RX_TLS_SERVER_HELLO = 2, /* handshake type 2 */
};

enum rx_tls_flag {
	RX_TLSF_SNI = 1 << 0,        /* a server_name extension with a host_name */
	RX_TLSF_ALPN = 1 << 1,       /* an ALPN extension with a protocol */
	RX_TLSF_SNI_TRUNC = 1 << 2,  /* the name was longer than RX_TLS_SNI_MAX */
	RX_TLSF_ALPN_TRUNC = 1 << 3, /* the protocol list was longer than RX_TLS_ALPN_MAX */
	RX_TLSF_CUT = 1 << 4,        /* a list was longer than rxray keeps */
	RX_TLSF_PARTIAL = 1 << 5,    /* the hello runs past the segment (or RX_TLS_BUF) */
	RX_TLSF_MALFORMED = 1 << 6,  /* a length disagrees with its container: stopped there */
	RX_TLSF_VERSIONS = 1 << 7,   /* a supported_versions extension */
	RX_TLSF_SIGALGS = 1 << 8,    /* a signature_algorithms extension */
	RX_TLSF_HELD = 1 << 9,       /* a ClientHello's first piece, held for the next segment */
	RX_TLSF_REASSEMBLED = 1 << 10, /* decoded from a held piece and this segment */
};

struct rx_tls {
	__u8 kind;          /* enum rx_tls_kind */
	__u8 pad0;
	__u16 flags;        /* enum rx_tls_flag */
	__u16 rec_version;  /* the record header's version (tls.record.version) */
	__u16 hs_version;   /* the hello's legacy_version (tls.handshake.version) */
	__u16 cipher;       /* ServerHello: the chosen suite */
	__u16 sel_version;  /* ServerHello: supported_versions' selected version */
	__u32 hs_len;       /* the handshake message's length as stated */
	__u8 n_ciphers;     /* entries kept in ciphers[] ... */
	__u8 n_exts;
	__u8 n_sigalgs;
	__u8 n_groups;
	__u8 n_versions;
	__u8 n_ecpf;
	__u8 sni_len;
	__u8 alpn_len;
	__u16 ciphers_all;  /* cipher suites seen, kept or not */
	__u16 exts_all;     /* extensions seen, kept or not */
	__u16 ciphers[RX_TLS_CIPHERS_MAX];
	__u16 exts[RX_TLS_EXTS_MAX];
	__u16 sigalgs[RX_TLS_SIGALGS_MAX];
	__u16 groups[RX_TLS_GROUPS_MAX];
	__u16 versions[RX_TLS_VERSIONS_MAX];
	__u8 ecpf[RX_TLS_ECPF_MAX];
	char sni[RX_TLS_SNI_MAX];
	char alpn[RX_TLS_ALPN_MAX]; /* ALPN's protocol_name_list: length-prefixed names */
};
_Static_assert(sizeof(struct rx_tls) == 28 + 2 * (RX_TLS_CIPHERS_MAX + RX_TLS_EXTS_MAX +
						   RX_TLS_SIGALGS_MAX + RX_TLS_GROUPS_MAX +
						   RX_TLS_VERSIONS_MAX) +
	       RX_TLS_ECPF_MAX + RX_TLS_SNI_MAX + RX_TLS_ALPN_MAX, "struct rx_tls ABI size");

/*
 * A ClientHello's first piece, held until the next segment of its
 * connection and direction (rx_tls_holds, keyed by struct rx_flow_key
 * with pad the sender's side): when that segment starts at next, the two
 * are decoded as one hello. Sequence numbers in host order.
 */
#define RX_TLS_HOLDS_MAX 1024 /* connections with a piece held (BPF: LRU) */
struct rx_tls_hold {
	__u32 seq;  /* the piece's first sequence number */
	__u32 next; /* where the next piece must start: seq + the piece's length */
	__u32 len;  /* bytes held, at most RX_TLS_BUF */
	__u32 pad;
	__u8 data[RX_TLS_BUF];
};
_Static_assert(sizeof(struct rx_tls_hold) == 16 + RX_TLS_BUF, "struct rx_tls_hold ABI size");

/* The TLS stage's walk over the hello (datapath/tls.h). */
struct rx_tlswalk {
	__u32 off;      /* next byte */
	__u32 end;      /* where the bytes of the hello in view end */
	__u32 hs_end;   /* where the hello ends as stated */
	__u32 exts_end; /* where the extension list ends, as stated */
	__u32 list_end; /* where the list (or name) being read ends, within end */
	__u32 ext_end;  /* where the extension being read ends, as stated */
	__u32 ext_type;
	__u32 state;    /* RX_TLS_S_* */
};
_Static_assert(sizeof(struct rx_tlswalk) == 32, "struct rx_tlswalk ABI size");

/*
 * The head of every ring-buffer record: readers dispatch on its type, never
 * on the record's size (the transaction ring carries two kinds).
 */
enum rx_rec_type {
	RX_REC_CAPTURE = 1, /* struct rx_capture (rx_ring) */
	RX_REC_TXN = 2,     /* struct rx_txn (rx_txn_ring) */
	RX_REC_REQINFO = 3, /* struct rx_reqinfo (rx_txn_ring) */
};

struct rx_rec_hdr {
	__u32 type;      /* enum rx_rec_type */
	__u32 pad;
};
_Static_assert(sizeof(struct rx_rec_hdr) == 8, "struct rx_rec_hdr ABI size");

/* Ring-buffer record: a decoded packet and its first bytes. */
struct rx_capture {
	struct rx_rec_hdr hdr; /* RX_REC_CAPTURE */
	struct rx_pkt pkt;
	struct rx_http http;
	struct rx_tls tls; /* a TLS hello's fields (kind RX_TLS_NONE: none) */
	__u32 data_len;  /* bytes valid in data[] */
	__u32 pad;
	__u8 data[RX_SNAP_MAX];
};
_Static_assert(sizeof(struct rx_capture) == 8 + 360 + 208 + sizeof(struct rx_tls) + 8 + RX_SNAP_MAX,
	       "struct rx_capture ABI size");

#define RX_OPT_WALK_MASK 63 /* >= 40 - 1 option bytes, a power of two minus one */

/* An option or extension-header walk in progress (datapath/parse.h). */
struct rx_optwalk {
	__u8 buf[RX_OPT_WALK_MASK + 1];
	__u32 off;
	__u32 len;
	__u32 reason;      /* RX_REASON_OK, or why the walk stopped */
	union {
		__u32 count; /* IPv4 options: listed so far */
		__u32 nxt;   /* IPv6 extension headers: the next header */
	};
};

/*
 * The walks over the payload's first bytes (wk->peek), each a state machine
 * whose state lives in the work area (as the option walks': see rx_work).
 */
struct rx_uriwalk {    /* the request target (datapath/http.h) */
	__u32 off;     /* next byte */
	__u32 len;     /* bytes in view */
	__u32 state;   /* RX_US_* */
	__u32 auth;    /* RX_US_AUTH: where the authority starts in rx_http.uri */
};

struct rx_hdrwalk {    /* the header lines (datapath/http.h) */
	__u32 off;
	__u32 len;
	__u32 state;   /* RX_HS_* */
	__u32 idx;     /* RX_HS_NAME: RX_HN_* (bytes matched, names ruled out);
			  RX_HS_CLEN: digits read */
};

struct rx_redactwalk { /* the secrets of a capture record's payload (datapath/redact.h) */
	__u32 off;
	__u32 len;
	__u32 state;   /* RX_RS_* */
	__u32 folded;  /* 1: the previous line was masked, so is its continuation */
};

/*
 * The datapath's per-packet work area: the decoded packet and the option
 * walk. In BPF it is a per-CPU map value, not stack: values read back from
 * a map are unknown to the verifier, so the walk's position does not fork
 * one verifier state per option offset.
 */
/*
 * The transaction ring carries two records, told apart by their type
 * (struct rx_rec_hdr): an rx_reqinfo when a request is seen, an rx_txn when its response pairs
 * it. User space joins them on (client, server, ports, seq): the kernel
 * keeps no path or User-Agent per request in flight.
 */
/* One HTTP transaction, streamed while someone asks for them (rxray requests). */
struct rx_txn {
	struct rx_rec_hdr hdr; /* RX_REC_TXN */
	__u64 start_ns;  /* first request byte seen (datapath clock) */
	__u64 dur_ns;    /* -> first response byte seen */
	__u8 client[16]; /* IPv4 as ::ffff:a.b.c.d */
	__u8 server[16];
	__u16 cport;
	__u16 sport;
	__u16 status;
	__u8 method;
	__u8 minor;
	__u32 route;
	__u32 req_size;
	__u32 resp_size;
	__u8 flags;      /* enum rx_txn_flag */
	__u8 pad[3];
	__u32 seq;       /* the client's sequence number at the request's first byte */
	__u32 pad2;
};
_Static_assert(sizeof(struct rx_txn) == 8 + 80, "struct rx_txn ABI size");

enum rx_txn_flag {
	RX_TXN_REQ_SIZE = 1 << 0,  /* req_size known */
	RX_TXN_RESP_SIZE = 1 << 1, /* resp_size known */
};

enum rx_reqinfo_flag {
	RX_RI_PATH_TRUNC = 1 << 0, /* the path was longer than RX_HTTP_URI_MAX */
	RX_RI_UA = 1 << 1,         /* a User-Agent header was found */
	RX_RI_UA_TRUNC = 1 << 2,   /* longer than RX_HTTP_UA_MAX */
	RX_RI_QUERY = 1 << 3,      /* the URI had a query string (never kept) */
};

/*
 * What a request says beyond its endpoint, streamed (with the rx_txn
 * records) while someone asks for them: the path without its query, and
 * the User-Agent. Nothing else of the headers leaves the kernel.
 */
struct rx_reqinfo {
	struct rx_rec_hdr hdr; /* RX_REC_REQINFO */
	__u8 client[16];
	__u8 server[16];
	__u16 cport;
	__u16 sport;
	__u32 seq;       /* as rx_txn.seq */
	__u8 path_len;
	__u8 ua_len;
	__u8 flags;      /* enum rx_reqinfo_flag */
	__u8 host_len;   /* RX_HTTP_HOST_MAX: the Host header may be cut */
	__u8 path_off;   /* rx_http.path_off: path[] holds "scheme://authority" before it */
	__u8 pad2[3];
	char path[RX_HTTP_URI_MAX];
	char ua[RX_HTTP_UA_MAX];
	char host[RX_HTTP_HOST_MAX]; /* the Host header's value (OTel server.address, server.port) */
};
_Static_assert(sizeof(struct rx_reqinfo) == 8 + 48 + RX_HTTP_URI_MAX + RX_HTTP_UA_MAX + RX_HTTP_HOST_MAX,
	       "struct rx_reqinfo ABI size");

#define RX_PATTERN_SEGS 8 /* segments a route pattern can name */
#define RX_PATTERNS_MAX 64 /* route patterns (--route, config "route") */

/*
 * A route pattern, compiled by user space: "/api/{version}/items/{sku}"
 * matches a path of exactly that many segments whose literal segments are
 * equal (FNV-1a of the bytes) and names the route by its own text; a last
 * segment "*" matches one or more segments. Tried in order before the
 * built-in templating.
 */
struct rx_pattern {
	__u32 nseg;      /* segments before any trailing "*" */
	__u32 rest;      /* 1: a trailing "*" */
	__u32 wild;      /* bit i: segment i is a {placeholder} */
	__u32 len;       /* bytes of text */
	__u32 hash[RX_PATTERN_SEGS];
	char text[RX_ROUTE_MAX];
};
_Static_assert(sizeof(struct rx_pattern) == 16 + 4 * RX_PATTERN_SEGS + RX_ROUTE_MAX,
	       "struct rx_pattern ABI size");

/* Route templating in progress (datapath/route.h). */
struct rx_routewalk {
	char out[RX_ROUTE_MAX];
	__u32 pos;       /* next URI byte */
	__u32 len;       /* output bytes */
	__u32 seg;       /* output offset where the current segment starts */
	__u32 seglen;    /* its length in the URI */
	__u32 flags;     /* what the segment can still be: digits, hex, uuid */
	__u32 cut;       /* output bytes were dropped: the route is cut at RX_ROUTE_MAX */
	__u32 seghash;   /* FNV-1a of the current segment's URI bytes */
	__u32 nseg;      /* segments closed after a '/' */
	__u32 slash;     /* a '/' was seen: segments count from there */
	__u32 empty;     /* bit i: segment i is empty (a {placeholder} never matches one) */
	__u32 segs[RX_PATTERN_SEGS]; /* the first segments' hashes */
};

/* A templated route: /users/{id}, per server port. Keyed by its id (a hash). */
enum {
	RX_ROUTEF_CUT = 1 << 0, /* longer than RX_ROUTE_MAX (or its path than RX_HTTP_URI_MAX): cut */
};
struct rx_route {
	char path[RX_ROUTE_MAX];
	__u16 port;
	__u16 len;
	__u32 flags; /* RX_ROUTEF_* */
};
_Static_assert(sizeof(struct rx_route) == RX_ROUTE_MAX + 8, "struct rx_route ABI size");

/*
 * A per-CPU, direct-mapped memo of templated routes by raw path
 * (datapath/route.h): a path seen before on the same port skips the route
 * walk and the route table. The whole input is kept and compared, so a
 * hit gives exactly what the walk would.
 */
#define RX_ROUTE_MEMO 1024 /* slots per CPU, a power of two */
struct rx_route_memo {
	__u16 len;   /* uri_len; 0: an empty slot */
	__u16 port;
	__u8 flags;  /* rx_http flags the walk reads (RX_HTTPF_URI_TRUNC) */
	__u8 npat;   /* route patterns configured when it was made */
	__u16 pad;
	__u32 route; /* the route id */
	__u32 pad2;
	char path[RX_HTTP_URI_MAX];
};
_Static_assert(sizeof(struct rx_route_memo) == 16 + RX_HTTP_URI_MAX, "struct rx_route_memo ABI size");
_Static_assert((RX_ROUTE_MEMO & (RX_ROUTE_MEMO - 1)) == 0, "RX_ROUTE_MEMO: a power of two");

/*
 * A TCP connection, direction-free: endpoint a is the lower (address, port)
 * of the two, so both directions of a connection find the same entry.
 */
struct rx_flow_key {
	__u8 a[16];  /* IPv4 as ::ffff:a.b.c.d */
	__u8 b[16];
	__u16 pa;    /* host order */
	__u16 pb;
	__u32 pad;
};
_Static_assert(sizeof(struct rx_flow_key) == 40, "struct rx_flow_key ABI size");

/*
 * Which connections may have an entry in rx_flows, rx_http_conns and
 * rx_tls_conns (BPF only, bpf/shim.h): one byte per hash of the connection's
 * key (rx_conn_filter_hash). A zero byte proves there is no entry, so a
 * segment of an unknown connection (a flood of random ACKs) costs a byte
 * read in a small table instead of a lookup in a big one (a cache miss at
 * random); a set byte may be another connection's (or an evicted one's):
 * then the lookup decides, as before. No answer changes, only its cost.
 *
 * LRU eviction tells no one of a key that leaves a table, so a byte that
 * is only ever set would end up set for every key: a busy
 * server's ~100,000 connections fill the filter, and an ACK flood then
 * costs a lookup per segment again. So the filter has two generations:
 * the datapath reads the one rx_config_rt.cf_gen names and sets a key's
 * byte in both, before its entry is made and again after. User space
 * (src/connfilter.c) rebuilds the other one from the tables' keys (clear,
 * then set each key's byte) and makes it the one read. No present key is
 * lost: one inserted before the clear is in the tables when they are
 * read; one inserted after it has its byte set after the clear. (Two
 * assumptions: a program run holds the generation it read for
 * microseconds, and rebuilds are at least 2 s apart; the datapath's
 * byte store after its insert is seen by the walk that starts a
 * memory fence later, which no barrier orders: a window of nanoseconds.)
 */
#define RX_CONN_FILTER 32768 /* bytes per table, a power of two */
enum rx_conn_table { RX_CT_FLOWS, RX_CT_HTTP, RX_CT_TLS, RX_CT_MAX }; /* which table's bytes */
struct rx_conn_filter_gen {
	__u8 flows[RX_CONN_FILTER];
	__u8 http[RX_CONN_FILTER];
	__u8 tls[RX_CONN_FILTER];
};
struct rx_conn_filter {
	struct rx_conn_filter_gen gen[2]; /* read: gen[rx_config_rt.cf_gen & 1] */
};
_Static_assert(sizeof(struct rx_conn_filter) == 2 * RX_CT_MAX * RX_CONN_FILTER,
	       "struct rx_conn_filter ABI size");
_Static_assert((RX_CONN_FILTER & (RX_CONN_FILTER - 1)) == 0, "RX_CONN_FILTER: a power of two");

/*
 * Which sources and services may have an entry in rx_talkers and
 * rx_services (BPF only, bpf/shim.h), as struct rx_conn_filter does for
 * connections: one byte per hash of the key, set before an entry is made
 * and never cleared (nothing deletes from those tables). A zero byte proves
 * the key has no entry. While a table has room a key is looked up first (a
 * known key, nearly every packet, costs no byte read); once it is full (a
 * flood of random sources or ports, the case that costs most) the byte
 * comes first, and a new source or port costs a byte read and no hash
 * lookup at all. With the tables' 8,192 and 1,024 keys, about one byte in
 * eight is set.
 */
#define RX_PICT_FILTER_TALKERS 65536 /* bytes, a power of two */
#define RX_PICT_FILTER_SERVICES 8192 /* bytes, a power of two */
struct rx_pict_filter {
	__u8 talkers[RX_PICT_FILTER_TALKERS];
	__u8 services[RX_PICT_FILTER_SERVICES];
};
_Static_assert((RX_PICT_FILTER_TALKERS & (RX_PICT_FILTER_TALKERS - 1)) == 0 &&
		       (RX_PICT_FILTER_SERVICES & (RX_PICT_FILTER_SERVICES - 1)) == 0,
	       "RX_PICT_FILTER_*: powers of two");

#define RX_REDACT_RANGES 16 /* secret values masked per capture record; past them, cut */

/* Secrets found in a capture record's payload (datapath/redact.h). */
struct rx_redact {
	__u16 start[RX_REDACT_RANGES]; /* payload offsets, within RX_HTTP_PEEK */
	__u16 end[RX_REDACT_RANGES];
	__u32 n;
	__u32 cut;        /* keep no payload byte from here on (~0: none) */
	__u32 hash;       /* of the header name being read */
	__u32 from;       /* where the open secret range starts */
	__u32 stars_ready;
	__u32 mark;       /* where the current word of a target began (userinfo) */
};

/*
 * The stages of the TC pipeline after the entry program (which decodes
 * L2-L4 and tracks TCP health): slots of the program arrays that the entry
 * programs tail-call into (bpf/rxray.bpf.c), run in a row by the native
 * build. Each stage is a program of its own for the verifier, with its own
 * budget: adding a stage does not grow another's count.
 */
enum rx_stage {
	RX_STAGE_HTTP = 0,     /* the HTTP tracker: the segment's first message decoded */
	RX_STAGE_HTTP_SEG = 1, /* ... the segment for its connection: body bytes, or a message */
	RX_STAGE_HTTP_MSG = 2, /* one HTTP message, then the next in the segment (again) */
	RX_STAGE_TLS = 3,      /* TLS records per connection (datapath/tlsconn.h), before HTTP */
	RX_STAGE_MAX,
	RX_STAGE_DONE = -1,    /* (a stage's answer: nothing follows) */
};

/*
 * The longest chain: entry, TLS, HTTP, HTTP_SEG, then HTTP_MSG once per message
 * (at most RX_HTTP_PIPE): within the kernel's 33 tail calls per packet.
 */
_Static_assert(3 + RX_HTTP_PIPE <= 33, "the TC chain fits MAX_TAIL_CALL_CNT");

/* The XDP pipeline's stages after its entry (decode, count, verdict). */
enum rx_xdp_stage {
	RX_XSTAGE_CAPTURE = 0, /* the capture record, while someone watches */
	RX_XSTAGE_TLS = 1,     /* a TLS hello decoded for it (datapath/tls.h), then CAPTURE */
	RX_XSTAGE_GUARD = 2,   /* the guard's verdict (datapath/guard.h), while it is on; then TLS */
	RX_XSTAGE_MAX,
};

/*
 * What a stage of the pipeline hands to the next one through the per-CPU
 * work area: a tail call keeps only the context, so everything else a later
 * stage needs is here (the decoded packet is in rx_work.pkt, the HTTP
 * tracker's connection key in rx_work.hkey).
 */
struct rx_stagectx {
	__u64 now;   /* the datapath clock, read once per packet */
	__u32 side;  /* which side of hkey sent the segment (the TCP stage, for TLS and HTTP) */
	__u32 off;   /* ... where the current message starts, from the payload */
	__u32 avail; /* ... payload bytes at hand */
	__u32 steps; /* ... messages handled in this segment */
	/*
	 * TCP health: the segment's events (enum rx_tcp_port_ev) and its server
	 * port, for rx_tcp_ports. In the work area, not on the stack: the
	 * verifier does not tell paths apart by what they left here.
	 */
	__u32 tcp_ev;
	__u32 tcp_port;
	/* XDP: what the guard's early check settled for the guard stage (enum rx_guard_early) */
	__u32 guard;
	__u32 pad;
};
_Static_assert(sizeof(struct rx_stagectx) == 40, "struct rx_stagectx ABI size");

/*
 * The receiving socket (datapath/sock.h): at TC ingress the kernel's own
 * lookup finds the local socket that will receive a TCP segment or UDP
 * datagram; rx_sock_ports keeps, per local port, the last one found.
 */
#define RX_SOCK_PORTS_MAX 4096 /* (port, proto) kept (BPF: per-CPU LRU) */
#define RX_SOCK_KEY(proto, port) ((__u32)(proto) << 16 | (__u32)(port))

enum rx_sock_flag {
	RX_SOCKF_LISTEN = 1 << 0, /* a TCP listener (else a connection's or a UDP socket) */
	RX_SOCKF_FULL = 1 << 1,   /* a listener whose accept queue is full (never stored) */
};

struct rx_sock_port {
	__u64 cookie; /* the socket's cookie (0: the kernel has not made one yet) */
	__u64 inode;  /* the socket's inode (0: not reachable: a request or time-wait socket) */
	__u32 proto;  /* 6 TCP, 17 UDP */
	__u32 flags;  /* enum rx_sock_flag */
};
_Static_assert(sizeof(struct rx_sock_port) == 24, "struct rx_sock_port ABI size");

struct rx_sockwork {
	__u64 addr;               /* the socket's address, as a number (bpf/sock.h) */
	struct rx_sock_port port; /* the socket found, for the map update */
};
_Static_assert(sizeof(struct rx_sockwork) == 32, "struct rx_sockwork ABI size");

/*
 * The kernel's answers kept a moment (bpf/sock.h, the map rx_sock_seen, per
 * CPU, one entry; the native build makes no lookups): per local address,
 * port and protocol, only answers that hold for every peer: no socket (on
 * a port below the ephemeral ones), a TCP listener or a connection of a
 * port where one listens, an unconnected UDP socket. A segment of an
 * untracked connection or a datagram to the same place within
 * RX_SOCK_SEEN_NS gets the kept answer instead of a lookup; one of a TCP
 * connection of a port where none listens, the lookup without the
 * listener check. Direct-mapped: a later place of the
 * same slot takes it. Soft state, never pinned; a zero slot is empty.
 */
#define RX_SOCK_SEEN 1024              /* slots, a power of two: 16 KiB per CPU */
#define RX_SOCK_SEEN_NS (1ull << 26)   /* how long an answer is kept: 67 ms */
struct rx_sock_seen {
	struct {
		__u64 tag; /* rx_tag64 of the address, port and protocol; 0: empty */
		__u64 at;  /* the coarse clock when the kernel answered, and flags */
	} slot[RX_SOCK_SEEN];
};
_Static_assert((RX_SOCK_SEEN & (RX_SOCK_SEEN - 1)) == 0, "RX_SOCK_SEEN: a power of two");
enum rx_sock_seen_flag { /* the low bits of rx_sock_seen's at */
	RX_SEEN_FOUND = 1 << 0,    /* a socket receives them */
	RX_SEEN_NOLISTEN = 1 << 1, /* TCP connections here, no listener: look up, no check */
	RX_SEEN_FLAGS = 3,
};
_Static_assert(sizeof(struct rx_sock_seen) == 16 * RX_SOCK_SEEN, "struct rx_sock_seen ABI size");

struct rx_work {
	struct rx_pkt pkt;
	union { /* one walk at a time: each starts afresh */
		struct rx_optwalk opt;
		struct rx_uriwalk uri;
		struct rx_hdrwalk hdr;
		struct rx_redactwalk red;
	};
	struct rx_http http;     /* decoded here, then copied into the record */
	__u8 peek[RX_HTTP_PEEK]; /* the payload's first bytes, for the HTTP decoder */
	struct rx_routewalk route;
	struct rx_txn txn;       /* built here, then copied into the record */
	struct rx_reqinfo info;  /* ua filled by the header walk; the rest, then copied */
	struct rx_redact redact;
	struct rx_route newroute; /* a route being registered */
	struct rx_flow_key hkey;  /* the segment's connection: made by the TCP stage for TLS and HTTP, with stage.side (work area: stack is short) */
	__u8 stars[RX_HTTP_PEEK]; /* '*' x RX_HTTP_PEEK: what masked bytes become */
	struct rx_stagectx stage; /* what one stage leaves for the next (process.h) */
	struct rx_tls tls;        /* the TLS stage's hello, for the capture record */
	struct rx_tlswalk tlsw;
	struct rx_flow_key tlskey; /* the connection and direction of a held piece */
	struct rx_tls_hold tlsh;  /* a piece being held, built here for the map update */
	/*
	 * The hello's bytes, for the TLS stage: a held piece, then the
	 * segment's. Twice RX_TLS_BUF: the second piece is loaded at the
	 * first's length (masked, < RX_TLS_BUF) with a length up to
	 * RX_TLS_BUF, bounds the verifier can check; the decoder reads the
	 * first RX_TLS_BUF only.
	 */
	__u8 tlsbuf[2 * RX_TLS_BUF];
	struct rx_sockwork sock; /* the receiving socket's lookup (datapath/sock.h) */
};
_Static_assert(sizeof(struct rx_optwalk) == 80, "struct rx_optwalk ABI size");
/* helper lengths are masked to these sizes (bpf/shim.h rx_helper_len): powers of two */
_Static_assert((RX_SNAP_MAX & (RX_SNAP_MAX - 1)) == 0, "RX_SNAP_MAX: a power of two");
_Static_assert((RX_HTTP_PEEK & (RX_HTTP_PEEK - 1)) == 0, "RX_HTTP_PEEK: a power of two");
_Static_assert(((RX_OPT_WALK_MASK + 1) & RX_OPT_WALK_MASK) == 0, "option buffer: a power of two");
_Static_assert(sizeof(struct rx_work) == 360 + 80 + 208 + RX_HTTP_PEEK + RX_ROUTE_MAX + 40 + 4 * RX_PATTERN_SEGS +
	       sizeof(struct rx_txn) + sizeof(struct rx_reqinfo) + 88 + RX_ROUTE_MAX + 8 + 40 + RX_HTTP_PEEK + 40 +
	       sizeof(struct rx_tls) + sizeof(struct rx_tlswalk) + 40 + sizeof(struct rx_tls_hold) +
	       2 * RX_TLS_BUF + sizeof(struct rx_sockwork),
	       "struct rx_work ABI size");

/* Per-CPU counter value, one per (verdict, reason, proto) slot. */
struct rx_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct rx_counter) == 16, "struct rx_counter ABI size");

/* Key of the talkers map: a source address, IPv4 as ::ffff:a.b.c.d. */
struct rx_addr {
	__u8 a[16]; /* network order */
};
_Static_assert(sizeof(struct rx_addr) == 16, "struct rx_addr ABI size");

/* Key of the services map: a destination port of TCP or UDP. */
struct rx_service {
	__u16 port;  /* host order */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct rx_service) == 4, "struct rx_service ABI size");


enum rx_flow_state {
	RX_FLOW_NONE = 0,
	RX_FLOW_SYN = 1,    /* SYN seen */
	RX_FLOW_SYNACK = 2, /* SYN-ACK seen */
	RX_FLOW_EST = 3,    /* the handshake's ACK seen */
};

/*
 * How a tracked connection ended (rx_tcp_flow.closed): both sides' FINs, or
 * a RST. A closed connection's entry stays in rx_flows RX_FLOW_KEEP_S to
 * RX_FLOW_KEEP_S + 1 seconds after it (late retransmissions of its FINs still count; the
 * guard's SLO loop ranks sources by the connections of the last second),
 * then the live agent deletes it, and the connection's entries in
 * rx_http_conns and rx_tls_conns, when it rebuilds the connection filter
 * (src/connfilter.c): a busy server's tables hold its open connections,
 * not every connection of its last 65,536, and the filter stays sparse.
 */
enum rx_flow_closed {
	RX_FLOW_FIN_A = 1, /* side 0 (a -> b) sent a FIN */
	RX_FLOW_FIN_B = 2, /* side 1 sent a FIN */
	RX_FLOW_RST = 4,   /* either side sent a RST */
};
#define RX_FLOW_KEEP_S 10

struct rx_tcp_flow {
	__u64 syn_ns;    /* datapath clock of the SYN */
	__u64 synack_ns; /* and of the SYN-ACK */
	__u32 end[2];    /* per side (0: a->b): the highest sequence number sent, plus one */
	__u8 seen[2];    /* end[side] valid */
	__u8 client;     /* the side that sent the SYN (or, unseen, the higher port) */
	__u8 state;      /* enum rx_flow_state */
	__u8 known;      /* 0 in a fresh (zeroed) entry */
	__u8 closed;     /* enum rx_flow_closed: the ends seen */
	__u16 close_s;   /* the datapath clock's second (mod 65,536) when it closed */
};
_Static_assert(sizeof(struct rx_tcp_flow) == 32, "struct rx_tcp_flow ABI size");

/*
 * TCP health per server port (map rx_tcp_ports, datapath/tcp.h): what the
 * tally's health counts per interface, by the connection's server port
 * (the SYN's destination port; for a segment of a connection not tracked,
 * the lower of its two ports). Key: the port, host order, as a __u32.
 */
struct rx_tcp_port {
	__u64 syn;          /* SYNs without ACK to the port (retransmitted ones too) */
	__u64 handshakes;   /* handshakes completed */
	__u64 rst;          /* RSTs, both sides */
	__u64 retransmits;  /* data retransmissions, both sides */
	__u64 zero_windows; /* zero-window advertisements, both sides */
	__u64 pad;
};
_Static_assert(sizeof(struct rx_tcp_port) == 48, "struct rx_tcp_port ABI size");

/* Bits of one segment's events in struct rx_tcp_port (rx_tcp_track), in its fields' order. */
enum rx_tcp_port_ev {
	RX_TPE_SYN = 1 << 0,
	RX_TPE_HANDSHAKE = 1 << 1,
	RX_TPE_RST = 1 << 2,
	RX_TPE_RETRANSMIT = 1 << 3,
	RX_TPE_ZERO_WINDOW = 1 << 4,
};

/*
 * A latency histogram (RX_LAT_BOUNDS_US, then one open bucket), with its
 * smallest and largest value: percentiles stay within [min, max], as an
 * endpoint's do (one SYN-ACK after 272 ms is 272 ms, not the 250-500 ms
 * bucket's middle).
 */
struct rx_hist {
	__u64 count[RX_LAT_BUCKETS];
	__u64 sum_ns;
	__u64 n;      /* values counted (the buckets' sum) */
	__u64 min_ns; /* when n > 0 */
	__u64 max_ns;
};
_Static_assert(sizeof(struct rx_hist) == 8 * (RX_LAT_BUCKETS + 4), "struct rx_hist ABI size");

/* What a queued request knows of its body's size. */
enum rx_req_size {
	RX_REQ_SIZE_UNKNOWN = 0,
	RX_REQ_SIZE_KNOWN = 1,    /* Content-Length */
	RX_REQ_SIZE_COUNTING = 2, /* chunked: counted until its response (or the next request) */
};

/* One request waiting for its response. */
struct rx_http_req {
	__u64 start_ns;  /* first request byte seen */
	__u32 route;     /* route id */
	__u32 req_size;  /* request body bytes (Content-Length, or counted), when known */
	__u8 method;     /* enum rx_http_method */
	__u8 minor;
	__u8 has_size;   /* enum rx_req_size */
	__u8 pad;
	__u32 seq;       /* the client's sequence number at its first byte */
};
_Static_assert(sizeof(struct rx_http_req) == 24, "struct rx_http_req ABI size");

/* RED metrics are kept per endpoint: (server port, method, route, status). */
struct rx_endpoint_key {
	__u32 route;
	__u16 port;
	__u16 status;
	__u8 method;
	__u8 pad[3];
};
_Static_assert(sizeof(struct rx_endpoint_key) == 12, "struct rx_endpoint_key ABI size");

/* An HTTP connection: its requests in flight, in order (keep-alive, pipelining). */
/*
 * Bytes of one side's stream seen past bytes not seen yet: a hole, from the
 * side's next position to end (reordering, or a loss before the capture).
 */
struct rx_http_hole {
	__u64 ns;        /* when the first bytes past the hole were seen */
	__u32 end;       /* where the bytes seen past the hole begin */
	__u32 far;       /* where they end */
	__u8 msgs;       /* messages that began past it (RX_HOLE_MSGS_UNKNOWN: not countable) */
	__u8 pad[7];
};
_Static_assert(sizeof(struct rx_http_hole) == 24, "struct rx_http_hole ABI size");

#define RX_HOLE_MSGS_UNKNOWN 0xff

/* What an HTTP connection knows (struct rx_http_conn.known). */
enum rx_hconn_known {
	RX_HC_SERVER = 1 << 0,   /* which side is the server */
	RX_HC_SRV_NEXT = 1 << 1, /* srv_next valid */
	RX_HC_CLI_NEXT = 1 << 2, /* cli_next valid */
	RX_HC_CLI_HOLE = 1 << 3, /* a hole in the client's stream (hole[0]) */
	RX_HC_SRV_HOLE = 1 << 4, /* ... in the server's (hole[1]) */
	RX_HC_SRV_ACK = 1 << 5,  /* srv_next from a request's ACK, no server byte seen yet */
	RX_HC_CLI_BODY = 1 << 6, /* cli_body_end valid: the client's message ends there */
	RX_HC_SRV_BODY = 1 << 7, /* srv_body_end valid: ... the server's */
};

struct rx_http_conn {
	struct rx_http_req q[RX_HTTP_PIPE];
	__u8 head;       /* index of the oldest request */
	__u8 count;      /* requests waiting */
	__u8 server;     /* the side (0: endpoint a of the flow key) that answers */
	__u8 known;      /* enum rx_hconn_known */
	__u32 srv_next;  /* the server's next sequence number: what is before it was handled */
	__u32 cli_next;  /* the client's */
	__u32 body;      /* bytes counted of the open response's body */
	struct rx_endpoint_key open; /* a response without Content-Length (method 0: none) */
	/*
	 * Where the side's newest message ends when its length is known
	 * (Content-Length): no message begins before, so a segment that ends
	 * by then is handled whatever bytes before it are still missing.
	 */
	__u32 cli_body_end;
	struct rx_http_hole hole[2]; /* 0: the client's stream, 1: the server's */
	__u32 srv_body_end;
	__u32 pad;
};
_Static_assert(sizeof(struct rx_http_conn) == 24 * RX_HTTP_PIPE + 32 + 2 * 24 + 8,
	       "struct rx_http_conn ABI size");


/* Routes used so far by one server port (the budget). */
struct rx_budget {
	__u32 routes;
	__u32 pad;
};


struct rx_endpoint {
	__u64 count;
	__u64 dur[RX_DUR_BUCKETS];  /* RX_DUR_BOUNDS_US, then +Inf */
	__u64 dur_sum_ns;
	__u64 dur_max_ns;
	__u64 dur_min_ns;           /* when count > 0: percentiles stay within [min, max] */
	__u64 req_size[RX_BODY_BUCKETS];
	__u64 resp_size[RX_BODY_BUCKETS];
	__u64 req_bytes;
	__u64 resp_bytes;
};


/*
 * TLS without decryption (datapath/tlsconn.h, docs/tls.md): per connection
 * that began with a ClientHello, its phase and the times that make its
 * handshake and exchange durations; per (server port, SNI, ALPN) a row of
 * counts and histograms (the HTTP endpoints' buckets, RX_DUR_BOUNDS_US).
 */
#define RX_TLS_CONNS_MAX 16384 /* TLS connections followed (BPF: LRU; native: then tls_conns_overflow) */
#define RX_TLS_EPS_MAX 256     /* (port, SNI, ALPN) rows; more: tls_eps_overflow */
#define RX_TLS_EP_SNI 64       /* SNI bytes in a row's key (longer names are cut) */
#define RX_TLS_EP_ALPN 16      /* bytes of the client's ALPN list in a row's key, as on the wire */
#define RX_TLS_RECS 8          /* record headers followed per segment; more: resync at a segment start */
#define RX_TLS_TICKET2_NS 2000000 /* TLS 1.3: a second session ticket follows the first within this */
/*
 * TLS 1.3: the most a client's Finished flight takes on the wire: a
 * ChangeCipherSpec record (6 bytes) and the Finished's record (5 + 4 + 48
 * with SHA-384 + 1 + 16 = 74). More application-data bytes from the client
 * before the session tickets are a request sent with the Finished.
 */
#define RX_TLS_FIN_MAX 80

struct rx_tls_ep_key {
	__u16 port;      /* the server's port, host order */
	__u8 sni_len;    /* bytes of sni[] used (0: no server_name) */
	__u8 alpn_len;   /* bytes of alpn[] used (0: no ALPN) */
	char sni[RX_TLS_EP_SNI];
	char alpn[RX_TLS_EP_ALPN]; /* length-prefixed names, cut at RX_TLS_EP_ALPN bytes */
};
_Static_assert(sizeof(struct rx_tls_ep_key) == 4 + RX_TLS_EP_SNI + RX_TLS_EP_ALPN,
	       "struct rx_tls_ep_key ABI size");

/* A duration histogram in the HTTP endpoints' buckets. */
struct rx_tls_hist {
	__u64 count[RX_DUR_BUCKETS]; /* RX_DUR_BOUNDS_US, then +Inf */
	__u64 n;
	__u64 sum_ns;
	__u64 min_ns; /* when n > 0 */
	__u64 max_ns;
};

enum rx_tls_phase_hist {
	RX_TLS_PH_SERVER_HELLO = 0, /* ClientHello -> ServerHello */
	RX_TLS_PH_APP_DATA = 1,     /* ClientHello -> the client's first application-data record */
	RX_TLS_PH_MAX,
};

struct rx_tls_ep {
	__u64 conns;       /* ClientHellos: connections begun */
	__u64 hs_done;     /* handshakes completed (the client sent application data) */
	__u64 hs_failed;   /* ... failed: an alert, RST or FIN before that */
	__u64 pad0;
	struct rx_tls_hist hs[RX_TLS_PH_MAX]; /* enum rx_tls_phase_hist */
	struct rx_tls_hist xchg;              /* request-response exchanges */
};
_Static_assert(sizeof(struct rx_tls_hist) == 8 * (RX_DUR_BUCKETS + 4), "struct rx_tls_hist ABI size");
_Static_assert(sizeof(struct rx_tls_ep) == 32 + 3 * sizeof(struct rx_tls_hist),
	       "struct rx_tls_ep ABI size");

enum rx_tls_phase {
	RX_TLS_P_HELLO = 1,  /* the ClientHello seen, the ServerHello not yet */
	RX_TLS_P_SERVER = 2, /* the ServerHello seen, no client application data yet */
	RX_TLS_P_DONE = 3,   /* handshake completed: exchanges are measured */
	RX_TLS_P_FAILED = 4, /* an alert, RST or FIN before the handshake completed */
};

enum rx_tls_conn_flag {
	RX_TLSC_NEXT0 = 1 << 0, /* next[0] known: where side 0's next record header begins */
	RX_TLSC_NEXT1 = 1 << 1, /* next[1] known */
	RX_TLSC_TLS13 = 1 << 2, /* the ServerHello selected TLS 1.3 */
	RX_TLSC_TURN = 1 << 3,  /* the client's turn is open since turn_ns (its first record; rx_tls_turn) */
	RX_TLSC_SKIP = 1 << 4,  /* TLS 1.3: the next server turn answers the client's Finished */
	RX_TLSC_V_UNKNOWN = 1 << 5, /* the ServerHello ran past its segment before its supported_versions */
	RX_TLSC_TLS13_INFERRED = 1 << 6, /* TLS13 from the records after a ServerHello cut before its version */
	RX_TLSC_EARLY = 1 << 7, /* TLS 1.3: the tickets came after a request sent with the Finished: the turn stays open */
};

struct rx_tls_conn {
	__u64 ch_ns;             /* the ClientHello's time */
	__u64 turn_ns;           /* the client's turn began */
	__u32 next[2];           /* per side of the flow key: the next record header's sequence number */
	__u8 client;             /* the side of the flow key that sent the ClientHello */
	__u8 phase;              /* enum rx_tls_phase (0: none: a new connection on its ports) */
	__u8 flags;              /* enum rx_tls_conn_flag */
	__u8 fin_bytes;          /* TLS 1.3: the client's payload bytes in its Finished's turn (up to 255) */
	/* TLS 1.3: the server segment with the first session ticket, its payload bytes and time after ch_ns */
	__u32 ticket_len;
	__u32 ticket_off;
	struct rx_tls_ep_key ep; /* its row */
};
_Static_assert(sizeof(struct rx_tls_conn) == 36 + sizeof(struct rx_tls_ep_key),
	       "struct rx_tls_conn ABI size");

/* TLS 1.3: whether c's open turn is its Finished's alone (no request sent with it so far). */
static inline int rx_tls_finished_turn(const struct rx_tls_conn *c)
{
	return (c->flags & RX_TLSC_SKIP) && c->fin_bytes <= RX_TLS_FIN_MAX;
}

/*
 * Every per-CPU counter array of the datapath, in one value: a program
 * finds them with the work area it already looked up (struct rx_percpu),
 * not with a map lookup per counter. Indexed as the enums and X-macros of
 * datapath/reasons.h say; user space sums them over CPUs and hooks.
 */
struct rx_tally {
	struct rx_counter counters[RX_COUNTER_SLOTS]; /* RX_COUNTER_IDX(verdict, reason, proto) */
	__u64 stats[RX_STAT_MAX];                     /* enum rx_stat */
	struct rx_counter sizes[RX_SIZE_BUCKETS];     /* RX_SIZE_BOUNDS, then one open bucket */
	__u64 tcpkinds[RX_TCPK_MAX];                  /* enum rx_tcpkind */
	__u64 health[RX_TCPH_MAX];                    /* enum rx_tcphealth */
	struct rx_hist latency[RX_LAT_MAX];           /* enum rx_latency */
};
_Static_assert(sizeof(struct rx_tally) ==
		       16 * RX_COUNTER_SLOTS + 8 * RX_STAT_MAX + 16 * RX_SIZE_BUCKETS +
			       8 * RX_TCPK_MAX + 8 * RX_TCPH_MAX + sizeof(struct rx_hist) * RX_LAT_MAX,
	       "struct rx_tally ABI size");

/*
 * The port-scan accounting's new targets this second (RX_SCAN_NEW_PER_S,
 * datapath/scan.h rx_scan_admit): per CPU in rx_percpu (entry 0 only: the
 * probes are counted at XDP), one in the native build.
 */
struct rx_scan_budget {
	__u64 second; /* the clock's second the count is of */
	__u64 taken;  /* new targets tracked in it */
};

/*
 * The BPF build's per-CPU value (map rx_percpu, entry 0: the XDP programs,
 * 1: the TC programs): one lookup per program gives both the work area and
 * the counters. Each hook counts into its own entry's tally; the sums over
 * both entries and every CPU are the counts (src/snapshot_read.c).
 */
struct rx_percpu {
	struct rx_work work;   /* first: the lookup's pointer is the work area's, with no
				  arithmetic on a maybe-NULL value (refused by 6.1 and 6.12) */
	struct rx_tally tally;
	struct rx_scan_budget scan;
};
_Static_assert(sizeof(struct rx_percpu) ==
		       sizeof(struct rx_tally) + sizeof(struct rx_work) + sizeof(struct rx_scan_budget),
	       "struct rx_percpu ABI size");
_Static_assert(sizeof(struct rx_percpu) % 8 == 0, "struct rx_percpu: no per-CPU rounding");
_Static_assert(__builtin_offsetof(struct rx_percpu, work) == 0, "rx_shim_scratch: work first");


/*
 * The datapath's configuration, as user space builds it from a source's
 * options (src/dpconfig.h) and hands it to the native build. The BPF object
 * keeps it in two parts (bpf/shim.h), split by rx_config__ro() and
 * rx_config__rt() below; the datapath reads each field through the part
 * that holds it (rx_shim_config_ro(), rx_shim_config_rt()).
 */
struct rx_config {
	__u32 capture;   /* 1: emit capture records */
	__u32 snaplen;   /* bytes per capture record, 1..RX_SNAP_MAX */
	__u32 traffic;   /* 1: keep the traffic picture (talkers, services, sizes, TCP kinds) */
	__u32 tcp;       /* 1: track TCP health (native: on every frame; BPF: the TC programs) */
	__u32 payload;   /* 1: capture records carry payload bytes too (explicit opt-in) */
	__u32 http;      /* 1: track HTTP transactions and RED metrics (with tcp) */
	__u32 txns;      /* 1: stream transaction records */
	__u32 patterns;  /* route patterns in effect (<= RX_PATTERNS_MAX) */
};
_Static_assert(sizeof(struct rx_config) == 32, "struct rx_config ABI size");

/*
 * The settings fixed for the life of a loaded object. BPF: rodata (rx_ro),
 * set between the skeleton's open and load, so the verifier knows them and
 * prunes the branches of what is off.
 */
struct rx_config_ro {
	__u32 snaplen;
	__u32 traffic;
	__u32 tcp;
	__u32 payload;
	__u32 patterns;
	__u32 pad[3];
};
_Static_assert(sizeof(struct rx_config_ro) == 32, "struct rx_config_ro ABI size");

/*
 * The settings changed while the object runs. BPF: .bss (rx_cfg), written
 * through the skeleton's mmap-ed .bss: capture (bench/xdp_cost turns it on
 * and off between runs), http and txns (bench/tc_http_cost switches modes
 * on one loaded object; bench/http_cost.sh turns http off in a running
 * agent with bpftool).
 */
struct rx_config_rt {
	__u32 capture;
	__u32 http;
	__u32 txns;
	__u32 guard; /* 1: the guard stage decides (datapath/guard.h); the agent's on/off */
	__u32 sample; /* capture: 0 or 1 every packet; N > 1: one in N at random (serve's
			 alert evidence, docs/alerts.md "Packets as evidence") */
	__u32 nosock; /* 1: no socket lookups at TC ingress (datapath/sock.h); bpf_diff sets it */
	/*
	 * The socket lookup's kept answers (bpf/sock.h, struct rx_sock_seen):
	 * sock_keep 1 keeps them (0: none kept: a BPF sk_lookup program in the
	 * namespace may answer by peer); "no socket" is kept only for local
	 * ports below sock_none_below, the first of the namespace's ephemeral
	 * ports (a client's connection there is found only by its own peer).
	 * Set by user space (src/source_live.c), checked again at every read.
	 */
	__u32 sock_keep;
	__u32 sock_none_below;
	__u32 cf_gen; /* the connection filter's generation read (struct rx_conn_filter) */
	__u32 pad;
};
_Static_assert(sizeof(struct rx_config_rt) == 40, "struct rx_config_rt ABI size");

static inline struct rx_config_ro rx_config__ro(const struct rx_config *c)
{
	struct rx_config_ro ro = {
		.snaplen = c->snaplen,
		.traffic = c->traffic,
		.tcp = c->tcp,
		.payload = c->payload,
		.patterns = c->patterns,
	};

	return ro;
}

static inline struct rx_config_rt rx_config__rt(const struct rx_config *c)
{
	struct rx_config_rt rt = { .capture = c->capture, .http = c->http, .txns = c->txns };

	return rt;
}


/*
 * Port scans (datapath/scan.h, docs/alerts.md "port_scan"). A probe is a
 * TCP SYN without ACK, a TCP segment with none of SYN, ACK, RST (FIN, NULL,
 * Xmas scans) or a UDP datagram to a port below RX_SCAN_UDP_EPHEMERAL from
 * a port of 1024 or more (a reply to this host's own client has it the other
 * way round). Its first touch of (source, host, port, proto) makes an entry
 * in rx_scan_touches and bumps two records of rx_scan_sources: the source
 * on that host (distinct ports) and the source on that port (distinct hosts).
 * A SYN-ACK sent back (TC) marks the touch answered.
 */
#define RX_SCAN_TOUCHES_MAX 65536 /* first touches remembered (BPF: LRU; native: then scan_overflow) */
#define RX_SCAN_SOURCES_MAX 4096  /* (source, host) and (source, port) records (as above) */
#define RX_SCAN_WINDOW_NS (300ull * 1000000000ull) /* a record older than this starts over */
#define RX_SCAN_PORTS 8           /* the first ports of a (source, host) record */
#define RX_SCAN_UDP_EPHEMERAL 32768 /* UDP to ports from here on is no probe (Linux's range) */
/*
 * New targets taken per second (of the packets' clock) per CPU; past them a
 * probe of a new target is counted in scan_overflow, not tracked (and so is
 * a known target whose tag is not in the known-targets cache: no lookup). A flood of
 * spoofed sources makes every probe a new target: tracking each would cost
 * three table inserts per packet (about 2.7 us live). The budget bounds
 * that cost per CPU (at most 20,000 x 2.7 us = 5 % of a CPU); a host whose
 * flood arrives on N CPUs tracks up to N times as many, and its tables
 * turn over faster (at 20,000 a second: the 65,536 touches in about three
 * seconds, the 4,096 records in 0.1 s). nmap -T5 sends fewer than 10,000
 * probes a second.
 */
#define RX_SCAN_NEW_PER_S 20000

enum rx_scan_kind { /* bits of struct rx_scan_rec.kinds */
	RX_SCAN_SYN = 1 << 0,
	RX_SCAN_FIN = 1 << 1,
	RX_SCAN_NULL = 1 << 2,
	RX_SCAN_XMAS = 1 << 3,
	RX_SCAN_UDP = 1 << 4,
	RX_SCAN_OTHER = 1 << 5, /* another flag mix without SYN, ACK, RST (e.g. FIN+PSH) */
};

/* Key of rx_scan_touches: one probe target of one source. */
struct rx_scan_touch_key {
	__u8 src[16];   /* network order, IPv4 as ::ffff:a.b.c.d */
	__u8 dst[16];
	__u16 port;     /* host order */
	__u8 proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[5];
};
_Static_assert(sizeof(struct rx_scan_touch_key) == 40, "struct rx_scan_touch_key ABI size");

/*
 * Targets known to be in the touches, one 64-bit tag per slot of a
 * direct-mapped array (datapath/scan.h rx_scan_tag; BPF: the map
 * rx_scan_seen, native: in the environment). A probe of a known target
 * reads one slot instead of looking its 40-byte key up. Soft state: never
 * pinned, a zero slot is empty. The tag's hash is in both builds' code
 * only, so changing it needs no ABI bump.
 */
/*
 * Fibonacci hashing of n (a constant, at most 16) 32-bit words: the high
 * bits mix best. The BPF filters (rx_pict_filter, rx_conn_filter) use it.
 * The filters' bytes are pinned with their tables (--pin): changing this
 * hash, or which bits a filter takes, needs an RX_ABI_VERSION bump, or a
 * reused filter would call present keys absent.
 */
static inline __u32 rx_fib_hash(const __u32 *w, __u32 n)
{
	__u32 h = 0, i;

#if defined(__clang__)
#pragma unroll
#endif
	for (i = 0; i < 16; i++)
		if (i < n)
			h = (h ^ w[i]) * 0x9e3779b1u;
	return h;
}

/*
 * k's index in each table of the connection filter (struct rx_conn_filter):
 * its addresses and ports, never the padding. The datapath sets and reads
 * the bytes, user space rebuilds them (src/connfilter.c): both use this.
 */
static inline __u32 rx_conn_filter_hash(const struct rx_flow_key *k)
{
	return (rx_fib_hash((const __u32 *)k, __builtin_offsetof(struct rx_flow_key, pad) / 4) >> 17) &
	       (RX_CONN_FILTER - 1);
}

/*
 * A 64-bit tag of n (a constant, at most 16) words, for a direct-mapped
 * cache: never 0 (an empty slot). One multiplicative chain over the words
 * taken two at a time (64-bit products: half the multiplies of two 32-bit
 * chains, and one chain of latency, not two side by side), each product's
 * high half folded into its low half: a product's low bits never see its
 * input's high ones, so without the fold the odd words (an IPv4 address's
 * bytes, in the scan key) would not reach the tag's low half. *mix is the
 * last product's high half, which every input bit reaches, through
 * murmur3's finaliser: its low bits pick the slot. Both builds' code only:
 * no ABI.
 */
static inline __u64 rx_tag64(const __u32 *w, __u32 n, __u32 *mix)
{
	__u64 h = 0x6a09e667f3bcc908ull, x;
	__u32 i, m = 0;

#if defined(__clang__)
#pragma unroll
#endif
	for (i = 0; i < 16; i += 2)
		if (i < n) {
			x = w[i];
			if (i + 1 < n)
				x |= (__u64)w[i + 1] << 32;
			h = (h ^ x) * 0x9e3779b97f4a7c15ull;
			m = (__u32)(h >> 32);
			h ^= m;
		}
	m ^= m >> 16;
	m *= 0x85ebca6bu;
	m ^= m >> 13;
	m *= 0xc2b2ae35u;
	*mix = m ^ (m >> 16);
	return h | 1;
}

#define RX_SCAN_SEEN 16384 /* slots, a power of two: 128 KiB (65,536 slots, 512 KiB, cost a CPU cache miss per new target in a flood) */
struct rx_scan_seen {
	__u64 tag[RX_SCAN_SEEN];
};
_Static_assert((RX_SCAN_SEEN & (RX_SCAN_SEEN - 1)) == 0, "RX_SCAN_SEEN: a power of two");

struct rx_scan_touch {
	__u32 answered; /* 1: the host answered it (SYN-ACK) */
	__u32 pad;
};
_Static_assert(sizeof(struct rx_scan_touch) == 8, "struct rx_scan_touch ABI size");

enum rx_scan_scope {
	RX_SCAN_HOST = 0, /* key: source and host (dst), port 0: counts distinct ports */
	RX_SCAN_PORT = 1, /* key: source and port (dst zero): counts distinct hosts */
};

/* Key of rx_scan_sources. */
struct rx_scan_key {
	__u8 src[16];
	__u8 dst[16];   /* the host (RX_SCAN_HOST), else zero */
	__u16 port;     /* the port (RX_SCAN_PORT), else 0 */
	__u8 proto;     /* RX_SCAN_PORT: IPPROTO_TCP or IPPROTO_UDP, else 0 */
	__u8 scope;     /* enum rx_scan_scope */
	__u8 pad[4];
};
_Static_assert(sizeof(struct rx_scan_key) == 40, "struct rx_scan_key ABI size");

struct rx_scan_rec {
	__u64 first_ns;  /* datapath clock of the window's first touch */
	__u64 last_ns;   /* and of the last */
	__u32 touches;   /* first touches in the window: distinct ports (HOST) or hosts (PORT) */
	__u32 answered;  /* of them answered with a SYN-ACK */
	__u32 kinds;     /* enum rx_scan_kind bits of the probes */
	__u16 ports[RX_SCAN_PORTS]; /* HOST: the first ports touched, host order */
	__u32 pad;
};
_Static_assert(sizeof(struct rx_scan_rec) == 48, "struct rx_scan_rec ABI size");

#endif

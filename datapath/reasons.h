/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one list of verdicts, reasons and protocol classes.
 *
 * Every packet the datapath sees ends with exactly one (verdict, reason,
 * proto) triple; the triple indexes the per-CPU counters and its names are
 * the label values of rxray_packets_total. Truncated (the bytes stop before
 * the header does) and malformed (the bytes are there but say something
 * impossible) are always distinct reasons.
 *
 * Add at the end of a list only: the numbers are part of the map ABI.
 */
#ifndef RX_REASONS_H
#define RX_REASONS_H

#define RX_VERDICTS(X)                                                         \
	X(PASS, "pass")                                                        \
	X(DROP, "drop")

#define RX_REASONS(X)                                                          \
	X(OK, "ok")                 /* decoded to the last known layer */     \
	X(NOT_IP, "not_ip")         /* ARP, LLDP, ...: L2 only */             \
	X(OTHER_L4, "other_l4")     /* IP payload rxray does not decode */    \
	X(IP_FRAGMENT, "ip_fragment") /* non-first fragment: no L4 */         \
	X(TRUNC_ETH, "truncated_eth")                                          \
	X(TRUNC_VLAN, "truncated_vlan")                                        \
	X(VLAN_TOO_DEEP, "vlan_too_deep")                                      \
	X(TRUNC_IPV4, "truncated_ipv4")                                        \
	X(BAD_IPV4, "malformed_ipv4")                                          \
	X(BAD_IPV4_OPT, "malformed_ipv4_options")                              \
	X(TRUNC_IPV6, "truncated_ipv6")                                        \
	X(BAD_IPV6, "malformed_ipv6")                                          \
	X(TRUNC_IPV6_EXT, "truncated_ipv6_ext")                                \
	X(IPV6_EXT_TOO_DEEP, "ipv6_ext_too_deep")                              \
	X(TRUNC_TCP, "truncated_tcp")                                          \
	X(BAD_TCP, "malformed_tcp")                                            \
	X(BAD_TCP_OPT, "malformed_tcp_options")                                \
	X(TRUNC_UDP, "truncated_udp")                                          \
	X(BAD_UDP, "malformed_udp")                                            \
	X(TRUNC_ICMP, "truncated_icmp")                                        \
	X(IPV6_EXT_TOO_LONG, "ipv6_ext_too_long") /* L4 past RX_HDR_OFF_MAX bytes */ \
	X(TRUNC_LINK, "truncated_link") /* a capture file's link header (SLL, NULL...) cut */ \
	X(GUARD_BLOCKED, "blocked")     /* the guard: a deny rule (datapath/guard.h) */ \
	X(GUARD_RATE_LIMITED, "rate_limited") /* the guard: over a source's rate limit */

#define RX_PROTOS(X)                                                           \
	X(OTHER, "other")                                                      \
	X(ARP, "arp")                                                          \
	X(IPV4, "ipv4")     /* IPv4 with no decoded L4 */                      \
	X(IPV6, "ipv6")     /* IPv6 with no decoded L4 */                      \
	X(TCP, "tcp")                                                          \
	X(UDP, "udp")                                                          \
	X(ICMP, "icmp")                                                        \
	X(ICMPV6, "icmpv6")

/* Datapath self-accounting: what was produced next to what was lost. */
#define RX_STATS(X)                                                            \
	X(CAPTURE_PRODUCED, "capture_produced")                                \
	X(CAPTURE_LOST, "capture_lost")      /* ring buffer reserve failed */  \
	X(SCRATCH_MISS, "scratch_miss")      /* per-CPU scratch lookup failed */ \
	X(TALKERS_OVERFLOW, "talkers_overflow") /* packets of sources past RX_TALKERS_MAX */ \
	X(SERVICES_OVERFLOW, "services_overflow") /* packets of ports past RX_SERVICES_MAX */ \
	X(TXN_PRODUCED, "txn_produced")      /* HTTP transaction records streamed */ \
	X(TXN_LOST, "txn_lost")              /* ... lost: their ring buffer was full */ \
	X(REQINFO_LOST, "reqinfo_lost")       /* request paths/User-Agents lost: ring full */ \
	X(HTTP_REQUESTS, "http_requests")    /* request start lines seen */      \
	X(HTTP_UNMATCHED, "http_unmatched")  /* responses with no request waiting */ \
	X(HTTP_EXPIRED, "http_expired")      /* requests whose response never came */ \
	X(HTTP_PIPE_FULL, "http_pipe_full")  /* requests past RX_HTTP_PIPE in flight */ \
	X(ROUTES_OVERFLOW, "routes_overflow") /* requests counted on the overflow route */ \
	X(ROUTE_COLLISIONS, "route_collisions") /* ... of them: their route's id was another's */ \
	X(ENDPOINTS_OVERFLOW, "endpoints_overflow") /* transactions past RX_ENDPOINTS_MAX */ \
	X(HTTP_CONNS_OVERFLOW, "http_conns_overflow") /* segments of untracked connections (native) */ \
	X(HTTP_PARTIAL, "http_partial")      /* start lines cut by the segment end: not parsed */ \
	X(STAGE_MISS, "stage_miss")          /* a stage's tail call failed: it did not run */ \
	X(SCAN_OVERFLOW, "scan_overflow")    /* scan probes not counted: a scan table full (native), or past RX_SCAN_NEW_PER_S new targets a second (then also uncached known ones) */ \
	X(TLS_PARTIAL, "tls_partial")        /* TLS hellos running past their segment */ \
	X(TLS_MALFORMED, "tls_malformed")    /* TLS hellos whose lengths disagree */ \
	X(TLS_CUT, "tls_lists_cut")          /* TLS hellos with lists longer than kept */ \
	X(TCP_PORTS_OVERFLOW, "tcp_ports_overflow") /* TCP health events of ports past RX_TCP_PORTS_MAX */ \
	X(TLS_HELD, "tls_held")              /* ClientHello first pieces held for the next segment */ \
	X(TLS_REASSEMBLED, "tls_reassembled") /* ClientHellos decoded whole from two segments */ \
	X(TLS_CONNS_OVERFLOW, "tls_conns_overflow") /* TLS connections not followed: table full (native) */ \
	X(TLS_EPS_OVERFLOW, "tls_eps_overflow") /* TLS events past RX_TLS_EPS_MAX rows */ \
	X(NOSOCK_TCP, "nosocket_tcp")        /* TC ingress: TCP segments no socket receives */ \
	X(NOSOCK_UDP, "nosocket_udp")        /* ... UDP datagrams no socket receives */ \
	X(LISTEN_FULL, "listen_full")        /* SYNs to a listener whose accept queue is full */ \
	X(SOCK_PORTS_LOST, "sock_ports_lost") /* sockets found, not kept: rx_sock_ports update failed */

/* TCP segments by kind, counted at XDP (the traffic picture's "tcp" object). */
#define RX_TCPKINDS(X)                                                         \
	X(SYN, "syn")           /* SYN without ACK: a connection attempt */   \
	X(SYNACK, "synack")                                                    \
	X(RST, "rst")                                                          \
	X(FIN, "fin")                                                          \
	X(PSH, "psh")                                                          \
	X(URG, "urg")                                                          \
	X(ECE, "ece")                                                          \
	X(CWR, "cwr")                                                          \
	X(SEGMENTS, "segments") /* every TCP segment */

/* TCP health, tracked per connection at TC (live) or on every frame (offline). */
#define RX_TCPHEALTH(X)                                                        \
	X(HANDSHAKES, "handshakes")           /* SYN, SYN-ACK, ACK completed */  \
	X(SYN_RETRANSMITS, "syn_retransmits") /* a SYN repeated before its answer */ \
	X(RST_FROM_CLIENT, "rst_from_client")                                  \
	X(RST_FROM_SERVER, "rst_from_server")                                  \
	X(RETRANSMITS, "retransmits")         /* data below the highest sequence seen */ \
	X(ZERO_WINDOWS, "zero_windows")       /* a receiver advertising window 0 */ \
	X(GRO_PACKETS, "gro_packets")         /* super-packets seen at TC */      \
	X(GRO_SEGMENTS, "gro_segments")       /* the wire segments they merge */  \
	X(FLOWS, "flows")                     /* connections first seen */        \
	X(FLOWS_OVERFLOW, "flows_overflow")   /* segments not tracked: table full (native) */

/* Handshake latencies, in histograms with these upper bounds (microseconds). */
#define RX_LATENCIES(X)                                                        \
	X(SYNACK_DELAY, "synack_delay") /* the server: SYN in -> SYN-ACK out */ \
	X(HANDSHAKE_RTT, "handshake_rtt") /* the client: SYN-ACK out -> ACK in */
#define RX_LAT_BOUNDS_US(X)                                                    \
	X(10) X(25) X(50) X(100) X(250) X(500) X(1000) X(2500) X(5000) X(10000) X(25000) X(50000) \
	X(100000) X(250000) X(500000) X(1000000) X(2500000) X(5000000)

/* HTTP request methods recognised at the start of a segment. */
#define RX_HTTP_METHODS(X)                                                     \
	X(NONE, "")                                                            \
	X(GET, "GET")                                                          \
	X(POST, "POST")                                                        \
	X(PUT, "PUT")                                                          \
	X(DELETE, "DELETE")                                                    \
	X(HEAD, "HEAD")                                                        \
	X(OPTIONS, "OPTIONS")                                                  \
	X(PATCH, "PATCH")                                                      \
	X(CONNECT, "CONNECT")                                                  \
	X(TRACE, "TRACE")

/* HTTP request durations: OpenTelemetry's default buckets (microseconds). */
#define RX_DUR_BOUNDS_US(X)                                                    \
	X(5000) X(10000) X(25000) X(50000) X(75000) X(100000) X(250000)        \
	X(500000) X(750000) X(1000000) X(2500000) X(5000000) X(7500000) X(10000000)

/* HTTP body sizes (bytes, from Content-Length). */
#define RX_BODY_BOUNDS(X) X(0) X(100) X(1000) X(10000) X(100000) X(1000000) X(10000000)

/* Frame-size histogram: upper bounds in bytes, the last bucket open. */
#define RX_SIZE_BOUNDS(X)                                                      \
	X(64) X(128) X(256) X(512) X(1024) X(1518) X(9018)

#define RX__ENUM(prefix, name, str) prefix##name,
#define RX__VERDICT(name, str) RX__ENUM(RX_VERDICT_, name, str)
#define RX__REASON(name, str) RX__ENUM(RX_REASON_, name, str)
#define RX__PROTO(name, str) RX__ENUM(RX_PROTO_, name, str)
#define RX__STAT(name, str) RX__ENUM(RX_STAT_, name, str)
#define RX__TCPKIND(name, str) RX__ENUM(RX_TCPK_, name, str)
#define RX__SIZE(bound) +1
#define RX__HEALTH(name, str) RX__ENUM(RX_TCPH_, name, str)
#define RX__LAT(name, str) RX__ENUM(RX_LAT_, name, str)
#define RX__METHOD(name, str) RX__ENUM(RX_HTTP_M_, name, str)

enum rx_verdict { RX_VERDICTS(RX__VERDICT) RX_VERDICT_MAX };
enum rx_reason { RX_REASONS(RX__REASON) RX_REASON_MAX };
enum rx_proto { RX_PROTOS(RX__PROTO) RX_PROTO_MAX };
enum rx_stat { RX_STATS(RX__STAT) RX_STAT_MAX };
enum rx_tcpkind { RX_TCPKINDS(RX__TCPKIND) RX_TCPK_MAX };
#define RX_SIZE_BUCKETS (1 RX_SIZE_BOUNDS(RX__SIZE)) /* the bounds and one open bucket */
enum rx_tcphealth { RX_TCPHEALTH(RX__HEALTH) RX_TCPH_MAX };
enum rx_latency { RX_LATENCIES(RX__LAT) RX_LAT_MAX };
enum rx_http_method { RX_HTTP_METHODS(RX__METHOD) RX_HTTP_M_MAX };
#define RX_LAT_BUCKETS (1 RX_LAT_BOUNDS_US(RX__SIZE))
#define RX_DUR_BUCKETS (1 RX_DUR_BOUNDS_US(RX__SIZE))
#define RX_BODY_BUCKETS (1 RX_BODY_BOUNDS(RX__SIZE))

/* Index of the counter slot of one (verdict, reason, proto) triple. */
#define RX_COUNTER_SLOTS (RX_VERDICT_MAX * RX_REASON_MAX * RX_PROTO_MAX)
#define RX_COUNTER_IDX(v, r, p) (((v) * RX_REASON_MAX + (r)) * RX_PROTO_MAX + (p))

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Packet views: one line (tcpdump-like), every field (-v), JSON lines. */
#ifndef RX_RENDER_H
#define RX_RENDER_H

#include "rxray.h"
#include "tcpseq.h"

/*
 * ifname: the interface's name for live records, NULL offline. seqs: the
 * conversations' relative sequence numbers (tcpseq.h), NULL for absolute
 * ones (-S).
 */
void rx_render_line(FILE *out, const struct rx_capture *rec, const char *ifname,
		    struct rx_tcpseq *seqs);
/* The line, then every field (the numbers as sent). */
void rx_render_verbose(FILE *out, const struct rx_capture *rec, const char *ifname,
		       struct rx_tcpseq *seqs);
/*
 * watch --json: keys are tshark's field names (jq .ip.ttl = tshark -e
 * ip.ttl); frame: the packet's frame.number (rx_record_fn's).
 */
int rx_render_json(FILE *out, const struct rx_capture *rec, __u64 frame, const char *ifname);
/* What rxray knows of a packet beyond its record, for the views that show it. */
struct rx_p0f_result;
struct rx_render_extra {
	const struct rx_p0f_result *p0f; /* the SYN's fingerprint (p0f.h), or NULL */
};
/* rx_render_json with x's facts too (x NULL: none). */
int rx_render_json_x(FILE *out, const struct rx_capture *rec, __u64 frame, const char *ifname,
		     const struct rx_render_extra *x);
/* watch -v's line for a SYN's fingerprint. */
void rx_render_p0f_verbose(FILE *out, const struct rx_p0f_result *r);
/*
 * requests --json: one HTTP transaction with OpenTelemetry's keys (the
 * contract's "requests --json"). route, path, ua and host are texts already
 * made printable; path, ua and host NULL when the request's record is
 * missing or had no such header. host is the Host header's value as sent:
 * server.address and server.port come from it (rx_host_split).
 */
int rx_render_txn_json(FILE *out, const struct rx_txn *t, const char *route, const char *path,
		       const char *ua, const char *host);
/*
 * A Host header's value (RFC 9110 7.2, uri-host [":" port]) apart: sets
 * *name to where the host starts and returns its length (0: no host), an
 * IPv6 literal without its brackets; sets *port when a port of 1-65535
 * follows, else leaves it.
 */
size_t rx_host_split(const char *host, const char **name, __u16 *port);

/* Text forms shared by the views. */
void rx_fmt_flags(char *buf, size_t len, __u16 flags);  /* "SYN,ACK" */
void rx_fmt_ts(char *buf, size_t len, __u64 ts_ns);     /* "1700000000.123456789" */
const char *rx_http_method_name(unsigned int m);
/* "1.0" or "1.1"; NULL when the request line ran past what the datapath sees */
const char *rx_http_minor_text(unsigned int minor);
void rx_http_text(char *dst, const char *src, unsigned int len); /* dst: len + 1 bytes */

#endif

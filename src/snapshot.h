/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Counter snapshots (docs/architecture.md, "User space"): what every source hands
 * its readers, and their arithmetic: free, copy, subtract (a window), sum
 * (totals), sort, endpoint folding and route text. No source or view here:
 * sources fill snapshots, views (picture, metrics, top) read them.
 */
#ifndef RX_SNAPSHOT_H
#define RX_SNAPSHOT_H

#include <stddef.h>
#include "rxray.h"

/* One entry of a keyed table (talkers: struct rx_addr, services: struct rx_service). */
struct rx_keyed {
	__u8 key[16];
	struct rx_counter c;
};

/*
 * A route's text: its bytes, printable ASCII kept ('%' too: a path is
 * percent-encoded as sent) and everything else (and '\') as \xHH, so
 * different routes never print the same; a route that does not start with
 * '/' gets one, so none can read like "{overflow}", except OPTIONS's "*".
 * A route the datapath cut ends in "..."; a whole one never does (its last
 * '.' of three is written \x2E).
 */
#define RX_ROUTE_TEXT (4 * RX_ROUTE_MAX + 5) /* '/', each byte as \xHH, "..." (cut), NUL */

/* One endpoint's RED metrics, with its route's text. */
struct rx_endpoint_row {
	struct rx_endpoint_key k;
	__u32 bounds; /* 1: v's min and max bound a window's durations, they are not its own */
	struct rx_endpoint v;
	char route[RX_ROUTE_TEXT];
	char pad2[6];
};

/* A port-scan record (datapath/scan.h) and its key. */
struct rx_scan_row {
	struct rx_scan_key k;
	struct rx_scan_rec v;
};

/* TCP health of one server port (datapath/tcp.h), summed over CPUs. */
struct rx_tcp_port_row {
	__u32 port;
	__u32 pad;
	struct rx_tcp_port v;
};

/* A TLS row (datapath/tlsconn.h): (port, SNI, ALPN) and its counts, summed over CPUs. */
struct rx_tls_row {
	struct rx_tls_ep_key k;
	__u32 bounds; /* 1: the histograms' min and max bound a window's values, not its own */
	struct rx_tls_ep v;
};

/* Counters summed over CPUs, as the datapath keeps them. */
struct rx_snapshot {
	struct rx_counter counters[RX_COUNTER_SLOTS];
	__u64 stats[RX_STAT_MAX];
	struct rx_counter sizes[RX_SIZE_BUCKETS];
	__u64 tcpkinds[RX_TCPK_MAX];
	struct rx_keyed *talkers;
	size_t n_talkers;
	struct rx_keyed *services;
	size_t n_services;
	__u64 health[RX_TCPH_MAX];
	struct rx_hist latency[RX_LAT_MAX];
	struct rx_endpoint_row *endpoints;
	size_t n_endpoints;
	struct rx_scan_row *scans; /* records as read (a window: those that grew in it) */
	size_t n_scans;
	struct rx_tcp_port_row *tcp_ports; /* per server port (a window: those that grew, by port) */
	size_t n_tcp_ports;
	struct rx_tls_row *tls; /* TLS rows, in the table's order */
	size_t n_tls;
	__u64 first_ns, last_ns; /* time span covered (pcap time offline, wall time live) */
};

/* The counters of a snapshot added up over verdicts, reasons and protocols. */
struct rx_totals {
	__u64 packets, bytes;
	__u64 proto[RX_PROTO_MAX];
	__u64 reason[RX_REASON_MAX];
	__u64 verdict[RX_VERDICT_MAX];
};

/* The upper bounds of the histograms' buckets (datapath/abi.h), each then +Inf. */
extern const unsigned int rx_size_bounds[];
extern const unsigned int rx_lat_bounds_us[];
extern const unsigned int rx_dur_bounds_us[];
extern const unsigned int rx_body_bounds[];

void rx_snapshot__free(struct rx_snapshot *snap);
/* A deep copy; -ENOMEM leaves to with empty tables. */
int rx_snapshot__copy(struct rx_snapshot *to, const struct rx_snapshot *from);
/*
 * snap -= base, table entries matched by key; entries that did not grow are
 * dropped. base's tables may be sorted in place (by key).
 */
void rx_snapshot__subtract(struct rx_snapshot *snap, const struct rx_snapshot *base);
void rx_snapshot__sum(const struct rx_snapshot *s, struct rx_totals *t);
/* Talkers and services by packets, descending (ties: bytes, then key). */
void rx_snapshot__sort(struct rx_snapshot *s);
/* Talkers and services by key, for bsearch() with rx_keyed__cmp_key. */
void rx_snapshot__sort_keys(struct rx_snapshot *s);
int rx_keyed__cmp_key(const void *a, const void *b);
/* A 16-byte key's slot in an index of mask + 1 slots (a power of two): all its bits mixed. */
size_t rx_keyed__slot(const __u8 *key, size_t mask);
/*
 * now - before of a counter that only grows: one that went back was an
 * entry evicted and made again, counted from 0.
 */
__u64 rx_counter_since(__u64 now, __u64 before);

void rx_route_name(char *buf, __u32 id, const struct rx_route *r); /* buf: RX_ROUTE_TEXT */
/* Add one CPU's TLS row values into a sum. */
void rx_tls_ep_add(struct rx_tls_ep *to, const struct rx_tls_ep *v);
/* TLS rows by port, SNI, ALPN. */
void rx_snapshot__sort_tls(struct rx_snapshot *s);
/* Add one CPU's latency histogram into a sum (count, min and max kept true). */
void rx_hist_add(struct rx_hist *to, const struct rx_hist *h);
void rx_endpoint_add(struct rx_endpoint *to, const struct rx_endpoint *v);

/*
 * Endpoint folding: the rows of one (server port, method, route) over its
 * statuses. rx_snapshot__sort_endpoints() orders the rows so that they sit
 * together (and statuses ascend); rx_snapshot__fold_endpoint() then folds
 * the group starting at row i and returns the row after it:
 *
 *	rx_snapshot__sort_endpoints(s);
 *	for (i = 0; i < s->n_endpoints; i = next)
 *		next = rx_snapshot__fold_endpoint(s, i, &g);
 */
struct rx_endpoint_group {
	const struct rx_endpoint_row *row; /* the first row; its k.status is the lowest */
	size_t n;                          /* rows row[0..n-1] */
	struct rx_endpoint sum;            /* their values added */
	__u64 errors;                      /* requests answered 5xx */
	int bounds;                        /* some row's min and max are bounds, not its own */
};

void rx_snapshot__sort_endpoints(struct rx_snapshot *s);
size_t rx_snapshot__fold_endpoint(const struct rx_snapshot *s, size_t i,
				  struct rx_endpoint_group *g);
/* Order of (server port, method, route): < 0, 0 or > 0, statuses not compared. */
int rx_endpoint_row__cmp(const struct rx_endpoint_row *x, const struct rx_endpoint_row *y);

#endif

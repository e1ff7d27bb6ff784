/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Record sources (ARCHITECTURE.md section 3): a live interface (the XDP
 * program, its ring buffer and maps) or a pcap file (the native build of
 * the same datapath). Views see records and counter snapshots only.
 */
#ifndef RX_SOURCE_H
#define RX_SOURCE_H

#include "rxray.h"
#include "pattern.h"

struct rx_source_opts {
	const char *ifname; /* live, or */
	const char *file;   /* offline */
	__u32 snaplen;      /* bytes of each packet in capture records */
	int capture;        /* stream capture records */
	int payload;        /* capture records carry payload bytes, not only headers */
	int traffic;        /* keep the traffic picture (talkers, services, ...) */
	int tcp;            /* track TCP health (live: attaches the TC programs too) */
	int http;           /* track HTTP transactions and RED metrics (needs tcp) */
	/*
	 * Called once per HTTP transaction when set (requests); route: its
	 * template; ri: the request's path and User-Agent (NULL if that record
	 * was lost: counted in rx_snapshot.stats[RX_STAT_REQINFO_LOST] or
	 * rx_source__joins()).
	 */
	void (*on_txn)(void *user, const struct rx_txn *t, const char *route,
		       const struct rx_reqinfo *ri);
	const struct rx_patterns *patterns; /* route patterns (NULL: none) */
	__u32 duration_s;   /* live: stop after this long (0: until told) */
	int pin;            /* live: keep maps and links under /sys/fs/bpf/rxray/IFACE */
	int use_agent;      /* live: read a running agent's counters instead of attaching */
};

/* One entry of a keyed table (talkers: struct rx_addr, services: struct rx_service). */
struct rx_keyed {
	__u8 key[16];
	struct rx_counter c;
};

/*
 * A route's text: its bytes, printable ASCII kept and everything else (and
 * '%') as %XX, so different routes never print the same; a route that does
 * not start with '/' gets one, so none can read like "{overflow}".
 */
#define RX_ROUTE_TEXT (3 * RX_ROUTE_MAX + 2)

/* One endpoint's RED metrics, with its route's text. */
struct rx_endpoint_row {
	struct rx_endpoint_key k;
	__u32 bounds; /* 1: v's min and max bound a window's durations, they are not its own */
	struct rx_endpoint v;
	char route[RX_ROUTE_TEXT];
	char pad2[6];
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
	__u64 first_ns, last_ns; /* time span covered (pcap time offline, wall time live) */
};

void rx_snapshot__free(struct rx_snapshot *snap);
void rx_route_name(char *buf, __u32 id, const struct rx_route *r); /* buf: RX_ROUTE_TEXT */
void rx_endpoint_add(struct rx_endpoint *to, const struct rx_endpoint *v);

/*
 * Called once per capture record, in order; ts_ns already on the wall clock.
 * Return non-zero to stop the source.
 */
typedef int (*rx_record_fn)(void *user, const struct rx_capture *rec);

struct rx_source;

/* 0, or an RX_EXIT_* status after printing the reason. */
int rx_source__open(struct rx_source **out, const struct rx_source_opts *opts);
/* Deliver records until the end of the file, rx_stop, or fn's say-so. */
int rx_source__run(struct rx_source *src, rx_record_fn fn, void *user);
/* The counters now: a read of the maps (live), of the agent, or of the file so far. */
void rx_source__snapshot(struct rx_source *src, struct rx_snapshot *snap);
/*
 * For readers that show rates (top), not the exact counts of a moment: a
 * read made less than RX_SNAPSHOT_RECENT_NS ago and after after_ns (the
 * last_ns of the reader's previous one; 0: any), so every call brings a new
 * read, at most a second old. A live source keeps its last read, whoever
 * asked for it (a /metrics scrape, a top client), and hands out copies;
 * an agent source asks the agent for its kept read. snap->last_ns tells
 * when it was made. Readers of exact counts call rx_source__snapshot().
 */
#define RX_SNAPSHOT_RECENT_NS 1000000000ll
void rx_source__snapshot_recent(struct rx_source *src, struct rx_snapshot *snap, __u64 after_ns);
const char *rx_source__ifname(const struct rx_source *src, __u32 ifindex);
void rx_source__close(struct rx_source *src);
/* Transactions joined with their request record, and those that were not. */
void rx_source__joins(struct rx_source *src, __u64 *joined, __u64 *missing, __u64 *replaced);
/* The source reads a running agent (serve) rather than its own datapath. */
int rx_source__is_agent(const struct rx_source *src);

#endif

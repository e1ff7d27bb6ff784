/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's map keys and values (datapath/guard.h is its logic): fixed
 * widths, explicit padding, a size assert on each, as datapath/abi.h.
 * Byte order: addresses in network order, ports in host order.
 */
#ifndef RX_GUARD_ABI_H
#define RX_GUARD_ABI_H

#include "abi.h"

#define RX_GUARD_RULES_MAX 131072 /* entries of each LPM trie (and rules in all) */
#define RX_GUARD_LIMITS_MAX 1024  /* rate limits: one global, the rest per port */
#define RX_GUARD_BUCKETS_MAX 65536 /* sources with a token bucket (LRU) */
#define RX_GUARD_SRCLIMITS_MAX 1024 /* limits of one source on one port (the SLO loop's) */
#define RX_GUARD_NEXT (-2)        /* rx_datapath's answer: the guard stage decides */
#define RX_GUARD_GOOD_MAX 65536   /* sources that completed a handshake (LRU rx_guard_good) */
#define RX_GUARD_CAP_KEY 0x10000u /* rx_guard_limits key of port P's SYN cap: RX_GUARD_CAP_KEY | P */

/* struct rx_guard_bucket_key.pad: whose bucket it is. */
enum rx_guard_bucket_kind {
	RX_GUARD_BK_SOURCE = 0,    /* a source's, under a limit (port: the limit's) */
	RX_GUARD_BK_CAP = 1,       /* a port's SYN cap, shared by every source (addr zero) */
	RX_GUARD_BK_SYN_GUARD = 2, /* an unproven source's SYNs while the SYN guard is engaged */
	RX_GUARD_BK_SRCLIMIT = 3,  /* a source's own limit on a port (rx_guard_srclimits, the SLO loop) */
};

enum rx_guard_list {
	RX_GUARD_ALLOW = 0,
	RX_GUARD_DENY = 1,
};

/* Keys of the LPM tries: the prefix length in bits, then the address (network order). */
struct rx_guard_key4 {
	__u32 prefixlen;
	__u8 addr[4];
};
_Static_assert(sizeof(struct rx_guard_key4) == 8, "struct rx_guard_key4 ABI size");

struct rx_guard_key6 {
	__u32 prefixlen;
	__u8 addr[16];
};
_Static_assert(sizeof(struct rx_guard_key6) == 20, "struct rx_guard_key6 ABI size");

/* struct rx_guard_cfg.lists: the tries that hold a rule (the early check skips the others). */
enum rx_guard_lists {
	RX_GUARD_L_ALLOW4 = 1 << 0,
	RX_GUARD_L_DENY4 = 1 << 1,
	RX_GUARD_L_ALLOW6 = 1 << 2,
	RX_GUARD_L_DENY6 = 1 << 3,
};

enum {
	RX_GUARD_F_DRY_RUN = 1 << 0, /* count what it would drop, drop nothing */
};

/* The value of a trie entry: which rule (the agent keeps the rest of it). */
struct rx_guard_rule {
	__u32 id;
	__u32 flags; /* RX_GUARD_F_* */
};
_Static_assert(sizeof(struct rx_guard_rule) == 8, "struct rx_guard_rule ABI size");

/* Per rule, per CPU (map rx_guard_hits, by rule id): what it matched. */
struct rx_guard_hits {
	__u64 dropped;    /* packets dropped */
	__u64 would_drop; /* packets it would have dropped (dry run) */
	__u64 allowed;    /* packets an allow rule passed */
	__u64 bytes;      /* bytes of all of them */
};
_Static_assert(sizeof(struct rx_guard_hits) == 32, "struct rx_guard_hits ABI size");

/* The guard's settings (map rx_guard_cfg, one entry; on/off is rx_cfg.guard). */
struct rx_guard_cfg {
	__u32 dry_run; /* 1: every rule counts what it would drop, none drops */
	__u32 limits;  /* rate limits in rx_guard_limits (0: no bucket lookups) */
	__u32 on;      /* the agent's switch (user space only) */
	__u32 active;  /* rx_cfg.guard as the agent set it: a --pin restart sets it before attaching */
	__u32 src_limits; /* limits of one source in rx_guard_srclimits (0: no lookups) */
	__u32 caps;    /* per-port SYN caps in rx_guard_limits (keys RX_GUARD_CAP_KEY | port) */
	__u32 syn_guard; /* 1: engaged: SYNs of sources not in rx_guard_good are limited */
	__u32 sg_id;   /* the SYN guard's rule id (its hits) */
	__u32 sg_flags; /* RX_GUARD_F_* of the SYN guard's rule */
	__u32 lists;   /* enum rx_guard_lists: which tries hold rules (an empty one is not looked up) */
	__u64 sg_syn_ns; /* ns per SYN per unproven source while engaged; 0: their SYNs drop */
	__u64 sg_syn_burst_ns;
};
_Static_assert(sizeof(struct rx_guard_cfg) == 56, "struct rx_guard_cfg ABI size");

/*
 * A rate limit (map rx_guard_limits, by destination port; 0: every port),
 * as a token bucket per source kept as a theoretical arrival time (GCRA):
 * a packet is admitted when the bucket's time is at most burst ahead of
 * now, and then moves it interval further. All in integer nanoseconds.
 * An interval of 0 leaves that kind unlimited.
 */
struct rx_guard_limit {
	__u32 id;
	__u32 flags;        /* RX_GUARD_F_* */
	__u64 pkt_ns;       /* ns per packet: 1e9 / (packets/s) */
	__u64 pkt_burst_ns; /* how far ahead the bucket may run: burst * pkt_ns */
	__u64 syn_ns;       /* ns per SYN: 1e9 / (SYN/s) */
	__u64 syn_burst_ns;
};
_Static_assert(sizeof(struct rx_guard_limit) == 40, "struct rx_guard_limit ABI size");

/*
 * A rule's metadata, for user space only (map rx_guard_meta, by id): the
 * datapath never reads it; it is a map so that with --pin the rules, their
 * owners, reasons and TTLs survive an agent restart with the tries.
 */
struct rx_guard_meta {
	__u32 id;
	__u8 kind;     /* 0 allow, 1 block, 2 limit, 3 cap, 4 syn-guard (src/guard.c) */
	__u8 dry;
	__u8 v6;
	__u8 plen;
	__u8 addr[16]; /* network order */
	__u16 port;    /* limit: destination port, 0: every port */
	__u16 pad;
	__u32 pps;     /* limit: packets/s per source; syn-guard: half-open/s that engages it */
	__u32 syn;     /* limit: SYN/s per source; cap: SYN/s of the port; syn-guard: per unproven source */
	__u32 pad2;
	__s64 created; /* seconds since the epoch */
	__s64 expires; /* 0: no TTL */
	char owner[32];
	char reason[96];
};
_Static_assert(sizeof(struct rx_guard_meta) == 184, "struct rx_guard_meta ABI size");

/*
 * A source's bucket (LRU map rx_guard_buckets): per source and limit port.
 * Also the key of a limit of one source on one port (map
 * rx_guard_srclimits, pad 0), whose bucket is the same key with pad
 * RX_GUARD_BK_SRCLIMIT (enum rx_guard_bucket_kind).
 */
struct rx_guard_bucket_key {
	__u8 addr[16]; /* IPv6, or IPv4 mapped (::ffff:a.b.c.d) */
	__u16 port;    /* the limit's port, 0: global (host order) */
	__u16 pad;     /* enum rx_guard_bucket_kind */
};
_Static_assert(sizeof(struct rx_guard_bucket_key) == 20, "struct rx_guard_bucket_key ABI size");

struct rx_guard_bucket {
	__u64 pkt_tat; /* theoretical arrival time of the next packet (ns) */
	__u64 syn_tat;
};
_Static_assert(sizeof(struct rx_guard_bucket) == 16, "struct rx_guard_bucket ABI size");

/* A source that completed a handshake (LRU map rx_guard_good, written by TC). */
struct rx_guard_good_key {
	__u8 addr[16]; /* IPv6, or IPv4 mapped (::ffff:a.b.c.d) */
};
_Static_assert(sizeof(struct rx_guard_good_key) == 16, "struct rx_guard_good_key ABI size");

#endif

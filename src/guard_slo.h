/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's SLO loop (docs/guard.md, "The SLO loop"): while an endpoint's
 * slo_burn alert fires, the heaviest sources of the interface get a SYN/s
 * limit of their own on the endpoint's port, tightened step by step while
 * the burn goes on, relaxed step by step once it resolved, and released
 * when relaxed past the first limit. Off by default (guard-slo = on).
 *
 * Pure logic here (tests/unit/unit_guard_slo.c): the settings, and one
 * step of one endpoint from its state, whether it burns and its heaviest
 * sources. The guard (src/guard.c) makes the rules and writes the audit
 * log's slo_* lines and rxray_guard_slo_steps_total.
 */
#ifndef RX_GUARD_SLO_H
#define RX_GUARD_SLO_H

#include <stddef.h>
#include <linux/types.h>

#define RX_GSLO_SOURCES_MAX 16 /* sources limited at once per endpoint */
#define RX_GSLO_ENDPOINTS 64   /* endpoints (interface, method, route, port) followed */

struct rx_guard_slo_cfg {
	int on;                   /* guard-slo */
	unsigned long sources;    /* guard-slo-sources: the heaviest K sources (3) */
	double share;             /* guard-slo-share: and at least this share of the packets (0.2) */
	unsigned long min_pps;    /* guard-slo-min-pps: accepted, no longer used (the ranking is by SYNs) */
	unsigned long min_syn;    /* guard-slo-min-syn: and at least this many new connections a second (10) */
	unsigned long syn;        /* guard-slo-syn: the first limit, SYN/s (50) */
	unsigned long min;        /* guard-slo-min: the floor, SYN/s (2) */
	double step;              /* guard-slo-step: tighten divides by it, relax multiplies (2) */
	unsigned long interval_s; /* guard-slo-interval: seconds between steps of a source (5) */
	unsigned long calm_s;     /* guard-slo-calm: resolved this long before the first relax (30) */
	unsigned long ttl_s;      /* guard-slo-ttl: a rule not stepped or held this long expires (120) */
};

void rx_guard_slo__defaults(struct rx_guard_slo_cfg *c);
/*
 * One guard-slo* setting: 0, -EINVAL (*why says why) or -ENOENT (not one).
 * Checked together (min <= syn, ttl > interval) by rx_guard_slo__check.
 */
int rx_guard_slo__set(struct rx_guard_slo_cfg *c, const char *key, const char *val,
		      const char **why);
/* 0, or -EINVAL and *why: settings that contradict each other. */
int rx_guard_slo__check(const struct rx_guard_slo_cfg *c, const char **why);

enum rx_gslo_step {
	RX_GSLO_LIMIT,   /* a first limit (guard-slo-syn) */
	RX_GSLO_TIGHTEN, /* still burning: the limit divided by the step, to the floor */
	RX_GSLO_RELAX,   /* recovered: the limit multiplied by the step */
	RX_GSLO_RELEASE, /* relaxed past the first limit: the rule goes */
	RX_GSLO_HOLD,    /* (at the floor, still burning: the rule's TTL renewed, not logged) */
	RX_GSLO_STEPS,
};
/* "limit", "tighten", "relax", "release", "hold" */
extern const char *const rx_gslo_step_names[RX_GSLO_STEPS];

/* A limited source of an endpoint: address (IPv4 as ::ffff:a.b.c.d), SYN/s (0: slot free). */
struct rx_gslo_src {
	__u8 addr[16];
	__u32 rate;
	double last; /* when it last stepped */
};

struct rx_gslo_ep {
	char ifname[32];
	char method[16];
	char route[256];
	__u16 port;
	unsigned int firing; /* objectives whose slo_burn fires: 1 availability, 2 latency */
	double calm_since;   /* when the step first saw it not firing (0: firing) */
	struct rx_gslo_src src[RX_GSLO_SOURCES_MAX];
};

/* A heavy source of the last second: its share of the new connections to the endpoint's port. */
struct rx_gslo_cand {
	__u8 addr[16];
	double share;
	__u64 syn; /* connections it opened to the port in the last second */
};

struct rx_gslo_action {
	enum rx_gslo_step step;
	__u8 addr[16];
	__u32 from, to; /* SYN/s (from 0: a first limit; to 0: released) */
	double share;   /* the source's share in the last second (a first limit) */
	__u64 syn;      /* and the connections it opened to the port in that second */
};

/*
 * One step of endpoint e at now (seconds): cands are the heaviest sources
 * by new connections to e's port, heaviest first (n). The actions into out (at most max; at most
 * 2 * RX_GSLO_SOURCES_MAX happen), e's sources updated. Returns how many.
 */
size_t rx_guard_slo__step(const struct rx_guard_slo_cfg *c, struct rx_gslo_ep *e,
			  const struct rx_gslo_cand *cands, size_t n, double now,
			  struct rx_gslo_action *out, size_t max);

/* Whether e has a limited source (its state must be kept while it does). */
int rx_guard_slo__busy(const struct rx_gslo_ep *e);

/*
 * The heaviest k (at most RX_GSLO_SOURCES_MAX) sources by new connections
 * to port: of the TCP connections of a flows table (keys[i], flows[i], n;
 * datapath/abi.h), those whose SYN (its datapath time) came at since_ns or
 * later, counted by their client's address, heaviest first, each with its
 * share of them all, into out: how many. A bulk sender on few connections
 * ranks low, however many bytes it sends.
 */
struct rx_flow_key;
struct rx_tcp_flow;
size_t rx_guard_slo__by_syn(const struct rx_flow_key *keys, const struct rx_tcp_flow *flows,
			    size_t n, __u16 port, __u64 since_ns, size_t k,
			    struct rx_gslo_cand *out);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `rxray guard explain ADDR [--port P] [--syn]` (docs/guard.md): which rule
 * decides for a packet of source ADDR, and why, by walking every rule kind
 * in the order of the XDP guard stage (datapath/guard.h rx_guard_decide):
 *
 *   1. allow     the longest allow match passes, always (the walk ends)
 *   2. deny      the longest deny match drops, or would drop (dry run)
 *   3. syn_guard while engaged, a SYN of a source that never completed a
 *                handshake is limited per source (or dropped)
 *   4. port_cap  a SYN to a port with a cap: one bucket for every source
 *   5. source_limit  the source's own limit on the port (the SLO loop's)
 *   6. limit     the port's per-source limit, else the global one
 *
 * Pure logic (tests/unit/unit_gexplain.c): the agent (src/guard.c) gives
 * its rules as struct rx_gx_rule and its state, and prints the result.
 * Limits depend on the packet rate, which an explanation does not know:
 * a step whose limit applies says "rate_limited_above" that rate.
 */
#ifndef RX_GUARD_EXPLAIN_H
#define RX_GUARD_EXPLAIN_H

#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>

/* The steps, in the datapath's order (also the index of a step in the result). */
enum rx_gx_kind {
	RX_GX_ALLOW,
	RX_GX_DENY,
	RX_GX_SYN_GUARD,
	RX_GX_PORT_CAP,
	RX_GX_SOURCE_LIMIT,
	RX_GX_LIMIT,
	RX_GX_KINDS,
};
/* "allow", "deny", "syn_guard", "port_cap", "source_limit", "limit" */
extern const char *const rx_gx_kind_names[RX_GX_KINDS];

enum rx_gx_verdict {
	RX_GXV_NO_MATCH,       /* no rule of the kind applies */
	RX_GXV_NOT_APPLICABLE, /* the kind does not look at this packet (not a SYN, no port, not engaged) */
	RX_GXV_NOT_REACHED,    /* an earlier step decided */
	RX_GXV_PASS,           /* an allow rule: passes */
	RX_GXV_DROP,
	RX_GXV_WOULD_DROP,     /* dry run: counted, passes */
	RX_GXV_RATE_LIMITED,   /* dropped above the rule's rate ("rate_limited_above") */
	RX_GXV_PROVEN,         /* the SYN guard: the source completed a handshake, passes */
	RX_GXV_VERDICTS,
};
/* "no_match", "not_applicable", "not_reached", "pass", "drop", "would_drop",
 * "rate_limited_above", "proven" */
extern const char *const rx_gx_verdict_names[RX_GXV_VERDICTS];

/* A rule as the walk sees it. */
enum rx_gx_rule_kind { RX_GXR_ALLOW, RX_GXR_DENY, RX_GXR_LIMIT, RX_GXR_SRCLIMIT, RX_GXR_CAP,
		       RX_GXR_SYN_GUARD };
struct rx_gx_rule {
	__u32 id;
	int kind;      /* enum rx_gx_rule_kind */
	int dry;       /* the rule's own dry run */
	int v6;        /* ALLOW, DENY, SRCLIMIT: the family of addr */
	__u32 plen;    /* ALLOW, DENY: the prefix length (SRCLIMIT: a whole address) */
	__u8 addr[16]; /* network order (IPv4 in the first 4 bytes) */
	__u16 port;    /* LIMIT (0: every port), SRCLIMIT, CAP */
	__u32 pps;     /* LIMIT, SRCLIMIT: packets/s per source (0: not limited) */
	__u32 syn;     /* LIMIT, SRCLIMIT: SYN/s per source; CAP: SYN/s of the port;
			  SYN_GUARD: SYN/s per unproven source (0: dropped) */
};

/* The packet to explain and the guard's state. */
struct rx_gx_query {
	int v6;
	__u8 addr[16]; /* the source, network order (IPv4 in the first 4 bytes) */
	__u16 port;    /* destination port (TCP or UDP), 0: none */
	int syn;       /* a TCP SYN without ACK */
	int on;        /* the guard is on */
	int dry_run;   /* the global dry run */
	int sg_engaged; /* the SYN guard is engaged */
	int proven;    /* the source completed a handshake (rx_guard_good): 1, 0, -1 not known */
};

struct rx_gx_step {
	int verdict;                  /* enum rx_gx_verdict */
	const struct rx_gx_rule *rule; /* the rule of the step, or NULL */
	int dry;                      /* the rule or the guard is in dry run: it only counts */
	__u32 rate;                   /* RATE_LIMITED: the rate above which it drops (0: drops all) */
	int syn_rate;                 /* rate is SYN/s (else packets/s) */
	const char *note;             /* why, in a few words */
};

struct rx_gx_result {
	struct rx_gx_step steps[RX_GX_KINDS]; /* by enum rx_gx_kind */
	int decides;                          /* the step that decides, -1: none (passes) */
	const struct rx_gx_rule *overridden;  /* an allow rule decides: the deny rule it beats */
	char why[256];
};

/* The walk of q over rules[0..n) into *out. */
void rx_gx_walk(const struct rx_gx_query *q, const struct rx_gx_rule *rules, size_t n,
		struct rx_gx_result *out);

/* The verdict of the whole (the deciding step's, "pass" when none), as the agent's "verdict" key. */
const char *rx_gx_verdict(const struct rx_gx_result *r);

/*
 * The walk as JSON: {"steps":[{"kind","verdict","rule","cidr"|"source"|"port",
 * "rate","unit","dry_run","note"},...],"decides":KIND|"none","why"}.
 */
json_t *rx_gx_json(const struct rx_gx_result *r);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The guard's rules in the agent (docs/guard.md): the table of rules with
 * what the datapath does not need (reason, owner, creation time, TTL), the
 * writes of the BPF maps of every attached object (bpf/guard_maps.h), the
 * requests of `rxray guard` over the control socket, the audit log and the
 * rxray_guard_* metrics. Thread-safe: the control socket's thread, the
 * HTTP server's and the expiry thread all call it.
 */
#ifndef RX_GUARD_AGENT_H
#define RX_GUARD_AGENT_H

#include <jansson.h>
#include <linux/types.h>
#include "guard_auto.h"
#include "guard_slo.h"
#include "metrics.h"

struct rx_guard;
struct bpf_object;
struct rx_config_rt;

/* A CIDR, parsed: family, prefix length, address (network order, host bits zero). */
struct rx_cidr {
	int v6;
	__u32 plen;
	__u8 addr[16];
};

/*
 * "192.0.2.0/24", "2001:db8::/32", or an address alone (a /32, /128).
 * 0, or -1 with *why saying what is wrong (host bits set: "did you mean").
 */
int rx_cidr_parse(const char *s, struct rx_cidr *c, char *why, size_t n);
/* c as text into buf. */
void rx_cidr_format(const struct rx_cidr *c, char *buf, size_t n);

struct rx_guard_opts {
	const char *log_path;  /* the audit log (JSON lines), or NULL */
	unsigned long max_rules; /* 1..RX_GUARD_RULES_MAX (0: the maximum) */
	int off;               /* start with the guard off */
	int dry_run;           /* start in global dry run */
	struct rx_guard_auto autob; /* automatic blocks from alerts (guard_auto.h) */
	struct rx_guard_slo_cfg slo; /* the SLO loop (guard_slo.h) */
};

/* 0, or an RX_EXIT_* after the error. */
int rx_guard__new(struct rx_guard **out, const struct rx_guard_opts *o);
void rx_guard__free(struct rx_guard *g);
/* Enforce the rules in obj too (rt: its run-time settings, for on/off). 0, or -errno. */
int rx_guard__attach(struct rx_guard *g, struct bpf_object *obj, volatile struct rx_config_rt *rt);
/*
 * A request of `rxray guard` (the "guard" object of the control message,
 * agent_wire.h) by owner: the answer ({"status":"ok",...} or
 * {"status":"error","error":"...","exit":2}), a new reference.
 */
json_t *rx_guard__request(struct rx_guard *g, const json_t *req, const char *owner);
/*
 * rxray explain: the running agent's "guard explain ADDR" answer for a
 * packet to port (0: none), a SYN or not, or NULL (cmd_guard.c)
 */
json_t *rx_guard__explain(const char *addr, unsigned int port, int syn);
/*
 * top and stats -i: the running agent's guard in numbers (its answer to
 * "guard summary": on, dry_run, rules, dropped and would_drop by reason,
 * owners: the same by owner, as rxray_guard_* count them), or NULL when no
 * agent with a guard answers (cmd_guard.c).
 */
json_t *rx_guard__summary(void);
/* Prometheus families rxray_guard_* (docs/metrics.md). */
void rx_guard__metrics(struct rx_guard *g, struct rx_buf *b);
/*
 * serve's guard-* settings (docs/config.md, docs/guard.md): the options,
 * and the rules of the configuration file, added at start as owner
 * "config". Each rule keeps where it was given, for its error.
 */
struct rx_guard_conf_rule {
	char *cidr;   /* guard-block, guard-allow; NULL: a guard-limit, guard-cap, guard-syn-guard */
	int allow;
	int cap;      /* guard-cap = PORT:N/s (port, syn) */
	int syn_guard; /* guard-syn-guard = N/s[,M/s] (pps: half-open/s; syn: per unproven source) */
	__u32 port, pps, syn; /* guard-limit */
	char where[96];
};

struct rx_guard_conf {
	struct rx_guard_opts o;
	struct rx_guard_conf_rule *rules;
	size_t n, cap;
};

#define RX_GUARD_CONF_KEYS \
	"guard, guard-log, guard-dry-run, guard-max-rules, guard-block, guard-allow, guard-limit, " \
	"guard-cap, guard-syn-guard, " \
	"guard-auto, guard-auto-ttl, guard-auto-max, guard-auto-rate, guard-auto-dry-run, guard-slo, " \
	"guard-slo-sources, guard-slo-share, guard-slo-min-pps, guard-slo-min-syn, guard-slo-syn, guard-slo-min, guard-slo-step, " \
	"guard-slo-interval, guard-slo-calm, guard-slo-ttl"

/* One guard-* setting: 0, RX_EXIT_INPUT after the error (where: "-i" or FILE:LINE), -ENOENT: not one. */
int rx_guard_conf__set(struct rx_guard_conf *c, const char *key, const char *val, const char *where);
/*
 * The guard of serve: made, attached to every live source of src[0..n),
 * the configuration's rules added (a duplicate or a full table is an
 * error naming its line). 0, or an RX_EXIT_* after the error.
 */
struct rx_source;
int rx_guard__start(struct rx_guard **out, struct rx_guard_conf *c, struct rx_source **src, int n);

/*
 * An alert's change of state (serve's detectors): an automatic block of its
 * subject's source when guard-auto enables it and the caps allow (owner:
 * the alert's name; evidence in the audit log). Returns the alert's action,
 * "blocked" or "would_block" (guard-auto-dry-run), or NULL (none).
 */
const char *rx_guard__on_alert(struct rx_guard *g, const json_t *alert);

/*
 * The SLO loop (guard-slo, guard_slo.h): one window of interface ifname
 * (its talkers: the heaviest sources). While a slo_burn alert of an
 * endpoint of it fires (rx_guard__on_alert keeps track), its heaviest
 * sources get a SYN/s limit on its port, tightened, relaxed once it
 * resolved, and released; each step in the audit log (slo_limit,
 * slo_tighten, slo_relax, slo_release) and rxray_guard_slo_steps_total.
 */
struct rx_snapshot;
void rx_guard__on_window(struct rx_guard *g, const char *ifname, const struct rx_snapshot *w);

/* Rules whose TTL ran out at now (seconds since the epoch) are deleted, and logged. */
void rx_guard__expire(struct rx_guard *g, __s64 now);

#endif

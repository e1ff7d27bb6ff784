/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Automatic blocks from alerts (docs/guard.md, "Automatic blocks"): when an
 * enabled alert fires about a source (its subject's "source": an address
 * or CIDR), the guard blocks it with a TTL, its evidence in the audit log.
 * Off by default; capped in how many automatic rules exist and how many
 * are made a minute, so that a spoofed flood cannot fill the tables or
 * block the world. Pure logic here (tests/unit/unit_guard_auto.c); the
 * guard (src/guard.c) acts on its answer.
 */
#ifndef RX_GUARD_AUTO_H
#define RX_GUARD_AUTO_H

#include <stddef.h>
#include <jansson.h>

#define RX_GUARD_AUTO_ALERTS 8
#define RX_GUARD_AUTO_RATE_MAX 1000 /* automatic rules a minute, at most */

struct rx_guard_auto {
	char alerts[RX_GUARD_AUTO_ALERTS][32]; /* the alerts that block (guard-auto) */
	int n;
	unsigned long ttl_s;   /* guard-auto-ttl (default 600) */
	unsigned long max;     /* guard-auto-max: automatic rules at once (default 100) */
	unsigned long per_min; /* guard-auto-rate: made a minute (default 10) */
	int dry_run;           /* guard-auto-dry-run: the rules only count (action would_block) */
	/* state: when the rules of the last minute were made */
	double made[RX_GUARD_AUTO_RATE_MAX];
	size_t head;
};

void rx_guard_auto__defaults(struct rx_guard_auto *a);
/*
 * One guard-auto* setting: 0, -EINVAL (*why says why) or -ENOENT (not
 * one). guard-auto = ALERT[,ALERT...]; guard-auto-ttl = S;
 * guard-auto-max = N; guard-auto-rate = N (a minute); guard-auto-dry-run.
 */
int rx_guard_auto__set(struct rx_guard_auto *a, const char *key, const char *val,
		       const char **why);
/*
 * Whether alert (a change of state, src/alerts.h) is to be blocked at now
 * (seconds), with auto_rules automatic rules in place: 1 and its source
 * in src (n bytes), the rule counted against the rate; 0 and *why when it
 * is not (not enabled, not firing, no source, a cap).
 */
int rx_guard_auto__want(struct rx_guard_auto *a, const json_t *alert, double now,
			size_t auto_rules, char *src, size_t n, const char **why);

#endif

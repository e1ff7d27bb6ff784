// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The guard's rules in the agent; see guard.h and docs/guard.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "guard.h"
#include "guard_explain.h"
#include "flowtab.h"
#include "rxray.h"
#include "snapshot.h"
#include "source.h"
#include "synguard.h"
#include "../datapath/guard_abi.h"

enum { GK_ALLOW, GK_DENY, GK_LIMIT, GK_CAP, GK_SYN, GK_MAX };
static const char *const gk_names[GK_MAX] = { "allow", "block", "limit", "cap", "syn-guard" };
/* the reason label of what each kind drops (rxray_guard_dropped_packets_total) */
enum { GR_BLOCKED, GR_RATE, GR_CAP, GR_SYN, GR_MAX };
static const char *const gr_names[GR_MAX] = { "blocked", "rate_limited", "port_cap", "syn_guard" };
static const int gk_reason[GK_MAX] = { -1, GR_BLOCKED, GR_RATE, GR_CAP, GR_SYN };

#define G_TTL_MAX (86400L * 365)
#define G_RATE_MAX 100000000UL
#define G_TARGETS 16
#define G_OWNERS 16
#define G_SLOTS (1u << 19) /* the duplicate index: a power of two, >= 2 * rules */
#define G_TOMB 0xffffffffu

struct grule {
	__u32 id;
	__u8 kind;
	__u8 dry;
	__u16 port;   /* GK_LIMIT: the destination port, 0: every port; GK_CAP: the port */
	__u32 pps;    /* GK_LIMIT: packets/s per source (0: not limited); GK_SYN: half-open/s */
	__u32 syn;    /* GK_LIMIT: SYN/s per source (0: not limited); GK_CAP: SYN/s of the port;
			 GK_SYN: SYN/s per unproven source while engaged (0: dropped) */
	struct rx_cidr cidr; /* GK_ALLOW, GK_DENY; GK_LIMIT of one source: its address (plen 32, 128) */
	__s64 created, expires; /* seconds since the epoch; expires 0: no TTL */
	int owner;    /* index into rx_guard.owners */
	char reason[96];
};

/* The guard's maps in one BPF object, in this order (bpf/guard_maps.h). */
enum { GM_ALLOW4, GM_DENY4, GM_ALLOW6, GM_DENY6, GM_HITS, GM_CFG, GM_LIMITS, GM_META, GM_SRCLIM, GM_PERCPU,
       GM_GOOD, GM_MAX };
static const char *const gm_names[GM_MAX] = { "rx_guard_allow4", "rx_guard_deny4",
					      "rx_guard_allow6", "rx_guard_deny6",
					      "rx_guard_hits",   "rx_guard_cfg",
					      "rx_guard_limits", "rx_guard_meta",
					      "rx_guard_srclimits", "rx_percpu",
					      "rx_guard_good" };

struct gtarget {
	int fd[GM_MAX];
	int flows; /* rx_flows (TCP connections): the SLO loop's ranking by new connections */
	volatile struct rx_config_rt *rt;
};

struct rx_guard {
	pthread_mutex_t lock;
	struct grule *rules; /* ascending ids */
	size_t n, cap;
	__u32 next_id;
	__u32 *slots; /* ids by rule key (open addressing, G_TOMB for deleted) */
	size_t tombs;
	unsigned long max;
	int on, dry_run, limits, srclimits, caps;
	size_t lists[2][2]; /* allow and block rules, [GK_ALLOW or GK_DENY][IPv6]: rx_guard_cfg.lists */
	int quiet; /* the SLO loop writes its own audit line for the rule it adds */
	struct rx_synguard sg; /* the SYN guard's switch, while a syn-guard rule exists */
	unsigned long sg_engagements; /* over every syn-guard rule there was */
	int has_syn; /* a syn-guard rule exists (at most one) */
	struct rx_percpu *pcpu; /* ncpu values of rx_percpu: the SYN and handshake totals */
	FILE *log;
	struct gtarget t[G_TARGETS];
	int nt, ncpu;
	char owners[G_OWNERS][32];
	int nowners;
	__u64 retired[G_OWNERS][GR_MAX][2]; /* deleted rules' [owner][reason][dropped, would_drop] */
	pthread_t expiry;
	int expiry_started, stop;
	int bulk; /* loading the configuration's rules: one audit line and one settings write in all */
	int resumed; /* rules taken over from pinned maps: the configuration's are there already */
	struct rx_guard_auto autob;
	json_t *why_auto; /* automatic rules' alerts, by rule id (text): what made them, its evidence */
	struct rx_guard_slo_cfg slo; /* the SLO loop: its settings, endpoints and steps */
	struct rx_gslo_ep slo_eps[RX_GSLO_ENDPOINTS];
	size_t slo_neps;
	__u64 slo_steps[RX_GSLO_STEPS];
	struct rx_flowtab slo_flows; /* the connections tables, read once a window while an SLO burns */
	pthread_mutex_t slo_read_lock; /* slo_flows' (taken before lock: the read is not under it) */
	double slo_read_ms;          /* how long the last read took */
	pthread_cond_t wake;
};

/* ---- CIDRs ------------------------------------------------------------------------------ */

static void cidr_mask(__u8 *a, __u32 n, __u32 plen)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		a[i] = plen > 8 * i ? a[i] & (__u8)(0xff << (8 - (plen - 8 * i))) : 0;
	}
}

int rx_cidr_parse(const char *s, struct rx_cidr *c, char *why, size_t n)
{
	char host[64], fixed[80];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	__u8 orig[16];

	memset(c, 0, sizeof(*c));
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(why, n, "not an address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)");
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = 0;
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->plen = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->v6 = 1;
		c->plen = 128;
	} else {
		snprintf(why, n, "not an address or CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)");
		return -1;
	}
	if (slash) {
		if (rx_parse_uint(slash + 1, 0, c->plen, &plen)) {
			snprintf(why, n, "prefix length must be 0..%u", c->plen);
			return -1;
		}
		c->plen = (__u32)plen;
	}
	memcpy(orig, c->addr, 16);
	cidr_mask(c->addr, c->v6 ? 16 : 4, c->plen);
	if (memcmp(orig, c->addr, 16)) {
		rx_cidr_format(c, fixed, sizeof(fixed));
		snprintf(why, n, "host bits set (did you mean %s?)", fixed);
		return -1;
	}
	return 0;
}

void rx_cidr_format(const struct rx_cidr *c, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, c->plen);
}

/* ---- the table: rules by id, and an index by key for duplicates --------------------------- */

static __u32 rule_hash(int kind, const struct rx_cidr *c, __u16 port)
{
	__u32 h = 2166136261u, i;

	h = (h ^ (__u32)kind) * 16777619u;
	h = (h ^ (__u32)c->v6) * 16777619u;
	h = (h ^ c->plen) * 16777619u;
	h = (h ^ port) * 16777619u;
	for (i = 0; i < 16; i++)
		h = (h ^ c->addr[i]) * 16777619u;
	return h;
}

/* A limit of one source on one port (the SLO loop's), not of every source. */
static int is_srclim(const struct grule *r)
{
	return r->kind == GK_LIMIT && r->cidr.plen;
}

static int same_key(const struct grule *r, int kind, const struct rx_cidr *c, __u16 port)
{
	if (r->kind != kind)
		return 0;
	if (kind == GK_CAP)
		return r->port == port;
	if (kind == GK_SYN)
		return 1; /* one SYN guard */
	if (kind == GK_LIMIT && r->port != port)
		return 0;
	return r->cidr.v6 == c->v6 && r->cidr.plen == c->plen && !memcmp(r->cidr.addr, c->addr, 16);
}

static struct grule *rule_by_id(struct rx_guard *g, __u32 id)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->rules[mid].id == id)
			return &g->rules[mid];
		if (g->rules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The slot holding the rule of this key, or (not there) NULL and *free the first free slot. */
static __u32 *slot_find(struct rx_guard *g, int kind, const struct rx_cidr *c, __u16 port,
			__u32 **free_slot)
{
	__u32 i = rule_hash(kind, c, port) & (G_SLOTS - 1), k;

	*free_slot = NULL;
	for (k = 0; k < G_SLOTS; k++, i = (i + 1) & (G_SLOTS - 1)) {
		__u32 *s = &g->slots[i];
		struct grule *r;

		if (!*s) {
			if (!*free_slot)
				*free_slot = s;
			return NULL;
		}
		if (*s == G_TOMB) {
			if (!*free_slot)
				*free_slot = s;
			continue;
		}
		r = rule_by_id(g, *s);
		if (r && same_key(r, kind, c, port))
			return s;
	}
	return NULL;
}

static struct grule *rule_by_key(struct rx_guard *g, int kind, const struct rx_cidr *c,
				 __u16 port)
{
	__u32 *free_slot, *s = slot_find(g, kind, c, port, &free_slot);

	return s ? rule_by_id(g, *s) : NULL;
}

/* Rebuild the index once deletions left too many tombstones. */
static void slots_rebuild(struct rx_guard *g)
{
	__u32 *free_slot;
	size_t i;

	memset(g->slots, 0, G_SLOTS * sizeof(*g->slots));
	g->tombs = 0;
	for (i = 0; i < g->n; i++) {
		struct grule *r = &g->rules[i];

		slot_find(g, r->kind, &r->cidr, r->port, &free_slot);
		if (free_slot)
			*free_slot = r->id;
	}
}

static int owner_of(struct rx_guard *g, const char *name)
{
	int i;

	for (i = 0; i < g->nowners; i++)
		if (!strcmp(g->owners[i], name))
			return i;
	if (g->nowners == G_OWNERS)
		return G_OWNERS - 1; /* (bounded labels: the last one takes the rest) */
	snprintf(g->owners[g->nowners], sizeof(g->owners[0]), "%s", name);
	return g->nowners++;
}

/* ---- the maps ---------------------------------------------------------------------------- */

/* Rule r counted in (d 1) or out of (d -1) the tallies that cfg_write() hands the datapath. */
static void kinds_count(struct rx_guard *g, const struct grule *r, int d)
{
	if (is_srclim(r))
		g->srclimits += d;
	else if (r->kind == GK_LIMIT)
		g->limits += d;
	g->caps += r->kind == GK_CAP ? d : 0;
	if (r->kind == GK_ALLOW || r->kind == GK_DENY)
		g->lists[r->kind == GK_DENY][r->cidr.v6 ? 1 : 0] += (size_t)d;
}

/* rx_guard_cfg.lists: the tries that hold a rule (the early check looks up no other). */
static __u32 lists_bits(const struct rx_guard *g)
{
	return (g->lists[0][0] ? RX_GUARD_L_ALLOW4 : 0) | (g->lists[1][0] ? RX_GUARD_L_DENY4 : 0) |
	       (g->lists[0][1] ? RX_GUARD_L_ALLOW6 : 0) | (g->lists[1][1] ? RX_GUARD_L_DENY6 : 0);
}

static const struct grule *syn_rule(const struct rx_guard *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->rules[i].kind == GK_SYN)
			return &g->rules[i];
	return NULL;
}

/* The settings of every target: dry run, how many limits, and on (while there are rules). */
static void cfg_write(struct rx_guard *g)
{
	struct rx_guard_cfg cfg = { .dry_run = (__u32)g->dry_run, .limits = (__u32)g->limits,
				    .on = (__u32)g->on, .active = g->on && g->n > 0,
				    .src_limits = (__u32)g->srclimits,
				    .caps = (__u32)g->caps, .lists = lists_bits(g) };
	const struct grule *sg;
	__u32 zero = 0;
	int i;

	if (g->bulk)
		return;
	sg = g->has_syn ? syn_rule(g) : NULL; /* (a walk: not per rule of a bulk load) */
	if (sg) {
		cfg.syn_guard = (__u32)g->sg.engaged;
		cfg.sg_id = sg->id;
		cfg.sg_flags = sg->dry ? RX_GUARD_F_DRY_RUN : 0;
		if (sg->syn) {
			cfg.sg_syn_ns = 1000000000ULL / sg->syn;
			cfg.sg_syn_burst_ns = cfg.sg_syn_ns * (sg->syn / 20 > 1 ? sg->syn / 20 : 1);
		}
	}
	for (i = 0; i < g->nt; i++) {
		bpf_map_update_elem(g->t[i].fd[GM_CFG], &zero, &cfg, BPF_ANY);
		g->t[i].rt->guard = g->on && g->n > 0;
	}
}

static void limit_value(const struct grule *r, struct rx_guard_limit *l)
{
	memset(l, 0, sizeof(*l));
	l->id = r->id;
	l->flags = r->dry ? RX_GUARD_F_DRY_RUN : 0;
	/* a burst of 1/20 s of the rate (at least one): bursts of a paced sender pass */
	if (r->pps) {
		l->pkt_ns = 1000000000ULL / r->pps;
		l->pkt_burst_ns = l->pkt_ns * (r->pps / 20 > 1 ? r->pps / 20 : 1);
	}
	if (r->syn) {
		l->syn_ns = 1000000000ULL / r->syn;
		l->syn_burst_ns = l->syn_ns * (r->syn / 20 > 1 ? r->syn / 20 : 1);
	}
}

/* r's metadata into the map fd (rx_guard_meta): 0, or -1 with errno. */
static int meta_write(struct rx_guard *g, int fd, const struct grule *r)
{
	struct rx_guard_meta m;

	memset(&m, 0, sizeof(m));
	m.id = r->id;
	m.kind = r->kind;
	m.dry = r->dry;
	m.v6 = (__u8)r->cidr.v6;
	m.plen = (__u8)r->cidr.plen;
	memcpy(m.addr, r->cidr.addr, 16);
	m.port = r->port;
	m.pps = r->pps;
	m.syn = r->syn;
	m.created = r->created;
	m.expires = r->expires;
	snprintf(m.owner, sizeof(m.owner), "%s", g->owners[r->owner]);
	snprintf(m.reason, sizeof(m.reason), "%s", r->reason);
	return bpf_map_update_elem(fd, &m.id, &m, BPF_ANY);
}

/* Write (or with del, delete) r's entry in every target: 0, or -errno. */
static int rule_write(struct rx_guard *g, const struct grule *r, int del)
{
	struct rx_guard_rule v = { .id = r->id, .flags = r->dry ? RX_GUARD_F_DRY_RUN : 0 };
	struct rx_guard_key6 k6 = { .prefixlen = r->cidr.plen };
	struct rx_guard_key4 k4 = { .prefixlen = r->cidr.plen };
	struct rx_guard_bucket_key sk = { .port = r->port };
	struct rx_guard_limit l;
	__u32 port = r->port;
	const void *key = r->cidr.v6 ? (const void *)&k6 : (const void *)&k4;
	int i, m, err = 0;

	memcpy(k6.addr, r->cidr.addr, 16);
	memcpy(k4.addr, r->cidr.addr, 4);
	m = (r->cidr.v6 ? GM_ALLOW6 : GM_ALLOW4) + (r->kind == GK_DENY);
	if (r->kind == GK_LIMIT || r->kind == GK_CAP) {
		m = GM_LIMITS;
		key = &port;
		limit_value(r, &l);
		if (r->kind == GK_CAP)
			port |= RX_GUARD_CAP_KEY;
	}
	if (is_srclim(r)) { /* keyed by the source, IPv4 mapped (::ffff:a.b.c.d), and the port */
		m = GM_SRCLIM;
		key = &sk;
		if (r->cidr.v6) {
			memcpy(sk.addr, r->cidr.addr, 16);
		} else {
			sk.addr[10] = sk.addr[11] = 0xff;
			memcpy(&sk.addr[12], r->cidr.addr, 4);
		}
	}
	for (i = 0; i < g->nt; i++) {
		int fd = g->t[i].fd[m];

		if (r->kind == GK_SYN) { /* (its settings are rx_guard_cfg's: cfg_write) */
			if (del)
				bpf_map_delete_elem(g->t[i].fd[GM_META], &r->id);
			else if (meta_write(g, g->t[i].fd[GM_META], r))
				err = -errno;
		} else if (del) {
			bpf_map_delete_elem(fd, key);
			bpf_map_delete_elem(g->t[i].fd[GM_META], &r->id);
		} else if (bpf_map_update_elem(fd, key,
					       m == GM_LIMITS || m == GM_SRCLIM ? (void *)&l : (void *)&v,
					       BPF_ANY) ||
			   meta_write(g, g->t[i].fd[GM_META], r)) {
			err = -errno;
		}
	}
	return err;
}

/* What rule id matched, over every target and CPU (zero when nothing did). */
static void hits_read(struct rx_guard *g, __u32 id, struct rx_guard_hits *sum)
{
	struct rx_guard_hits v[g->ncpu > 0 ? g->ncpu : 1];
	int i, c;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < g->nt; i++) {
		if (bpf_map_lookup_elem(g->t[i].fd[GM_HITS], &id, v))
			continue;
		for (c = 0; c < g->ncpu; c++) {
			sum->dropped += v[c].dropped;
			sum->would_drop += v[c].would_drop;
			sum->allowed += v[c].allowed;
			sum->bytes += v[c].bytes;
		}
	}
}

/*
 * Every rule's hits, by index (acc: g->n of them, zeroed here): a walk of
 * the hits maps, which hold only rules that matched, not a lookup per rule.
 */
static void hits_all(struct rx_guard *g, struct rx_guard_hits *acc)
{
	struct rx_guard_hits v[g->ncpu > 0 ? g->ncpu : 1];
	__u32 key, next, *prev;
	int i, c;

	memset(acc, 0, g->n * sizeof(*acc));
	for (i = 0; i < g->nt; i++) {
		for (prev = NULL; !bpf_map_get_next_key(g->t[i].fd[GM_HITS], prev, &next);
		     prev = &key) {
			struct grule *r = rule_by_id(g, next);
			struct rx_guard_hits *a;

			key = next;
			if (!r || bpf_map_lookup_elem(g->t[i].fd[GM_HITS], &key, v))
				continue;
			a = &acc[r - g->rules];
			for (c = 0; c < g->ncpu; c++) {
				a->dropped += v[c].dropped;
				a->would_drop += v[c].would_drop;
				a->allowed += v[c].allowed;
				a->bytes += v[c].bytes;
			}
		}
	}
}

/* ---- rules as JSON, the audit log ------------------------------------------------------- */

static json_t *rule_json(struct rx_guard *g, const struct grule *r, const struct rx_guard_hits *h)
{
	json_t *j = json_pack("{sIss}", "id", (json_int_t)r->id, "action", gk_names[r->kind]);
	char cidr[80];

	if (is_srclim(r)) {
		rx_cidr_format(&r->cidr, cidr, sizeof(cidr));
		cidr[strcspn(cidr, "/")] = 0; /* an address */
		json_object_set_new(j, "source", json_string(cidr));
	}
	if (r->kind == GK_LIMIT || r->kind == GK_CAP) {
		json_object_set_new(j, "port", json_integer(r->port));
		if (r->pps)
			json_object_set_new(j, "per_source", json_integer(r->pps));
		if (r->syn)
			json_object_set_new(j, "syn", json_integer(r->syn));
	} else if (r->kind == GK_SYN) {
		json_object_set_new(j, "half_open", json_integer(r->pps));
		json_object_set_new(j, "syn", json_integer(r->syn));
		json_object_set_new(j, "engaged", json_boolean(g->sg.engaged));
		json_object_set_new(j, "engagements", json_integer((json_int_t)g->sg.engagements));
		json_object_set_new(j, "half_open_per_s", json_real(g->sg.half_open));
	} else {
		rx_cidr_format(&r->cidr, cidr, sizeof(cidr));
		json_object_set_new(j, "cidr", json_string(cidr));
	}
	json_object_set_new(j, "reason", json_string(r->reason));
	json_object_set_new(j, "owner", json_string(g->owners[r->owner]));
	json_object_set_new(j, "created", json_integer(r->created));
	if (r->expires)
		json_object_set_new(j, "expires", json_integer(r->expires));
	json_object_set_new(j, "dry_run", json_boolean(r->dry));
	if (r->owner >= 2) { /* (an automatic rule: the alert that made it, while this agent runs) */
		char id[16];

		snprintf(id, sizeof(id), "%u", r->id);
		if (json_object_get(g->why_auto, id))
			json_object_set(j, "alert", json_object_get(g->why_auto, id));
	}
	if (h) {
		json_object_set_new(j, "dropped", json_integer((json_int_t)h->dropped));
		json_object_set_new(j, "would_drop", json_integer((json_int_t)h->would_drop));
		json_object_set_new(j, "allowed", json_integer((json_int_t)h->allowed));
		json_object_set_new(j, "bytes", json_integer((json_int_t)h->bytes));
	}
	return j;
}

/*
 * One line of the audit log: what was done, by whom, to which rule (taken;
 * NULL: none), and the keys of extra (taken; NULL: none) after them.
 */
static void audit_ext(struct rx_guard *g, const char *action, const char *by, json_t *rule,
		      json_t *extra)
{
	struct timespec ts;
	json_t *j;
	char *s;

	if (!g->log || g->bulk || g->quiet) {
		json_decref(rule);
		json_decref(extra);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	j = json_pack("{sfssss}", "ts", (double)ts.tv_sec + ts.tv_nsec / 1e9, "action", action,
		      "by", by);
	if (rule)
		json_object_set_new(j, "rule", rule);
	if (extra)
		json_object_update(j, extra);
	json_decref(extra);
	json_object_set_new(j, "on", json_boolean(g->on));
	json_object_set_new(j, "dry_run", json_boolean(g->dry_run));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
	if (s)
		fprintf(g->log, "%s\n", s);
	fflush(g->log);
	free(s);
	json_decref(j);
}

static void audit(struct rx_guard *g, const char *action, const char *by, json_t *rule)
{
	audit_ext(g, action, by, rule, NULL);
}

/* ---- the operations ----------------------------------------------------------------------- */

static json_t *fail(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static json_t *fail(int exit_code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{sssssi}", "status", "error", "error", msg, "exit", exit_code);
}

/* Add rule r (id, created set here): the answer. */
static json_t *rule_add(struct rx_guard *g, struct grule *r, const char *by)
{
	__u32 *free_slot, *s;
	struct grule *dup = NULL;
	char what[96];
	int err;

	s = slot_find(g, r->kind, &r->cidr, r->port, &free_slot);
	if (is_srclim(r)) {
		rx_cidr_format(&r->cidr, what, sizeof(what) - 16);
		what[strcspn(what, "/")] = 0;
		snprintf(what + strlen(what), 16, " port %u", r->port);
	} else if (r->kind == GK_LIMIT || r->kind == GK_CAP)
		snprintf(what, sizeof(what), "port %u", r->port);
	else if (r->kind == GK_SYN)
		snprintf(what, sizeof(what), "syn-guard");
	else
		rx_cidr_format(&r->cidr, what, sizeof(what));
	if (s && (dup = rule_by_id(g, *s)) && g->bulk && g->resumed)
		return json_pack("{ss}", "status", "ok"); /* the file's rule, pinned by the last agent */
	if (dup)
		return fail(RX_EXIT_INPUT, "%s: rule %u already %ss it (del %u first)", what,
			    dup->id, gk_names[r->kind], dup->id);
	if (g->n >= g->max || !free_slot)
		return fail(RX_EXIT_INPUT, "%s: the rule table is full (%zu rules, guard-max-rules %lu)",
			    what, g->n, g->max);
	if (is_srclim(r) && g->srclimits >= RX_GUARD_SRCLIMITS_MAX)
		return fail(RX_EXIT_INPUT, "%s: the limit table is full (%d limits)", what,
			    g->srclimits);
	if (!is_srclim(r) && (r->kind == GK_LIMIT || r->kind == GK_CAP) &&
	    g->limits + g->caps >= RX_GUARD_LIMITS_MAX)
		return fail(RX_EXIT_INPUT, "%s: the limit table is full (%d limits and caps)", what,
			    g->limits + g->caps);
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;
		struct grule *nr = realloc(g->rules, cap * sizeof(*nr));

		if (!nr)
			return fail(RX_EXIT_RUNTIME, "out of memory");
		g->rules = nr;
		g->cap = cap;
	}
	r->id = g->next_id++;
	r->created = (__s64)time(NULL);
	if (r->expires)
		r->expires += r->created; /* (given as the TTL) */
	/* The datapath learns of the rule's kind (rx_guard_cfg.lists, the
	 * limit and cap tallies) before its entry exists: until then, a lookup
	 * that finds nothing; never an entry that the early check skips. */
	kinds_count(g, r, 1);
	cfg_write(g);
	err = rule_write(g, r, 0);
	if (err) {
		rule_write(g, r, 1);
		kinds_count(g, r, -1);
		cfg_write(g);
		return fail(err == -E2BIG || err == -ENOSPC || err == -ENOMEM ? RX_EXIT_INPUT
									     : RX_EXIT_RUNTIME,
			    "%s: the datapath refused the rule: %s", what, strerror(-err));
	}
	if (*free_slot == G_TOMB)
		g->tombs--;
	*free_slot = r->id;
	g->rules[g->n++] = *r;
	if (g->n == 1)
		pthread_cond_signal(&g->wake); /* (the expiry thread sleeps while there is no rule) */
	if (r->kind == GK_SYN) {
		rx_synguard__init(&g->sg, r->pps);
		g->has_syn = 1;
	}
	cfg_write(g);
	audit(g, gk_names[r->kind], by, rule_json(g, r, NULL));
	return json_pack("{ssso}", "status", "ok", "rule", rule_json(g, r, NULL));
}

/* Delete rule r (why: "del", "unblock", "expire"): the answer. */
static json_t *rule_del(struct rx_guard *g, struct grule *r, const char *why, const char *by)
{
	__u32 *free_slot, *s = slot_find(g, r->kind, &r->cidr, r->port, &free_slot);
	struct rx_guard_hits h;
	json_t *j;
	int i;

	hits_read(g, r->id, &h);
	if (r->kind != GK_ALLOW) {
		g->retired[r->owner][gk_reason[r->kind]][0] += h.dropped;
		g->retired[r->owner][gk_reason[r->kind]][1] += h.would_drop;
	}
	rule_write(g, r, 1);
	for (i = 0; i < g->nt; i++)
		bpf_map_delete_elem(g->t[i].fd[GM_HITS], &r->id);
	if (s) {
		*s = G_TOMB;
		g->tombs++;
	}
	kinds_count(g, r, -1);
	j = rule_json(g, r, &h);
	if (r->kind == GK_SYN) {
		rx_synguard__init(&g->sg, 0); /* disengaged with it */
		g->has_syn = 0;
	}
	if (r->owner >= 2) {
		char id[16];

		snprintf(id, sizeof(id), "%u", r->id);
		json_object_del(g->why_auto, id);
	}
	memmove(r, r + 1, (size_t)(g->rules + g->n - (r + 1)) * sizeof(*r));
	g->n--;
	if (g->tombs > G_SLOTS / 4)
		slots_rebuild(g);
	cfg_write(g);
	audit(g, why, by, json_incref(j));
	return json_pack("{ssso}", "status", "ok", "rule", j);
}

/* A CIDR of the request's key "cidr": 0, or the error answer in *err. */
static int req_cidr(const json_t *req, struct rx_cidr *c, json_t **err)
{
	const char *s = json_string_value(json_object_get(req, "cidr"));
	char why[128];

	if (!s) {
		*err = fail(RX_EXIT_INPUT, "missing CIDR");
		return -1;
	}
	if (rx_cidr_parse(s, c, why, sizeof(why))) {
		*err = fail(RX_EXIT_INPUT, "%s: %s", s, why);
		return -1;
	}
	return 0;
}

/* The request's "source" of a limit of one source: an address, and a port with it. */
static int req_source(const json_t *req, struct rx_cidr *c, json_int_t port, json_t **err)
{
	const char *s = json_string_value(json_object_get(req, "source"));
	char why[128];

	if (!s || rx_cidr_parse(s, c, why, sizeof(why)) || c->plen != (c->v6 ? 128u : 32u)) {
		*err = fail(RX_EXIT_INPUT, "--source %s: expected an address (192.0.2.7)", s ? s : "");
		return -1;
	}
	if (!port) {
		*err = fail(RX_EXIT_INPUT, "--source: give the --port it is limited on");
		return -1;
	}
	return 0;
}

/* cap, syn-guard: their rates into r. NULL, or the error answer. */
static json_t *syn_rates(const json_t *req, struct grule *r)
{
	json_int_t port = json_integer_value(json_object_get(req, "port"));
	json_int_t syn = json_integer_value(json_object_get(req, "syn"));
	json_int_t half = json_integer_value(json_object_get(req, "half_open"));

	if (r->kind == GK_CAP) {
		if (port < 1 || port > 65535)
			return fail(RX_EXIT_INPUT, "cap: --port: expected 1..65535");
		if (syn < 1 || syn > (json_int_t)G_RATE_MAX)
			return fail(RX_EXIT_INPUT, "cap: --syn: expected 1..%lu/s", G_RATE_MAX);
		r->port = (__u16)port;
	} else {
		if (half < 1 || half > (json_int_t)G_RATE_MAX)
			return fail(RX_EXIT_INPUT, "syn-guard: --half-open: expected 1..%lu/s",
				    G_RATE_MAX);
		if (syn < 0 || syn > (json_int_t)G_RATE_MAX)
			return fail(RX_EXIT_INPUT, "syn-guard: --syn: expected 1..%lu/s", G_RATE_MAX);
		r->pps = (__u32)half;
	}
	r->syn = (__u32)syn;
	return NULL;
}

/* block, allow, limit, cap, syn-guard: the rule of the request, added. */
static json_t *op_add(struct rx_guard *g, const json_t *req, int kind, const char *by)
{
	struct grule r = { .kind = (__u8)kind, .owner = owner_of(g, by) };
	const char *reason = json_string_value(json_object_get(req, "reason"));
	json_t *ttl = json_object_get(req, "ttl"), *err;
	json_int_t v;

	if ((kind == GK_ALLOW || kind == GK_DENY) && req_cidr(req, &r.cidr, &err))
		return err;
	if (ttl) {
		v = json_integer_value(ttl);
		if (!json_is_integer(ttl) || v < 1 || v > G_TTL_MAX)
			return fail(RX_EXIT_INPUT, "--ttl %s: expected 1..%ld seconds",
				    json_is_integer(ttl) ? (v == 0 ? "0" : "out of range") : "?",
				    G_TTL_MAX);
		r.expires = v;
	}
	if (kind == GK_LIMIT) {
		json_int_t port = json_integer_value(json_object_get(req, "port"));
		json_int_t pps = json_integer_value(json_object_get(req, "per_source"));
		json_int_t syn = json_integer_value(json_object_get(req, "syn"));

		if (port < 0 || port > 65535)
			return fail(RX_EXIT_INPUT, "--port %lld: expected 1..65535", (long long)port);
		if (json_object_get(req, "source") && req_source(req, &r.cidr, port, &err))
			return err;
		if ((pps < (r.cidr.plen ? 0 : 1)) || pps > (json_int_t)G_RATE_MAX || syn < 0 ||
		    syn > (json_int_t)G_RATE_MAX || (!pps && !syn))
			return fail(RX_EXIT_INPUT, "--per-source: expected 1..%lu/s", G_RATE_MAX);
		r.port = (__u16)port;
		r.pps = (__u32)pps;
		r.syn = (__u32)syn;
	}
	if ((kind == GK_CAP || kind == GK_SYN) && (err = syn_rates(req, &r)))
		return err;
	r.dry = json_is_true(json_object_get(req, "dry_run"));
	if (reason && strlen(reason) >= sizeof(r.reason))
		return fail(RX_EXIT_INPUT, "--reason: at most %zu bytes", sizeof(r.reason) - 1);
	snprintf(r.reason, sizeof(r.reason), "%s", reason ? reason : "");
	return rule_add(g, &r, by);
}

static json_t *op_unblock(struct rx_guard *g, const json_t *req, const char *by)
{
	struct rx_cidr c;
	struct grule *r;
	json_t *err;
	char s[80];

	if (req_cidr(req, &c, &err))
		return err;
	r = rule_by_key(g, GK_DENY, &c, 0);
	if (!r) {
		rx_cidr_format(&c, s, sizeof(s));
		return fail(RX_EXIT_INPUT, "%s: no block rule for it (guard list)", s);
	}
	return rule_del(g, r, "unblock", by);
}

static json_t *op_del(struct rx_guard *g, const json_t *req, const char *by)
{
	json_t *id = json_object_get(req, "id");
	struct grule *r;

	if (!json_is_integer(id) || json_integer_value(id) < 1 ||
	    json_integer_value(id) > 0xffffffffLL)
		return fail(RX_EXIT_INPUT, "del: expected a rule id (guard list)");
	r = rule_by_id(g, (__u32)json_integer_value(id));
	if (!r)
		return fail(RX_EXIT_INPUT, "del %lld: no rule has this id (guard list)",
			    (long long)json_integer_value(id));
	return rule_del(g, r, "del", by);
}

static json_t *op_list(struct rx_guard *g)
{
	struct rx_guard_hits *acc = calloc(g->n ? g->n : 1, sizeof(*acc));
	json_t *l = json_array();
	size_t i;

	if (!acc)
		return fail(RX_EXIT_RUNTIME, "out of memory");
	hits_all(g, acc);
	for (i = 0; i < g->n; i++)
		json_array_append_new(l, rule_json(g, &g->rules[i], &acc[i]));
	free(acc);
	return json_pack("{sssbsbsIso}", "status", "ok", "on", g->on, "dry_run", g->dry_run,
			 "max_rules", (json_int_t)g->max, "rules", l);
}

/* The guard's rule r as the explain walk sees it (guard_explain.h). */
static void gx_rule(const struct grule *r, struct rx_gx_rule *v)
{
	static const int kinds[GK_MAX] = { RX_GXR_ALLOW, RX_GXR_DENY, RX_GXR_LIMIT, RX_GXR_CAP,
					   RX_GXR_SYN_GUARD };

	memset(v, 0, sizeof(*v));
	v->id = r->id;
	v->kind = is_srclim(r) ? RX_GXR_SRCLIMIT : kinds[r->kind];
	v->dry = r->dry;
	v->v6 = r->cidr.v6;
	v->plen = r->cidr.plen;
	memcpy(v->addr, r->cidr.addr, 16);
	v->port = r->port;
	v->pps = r->pps;
	v->syn = r->syn;
}

/* Whether source a completed a handshake (rx_guard_good of any target): 1, 0, -1 not known. */
static int gx_proven(struct rx_guard *g, const struct rx_cidr *a)
{
	struct rx_guard_good_key k = {};
	__u64 when;
	int i, known = 0;

	if (a->v6) {
		memcpy(k.addr, a->addr, 16);
	} else {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, a->addr, 4);
	}
	for (i = 0; i < g->nt; i++) {
		if (g->t[i].fd[GM_GOOD] < 0)
			continue;
		known = 1;
		if (!bpf_map_lookup_elem(g->t[i].fd[GM_GOOD], &k, &when))
			return 1;
	}
	return known ? 0 : -1;
}

/*
 * explain ADDR [port P] [syn]: every rule kind walked in the datapath's
 * order (guard_explain.h): steps[], the step that decides, why; and, as
 * before, the verdict, the deciding rule and the deny rule an allow overrides.
 */
static json_t *op_explain(struct rx_guard *g, const json_t *req)
{
	const char *s = json_string_value(json_object_get(req, "address"));
	json_t *port = json_object_get(req, "port"), *j, *steps;
	struct rx_gx_query q = { 0 };
	struct rx_gx_result res;
	struct rx_gx_rule *v;
	const struct grule *r;
	struct rx_cidr a;
	char why[128];
	size_t i;

	if (!s || rx_cidr_parse(s, &a, why, sizeof(why)) || a.plen != (a.v6 ? 128u : 32u))
		return fail(RX_EXIT_INPUT, "%s: not an address (explain takes one, e.g. 192.0.2.7)",
			    s ? s : "");
	if (port && (!json_is_integer(port) || json_integer_value(port) < 0 ||
		     json_integer_value(port) > 65535))
		return fail(RX_EXIT_INPUT, "explain --port: expected 0..65535");
	v = calloc(g->n ? g->n : 1, sizeof(*v));
	if (!v)
		return fail(RX_EXIT_RUNTIME, "out of memory");
	for (i = 0; i < g->n; i++)
		gx_rule(&g->rules[i], &v[i]);
	q.v6 = a.v6;
	memcpy(q.addr, a.addr, 16);
	q.port = port ? (__u16)json_integer_value(port) : 0;
	q.syn = json_is_true(json_object_get(req, "syn"));
	q.on = g->on;
	q.dry_run = g->dry_run;
	q.sg_engaged = g->has_syn && g->sg.engaged;
	q.proven = q.sg_engaged && q.syn ? gx_proven(g, &a) : -1;
	rx_gx_walk(&q, v, g->n, &res);
	j = json_pack("{sssssbsbsisbss}", "status", "ok", "address", s, "on", g->on, "dry_run",
		      g->dry_run, "port", (int)q.port, "syn", q.syn, "verdict", rx_gx_verdict(&res));
	steps = rx_gx_json(&res);
	json_object_update(j, steps);
	json_decref(steps);
	if (q.proven >= 0)
		json_object_set_new(j, "proven", json_boolean(q.proven));
	r = res.decides >= 0 ? &g->rules[res.steps[res.decides].rule - v] : NULL;
	if (r)
		json_object_set_new(j, "rule", rule_json(g, r, NULL));
	if (res.overridden)
		json_object_set_new(j, "overrides", rule_json(g, &g->rules[res.overridden - v], NULL));
	free(v);
	return j;
}

/* on, off, dry-run on|off: a global switch. */
static json_t *op_switch(struct rx_guard *g, const char *cmd, const json_t *req, const char *by)
{
	if (!strcmp(cmd, "on") || !strcmp(cmd, "off")) {
		g->on = !strcmp(cmd, "on");
	} else {
		const char *v = json_string_value(json_object_get(req, "value"));

		if (!v || (strcmp(v, "on") && strcmp(v, "off")))
			return fail(RX_EXIT_INPUT, "dry-run: expected on or off");
		g->dry_run = !strcmp(v, "on");
	}
	cfg_write(g);
	audit(g, cmd, by, NULL);
	return json_pack("{sssbsb}", "status", "ok", "on", g->on, "dry_run", g->dry_run);
}

static json_t *op_summary(struct rx_guard *g);

json_t *rx_guard__request(struct rx_guard *g, const json_t *req, const char *owner)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *a;

	if (!cmd)
		return fail(RX_EXIT_INPUT, "guard: no command");
	pthread_mutex_lock(&g->lock);
	if (!strcmp(cmd, "list"))
		a = op_list(g);
	else if (!strcmp(cmd, "block"))
		a = op_add(g, req, GK_DENY, owner);
	else if (!strcmp(cmd, "allow"))
		a = op_add(g, req, GK_ALLOW, owner);
	else if (!strcmp(cmd, "limit"))
		a = op_add(g, req, GK_LIMIT, owner);
	else if (!strcmp(cmd, "cap"))
		a = op_add(g, req, GK_CAP, owner);
	else if (!strcmp(cmd, "syn-guard"))
		a = op_add(g, req, GK_SYN, owner);
	else if (!strcmp(cmd, "unblock"))
		a = op_unblock(g, req, owner);
	else if (!strcmp(cmd, "del"))
		a = op_del(g, req, owner);
	else if (!strcmp(cmd, "explain"))
		a = op_explain(g, req);
	else if (!strcmp(cmd, "summary"))
		a = op_summary(g);
	else if (!strcmp(cmd, "on") || !strcmp(cmd, "off") || !strcmp(cmd, "dry-run"))
		a = op_switch(g, cmd, req, owner);
	else
		a = fail(RX_EXIT_INPUT, "guard %s: unknown command", cmd);
	pthread_mutex_unlock(&g->lock);
	return a;
}

/* ---- metrics, expiry, life cycle --------------------------------------------------------- */

/* The SYN guard's families: engaged, engagements, the half-open rate. */
static void syn_metrics(struct rx_guard *g, struct rx_buf *b)
{
	rx_buf__printf(b, "# HELP rxray_guard_syn_guard_engaged 1 while the SYN guard limits the SYNs "
			  "of sources that completed no handshake.\n"
			  "# TYPE rxray_guard_syn_guard_engaged gauge\n"
			  "rxray_guard_syn_guard_engaged %d\n", g->has_syn && g->sg.engaged);
	rx_buf__printf(b, "# HELP rxray_guard_syn_guard_engagements_total Times the SYN guard "
			  "engaged.\n# TYPE rxray_guard_syn_guard_engagements_total counter\n"
			  "rxray_guard_syn_guard_engagements_total %lu\n", g->sg_engagements);
	rx_buf__printf(b, "# HELP rxray_guard_half_open_per_second Half-open TCP handshakes a "
			  "second (SYNs at XDP minus completed handshakes), as the SYN guard last "
			  "measured them.\n# TYPE rxray_guard_half_open_per_second gauge\n"
			  "rxray_guard_half_open_per_second %.1f\n", g->has_syn ? g->sg.half_open : 0.0);
}

/* What the rules did, by owner: [owner][reason][dropped, would_drop], deleted rules' included. */
struct gtally {
	__u64 sum[G_OWNERS][GR_MAX][2];
	unsigned int rules[G_OWNERS];
};

/* (under g->lock) */
static void tally(struct rx_guard *g, struct gtally *t)
{
	struct rx_guard_hits *acc;
	size_t i;

	memcpy(t->sum, g->retired, sizeof(t->sum));
	memset(t->rules, 0, sizeof(t->rules));
	acc = calloc(g->n ? g->n : 1, sizeof(*acc));
	if (acc)
		hits_all(g, acc);
	for (i = 0; i < g->n; i++) {
		const struct grule *r = &g->rules[i];

		t->rules[r->owner]++;
		if (acc && r->kind != GK_ALLOW) {
			t->sum[r->owner][gk_reason[r->kind]][0] += acc[i].dropped;
			t->sum[r->owner][gk_reason[r->kind]][1] += acc[i].would_drop;
		}
	}
	free(acc);
}

void rx_guard__metrics(struct rx_guard *g, struct rx_buf *b)
{
	struct gtally t;
	int o, k, w;

	pthread_mutex_lock(&g->lock);
	tally(g, &t);
	for (w = 0; w < 2; w++) {
		const char *name = w ? "rxray_guard_would_drop_packets_total"
				     : "rxray_guard_dropped_packets_total";

		rx_buf__printf(b, "# HELP %s Packets the guard %s, by the owner of the rule and the "
				  "reason.\n# TYPE %s counter\n", name,
			       w ? "would have dropped (dry run)" : "dropped", name);
		for (o = 0; o < g->nowners; o++)
			for (k = 0; k < GR_MAX; k++)
				rx_buf__printf(b, "%s{owner=\"%s\",reason=\"%s\"} %llu\n", name,
					       g->owners[o], gr_names[k],
					       (unsigned long long)t.sum[o][k][w]);
	}
	rx_buf__printf(b, "# HELP rxray_guard_rules Rules of the guard, by owner.\n"
			  "# TYPE rxray_guard_rules gauge\n");
	for (o = 0; o < g->nowners; o++)
		rx_buf__printf(b, "rxray_guard_rules{owner=\"%s\"} %u\n", g->owners[o], t.rules[o]);
	rx_buf__printf(b, "# HELP rxray_guard_slo_steps_total Steps of the guard's SLO loop: "
			  "limits made, tightened, relaxed, released.\n"
			  "# TYPE rxray_guard_slo_steps_total counter\n");
	for (k = 0; k < RX_GSLO_HOLD; k++)
		rx_buf__printf(b, "rxray_guard_slo_steps_total{step=\"%s\"} %llu\n",
			       rx_gslo_step_names[k], (unsigned long long)g->slo_steps[k]);
	rx_buf__printf(b, "# HELP rxray_guard_slo_flows_read_seconds How long the SLO loop's last "
			  "read of the connections tables took (once a second while an SLO burns).\n"
			  "# TYPE rxray_guard_slo_flows_read_seconds gauge\n"
			  "rxray_guard_slo_flows_read_seconds %.6f\n", g->slo_read_ms / 1e3);
	syn_metrics(g, b);
	pthread_mutex_unlock(&g->lock);
}

/* ---- the SLO loop (guard_slo.h) ----------------------------------------------------------- */

/* The endpoint of a slo_burn alert's subject (made when make and new): NULL when none or full. */
static struct rx_gslo_ep *slo_ep(struct rx_guard *g, const json_t *subj, int make)
{
	const char *ifn = json_string_value(json_object_get(subj, "interface"));
	const char *m = json_string_value(json_object_get(subj, "http_request_method"));
	const char *route = json_string_value(json_object_get(subj, "http_route"));
	const char *port = json_string_value(json_object_get(subj, "server_port"));
	struct rx_gslo_ep *e, *idle = NULL;
	size_t i;

	if (!ifn || !m || !route || !port)
		return NULL;
	for (i = 0; i < g->slo_neps; i++) {
		e = &g->slo_eps[i];
		if (!strcmp(e->ifname, ifn) && !strcmp(e->method, m) && !strcmp(e->route, route) &&
		    e->port == (__u16)atoi(port))
			return e;
		if (!idle && !e->firing && !rx_guard_slo__busy(e))
			idle = e;
	}
	if (!make)
		return NULL;
	if (!idle && g->slo_neps < RX_GSLO_ENDPOINTS)
		idle = &g->slo_eps[g->slo_neps++];
	if (!idle)
		return NULL;
	memset(idle, 0, sizeof(*idle));
	snprintf(idle->ifname, sizeof(idle->ifname), "%s", ifn);
	snprintf(idle->method, sizeof(idle->method), "%s", m);
	snprintf(idle->route, sizeof(idle->route), "%s", route);
	idle->port = (__u16)atoi(port);
	return idle;
}

/* A slo_burn alert's change: its endpoint's objective burns (firing) or not. */
static void slo_on_alert(struct rx_guard *g, const json_t *alert)
{
	const json_t *subj = json_object_get(alert, "subject");
	const char *state = json_string_value(json_object_get(alert, "state"));
	const char *obj = json_string_value(json_object_get(subj, "objective"));
	int firing = state && !strcmp(state, "firing");
	unsigned int bit = obj && !strcmp(obj, "latency") ? 2 : 1;
	struct rx_gslo_ep *e = slo_ep(g, subj, firing);

	if (!e)
		return;
	if (firing)
		e->firing |= bit;
	else
		e->firing &= ~bit;
}

/* A 16-byte address (IPv4 as ::ffff:a.b.c.d) as a /32 or /128. */
static void slo_addr(const __u8 *a, struct rx_cidr *c)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(c, 0, sizeof(*c));
	c->v6 = memcmp(a, mapped, 12) != 0;
	c->plen = c->v6 ? 128 : 32;
	memcpy(c->addr, c->v6 ? a : a + 12, c->v6 ? 16 : 4);
}

/* The loop's state of a source forgotten: its rule is gone (TTL, or deleted by hand). */
static void slo_forget(struct rx_gslo_ep *e, const __u8 *addr)
{
	size_t i;

	for (i = 0; i < RX_GSLO_SOURCES_MAX; i++)
		if (!memcmp(e->src[i].addr, addr, 16))
			e->src[i].rate = 0;
}

/*
 * One step of the loop on the rules (a new one, a rate changed, one
 * deleted), and its audit line. A source whose rule is gone is forgotten:
 * still heavy while the burn goes on, it is limited anew.
 */
static void slo_act(struct rx_guard *g, struct rx_gslo_ep *e, const struct rx_gslo_action *a)
{
	char src[64], ep[300], reason[96], action[32];
	struct rx_cidr c;
	struct grule *r;
	json_t *ans = NULL, *rule = NULL, *req, *extra;

	slo_addr(a->addr, &c);
	rx_cidr_format(&c, src, sizeof(src));
	src[strcspn(src, "/")] = 0;
	snprintf(ep, sizeof(ep), "%s %s %u", e->method, e->route, e->port);
	r = rule_by_key(g, GK_LIMIT, &c, e->port);
	if (a->step == RX_GSLO_LIMIT) {
		if (r) { /* a limit of its own exists already (an operator's): it stays, the loop's not made */
			slo_forget(e, a->addr);
			return;
		}
		snprintf(reason, sizeof(reason), "slo_burn %s %.80s", e->ifname, ep);
		req = json_pack("{sssssisisIss}", "cmd", "limit", "source", src, "port", (int)e->port,
				"syn", (int)a->to, "ttl", (json_int_t)g->slo.ttl_s, "reason", reason);
		g->quiet = 1;
		ans = op_add(g, req, GK_LIMIT, "slo");
		g->quiet = 0;
		json_decref(req);
		rule = json_incref(json_object_get(ans, "rule"));
		if (!rule)
			slo_forget(e, a->addr); /* refused (a full table): tried again next step */
	} else if (!r || strcmp(g->owners[r->owner], "slo")) {
		slo_forget(e, a->addr); /* expired, or deleted by hand: nothing to step */
		return;
	} else if (a->step == RX_GSLO_RELEASE) {
		g->quiet = 1;
		ans = rule_del(g, r, "slo_release", "slo");
		g->quiet = 0;
		rule = json_incref(json_object_get(ans, "rule"));
	} else {
		r->syn = a->to;
		r->expires = (__s64)time(NULL) + (__s64)g->slo.ttl_s;
		rule_write(g, r, 0);
		if (a->step == RX_GSLO_HOLD)
			return;
		rule = rule_json(g, r, NULL);
	}
	if (!rule) {
		json_decref(ans);
		return;
	}
	g->slo_steps[a->step]++;
	extra = json_pack("{s{sssssisssisi}}", "slo", "endpoint", ep, "interface", e->ifname,
			  "port", (int)e->port, "source", src, "from", (int)a->from, "to", (int)a->to);
	if (a->step == RX_GSLO_LIMIT) {
		json_t *o = json_object_get(extra, "slo");

		json_object_set_new(o, "share", json_real(a->share));
		json_object_set_new(o, "syn_per_s", json_integer((json_int_t)a->syn));
	}
	snprintf(action, sizeof(action), "slo_%s", rx_gslo_step_names[a->step]);
	audit_ext(g, action, "slo", rule, extra);
	json_decref(ans);
}

/*
 * The connections tables of every target, read (once a window, only while
 * an SLO burns): the SYNs of the last second are in them, by source and port.
 */
static double slo_read_flows(struct rx_guard *g)
{
	struct timespec a, b;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	g->slo_flows.n = 0;
	for (i = 0; i < g->nt; i++)
		if (g->t[i].flows >= 0)
			rx_flowtab__read(&g->slo_flows, g->t[i].flows);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Whether an endpoint of ifname burns (its sources are ranked this window). */
static int slo_burns(struct rx_guard *g, const char *ifname)
{
	size_t i;
	int any = 0;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->slo_neps && !any; i++)
		any = g->slo_eps[i].firing && !strcmp(g->slo_eps[i].ifname, ifname);
	pthread_mutex_unlock(&g->lock);
	return any;
}

void rx_guard__on_window(struct rx_guard *g, const char *ifname, const struct rx_snapshot *w)
{
	struct rx_gslo_action act[2 * RX_GSLO_SOURCES_MAX];
	struct rx_gslo_cand cands[RX_GSLO_SOURCES_MAX];
	size_t i, k, na, nc;
	struct timespec ts;
	__u64 now_ns;
	double read_ms = 0;
	int burns;

	(void)w;
	if (!g || !g->slo.on)
		return;
	/* the tables are read outside the guard's lock (tens of ms): requests do not wait on it */
	burns = slo_burns(g, ifname);
	if (burns) {
		pthread_mutex_lock(&g->slo_read_lock);
		read_ms = slo_read_flows(g);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the datapath's clock (bpf_ktime_get_ns) */
	now_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	pthread_mutex_lock(&g->lock);
	if (burns)
		g->slo_read_ms = read_ms;
	for (i = 0; i < g->slo_neps; i++) {
		struct rx_gslo_ep *e = &g->slo_eps[i];

		if (strcmp(e->ifname, ifname) || (!e->firing && !rx_guard_slo__busy(e)))
			continue;
		nc = 0;
		if (e->firing && burns) /* the ranking, only while it burns: new connections to its port */
			nc = rx_guard_slo__by_syn(g->slo_flows.keys, g->slo_flows.flows, g->slo_flows.n,
						  e->port, now_ns - 1000000000ull, g->slo.sources, cands);
		na = rx_guard_slo__step(&g->slo, e, cands, nc, (double)ts.tv_sec + ts.tv_nsec / 1e9,
					act, 2 * RX_GSLO_SOURCES_MAX);
		for (k = 0; k < na; k++)
			slo_act(g, e, &act[k]);
	}
	pthread_mutex_unlock(&g->lock);
	if (burns)
		pthread_mutex_unlock(&g->slo_read_lock);
}

/* {"blocked": N, "rate_limited": M, ...} of t's column w (0: dropped, 1: would_drop), for owner o or all (-1). */
static json_t *by_reason(const struct rx_guard *g, const struct gtally *t, int o, int w)
{
	json_t *j = json_object();
	__u64 n;
	int i, k;

	for (k = 0; k < GR_MAX; k++) {
		for (i = 0, n = 0; i < g->nowners; i++)
			n += o < 0 || o == i ? t->sum[i][k][w] : 0;
		json_object_set_new(j, gr_names[k], json_integer((json_int_t)n));
	}
	return j;
}

/*
 * The guard in numbers, as its metrics count (top, stats -i): the switches,
 * the rules, and the packets dropped and would-drop by reason, in all and
 * by owner (every owner the metrics name).
 */
static json_t *op_summary(struct rx_guard *g)
{
	json_t *owners = json_object();
	struct gtally t;
	unsigned int n = 0;
	int o;

	tally(g, &t);
	for (o = 0; o < g->nowners; o++) {
		n += t.rules[o];
		json_object_set_new(owners, g->owners[o],
				    json_pack("{sIsoso}", "rules", (json_int_t)t.rules[o], "dropped",
					      by_reason(g, &t, o, 0), "would_drop",
					      by_reason(g, &t, o, 1)));
	}
	return json_pack("{sssbsbsIsososo}", "status", "ok", "on", g->on, "dry_run", g->dry_run,
			 "rules", (json_int_t)n, "dropped", by_reason(g, &t, -1, 0), "would_drop",
			 by_reason(g, &t, -1, 1), "owners", owners);
}

/* An automatic rule's alert (its name, fingerprint, since and evidence), kept by the rule's id. */
static void why_auto_set(struct rx_guard *g, const json_t *id, const json_t *alert)
{
	char key[24];

	if (!json_is_integer(id))
		return;
	snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(id));
	json_object_set_new(g->why_auto, key,
			    json_pack("{sOsOsOsO}", "name", json_object_get(alert, "alert"),
				      "fingerprint", json_object_get(alert, "fingerprint") ?: json_null(),
				      "since", json_object_get(alert, "since") ?: json_null(), "evidence",
				      json_object_get(alert, "evidence") ?: json_null()));
}

const char *rx_guard__on_alert(struct rx_guard *g, const json_t *alert)
{
	const char *name = json_string_value(json_object_get(alert, "alert")), *why, *st;
	char src[80], reason[96];
	size_t i, autos = 0;
	struct timespec ts;
	json_t *req, *a, *ev;
	const char *action = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&g->lock);
	if (g->slo.on && name && !strcmp(name, "slo_burn"))
		slo_on_alert(g, alert);
	for (i = 0; i < g->n; i++)
		autos += g->rules[i].owner >= 2 && /* (0: manual, 1: config, the rest detectors) */
			 strcmp(g->owners[g->rules[i].owner], "slo");
	if (!rx_guard_auto__want(&g->autob, alert, (double)ts.tv_sec + ts.tv_nsec / 1e9, autos, src,
				 sizeof(src), &why)) {
		pthread_mutex_unlock(&g->lock);
		return NULL;
	}
	snprintf(reason, sizeof(reason), "alert %s %s", name,
		 json_string_value(json_object_get(alert, "fingerprint")) ?: "");
	req = json_pack("{sssssssIsb}", "cmd", "block", "cidr", src, "reason", reason, "ttl",
			(json_int_t)g->autob.ttl_s, "dry_run", g->autob.dry_run);
	a = op_add(g, req, GK_DENY, name);
	st = json_string_value(json_object_get(a, "status"));
	if (st && !strcmp(st, "ok")) {
		action = g->autob.dry_run ? "would_block" : "blocked";
		/* the evidence with the rule: what crossed which threshold, and when */
		ev = json_pack("{sOsOsOsO}", "alert", json_object_get(alert, "alert"), "subject",
			       json_object_get(alert, "subject"), "evidence",
			       json_object_get(alert, "evidence") ?: json_null(), "since",
			       json_object_get(alert, "since") ?: json_null());
		json_object_set(ev, "rule", json_object_get(a, "rule"));
		why_auto_set(g, json_object_get(json_object_get(a, "rule"), "id"), alert);
		audit(g, "auto", name, ev);
	}
	json_decref(a);
	json_decref(req);
	pthread_mutex_unlock(&g->lock);
	return action;
}

void rx_guard__expire(struct rx_guard *g, __s64 now)
{
	size_t i;

	pthread_mutex_lock(&g->lock);
	for (i = g->n; i-- > 0;)
		if (g->rules[i].expires && g->rules[i].expires <= now)
			json_decref(rule_del(g, &g->rules[i], "expire", "ttl"));
	pthread_mutex_unlock(&g->lock);
}

/* The totals of SYNs (counted at XDP) and completed handshakes (TC), every target and CPU. */
static void syn_totals(struct rx_guard *g, __u64 *syn, __u64 *done)
{
	__u32 key;
	int i, c;

	*syn = *done = 0;
	for (i = 0; g->pcpu && i < g->nt; i++) {
		for (key = 0; key < 2; key++) {
			if (bpf_map_lookup_elem(g->t[i].fd[GM_PERCPU], &key, g->pcpu))
				continue;
			for (c = 0; c < g->ncpu; c++) {
				*syn += g->pcpu[c].tally.tcpkinds[RX_TCPK_SYN];
				*done += g->pcpu[c].tally.health[RX_TCPH_HANDSHAKES];
			}
		}
	}
}

/* One step of the SYN guard's switch at now (seconds): engaged or let go, written and logged. */
static void syn_step(struct rx_guard *g, double now)
{
	const struct grule *r;
	__u64 syn, done;
	int ch;

	pthread_mutex_lock(&g->lock);
	r = g->has_syn ? syn_rule(g) : NULL;
	if (r) {
		syn_totals(g, &syn, &done);
		ch = rx_synguard__step(&g->sg, now, syn, done);
		if (ch != RX_SYNGUARD_SAME) {
			g->sg_engagements += ch == RX_SYNGUARD_ENGAGE;
			cfg_write(g);
			fprintf(stderr, "rxray: guard: SYN guard %s: %.0f half-open handshakes/s "
					"(threshold %u/s)\n", ch == RX_SYNGUARD_ENGAGE ? "engaged" : "let go",
				g->sg.half_open, r->pps);
			audit(g, ch == RX_SYNGUARD_ENGAGE ? "engage" : "disengage", "syn-guard",
			      rule_json(g, r, NULL));
		}
	}
	pthread_mutex_unlock(&g->lock);
}

/*
 * A few times a second the SYN guard's step; once a second, rules past
 * their TTL go. With no rule at all (the guard unused: most agents) there
 * is neither, and the thread sleeps until a rule comes (g->wake).
 */
static void *expiry_thread(void *arg)
{
	struct rx_guard *g = arg;
	struct timespec ts, mono;
	__s64 last = 0, now;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		if (!g->n) {
			pthread_cond_wait(&g->wake, &g->lock);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(RX_SYNGUARD_STEP_S * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		syn_step(g, (double)mono.tv_sec + mono.tv_nsec / 1e9);
		now = (__s64)time(NULL);
		if (now != last)
			rx_guard__expire(g, now);
		last = now;
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int rx_guard__new(struct rx_guard **out, const struct rx_guard_opts *o)
{
	struct rx_guard *g = calloc(1, sizeof(*g));
	int fd;

	*out = NULL;
	if (!g || !(g->slots = calloc(G_SLOTS, sizeof(*g->slots)))) {
		free(g);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	g->ncpu = libbpf_num_possible_cpus();
	g->pcpu = calloc(g->ncpu > 0 ? (size_t)g->ncpu : 1, sizeof(*g->pcpu));
	if (!g->pcpu) {
		free(g->slots);
		free(g);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	g->max = o->max_rules ? o->max_rules : RX_GUARD_RULES_MAX;
	g->autob = o->autob;
	g->why_auto = json_object();
	g->slo = o->slo;
	g->on = !o->off;
	g->dry_run = o->dry_run;
	g->next_id = 1;
	owner_of(g, "manual");
	owner_of(g, "config");
	if (o->log_path) {
		fd = open(o->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		g->log = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!g->log) {
			rx_err("--guard-log %s: %s", o->log_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			json_decref(g->why_auto);
			free(g->pcpu);
			free(g->slots);
			free(g);
			return RX_EXIT_INPUT;
		}
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->slo_read_lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->expiry_started = !pthread_create(&g->expiry, NULL, expiry_thread, g);
	*out = g;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct grule *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The rules of pinned maps (--pin: an earlier agent's), taken over with
 * their metadata, switches and counters: the first target's maps are the
 * pinned ones. 0, or -errno.
 */
static int resume(struct rx_guard *g, const struct gtarget *t)
{
	struct rx_guard_meta m;
	struct rx_guard_cfg cfg;
	__u32 key, next, *prev, *free_slot, zero = 0;
	size_t i;

	for (prev = NULL; !bpf_map_get_next_key(t->fd[GM_META], prev, &next); prev = &key) {
		struct grule r = { 0 };

		key = next;
		if (bpf_map_lookup_elem(t->fd[GM_META], &key, &m) || m.kind >= GK_MAX)
			continue;
		if (g->n == g->cap) {
			size_t cap = g->cap ? 2 * g->cap : 1024;
			struct grule *nr = realloc(g->rules, cap * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			g->rules = nr;
			g->cap = cap;
		}
		r.id = m.id;
		r.kind = m.kind;
		r.dry = m.dry;
		r.cidr.v6 = m.v6;
		r.cidr.plen = m.plen;
		memcpy(r.cidr.addr, m.addr, 16);
		r.port = m.port;
		r.pps = m.pps;
		r.syn = m.syn;
		r.created = m.created;
		r.expires = m.expires;
		m.owner[sizeof(m.owner) - 1] = 0;
		m.reason[sizeof(m.reason) - 1] = 0;
		r.owner = owner_of(g, m.owner);
		snprintf(r.reason, sizeof(r.reason), "%s", m.reason);
		g->rules[g->n++] = r;
		kinds_count(g, &r, 1);
		if (r.kind == GK_SYN) {
			rx_synguard__init(&g->sg, r.pps);
			g->has_syn = 1;
		}
		if (r.id >= g->next_id)
			g->next_id = r.id + 1;
	}
	if (!g->n)
		return 0;
	pthread_cond_signal(&g->wake);
	qsort(g->rules, g->n, sizeof(*g->rules), by_id);
	for (i = 0; i < g->n; i++) {
		slot_find(g, g->rules[i].kind, &g->rules[i].cidr, g->rules[i].port, &free_slot);
		if (free_slot)
			*free_slot = g->rules[i].id;
	}
	if (!bpf_map_lookup_elem(t->fd[GM_CFG], &zero, &cfg)) {
		g->on = cfg.on != 0;
		g->dry_run = cfg.dry_run != 0;
	}
	g->resumed = 1;
	fprintf(stderr, "rxray: guard: %zu rules taken over from the pinned maps\n", g->n);
	audit(g, "resume", "pin", json_pack("{sI}", "rules", (json_int_t)g->n));
	return 0;
}

int rx_guard__attach(struct rx_guard *g, struct bpf_object *obj, volatile struct rx_config_rt *rt)
{
	struct gtarget *t;
	size_t i;
	int m, err = 0;

	pthread_mutex_lock(&g->lock);
	if (g->nt == G_TARGETS) {
		pthread_mutex_unlock(&g->lock);
		return -E2BIG;
	}
	t = &g->t[g->nt];
	t->rt = rt;
	for (m = 0; m < GM_MAX; m++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, gm_names[m]);

		t->fd[m] = map ? bpf_map__fd(map) : -1;
		if (t->fd[m] < 0)
			err = -ENOENT;
	}
	t->flows = bpf_object__find_map_fd_by_name(obj, "rx_flows");
	if (!err && !g->n && !g->nt)
		err = resume(g, t);
	if (!err) {
		g->nt++;
		for (i = 0; i < g->n && !err; i++)
			err = rule_write(g, &g->rules[i], 0);
		cfg_write(g);
	}
	pthread_mutex_unlock(&g->lock);
	return err;
}

void rx_guard__free(struct rx_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->expiry_started)
		pthread_join(g->expiry, NULL);
	if (g->log)
		fclose(g->log);
	json_decref(g->why_auto);
	rx_flowtab__free(&g->slo_flows);
	pthread_mutex_destroy(&g->slo_read_lock);
	free(g->rules);
	free(g->slots);
	free(g->pcpu);
	free(g);
}

/* ---- serve: the settings and the start ---------------------------------------------------- */

static int conf_bool(const char *val, int *out)
{
	if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "on"))
		*out = 1;
	else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "0") ||
		 !strcmp(val, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* "[PORT:]N/s[,M/s]" into l: 0, or -1. */
static int conf_limit(const char *val, struct rx_guard_conf_rule *l)
{
	unsigned long port = 0, pps, syn = 0;
	char *end;

	if (strchr(val, ':')) {
		port = strtoul(val, &end, 10);
		if (end == val || *end != ':' || port < 1 || port > 65535)
			return -1;
		val = end + 1;
	}
	pps = strtoul(val, &end, 10);
	if (end == val || strncmp(end, "/s", 2) || pps < 1 || pps > G_RATE_MAX)
		return -1;
	end += 2;
	if (*end == ',') {
		val = end + 1;
		syn = strtoul(val, &end, 10);
		if (end == val || strncmp(end, "/s", 2) || syn < 1 || syn > G_RATE_MAX)
			return -1;
		end += 2;
	}
	if (*end)
		return -1;
	l->port = (__u32)port;
	l->pps = (__u32)pps;
	l->syn = (__u32)syn;
	return 0;
}

/* One rule of the file into c: 0, or RX_EXIT_RUNTIME after the error. */
static int conf_add(struct rx_guard_conf *c, const struct rx_guard_conf_rule *r, char *cidr,
		    int allow, const char *where)
{
	struct rx_guard_conf_rule *nr;

	if (c->n == c->cap) {
		nr = realloc(c->rules, (c->cap ? 2 * c->cap : 64) * sizeof(*nr));
		if (!nr) {
			rx_err("out of memory");
			return RX_EXIT_RUNTIME;
		}
		c->rules = nr;
		c->cap = c->cap ? 2 * c->cap : 64;
	}
	c->rules[c->n] = *r;
	c->rules[c->n].cidr = cidr;
	c->rules[c->n].allow = allow;
	snprintf(c->rules[c->n].where, sizeof(c->rules[0].where), "%s", where);
	c->n++;
	return 0;
}

/* guard-cap = PORT:N/s; guard-syn-guard = N/s[,M/s]: into l, 0 or -1. */
static int conf_syn(const char *key, const char *val, struct rx_guard_conf_rule *l)
{
	if (!strcmp(key, "guard-cap")) {
		if (!strchr(val, ':') || strchr(val, ',') || conf_limit(val, l))
			return -1;
		l->cap = 1;
		l->syn = l->pps; /* (the cap is of SYNs) */
		l->pps = 0;
		return 0;
	}
	if (strchr(val, ':') || conf_limit(val, l))
		return -1;
	l->syn_guard = 1;
	return 0;
}

int rx_guard_conf__set(struct rx_guard_conf *c, const char *key, const char *val, const char *where)
{
	struct rx_cidr cidr;
	char why[128];
	int b;

	if (!strcmp(key, "guard") || !strcmp(key, "guard-dry-run")) {
		if (conf_bool(val, &b)) {
			rx_err("%s %s: expected on or off", where, val);
			return RX_EXIT_INPUT;
		}
		if (!strcmp(key, "guard"))
			c->o.off = !b;
		else
			c->o.dry_run = b;
	} else if (!strncmp(key, "guard-auto", 10)) {
		const char *why = "";
		int r = rx_guard_auto__set(&c->o.autob, key, val, &why);

		if (r == -ENOENT)
			return r;
		if (r) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
	} else if (!strncmp(key, "guard-slo", 9)) {
		const char *why = "";
		int r = rx_guard_slo__set(&c->o.slo, key, val, &why);

		if (r == -ENOENT)
			return r;
		if (r) {
			rx_err("%s %s: %s", where, val, why);
			return RX_EXIT_INPUT;
		}
	} else if (!strcmp(key, "guard-log")) {
		c->o.log_path = val;
	} else if (!strcmp(key, "guard-max-rules")) {
		if (rx_parse_uint(val, 1, RX_GUARD_RULES_MAX, &c->o.max_rules)) {
			rx_err("%s %s: expected 1..%u", where, val, RX_GUARD_RULES_MAX);
			return RX_EXIT_INPUT;
		}
	} else if (!strcmp(key, "guard-cap") || !strcmp(key, "guard-syn-guard")) {
		struct rx_guard_conf_rule lim = { 0 };

		if (conf_syn(key, val, &lim)) {
			rx_err("%s %s: %s", where, val, !strcmp(key, "guard-cap")
			       ? "expected PORT:N/s (SYNs a second to the port, from every source)"
			       : "expected N/s[,M/s] (half-open handshakes a second that engage it, "
				 "then SYNs a second per unproven source)");
			return RX_EXIT_INPUT;
		}
		return conf_add(c, &lim, NULL, 0, where);
	} else if (!strcmp(key, "guard-block") || !strcmp(key, "guard-allow") ||
		   !strcmp(key, "guard-limit")) {
		struct rx_guard_conf_rule lim = { 0 };

		if (!strcmp(key, "guard-limit") ? conf_limit(val, &lim)
						: rx_cidr_parse(val, &cidr, why, sizeof(why))) {
			rx_err("%s %s: %s", where, val,
			       strcmp(key, "guard-limit") ? why
			       : "expected [PORT:]N/s[,M/s] (packets/s, then SYN/s, per source)");
			return RX_EXIT_INPUT;
		}
		return conf_add(c, &lim, strcmp(key, "guard-limit") ? (char *)val : NULL,
				!strcmp(key, "guard-allow"), where);
	} else {
		return -ENOENT;
	}
	return 0;
}

/* The configuration's rules, as owner "config": 0, or RX_EXIT_INPUT after the error. */
static int conf_rules(struct rx_guard *g, const struct rx_guard_conf *c)
{
	struct timespec t0, t1;
	json_t *req, *a;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	g->bulk = 1;
	for (i = 0; i < c->n; i++) {
		if (c->rules[i].cidr)
			req = json_pack("{ssss}", "cmd", c->rules[i].allow ? "allow" : "block", "cidr",
					c->rules[i].cidr);
		else if (c->rules[i].cap)
			req = json_pack("{sssisi}", "cmd", "cap", "port", (int)c->rules[i].port, "syn",
					(int)c->rules[i].syn);
		else if (c->rules[i].syn_guard)
			req = json_pack("{sssisi}", "cmd", "syn-guard", "half_open",
					(int)c->rules[i].pps, "syn", (int)c->rules[i].syn);
		else
			req = json_pack("{sssisisi}", "cmd", "limit", "port", (int)c->rules[i].port,
					"per_source", (int)c->rules[i].pps, "syn", (int)c->rules[i].syn);
		a = rx_guard__request(g, req, "config");
		json_decref(req);
		if (strcmp(json_string_value(json_object_get(a, "status")), "ok")) {
			rx_err("%s %s", c->rules[i].where,
			       json_string_value(json_object_get(a, "error")));
			json_decref(a);
			g->bulk = 0;
			return RX_EXIT_INPUT;
		}
		json_decref(a);
	}
	g->bulk = 0;
	pthread_mutex_lock(&g->lock);
	cfg_write(g);
	/* one line for the file's rules: each is in guard list, owner "config" */
	audit(g, "config", "config", json_pack("{sI}", "rules", (json_int_t)c->n));
	pthread_mutex_unlock(&g->lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (c->n)
		fprintf(stderr, "rxray: guard: %zu rules from the configuration loaded in %.3f s\n",
			c->n, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

int rx_guard__start(struct rx_guard **out, struct rx_guard_conf *c, struct rx_source **src, int n)
{
	volatile struct rx_config_rt *rt;
	struct bpf_object *obj;
	const char *why;
	int i, r, err;

	if (rx_guard_slo__check(&c->o.slo, &why)) {
		rx_err("%s", why);
		return RX_EXIT_INPUT;
	}
	r = rx_guard__new(out, &c->o);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		obj = rx_source__bpf(src[i], &rt);
		if (!obj)
			continue;
		err = rx_guard__attach(*out, obj, rt);
		if (err) {
			rx_err("guard: cannot use the BPF object's guard maps: %s", strerror(-err));
			r = RX_EXIT_RUNTIME;
			break;
		}
	}
	if (!r)
		r = conf_rules(*out, c);
	if (r) {
		rx_guard__free(*out);
		*out = NULL;
	}
	return r;
}

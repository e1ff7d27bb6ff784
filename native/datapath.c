// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The native build of datapath/process.h; see datapath.h. */
#include <stdlib.h>
#include <string.h>
#include "datapath.h"
#include "../datapath/process.h"

struct rx_env *rx_native__new(void)
{
	struct rx_env *env = calloc(1, sizeof(*env));

	if (!env)
		return NULL;
	env->ring_free = ~0u;
	if (rx_nhash__init(&env->talkers, sizeof(struct rx_addr), sizeof(struct rx_counter),
			   RX_TALKERS_MAX) ||
	    rx_nhash__init(&env->services, sizeof(struct rx_service), sizeof(struct rx_counter),
			   RX_SERVICES_MAX) ||
	    rx_nhash__init(&env->flows, sizeof(struct rx_flow_key), sizeof(struct rx_tcp_flow),
			   RX_FLOWS_MAX) ||
	    rx_nhash__init(&env->http_conns, sizeof(struct rx_flow_key),
			   sizeof(struct rx_http_conn), RX_HTTP_CONNS_MAX) ||
	    rx_nhash__init(&env->routes, sizeof(__u32), sizeof(struct rx_route), RX_ROUTES_MAX) ||
	    rx_nhash__init(&env->budgets, sizeof(__u32), sizeof(struct rx_budget),
			   RX_SERVICES_MAX) ||
	    rx_nhash__init(&env->endpoints, sizeof(struct rx_endpoint_key),
			   sizeof(struct rx_endpoint), RX_ENDPOINTS_MAX) ||
	    rx_nhash__init(&env->tls_conns, sizeof(struct rx_flow_key),
			   sizeof(struct rx_tls_conn), RX_TLS_CONNS_MAX) ||
	    rx_nhash__init(&env->tls_eps, sizeof(struct rx_tls_ep_key), sizeof(struct rx_tls_ep),
			   RX_TLS_EPS_MAX) ||
	    !(env->scan_seen = calloc(1, sizeof(*env->scan_seen))) ||
	    rx_nhash__init(&env->scan_touches, sizeof(struct rx_scan_touch_key),
			   sizeof(struct rx_scan_touch), RX_SCAN_TOUCHES_MAX) ||
	    rx_nhash__init(&env->scan_sources, sizeof(struct rx_scan_key),
			   sizeof(struct rx_scan_rec), RX_SCAN_SOURCES_MAX) ||
	    rx_nhash__init(&env->tcp_ports, sizeof(__u32), sizeof(struct rx_tcp_port),
			   RX_TCP_PORTS_MAX) ||
	    rx_nhash__init(&env->tls_holds, sizeof(struct rx_flow_key),
			   sizeof(struct rx_tls_hold), RX_TLS_HOLDS_MAX)) {
		rx_native__free(env);
		return NULL;
	}
	return env;
}

void rx_native__configure(struct rx_env *env, const struct rx_config *cfg,
			  const struct rx_pattern *patterns)
{
	__u32 n = cfg->patterns;

	if (n > RX_PATTERNS_MAX)
		n = RX_PATTERNS_MAX;
	env->cfg_ro = rx_config__ro(cfg);
	env->cfg_ro.patterns = n;
	env->cfg_rt = rx_config__rt(cfg);
	if (n)
		memcpy(env->patterns, patterns, n * sizeof(*patterns));
}

void rx_native__sinks(struct rx_env *env, rx_emit_fn emit, rx_txn_fn txn, void *user)
{
	env->emit = emit;
	env->user = user;
	env->txn_emit = txn;
	env->txn_user = user;
}

void rx_native__link(struct rx_env *env, __u32 link)
{
	env->link = link;
}

void rx_native__end(struct rx_env *env)
{
	struct rx_nhash *h = &env->tls_holds;

	env->stats[RX_STAT_TLS_PARTIAL] += h->n;
	memset(h->used, 0, h->slots);
	memset(h->vals, 0, (size_t)h->slots * h->value_size);
	h->n = 0;
}

static void nguard_free(struct rx_nguard *g);

void rx_native__free(struct rx_env *env)
{
	if (!env)
		return;
	rx_nhash__free(&env->talkers);
	rx_nhash__free(&env->services);
	rx_nhash__free(&env->flows);
	rx_nhash__free(&env->http_conns);
	rx_nhash__free(&env->routes);
	rx_nhash__free(&env->budgets);
	rx_nhash__free(&env->endpoints);
	rx_nhash__free(&env->tls_conns);
	rx_nhash__free(&env->tls_eps);
	rx_nhash__free(&env->scan_touches);
	free(env->scan_seen);
	rx_nhash__free(&env->scan_sources);
	rx_nhash__free(&env->tcp_ports);
	rx_nhash__free(&env->tls_holds);
	nguard_free(env->guard);
	free(env);
}

int rx_native__run(struct rx_env *env, const __u8 *data, __u32 caplen, __u32 wire_len,
		   __u64 ts_ns)
{
	struct rx_frame f = {
		.data = data,
		.data_end = data + caplen,
		.wire_len = wire_len < caplen ? caplen : wire_len, /* believe the bytes */
		.hook = RX_HOOK_NONE,
		.link = env->link,
	};

	env->now_ns = ts_ns;
	env->frame = data;
	env->frame_len = caplen;
	return rx_offline_datapath(env, &f);
}

/* The guard's tables, made on first use. NULL when out of memory. */
static struct rx_nguard *nguard(struct rx_env *env)
{
	struct rx_nguard *g = env->guard;

	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	if (rx_nhash__init(&g->prefixes, sizeof(struct rx_nguard_key), sizeof(struct rx_guard_rule),
			   4 * RX_GUARD_RULES_MAX) ||
	    rx_nhash__init(&g->hits, sizeof(__u32), sizeof(struct rx_guard_hits),
			   RX_GUARD_RULES_MAX) ||
	    rx_nhash__init(&g->limits, sizeof(__u32), sizeof(struct rx_guard_limit),
			   RX_GUARD_LIMITS_MAX) ||
	    rx_nhash__init(&g->buckets, sizeof(struct rx_guard_bucket_key),
			   sizeof(struct rx_guard_bucket), RX_GUARD_BUCKETS_MAX) ||
	    rx_nhash__init(&g->srclimits, sizeof(struct rx_guard_bucket_key),
			   sizeof(struct rx_guard_limit), RX_GUARD_SRCLIMITS_MAX) ||
	    rx_nhash__init(&g->good, sizeof(struct rx_guard_good_key), sizeof(__u64),
			   RX_GUARD_GOOD_MAX)) {
		rx_nhash__free(&g->good);
		rx_nhash__free(&g->prefixes);
		rx_nhash__free(&g->hits);
		rx_nhash__free(&g->limits);
		rx_nhash__free(&g->buckets);
		rx_nhash__free(&g->srclimits);
		free(g);
		return NULL;
	}
	env->guard = g;
	return g;
}

static void nguard_free(struct rx_nguard *g)
{
	if (!g)
		return;
	rx_nhash__free(&g->prefixes);
	rx_nhash__free(&g->hits);
	rx_nhash__free(&g->limits);
	rx_nhash__free(&g->buckets);
	rx_nhash__free(&g->srclimits);
	rx_nhash__free(&g->good);
	free(g);
}

/* The rx_guard_cfg.lists bit of a trie (enum rx_guard_lists). */
static __u32 nguard_list_bit(__u32 list, __u32 fam)
{
	return (__u32)RX_GUARD_L_ALLOW4 << (2 * fam + list);
}

int rx_native__guard_on(struct rx_env *env, const struct rx_guard_cfg *cfg, int on)
{
	struct rx_nguard *g = nguard(env);
	__u32 list, fam, plen;

	if (!g)
		return -1;
	g->cfg = *cfg;
	g->cfg.lists = 0; /* (the tables know which tries hold a rule, whatever cfg says) */
	for (list = 0; list < 2; list++)
		for (fam = 0; fam < 2; fam++)
			for (plen = 0; plen <= 128; plen++)
				if (g->used[list][fam][plen])
					g->cfg.lists |= nguard_list_bit(list, fam);
	env->cfg_rt.guard = on ? 1 : 0;
	return 0;
}

int rx_native__guard_rule(struct rx_env *env, __u32 list, int v6, const __u8 *addr, __u32 plen,
			  const struct rx_guard_rule *rule)
{
	struct rx_nguard *g = nguard(env);
	struct rx_nguard_key k = { .list = (__u8)list, .fam = v6 ? 1 : 0, .plen = (__u8)plen };
	struct rx_guard_rule *r;

	if (!g || list > 1 || plen > (v6 ? 128u : 32u))
		return -1;
	rx_nguard_mask(k.addr, addr, v6 ? 16 : 4, plen);
	r = rx_nhash__find(&g->prefixes, &k);
	if (!r) {
		r = rx_nhash__get(&g->prefixes, &k);
		if (!r)
			return -1;
		g->used[list][k.fam][plen]++;
		g->cfg.lists |= nguard_list_bit(list, k.fam);
	}
	*r = *rule;
	return 0;
}

int rx_native__guard_limit(struct rx_env *env, __u32 port, const struct rx_guard_limit *l)
{
	struct rx_nguard *g = nguard(env);
	struct rx_guard_limit *v;

	if (!g || !(v = rx_nhash__get(&g->limits, &port)))
		return -1;
	*v = *l;
	g->cfg.limits++;
	return 0;
}

__u32 rx_native__guard_last(struct rx_env *env)
{
	__u32 id = env->guard ? env->guard->last_id : 0;

	if (env->guard)
		env->guard->last_id = 0;
	return id;
}

int rx_native__guard_hits(struct rx_env *env, __u32 id, struct rx_guard_hits *out)
{
	memset(out, 0, sizeof(*out));
	return env->guard ? rx_nhash__lookup(&env->guard->hits, &id, out) : -1;
}

int rx_native__guard_full(struct rx_env *env)
{
	__u32 reason = RX_REASON_OK;

	if (!(env->work.pkt.layers & (RX_L_IPV4 | RX_L_IPV6)))
		return RX_VERDICT_PASS; /* (rx_guard_wants: no IP source, no guard) */
	return (int)rx_guard_decide(env, &env->work.pkt, &reason, 0);
}

__u64 rx_native__total(struct rx_env *env, int what)
{
	return what ? env->health[RX_TCPH_HANDSHAKES] : env->tcpkinds[RX_TCPK_SYN];
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The guard's SLO loop: the settings and the steps; see guard_slo.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "guard_slo.h"
#include "rxray.h"

const char *const rx_gslo_step_names[RX_GSLO_STEPS] = { "limit", "tighten", "relax", "release",
							"hold" };

void rx_guard_slo__defaults(struct rx_guard_slo_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->sources = 3;
	c->share = 0.2;
	c->min_pps = 100;
	c->min_syn = 10;
	c->syn = 50;
	c->min = 2;
	c->step = 2;
	c->interval_s = 5;
	c->calm_s = 30;
	c->ttl_s = 120;
}

/* A number in [lo, hi]: 0, or -1. */
static int parse_real(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

int rx_guard_slo__set(struct rx_guard_slo_cfg *c, const char *key, const char *val,
		      const char **why)
{
	double pct;

	if (!strcmp(key, "guard-slo")) {
		*why = "expected on or off";
		if (!strcmp(val, "on") || !strcmp(val, "true"))
			c->on = 1;
		else if (!strcmp(val, "off") || !strcmp(val, "false"))
			c->on = 0;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "guard-slo-sources")) {
		*why = "expected 1..16 sources";
		return rx_parse_uint(val, 1, RX_GSLO_SOURCES_MAX, &c->sources) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-share")) {
		*why = "expected a percentage, 1..100";
		if (parse_real(val, 1, 100, &pct))
			return -EINVAL;
		c->share = pct / 100;
		return 0;
	}
	if (!strcmp(key, "guard-slo-min-pps")) {
		*why = "expected 0..1000000000 packets/s";
		return rx_parse_uint(val, 0, 1000000000, &c->min_pps) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-min-syn")) {
		*why = "expected 0..1000000 new connections/s";
		return rx_parse_uint(val, 0, 1000000, &c->min_syn) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-syn") || !strcmp(key, "guard-slo-min")) {
		*why = "expected 1..1000000 SYN/s";
		return rx_parse_uint(val, 1, 1000000, !strcmp(key, "guard-slo-syn") ? &c->syn : &c->min)
			       ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-step")) {
		*why = "expected a factor, 1.1..100";
		return parse_real(val, 1.1, 100, &c->step) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-interval")) {
		*why = "expected 1..3600 seconds";
		return rx_parse_uint(val, 1, 3600, &c->interval_s) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-calm")) {
		*why = "expected 0..86400 seconds";
		return rx_parse_uint(val, 0, 86400, &c->calm_s) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-slo-ttl")) {
		*why = "expected 2..86400 seconds";
		return rx_parse_uint(val, 2, 86400, &c->ttl_s) ? -EINVAL : 0;
	}
	return -ENOENT;
}

int rx_guard_slo__check(const struct rx_guard_slo_cfg *c, const char **why)
{
	*why = NULL;
	if (c->min > c->syn)
		*why = "guard-slo-min is above guard-slo-syn (the floor must be at most the first limit)";
	else if (c->ttl_s <= c->interval_s)
		*why = "guard-slo-ttl must be longer than guard-slo-interval (a held rule would expire)";
	return *why ? -EINVAL : 0;
}

int rx_guard_slo__busy(const struct rx_gslo_ep *e)
{
	size_t i;

	for (i = 0; i < RX_GSLO_SOURCES_MAX; i++)
		if (e->src[i].rate)
			return 1;
	return 0;
}

static struct rx_gslo_src *src_of(struct rx_gslo_ep *e, const __u8 *addr)
{
	size_t i;

	for (i = 0; i < RX_GSLO_SOURCES_MAX; i++)
		if (e->src[i].rate && !memcmp(e->src[i].addr, addr, 16))
			return &e->src[i];
	return NULL;
}

/* The next rate of a limited source, or its release (0): one step of it. */
static enum rx_gslo_step next_rate(const struct rx_guard_slo_cfg *c, int burning, __u32 rate,
				   __u32 *to)
{
	double r;

	if (burning) {
		r = floor(rate / c->step);
		if (r >= rate)
			r = rate - 1;
		*to = r < c->min ? (__u32)c->min : (__u32)r;
		return *to < rate ? RX_GSLO_TIGHTEN : RX_GSLO_HOLD;
	}
	r = ceil(rate * c->step);
	if (r <= rate)
		r = rate + 1;
	if (r > c->syn) {
		*to = 0;
		return RX_GSLO_RELEASE;
	}
	*to = (__u32)r;
	return RX_GSLO_RELAX;
}

static size_t emit(struct rx_gslo_action *out, size_t n, size_t max, enum rx_gslo_step step,
		   const __u8 *addr, __u32 from, __u32 to, const struct rx_gslo_cand *cand)
{
	if (n >= max)
		return n;
	out[n].step = step;
	memcpy(out[n].addr, addr, 16);
	out[n].from = from;
	out[n].to = to;
	out[n].share = cand ? cand->share : 0;
	out[n].syn = cand ? cand->syn : 0;
	return n + 1;
}

size_t rx_guard_slo__step(const struct rx_guard_slo_cfg *c, struct rx_gslo_ep *e,
			  const struct rx_gslo_cand *cands, size_t n, double now,
			  struct rx_gslo_action *out, size_t max)
{
	int burning = e->firing != 0;
	struct rx_gslo_src *s;
	enum rx_gslo_step st;
	size_t i, j, got = 0;
	__u32 to;

	/* recovered: relaxed only once calm for guard-slo-calm (a damper on oscillation) */
	if (burning)
		e->calm_since = 0;
	else if (!e->calm_since)
		e->calm_since = now;
	/* the sources limited already: a step each, once an interval */
	for (i = 0; i < RX_GSLO_SOURCES_MAX; i++) {
		s = &e->src[i];
		if (!s->rate || now - s->last < (double)c->interval_s)
			continue;
		if (!burning && now - e->calm_since < (double)c->calm_s) {
			st = RX_GSLO_HOLD; /* not calm long enough: the rule only renewed */
			to = s->rate;
		} else {
			st = next_rate(c, burning, s->rate, &to);
		}
		got = emit(out, got, max, st, s->addr, s->rate, to, NULL);
		s->rate = to;
		s->last = now;
	}
	if (!burning)
		return got;
	/*
	 * burning: the heaviest sources by new connections to the port, above
	 * the share and guard-slo-min-syn, limited (the rate: when a limited
	 * source's SYNs stop, a light one's share of what is left grows;
	 * limiting it relieves nothing)
	 */
	for (i = 0; i < n && i < c->sources; i++) {
		if (cands[i].share < c->share || cands[i].syn < c->min_syn ||
		    src_of(e, cands[i].addr))
			continue;
		for (j = 0; j < RX_GSLO_SOURCES_MAX && e->src[j].rate; j++)
			;
		if (j == RX_GSLO_SOURCES_MAX)
			break;
		memcpy(e->src[j].addr, cands[i].addr, 16);
		e->src[j].rate = (__u32)c->syn;
		e->src[j].last = now;
		got = emit(out, got, max, RX_GSLO_LIMIT, cands[i].addr, 0, (__u32)c->syn, &cands[i]);
	}
	return got;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Insert (addr, n) into the k heaviest out[0..*got), heaviest first. */
static void top_k(struct rx_gslo_cand *out, size_t *got, size_t k, const __u8 *addr, __u64 n)
{
	size_t j;

	if (*got == k && n <= out[k - 1].syn)
		return;
	j = *got < k ? (*got)++ : k - 1;
	for (; j > 0 && out[j - 1].syn < n; j--)
		out[j] = out[j - 1];
	memcpy(out[j].addr, addr, 16);
	out[j].syn = n;
}

size_t rx_guard_slo__by_syn(const struct rx_flow_key *keys, const struct rx_tcp_flow *flows,
			    size_t n, __u16 port, __u64 since_ns, size_t k,
			    struct rx_gslo_cand *out)
{
	__u8 (*src)[16];
	size_t i, j, m = 0, got = 0;

	if (k > RX_GSLO_SOURCES_MAX)
		k = RX_GSLO_SOURCES_MAX;
	if (!k || !n || !(src = malloc(n * 16)))
		return 0;
	for (i = 0; i < n; i++) {
		const struct rx_tcp_flow *f = &flows[i];
		int c = f->client; /* 0: a sent the SYN, to b's port */

		if (!f->known || f->state < RX_FLOW_SYN || !f->syn_ns || f->syn_ns < since_ns ||
		    (c ? keys[i].pa : keys[i].pb) != port)
			continue;
		memcpy(src[m++], c ? keys[i].b : keys[i].a, 16);
	}
	qsort(src, m, 16, addr_cmp);
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && !memcmp(src[j], src[i], 16); j++)
			;
		top_k(out, &got, k, src[i], j - i);
	}
	for (i = 0; i < got; i++)
		out[i].share = (double)out[i].syn / (double)m;
	free(src);
	return got;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The walk of `rxray guard explain`; see guard_explain.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "guard_explain.h"

const char *const rx_gx_kind_names[RX_GX_KINDS] = { "allow", "deny", "syn_guard", "port_cap",
						     "source_limit", "limit" };
const char *const rx_gx_verdict_names[RX_GXV_VERDICTS] = {
	"no_match", "not_applicable", "not_reached", "pass", "drop", "would_drop",
	"rate_limited_above", "proven",
};

/* Whether rule r (ALLOW, DENY) contains q's source. */
static int contains(const struct rx_gx_rule *r, const struct rx_gx_query *q)
{
	__u32 bytes = r->plen / 8, bits = r->plen % 8;

	if (r->v6 != q->v6 || r->plen > (q->v6 ? 128u : 32u))
		return 0;
	if (memcmp(r->addr, q->addr, bytes))
		return 0;
	return !bits || !((r->addr[bytes] ^ q->addr[bytes]) & (__u8)(0xff << (8 - bits)));
}

/* The longest rule of kind k containing q's source, or NULL. */
static const struct rx_gx_rule *longest(const struct rx_gx_rule *rules, size_t n, int k,
					const struct rx_gx_query *q)
{
	const struct rx_gx_rule *best = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].kind == k && contains(&rules[i], q) && (!best || best->plen < rules[i].plen))
			best = &rules[i];
	return best;
}

/*
 * The first rule of kind k on port (any port for SYN_GUARD; of q's source
 * for SRCLIMIT, on any port when port is 0), or NULL.
 */
static const struct rx_gx_rule *find(const struct rx_gx_rule *rules, size_t n, int k, __u16 port,
				     const struct rx_gx_query *q)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct rx_gx_rule *r = &rules[i];

		if (r->kind != k || (k != RX_GXR_SYN_GUARD && r->port != port &&
				     !(k == RX_GXR_SRCLIMIT && !port)))
			continue;
		if (k == RX_GXR_SRCLIMIT &&
		    (r->v6 != q->v6 || memcmp(r->addr, q->addr, q->v6 ? 16 : 4)))
			continue;
		return r;
	}
	return NULL;
}

static void set(struct rx_gx_step *s, int verdict, const struct rx_gx_rule *r, const char *note)
{
	s->verdict = verdict;
	s->rule = r;
	s->note = note;
}

/* A token bucket rule r (LIMIT, SRCLIMIT) on q: its step. */
static void bucket(struct rx_gx_step *s, const struct rx_gx_rule *r, const struct rx_gx_query *q)
{
	if (!r) {
		set(s, RX_GXV_NO_MATCH, NULL, "no limit");
		return;
	}
	if (q->syn && r->syn) {
		set(s, RX_GXV_RATE_LIMITED, r, "its SYNs are limited");
		s->rate = r->syn;
		s->syn_rate = 1;
	} else if (r->pps) {
		set(s, RX_GXV_RATE_LIMITED, r, "its packets are limited");
		s->rate = r->pps;
	} else {
		set(s, RX_GXV_NOT_APPLICABLE, r, "the limit is on SYNs, this is not one");
		return;
	}
	s->dry = q->dry_run || r->dry;
}

/* Steps 3-6, the limits: each applies in turn (a packet under one goes on to the next). */
static void limits(const struct rx_gx_query *q, const struct rx_gx_rule *rules, size_t n,
		   struct rx_gx_result *out)
{
	struct rx_gx_step *s = &out->steps[RX_GX_SYN_GUARD];
	const struct rx_gx_rule *r = find(rules, n, RX_GXR_SYN_GUARD, 0, q);

	if (!r)
		set(s, RX_GXV_NO_MATCH, NULL, "no SYN guard");
	else if (!q->syn)
		set(s, RX_GXV_NOT_APPLICABLE, r, "not a SYN");
	else if (!q->sg_engaged)
		set(s, RX_GXV_NOT_APPLICABLE, r, "not engaged");
	else if (q->proven == 1)
		set(s, RX_GXV_PROVEN, r, "the source completed a handshake: not limited");
	else {
		set(s, r->syn ? RX_GXV_RATE_LIMITED : RX_GXV_DROP, r,
		    q->proven ? "engaged; not known whether the source completed a handshake"
			      : "engaged, and the source never completed a handshake");
		s->dry = q->dry_run || r->dry; /* the datapath: the global switch or the rule's */
		s->rate = r->syn;
		s->syn_rate = 1;
		if (s->verdict == RX_GXV_DROP && s->dry)
			s->verdict = RX_GXV_WOULD_DROP;
	}
	s = &out->steps[RX_GX_PORT_CAP];
	r = q->port ? find(rules, n, RX_GXR_CAP, q->port, q) : NULL;
	if (!q->syn || !q->port)
		set(s, RX_GXV_NOT_APPLICABLE, NULL, !q->syn ? "not a SYN" : "no destination port");
	else if (!r)
		set(s, RX_GXV_NO_MATCH, NULL, "no cap on the port");
	else {
		set(s, RX_GXV_RATE_LIMITED, r, "the port's SYNs of every source share one bucket");
		s->dry = q->dry_run || r->dry;
		s->rate = r->syn;
		s->syn_rate = 1;
	}
	if (!q->port) /* (a limit of the source on some port: named, for --port) */
		set(&out->steps[RX_GX_SOURCE_LIMIT], RX_GXV_NOT_APPLICABLE,
		    find(rules, n, RX_GXR_SRCLIMIT, 0, q), "no destination port (--port P)");
	else
		bucket(&out->steps[RX_GX_SOURCE_LIMIT], find(rules, n, RX_GXR_SRCLIMIT, q->port, q), q);
	r = q->port ? find(rules, n, RX_GXR_LIMIT, q->port, q) : NULL;
	bucket(&out->steps[RX_GX_LIMIT], r ? r : find(rules, n, RX_GXR_LIMIT, 0, q), q);
}

static void explain_why(const struct rx_gx_query *q, struct rx_gx_result *out)
{
	const struct rx_gx_step *s = out->decides >= 0 ? &out->steps[out->decides] : NULL;
	const char *name = s ? rx_gx_kind_names[out->decides] : "";

	if (!q->on)
		snprintf(out->why, sizeof(out->why), "the guard is off: every packet passes");
	else if (!s)
		snprintf(out->why, sizeof(out->why), "no rule applies: it passes");
	else if (s->verdict == RX_GXV_PASS)
		snprintf(out->why, sizeof(out->why), "allow rule %u matches: it passes, whatever the "
			 "other rules say%s", s->rule->id, out->overridden ? " (it beats a deny rule)" : "");
	else if (s->verdict == RX_GXV_RATE_LIMITED)
		snprintf(out->why, sizeof(out->why), "%s rule %u: %s; above %u %s/s %s", name,
			 s->rule->id, s->note, s->rate, s->syn_rate ? "SYN" : "packets",
			 s->dry ? "they are counted as would_drop (dry run), none dropped"
				: "they are dropped (rate_limited)");
	else
		snprintf(out->why, sizeof(out->why), "%s rule %u: %s%s", name, s->rule->id,
			 s->verdict == RX_GXV_WOULD_DROP ? "would drop it (dry run): it passes, counted"
							  : "drops it",
			 out->decides == RX_GX_SYN_GUARD ? " (its SYNs, while engaged)" : "");
}

void rx_gx_walk(const struct rx_gx_query *q, const struct rx_gx_rule *rules, size_t n,
		struct rx_gx_result *out)
{
	const struct rx_gx_rule *allow, *deny;
	int k;

	memset(out, 0, sizeof(*out));
	out->decides = -1;
	if (!q->on) {
		for (k = 0; k < RX_GX_KINDS; k++)
			set(&out->steps[k], RX_GXV_NOT_APPLICABLE, NULL, "the guard is off");
		explain_why(q, out);
		return;
	}
	allow = longest(rules, n, RX_GXR_ALLOW, q);
	deny = longest(rules, n, RX_GXR_DENY, q);
	if (allow) {
		set(&out->steps[RX_GX_ALLOW], RX_GXV_PASS, allow, "the longest allow match");
		out->decides = RX_GX_ALLOW;
		out->overridden = deny;
	} else {
		set(&out->steps[RX_GX_ALLOW], RX_GXV_NO_MATCH, NULL, "no allow rule contains it");
		if (deny) {
			int dry = q->dry_run || deny->dry;

			set(&out->steps[RX_GX_DENY], dry ? RX_GXV_WOULD_DROP : RX_GXV_DROP, deny,
			    "the longest deny match");
			out->steps[RX_GX_DENY].dry = dry;
			out->decides = RX_GX_DENY;
		} else {
			set(&out->steps[RX_GX_DENY], RX_GXV_NO_MATCH, NULL, "no deny rule contains it");
			limits(q, rules, n, out);
			for (k = RX_GX_SYN_GUARD; k < RX_GX_KINDS && out->decides < 0; k++)
				if (out->steps[k].verdict >= RX_GXV_DROP &&
				    out->steps[k].verdict <= RX_GXV_RATE_LIMITED)
					out->decides = k;
		}
	}
	for (k = out->decides + 1; out->decides >= 0 && out->decides <= RX_GX_DENY && k < RX_GX_KINDS; k++)
		set(&out->steps[k], RX_GXV_NOT_REACHED, NULL, "an earlier step decided");
	if (allow && deny)
		set(&out->steps[RX_GX_DENY], RX_GXV_NOT_REACHED, deny, "matches, but the allow rule wins");
	explain_why(q, out);
}

const char *rx_gx_verdict(const struct rx_gx_result *r)
{
	return r->decides < 0 ? "pass" : rx_gx_verdict_names[r->steps[r->decides].verdict];
}

json_t *rx_gx_json(const struct rx_gx_result *r)
{
	json_t *steps = json_array(), *j;
	char a[64];
	int k;

	for (k = 0; k < RX_GX_KINDS; k++) {
		const struct rx_gx_step *s = &r->steps[k];

		j = json_pack("{ssss}", "kind", rx_gx_kind_names[k], "verdict",
			      rx_gx_verdict_names[s->verdict]);
		if (s->rule) {
			json_object_set_new(j, "rule", json_integer(s->rule->id));
			if (s->rule->kind == RX_GXR_ALLOW || s->rule->kind == RX_GXR_DENY ||
			    s->rule->kind == RX_GXR_SRCLIMIT) {
				inet_ntop(s->rule->v6 ? AF_INET6 : AF_INET, s->rule->addr, a, sizeof(a));
				if (s->rule->kind == RX_GXR_SRCLIMIT)
					json_object_set_new(j, "source", json_string(a));
				else {
					snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%u", s->rule->plen);
					json_object_set_new(j, "cidr", json_string(a));
				}
			}
			if (s->rule->kind != RX_GXR_ALLOW && s->rule->kind != RX_GXR_DENY &&
			    s->rule->kind != RX_GXR_SYN_GUARD)
				json_object_set_new(j, "port", json_integer(s->rule->port));
		}
		if (s->verdict == RX_GXV_RATE_LIMITED) {
			json_object_set_new(j, "rate", json_integer(s->rate));
			json_object_set_new(j, "unit", json_string(s->syn_rate ? "syn/s" : "packets/s"));
		}
		if (s->rule && s->verdict >= RX_GXV_DROP && s->verdict <= RX_GXV_RATE_LIMITED)
			json_object_set_new(j, "dry_run", json_boolean(s->dry));
		json_object_set_new(j, "note", json_string(s->note ? s->note : ""));
		json_array_append_new(steps, j);
	}
	return json_pack("{sossss}", "steps", steps, "decides",
			 r->decides < 0 ? "none" : rx_gx_kind_names[r->decides], "why", r->why);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `rxray guard explain` (src/guard_explain.c): the walk over every rule
 * kind in the datapath's order (allow, deny, SYN guard, port cap, the
 * source's own limit, the port's or the global limit), which step decides,
 * and the JSON of the steps. Pure logic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "../../src/guard_explain.h"

#define N 16
static struct rx_gx_rule rules[N];
static size_t nr;

static struct rx_gx_rule *rule(int kind, const char *cidr, __u16 port, __u32 pps, __u32 syn)
{
	struct rx_gx_rule *r = &rules[nr];
	char a[64];
	const char *slash = cidr ? strchr(cidr, '/') : NULL;

	memset(r, 0, sizeof(*r));
	r->id = (__u32)++nr;
	r->kind = kind;
	r->port = port;
	r->pps = pps;
	r->syn = syn;
	if (cidr) {
		snprintf(a, sizeof(a), "%.*s", slash ? (int)(slash - cidr) : (int)strlen(cidr), cidr);
		r->v6 = strchr(a, ':') != NULL;
		assert_int_equal(inet_pton(r->v6 ? AF_INET6 : AF_INET, a, r->addr), 1);
		r->plen = slash ? (__u32)atoi(slash + 1) : r->v6 ? 128 : 32;
	}
	return r;
}

static struct rx_gx_query query(const char *addr, __u16 port, int syn)
{
	struct rx_gx_query q = { .port = port, .syn = syn, .on = 1, .proven = 0 };

	q.v6 = strchr(addr, ':') != NULL;
	assert_int_equal(inet_pton(q.v6 ? AF_INET6 : AF_INET, addr, q.addr), 1);
	return q;
}

/* A table with one rule of every kind. */
static int setup(void **state)
{
	(void)state;
	nr = 0;
	rule(RX_GXR_DENY, "198.51.100.0/24", 0, 0, 0);         /* 1 */
	rule(RX_GXR_ALLOW, "198.51.100.7/32", 0, 0, 0);        /* 2: beats 1 */
	rule(RX_GXR_DENY, "198.51.100.128/25", 0, 0, 0)->dry = 1; /* 3: longer, dry run */
	rule(RX_GXR_DENY, "2001:db8:1::/48", 0, 0, 0);         /* 4 */
	rule(RX_GXR_SYN_GUARD, NULL, 0, 400, 5);               /* 5 */
	rule(RX_GXR_CAP, NULL, 8080, 0, 200);                  /* 6 */
	rule(RX_GXR_SRCLIMIT, "203.0.113.9", 18080, 0, 40);    /* 7 */
	rule(RX_GXR_LIMIT, NULL, 9090, 1000, 0);               /* 8: port 9090, packets */
	rule(RX_GXR_LIMIT, NULL, 0, 5000, 100);                /* 9: global */
	return 0;
}

static void walk(const struct rx_gx_query *q, struct rx_gx_result *r)
{
	rx_gx_walk(q, rules, nr, r);
}

static void allow_beats_deny(void **state)
{
	struct rx_gx_query q = query("198.51.100.7", 80, 1);
	struct rx_gx_result r;
	int k;

	(void)state;
	walk(&q, &r);
	assert_int_equal(r.decides, RX_GX_ALLOW);
	assert_string_equal(rx_gx_verdict(&r), "pass");
	assert_int_equal(r.steps[RX_GX_ALLOW].rule->id, 2);
	assert_non_null(r.overridden);
	assert_int_equal(r.overridden->id, 1);
	assert_int_equal(r.steps[RX_GX_DENY].verdict, RX_GXV_NOT_REACHED);
	for (k = RX_GX_SYN_GUARD; k < RX_GX_KINDS; k++)
		assert_int_equal(r.steps[k].verdict, RX_GXV_NOT_REACHED);
	assert_non_null(strstr(r.why, "allow rule 2"));
}

static void deny_longest_and_dry(void **state)
{
	struct rx_gx_query q = query("198.51.100.9", 0, 0);
	struct rx_gx_result r;

	(void)state;
	walk(&q, &r);
	assert_int_equal(r.decides, RX_GX_DENY);
	assert_string_equal(rx_gx_verdict(&r), "drop");
	assert_int_equal(r.steps[RX_GX_DENY].rule->id, 1);
	assert_int_equal(r.steps[RX_GX_LIMIT].verdict, RX_GXV_NOT_REACHED);
	q = query("198.51.100.200", 0, 0); /* the /25 (dry run) is longer than the /24 */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_DENY].rule->id, 3);
	assert_string_equal(rx_gx_verdict(&r), "would_drop");
	q = query("198.51.100.9", 0, 0);
	q.dry_run = 1; /* the global dry run */
	walk(&q, &r);
	assert_string_equal(rx_gx_verdict(&r), "would_drop");
	q = query("2001:db8:1::5", 443, 1); /* IPv6, and IPv4 rules never match it */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_DENY].rule->id, 4);
	q = query("2001:db8:2::5", 0, 0);
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_DENY].verdict, RX_GXV_NO_MATCH);
}

static void syn_guard(void **state)
{
	struct rx_gx_query q = query("192.0.2.10", 80, 1);
	struct rx_gx_result r;

	(void)state;
	walk(&q, &r); /* not engaged: the global limit's SYN/s decides */
	assert_int_equal(r.steps[RX_GX_SYN_GUARD].verdict, RX_GXV_NOT_APPLICABLE);
	assert_int_equal(r.decides, RX_GX_LIMIT);
	q.sg_engaged = 1;
	walk(&q, &r);
	assert_int_equal(r.decides, RX_GX_SYN_GUARD);
	assert_string_equal(rx_gx_verdict(&r), "rate_limited_above");
	assert_int_equal(r.steps[RX_GX_SYN_GUARD].rate, 5);
	assert_int_equal(r.steps[RX_GX_LIMIT].verdict, RX_GXV_RATE_LIMITED); /* still applies */
	q.proven = 1;
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SYN_GUARD].verdict, RX_GXV_PROVEN);
	assert_int_equal(r.decides, RX_GX_LIMIT);
	q.proven = 0;
	q.syn = 0; /* not a SYN */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SYN_GUARD].verdict, RX_GXV_NOT_APPLICABLE);
	rules[4].syn = 0; /* without --syn: unproven SYNs drop */
	q.syn = 1;
	walk(&q, &r);
	assert_string_equal(rx_gx_verdict(&r), "drop");
}

static void port_cap(void **state)
{
	struct rx_gx_query q = query("192.0.2.10", 8080, 1);
	struct rx_gx_result r;

	(void)state;
	walk(&q, &r);
	assert_int_equal(r.decides, RX_GX_PORT_CAP);
	assert_int_equal(r.steps[RX_GX_PORT_CAP].rule->id, 6);
	assert_int_equal(r.steps[RX_GX_PORT_CAP].rate, 200);
	q.port = 8081;
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_PORT_CAP].verdict, RX_GXV_NO_MATCH);
	q.port = 8080;
	q.syn = 0;
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_PORT_CAP].verdict, RX_GXV_NOT_APPLICABLE);
	assert_int_equal(r.decides, RX_GX_LIMIT); /* the global packets/s */
	assert_int_equal(r.steps[RX_GX_LIMIT].rate, 5000);
	assert_int_equal(r.steps[RX_GX_LIMIT].syn_rate, 0);
}

static void source_limit(void **state)
{
	struct rx_gx_query q = query("203.0.113.9", 18080, 1);
	struct rx_gx_result r;

	(void)state;
	walk(&q, &r);
	assert_int_equal(r.decides, RX_GX_SOURCE_LIMIT);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].rule->id, 7);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].rate, 40);
	assert_int_equal(r.steps[RX_GX_LIMIT].rule->id, 9); /* then the global one */
	q.syn = 0; /* a SYN-only limit: not on other packets */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].verdict, RX_GXV_NOT_APPLICABLE);
	assert_int_equal(r.decides, RX_GX_LIMIT);
	q = query("203.0.113.9", 0, 1); /* no port: not applicable, the limit named */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].verdict, RX_GXV_NOT_APPLICABLE);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].rule->id, 7);
	q = query("203.0.113.10", 18080, 1); /* another source */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].verdict, RX_GXV_NO_MATCH);
	q = query("203.0.113.9", 18081, 1); /* another port */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_SOURCE_LIMIT].verdict, RX_GXV_NO_MATCH);
}

static void port_limit_and_none(void **state)
{
	struct rx_gx_query q = query("192.0.2.10", 9090, 0);
	struct rx_gx_result r;

	(void)state;
	walk(&q, &r); /* the port's limit replaces the global one */
	assert_int_equal(r.steps[RX_GX_LIMIT].rule->id, 8);
	assert_int_equal(r.steps[RX_GX_LIMIT].rate, 1000);
	q.syn = 1; /* the port's limit has no SYN/s: its packets/s */
	walk(&q, &r);
	assert_int_equal(r.steps[RX_GX_LIMIT].rate, 1000);
	nr = 4; /* allow and deny rules only */
	q = query("192.0.2.10", 80, 1);
	walk(&q, &r);
	assert_int_equal(r.decides, -1);
	assert_string_equal(rx_gx_verdict(&r), "pass");
	assert_int_equal(r.steps[RX_GX_LIMIT].verdict, RX_GXV_NO_MATCH);
	assert_non_null(strstr(r.why, "no rule applies"));
}

static void guard_off(void **state)
{
	struct rx_gx_query q = query("198.51.100.9", 0, 0);
	struct rx_gx_result r;

	(void)state;
	q.on = 0;
	walk(&q, &r);
	assert_int_equal(r.decides, -1);
	assert_string_equal(rx_gx_verdict(&r), "pass");
	assert_non_null(strstr(r.why, "off"));
}

static void json_steps(void **state)
{
	struct rx_gx_query q = query("203.0.113.9", 18080, 1);
	struct rx_gx_result r;
	json_t *j, *s;

	(void)state;
	walk(&q, &r);
	j = rx_gx_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "decides")), "source_limit");
	assert_non_null(json_string_value(json_object_get(j, "why")));
	s = json_object_get(j, "steps");
	assert_int_equal(json_array_size(s), RX_GX_KINDS);
	assert_string_equal(json_string_value(json_object_get(json_array_get(s, 0), "kind")), "allow");
	s = json_array_get(s, RX_GX_SOURCE_LIMIT);
	assert_string_equal(json_string_value(json_object_get(s, "verdict")), "rate_limited_above");
	assert_int_equal(json_integer_value(json_object_get(s, "rule")), 7);
	assert_string_equal(json_string_value(json_object_get(s, "source")), "203.0.113.9");
	assert_int_equal(json_integer_value(json_object_get(s, "port")), 18080);
	assert_string_equal(json_string_value(json_object_get(s, "unit")), "syn/s");
	json_decref(j);
	q = query("198.51.100.9", 0, 0);
	walk(&q, &r);
	j = rx_gx_json(&r);
	s = json_array_get(json_object_get(j, "steps"), RX_GX_DENY);
	assert_string_equal(json_string_value(json_object_get(s, "cidr")), "198.51.100.0/24");
	assert_false(json_is_true(json_object_get(s, "dry_run")));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(allow_beats_deny, setup),
		cmocka_unit_test_setup(deny_longest_and_dry, setup),
		cmocka_unit_test_setup(syn_guard, setup),
		cmocka_unit_test_setup(port_cap, setup),
		cmocka_unit_test_setup(source_limit, setup),
		cmocka_unit_test_setup(port_limit_and_none, setup),
		cmocka_unit_test_setup(guard_off, setup),
		cmocka_unit_test_setup(json_steps, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The guard's SLO loop (src/guard_slo.c): its settings, the heaviest
 * sources of a window, and the steps (limit, tighten to the floor, relax,
 * release) of an endpoint that burns, then recovers. Pure logic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/guard_slo.h"
#include "../../src/snapshot.h"

static void addr(__u8 *a, int last)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 198;
	a[13] = 51;
	a[14] = 100;
	a[15] = (__u8)last;
}

static void settings(void **state)
{
	struct rx_guard_slo_cfg c;
	const char *why;

	(void)state;
	rx_guard_slo__defaults(&c);
	assert_int_equal(c.on, 0); /* off by default */
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo", "on", &why), 0);
	assert_int_equal(c.on, 1);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo", "maybe", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-sources", "0", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-sources", "17", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-share", "30", &why), 0);
	assert_true(c.share > 0.299 && c.share < 0.301);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-share", "0.5", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-step", "1", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-step", "x", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-syn", "-3", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-ttl", "1", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-nope", "1", &why), -ENOENT);
	assert_int_equal(rx_guard_slo__check(&c, &why), 0);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min", "60", &why), 0);
	assert_int_equal(rx_guard_slo__check(&c, &why), -EINVAL); /* floor above the first limit */
	assert_non_null(why);
	rx_guard_slo__defaults(&c);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-interval", "200", &why), 0);
	assert_int_equal(rx_guard_slo__check(&c, &why), -EINVAL); /* ttl 120 <= interval */
}

/* A connection from source 198.51.100.SRC:SPORT to 192.0.2.2:DPORT whose SYN came at syn_ns. */
static size_t conn(struct rx_flow_key *kk, struct rx_tcp_flow *ff, size_t n, int src, __u16 sport,
		   __u16 dport, __u64 syn_ns)
{
	struct rx_flow_key *k = &kk[n];
	struct rx_tcp_flow *f = &ff[n];
	__u8 a[16], b[16];

	memset(k, 0, sizeof(*k));
	memset(f, 0, sizeof(*f));
	addr(a, src);
	memset(b, 0, 16);
	b[10] = b[11] = 0xff;
	b[12] = 192;
	b[14] = 2;
	b[15] = 2;
	/* the direction-free key: a is the lower address (192.0.2.2 < 198.51.100.x) */
	memcpy(k->a, b, 16);
	memcpy(k->b, a, 16);
	k->pa = dport;
	k->pb = sport;
	f->client = 1; /* b sent the SYN */
	f->state = RX_FLOW_EST;
	f->known = 1;
	f->syn_ns = syn_ns;
	return n + 1;
}

/*
 * The ranking by new connections to the port in the last second: a
 * connection opener ranks above a bulk sender (one connection, however
 * many bytes), connections to other ports and older SYNs do not count.
 */
static void by_syn(void **state)
{
	struct rx_flow_key k[64];
	struct rx_tcp_flow f[64];
	struct rx_gslo_cand out[RX_GSLO_SOURCES_MAX];
	const __u64 now = 100000000000ull, since = now - 1000000000ull;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 30; i++) /* the opener: 30 connections in the last second */
		n = conn(k, f, n, 1, (__u16)(40000 + i), 18080, now - 10000000ull * i);
	n = conn(k, f, n, 2, 50000, 18080, now - 500000000ull); /* the bulk sender: one */
	for (i = 0; i < 5; i++) /* a light client: 5 */
		n = conn(k, f, n, 3, (__u16)(41000 + i), 18080, now - 100000000ull * i);
	for (i = 0; i < 20; i++) /* another port: not counted */
		n = conn(k, f, n, 4, (__u16)(42000 + i), 9090, now);
	for (i = 0; i < 5; i++) /* SYNs older than the second: not counted */
		n = conn(k, f, n, 5, (__u16)(43000 + i), 18080, since - 1);
	f[n - 1].state = RX_FLOW_NONE; /* (and a connection whose SYN was never seen) */
	assert_int_equal(rx_guard_slo__by_syn(k, f, n, 18080, since, 3, out), 3);
	assert_int_equal(out[0].addr[15], 1);
	assert_int_equal(out[0].syn, 30);
	assert_true(out[0].share > 0.83 && out[0].share < 0.84); /* 30 of 36 */
	assert_int_equal(out[1].addr[15], 3);
	assert_int_equal(out[1].syn, 5);
	assert_int_equal(out[2].addr[15], 2);
	assert_int_equal(out[2].syn, 1);
	assert_int_equal(rx_guard_slo__by_syn(k, f, n, 18080, since, 1, out), 1);
	assert_int_equal(rx_guard_slo__by_syn(k, f, n, 9090, since, 16, out), 1);
	assert_int_equal(out[0].addr[15], 4);
	assert_true(out[0].share > 0.999);
	assert_int_equal(rx_guard_slo__by_syn(k, f, n, 7, since, 3, out), 0);
	assert_int_equal(rx_guard_slo__by_syn(k, f, 0, 18080, since, 3, out), 0);
	/* the client on the lower side (a): its server port is b's */
	conn(k, f, 0, 1, 18080, 40000, now);
	memcpy(k[0].a, k[0].b, 16);
	addr(k[0].b, 9);
	k[0].pa = 40000;
	k[0].pb = 18080;
	f[0].client = 0;
	assert_int_equal(rx_guard_slo__by_syn(k, f, 1, 18080, since, 3, out), 1);
	assert_int_equal(out[0].addr[15], 1); /* a: 198.51.100.1, the client */
}

static void loop(void **state)
{
	struct rx_guard_slo_cfg c;
	struct rx_gslo_ep e;
	struct rx_gslo_cand cands[2];
	struct rx_gslo_action a[32];
	size_t n;
	double t = 1000;

	(void)state;
	rx_guard_slo__defaults(&c); /* syn 50, min 2, step 2, interval 5, share 0.2, 3 sources, 100/s */
	c.calm_s = 0;
	memset(&e, 0, sizeof(e));
	memset(cands, 0, sizeof(cands));
	addr(cands[0].addr, 9);
	cands[0].share = 0.8; /* heavy */
	cands[0].syn = 80;
	addr(cands[1].addr, 7);
	cands[1].share = 0.1; /* light: below the share, never limited */
	cands[1].syn = 5;
	/* not burning: nothing */
	assert_int_equal(rx_guard_slo__step(&c, &e, cands, 2, t, a, 32), 0);
	e.firing = 2;
	n = rx_guard_slo__step(&c, &e, cands, 2, t, a, 32);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].step, RX_GSLO_LIMIT);
	assert_int_equal(a[0].addr[15], 9);
	assert_int_equal(a[0].from, 0);
	assert_int_equal(a[0].to, 50);
	assert_true(rx_guard_slo__busy(&e));
	/* within the interval: no step, and the limited source is not limited twice */
	assert_int_equal(rx_guard_slo__step(&c, &e, cands, 2, t + 4, a, 32), 0);
	/* still burning: 50 -> 25 -> 12 -> 6 -> 3 -> 2 (the floor), then held */
	{
		const __u32 want[] = { 25, 12, 6, 3, 2 };
		size_t i;

		for (i = 0; i < 5; i++) {
			t += 5;
			n = rx_guard_slo__step(&c, &e, cands, 2, t, a, 32);
			assert_int_equal(n, 1);
			assert_int_equal(a[0].step, RX_GSLO_TIGHTEN);
			assert_int_equal(a[0].to, want[i]);
		}
	}
	t += 5;
	n = rx_guard_slo__step(&c, &e, cands, 2, t, a, 32);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].step, RX_GSLO_HOLD);
	assert_int_equal(a[0].to, 2);
	/* recovered: 2 -> 4 -> 8 -> 16 -> 32 -> released (64 > 50) */
	e.firing = 0;
	{
		const __u32 want[] = { 4, 8, 16, 32 };
		size_t i;

		for (i = 0; i < 4; i++) {
			t += 5;
			n = rx_guard_slo__step(&c, &e, cands, 2, t, a, 32);
			assert_int_equal(n, 1);
			assert_int_equal(a[0].step, RX_GSLO_RELAX);
			assert_int_equal(a[0].from, want[i] / 2);
			assert_int_equal(a[0].to, want[i]);
		}
	}
	t += 5;
	n = rx_guard_slo__step(&c, &e, cands, 2, t, a, 32);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].step, RX_GSLO_RELEASE);
	assert_int_equal(a[0].to, 0);
	assert_false(rx_guard_slo__busy(&e));
	assert_int_equal(rx_guard_slo__step(&c, &e, cands, 2, t + 5, a, 32), 0);
}

/*
 * a light source whose share grew because the heavy one's SYNs stopped
 * (limited): under guard-slo-min-syn, not limited; at it, limited
 */
static void light_share_rises(void **state)
{
	struct rx_guard_slo_cfg c;
	struct rx_gslo_ep e;
	struct rx_gslo_cand cand;
	struct rx_gslo_action a[32];
	const char *why;

	(void)state;
	rx_guard_slo__defaults(&c);
	memset(&e, 0, sizeof(e));
	memset(&cand, 0, sizeof(cand));
	addr(cand.addr, 3);
	cand.share = 0.375;
	cand.syn = 4; /* 4 new connections a second: under guard-slo-min-syn (10) */
	e.firing = 1;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1000, a, 32), 0);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min-syn", "4", &why), 0);
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1001, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_LIMIT);
	assert_int_equal(a[0].syn, 4);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min-syn", "-1", &why), -EINVAL);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min-pps", "32", &why), 0); /* (kept, unused) */
}

/* burning again while relaxing: tightened again (the loop can oscillate) */
static void burns_again(void **state)
{
	struct rx_guard_slo_cfg c;
	struct rx_gslo_ep e;
	struct rx_gslo_cand cand;
	struct rx_gslo_action a[32];

	(void)state;
	rx_guard_slo__defaults(&c);
	c.calm_s = 0;
	memset(&e, 0, sizeof(e));
	addr(cand.addr, 9);
	cand.share = 0.5;
	cand.syn = 100;
	e.firing = 1;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1000, a, 32), 1);
	e.firing = 0;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1005, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_RELEASE); /* 100 > 50: relaxed past the first limit */
	e.firing = 1;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1006, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_LIMIT);
	/* at most guard-slo-sources sources, and no more slots than RX_GSLO_SOURCES_MAX */
	{
		struct rx_gslo_cand many[RX_GSLO_SOURCES_MAX];
		int i;

		for (i = 0; i < RX_GSLO_SOURCES_MAX; i++) {
			addr(many[i].addr, 100 + i);
			many[i].share = 0.3;
			many[i].syn = 100;
		}
		c.sources = RX_GSLO_SOURCES_MAX;
		assert_int_equal(rx_guard_slo__step(&c, &e, many, RX_GSLO_SOURCES_MAX, 1007, a, 32),
				 RX_GSLO_SOURCES_MAX - 1);
	}
}

/* recovered: no relax before guard-slo-calm seconds without a burn */
static void calm(void **state)
{
	struct rx_guard_slo_cfg c;
	struct rx_gslo_ep e;
	struct rx_gslo_cand cand;
	struct rx_gslo_action a[32];

	(void)state;
	rx_guard_slo__defaults(&c); /* calm 30 s, interval 5 s */
	memset(&e, 0, sizeof(e));
	addr(cand.addr, 9);
	cand.share = 0.5;
	cand.syn = 100;
	e.firing = 1;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1000, a, 32), 1);
	e.firing = 0;
	/* calm since 1010: the rule only held (renewed), not relaxed */
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1010, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_HOLD);
	assert_int_equal(a[0].to, 50);
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1012, a, 32), 0); /* within the interval */
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1039, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_HOLD);
	e.firing = 1; /* burns again: the calm starts over, and it is tightened */
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1044, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_TIGHTEN);
	e.firing = 0;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1049, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_HOLD); /* calm since 1049 */
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1079, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_RELAX);
	assert_int_equal(a[0].from, 25);
	assert_int_equal(a[0].to, 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings),
		cmocka_unit_test(by_syn),
		cmocka_unit_test(loop),
		cmocka_unit_test(light_share_rises),
		cmocka_unit_test(burns_again),
		cmocka_unit_test(calm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

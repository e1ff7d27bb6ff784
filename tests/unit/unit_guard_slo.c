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

static void heaviest(void **state)
{
	struct rx_keyed t[5];
	struct rx_gslo_cand out[RX_GSLO_SOURCES_MAX];
	const __u64 pk[5] = { 10, 600, 0, 300, 90 };
	size_t i, n;

	(void)state;
	memset(t, 0, sizeof(t));
	for (i = 0; i < 5; i++) {
		addr(t[i].key, (int)i + 1);
		t[i].c.packets = pk[i];
	}
	n = rx_guard_slo__heaviest(t, 5, 3, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].addr[15], 2);
	assert_int_equal(out[1].addr[15], 4);
	assert_int_equal(out[2].addr[15], 5);
	assert_true(out[0].share > 0.599 && out[0].share < 0.601); /* 600 of 1000 */
	assert_int_equal(rx_guard_slo__heaviest(t, 0, 3, out), 0);
	n = rx_guard_slo__heaviest(t, 5, 16, out); /* the empty source is none */
	assert_int_equal(n, 4);
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
	cands[0].packets = 800;
	addr(cands[1].addr, 7);
	cands[1].share = 0.1; /* light: below the share, never limited */
	cands[1].packets = 100;
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
 * a light source whose share grew because the heavy one's packets stopped
 * (its SYNs limited): under guard-slo-min-pps, not limited; at it, limited
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
	cand.packets = 32;
	e.firing = 1;
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1000, a, 32), 0);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min-pps", "32", &why), 0);
	assert_int_equal(rx_guard_slo__step(&c, &e, &cand, 1, 1001, a, 32), 1);
	assert_int_equal(a[0].step, RX_GSLO_LIMIT);
	assert_int_equal(rx_guard_slo__set(&c, "guard-slo-min-pps", "-1", &why), -EINVAL);
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
	cand.packets = 1000;
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
			many[i].packets = 1000;
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
	cand.packets = 1000;
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
		cmocka_unit_test(heaviest),
		cmocka_unit_test(loop),
		cmocka_unit_test(light_share_rises),
		cmocka_unit_test(burns_again),
		cmocka_unit_test(calm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The SYN guard's switch (src/synguard.c): when it engages, and its
 * hysteresis on the way out. Pure logic, on made-up counter totals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "../../src/synguard.h"

/*
 * Run steps of 0.25 s from *t for secs seconds at syn_rate SYNs/s and
 * done_rate handshakes/s (totals in *syn, *done): the last change seen.
 */
static int run(struct rx_synguard *s, double *t, double secs, double syn_rate, double done_rate,
	       __u64 *syn, __u64 *done)
{
	int r, last = RX_SYNGUARD_SAME;
	double end = *t + secs;

	while (*t < end - 1e-9) {
		*t += 0.25;
		*syn += (__u64)(syn_rate * 0.25);
		*done += (__u64)(done_rate * 0.25);
		r = rx_synguard__step(s, *t, *syn, *done);
		if (r != RX_SYNGUARD_SAME)
			last = r;
	}
	return last;
}

static void below_the_threshold_stays_off(void **state)
{
	struct rx_synguard s;
	__u64 syn = 0, done = 0;
	double t = 100;

	(void)state;
	rx_synguard__init(&s, 1000);
	assert_int_equal(rx_synguard__step(&s, t, 0, 0), RX_SYNGUARD_SAME); /* primes */
	/* 5,000 SYN/s all completed: no half-open ones */
	assert_int_equal(run(&s, &t, 5, 5000, 5000, &syn, &done), RX_SYNGUARD_SAME);
	/* 999 half-open/s: just under */
	assert_int_equal(run(&s, &t, 5, 1999, 1000, &syn, &done), RX_SYNGUARD_SAME);
	assert_false(s.engaged);
	assert_true(s.half_open > 990 && s.half_open < 1000);
}

static void engages_in_one_step(void **state)
{
	struct rx_synguard s;
	__u64 syn = 0, done = 0;
	double t = 100;

	(void)state;
	rx_synguard__init(&s, 1000);
	rx_synguard__step(&s, t, 0, 0);
	t += 0.25;
	syn += 2000 / 4;
	assert_int_equal(rx_synguard__step(&s, t, syn, done), RX_SYNGUARD_ENGAGE);
	assert_true(s.engaged);
	assert_int_equal(s.engagements, 1);
	assert_true(s.half_open >= 1999 && s.half_open <= 2001);
}

static void hysteresis_holds_then_lets_go(void **state)
{
	struct rx_synguard s;
	__u64 syn = 0, done = 0;
	double t = 100;

	(void)state;
	rx_synguard__init(&s, 1000);
	rx_synguard__step(&s, t, 0, 0);
	assert_int_equal(run(&s, &t, 1, 3000, 0, &syn, &done), RX_SYNGUARD_ENGAGE);
	/* under the threshold but over half of it: stays engaged however long */
	assert_int_equal(run(&s, &t, 10, 600, 0, &syn, &done), RX_SYNGUARD_SAME);
	assert_true(s.engaged);
	/* under half: held RX_SYNGUARD_HOLD_S before it lets go */
	assert_int_equal(run(&s, &t, RX_SYNGUARD_HOLD_S - 0.5, 100, 0, &syn, &done),
			 RX_SYNGUARD_SAME);
	assert_true(s.engaged);
	/* a burst over half starts the hold again */
	assert_int_equal(run(&s, &t, 0.25, 800, 0, &syn, &done), RX_SYNGUARD_SAME);
	assert_int_equal(run(&s, &t, RX_SYNGUARD_HOLD_S - 0.5, 100, 0, &syn, &done),
			 RX_SYNGUARD_SAME);
	assert_true(s.engaged);
	assert_int_equal(run(&s, &t, 1.5, 100, 0, &syn, &done), RX_SYNGUARD_DISENGAGE);
	assert_false(s.engaged);
	/* and engages again, counted */
	assert_int_equal(run(&s, &t, 0.5, 3000, 0, &syn, &done), RX_SYNGUARD_ENGAGE);
	assert_int_equal(s.engagements, 2);
}

static void short_steps_and_resets(void **state)
{
	struct rx_synguard s;

	(void)state;
	rx_synguard__init(&s, 10);
	rx_synguard__step(&s, 100, 1000, 0);
	/* 0.05 s later: too short to say, whatever the counts */
	assert_int_equal(rx_synguard__step(&s, 100.05, 100000, 0), RX_SYNGUARD_SAME);
	assert_false(s.engaged);
	/* totals that went down (the datapath reloaded): start over, no rate from it */
	assert_int_equal(rx_synguard__step(&s, 100.5, 5, 0), RX_SYNGUARD_SAME);
	assert_false(s.engaged);
	assert_int_equal(rx_synguard__step(&s, 101.0, 5, 0), RX_SYNGUARD_SAME);
	assert_true(s.half_open == 0);
	/* more handshakes than SYNs (connections opened before): zero, not negative */
	assert_int_equal(rx_synguard__step(&s, 101.5, 10, 100), RX_SYNGUARD_SAME);
	assert_true(s.half_open == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(below_the_threshold_stays_off),
		cmocka_unit_test(engages_in_one_step),
		cmocka_unit_test(hysteresis_holds_then_lets_go),
		cmocka_unit_test(short_steps_and_resets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Quantiles from bucketed histograms (src/quantile.c): pure logic, so a
 * host test. Without bounds on the values it is histogram_quantile();
 * with the smallest and largest value it narrows the bucket to them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>
#include "../../src/quantile.h"

/* OpenTelemetry's default duration buckets, in microseconds (then +Inf). */
static const unsigned int otel[] = { 5000,    10000,   25000,   50000,   75000,
				     100000,  250000,  500000,  750000,  1000000,
				     2500000, 5000000, 7500000, 10000000 };
#define NB (sizeof(otel) / sizeof(otel[0]) + 1)

static void empty_is_zero(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	assert_true(rx_quantile(c, otel, NB, 0.5, 0, INFINITY) == 0);
}

/* As Prometheus: linear inside the bucket, the open bucket answers its lower bound. */
static void unbounded_is_histogram_quantile(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	c[2] = 10; /* ten in (10, 25] ms */
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 0, INFINITY), 0.0175, 1e-12);
	assert_float_equal(rx_quantile(c, otel, NB, 1.0, 0, INFINITY), 0.025, 1e-12);
	c[2] = 0;
	c[NB - 1] = 4; /* all past the last bound */
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 0, INFINITY), 10.0, 1e-12);
}

/* A route answering in 20-22 ms: its p50 is 21 ms, not the bucket's 17.5. */
static void narrowed_to_min_max(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	c[2] = 10;
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 0.020, 0.022), 0.021, 1e-12);
	assert_float_equal(rx_quantile(c, otel, NB, 0.0, 0.020, 0.022), 0.020, 1e-12);
	assert_float_equal(rx_quantile(c, otel, NB, 1.0, 0.020, 0.022), 0.022, 1e-12);
	/* only the end that lies in the bucket narrows it */
	c[0] = 10; /* and ten in [0, 5] ms, the smallest 1 ms */
	assert_float_equal(rx_quantile(c, otel, NB, 0.25, 0.001, 0.022), 0.003, 1e-12);
	assert_float_equal(rx_quantile(c, otel, NB, 0.75, 0.001, 0.022), 0.016, 1e-12);
}

/* The open bucket ends at the max; a lone value is itself. */
static void open_bucket_and_single_value(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	c[NB - 1] = 2;
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 12.0, 14.0), 13.0, 1e-12);
	c[NB - 1] = 0;
	c[6] = 1; /* one of 101 ms */
	assert_float_equal(rx_quantile(c, otel, NB, 0.99, 0.101, 0.101), 0.101, 1e-12);
}

/* A bucket holds whole microseconds up to its bound: 25.0007 ms is in the 10-25 ms one. */
static void just_past_a_bound(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	c[2] = 3;
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 0.0250007, 0.0250007), 0.0250007, 1e-12);
}

/* min/max that contradict the buckets (read at another moment): the bucket wins. */
static void inconsistent_bounds_fall_back(void **state)
{
	__u64 c[NB] = { 0 };

	(void)state;
	c[2] = 10;
	assert_float_equal(rx_quantile(c, otel, NB, 0.5, 0.030, 0.040), 0.0175, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_is_zero),
		cmocka_unit_test(unbounded_is_histogram_quantile),
		cmocka_unit_test(narrowed_to_min_max),
		cmocka_unit_test(open_bucket_and_single_value),
		cmocka_unit_test(just_past_a_bound),
		cmocka_unit_test(inconsistent_bounds_fall_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

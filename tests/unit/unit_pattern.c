// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Route patterns compiled (src/pattern.c) into what the datapath's route
 * walk matches (datapath/route.h); the matching itself is tested on real
 * traffic (tests/e2e/test_route_patterns.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/pattern.h"

static void compiles(void **state)
{
	struct rx_patterns ps = { .n = 0 };
	char err[128];

	(void)state;
	assert_int_equal(rx_patterns_add(&ps, "/api/{version}/items/{sku}", err, sizeof(err)), 0);
	assert_int_equal(ps.p[0].nseg, 4);
	assert_int_equal(ps.p[0].wild, (1u << 1) | (1u << 3));
	assert_int_equal(ps.p[0].rest, 0);
	/* FNV-1a of "api", as the datapath hashes the URI's segment bytes */
	assert_int_equal(ps.p[0].hash[0], 0x386aaa87u);
	assert_int_equal(rx_patterns_add(&ps, "/static/*", err, sizeof(err)), 0);
	assert_int_equal(ps.p[1].nseg, 1);
	assert_int_equal(ps.p[1].rest, 1);
	assert_int_equal(rx_patterns_add(&ps, "/", err, sizeof(err)), 0);
	assert_int_equal(ps.p[2].nseg, 1);
	assert_int_equal(ps.p[2].hash[0], 2166136261u);
	assert_int_equal(rx_patterns_add(&ps, "/a/b/c/d/e/f/g/h", err, sizeof(err)), 0);
	assert_int_equal(ps.p[3].nseg, 8);
	assert_int_equal(ps.n, 4);
	assert_memory_equal(ps.p[0].text, "/api/{version}/items/{sku}", 26);
	assert_int_equal(ps.p[0].len, 26);
}

static void refuses(void **state)
{
	static const char *const bad[] = {
		"api",                    /* no leading slash */
		"/a/{}/b",                /* empty name */
		"/a/{x y}/b",             /* bad name */
		"/a/*/b",                 /* rest not last */
		"/a//b",                  /* empty segment */
		"/a/b?c",                 /* a query */
		"/a/b c",                 /* a blank */
		"/a/b/c/d/e/f/g/h/i",     /* 9 segments */
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* > 64 bytes */
	};
	struct rx_patterns ps = { .n = 0 };
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(rx_patterns_add(&ps, bad[i], err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
	assert_int_equal(ps.n, 0);
	assert_int_equal(rx_patterns_add(&ps, "/a", err, sizeof(err)), 0);
	assert_int_equal(rx_patterns_add(&ps, "/a", err, sizeof(err)), 0); /* twice: kept once */
	assert_int_equal(ps.n, 1);
	for (i = 1; i < RX_PATTERNS_MAX; i++) {
		char t[16];

		snprintf(t, sizeof(t), "/p%zu", i);
		assert_int_equal(rx_patterns_add(&ps, t, err, sizeof(err)), 0);
	}
	assert_int_equal(rx_patterns_add(&ps, "/one-too-many", err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compiles),
		cmocka_unit_test(refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

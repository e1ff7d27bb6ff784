// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Automatic blocks from alerts (src/guard_auto.c): which alert changes make
 * a block, and the caps on how many and how fast. Pure logic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <cmocka.h>
#include "../../src/guard_auto.h"

static json_t *alert(const char *name, const char *state, const char *source)
{
	json_t *j = json_pack("{sssss{}}", "alert", name, "state", state, "subject");

	if (source)
		json_object_set_new(json_object_get(j, "subject"), "source", json_string(source));
	return j;
}

/* want(a, alert, now, rules): 1 or 0, the alert freed */
static int want(struct rx_guard_auto *a, json_t *j, double now, size_t rules, char *src)
{
	const char *why;
	int r = rx_guard_auto__want(a, j, now, rules, src, 64, &why);

	json_decref(j);
	return r;
}

static void off_by_default(void **state)
{
	struct rx_guard_auto a;
	char src[64];

	(void)state;
	rx_guard_auto__defaults(&a);
	assert_int_equal(want(&a, alert("port_scan", "firing", "198.51.100.9"), 1000, 0, src), 0);
}

static void only_enabled_firing_with_a_source(void **state)
{
	struct rx_guard_auto a;
	const char *why;
	char src[64];

	(void)state;
	rx_guard_auto__defaults(&a);
	assert_int_equal(rx_guard_auto__set(&a, "guard-auto", "port_scan, syn_flood", &why), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(want(&a, alert("rate_spike", "firing", "198.51.100.9"), 1000, 0, src), 0);
	assert_int_equal(want(&a, alert("port_scan", "resolved", "198.51.100.9"), 1000, 0, src), 0);
	assert_int_equal(want(&a, alert("syn_flood", "firing", NULL), 1000, 0, src), 0);
	assert_int_equal(want(&a, alert("port_scan", "firing", "198.51.100.9"), 1000, 0, src), 1);
	assert_string_equal(src, "198.51.100.9");
}

static void capped_in_count_and_rate(void **state)
{
	struct rx_guard_auto a;
	const char *why;
	char src[64];
	int i, made = 0;

	(void)state;
	rx_guard_auto__defaults(&a);
	rx_guard_auto__set(&a, "guard-auto", "port_scan", &why);
	rx_guard_auto__set(&a, "guard-auto-rate", "3", &why);
	rx_guard_auto__set(&a, "guard-auto-max", "5", &why);
	/* a flood of spoofed sources: 3 a minute */
	for (i = 0; i < 100; i++)
		made += want(&a, alert("port_scan", "firing", "203.0.113.1"), 1000 + i * 0.1, 0, src);
	assert_int_equal(made, 3);
	/* a minute later, 3 more */
	for (i = 0; i < 100; i++)
		made += want(&a, alert("port_scan", "firing", "203.0.113.1"), 1061 + i * 0.1, 0, src);
	assert_int_equal(made, 6);
	/* never past guard-auto-max rules in place */
	assert_int_equal(want(&a, alert("port_scan", "firing", "203.0.113.1"), 2000, 5, src), 0);
	assert_int_equal(want(&a, alert("port_scan", "firing", "203.0.113.1"), 2000, 4, src), 1);
}

static void bad_settings(void **state)
{
	struct rx_guard_auto a;
	const char *why;

	(void)state;
	rx_guard_auto__defaults(&a);
	assert_int_equal(rx_guard_auto__set(&a, "guard-auto-rate", "0", &why), -EINVAL);
	assert_int_equal(rx_guard_auto__set(&a, "guard-auto-ttl", "0", &why), -EINVAL);
	assert_int_equal(rx_guard_auto__set(&a, "guard-auto", "", &why), -EINVAL);
	assert_int_equal(rx_guard_auto__set(&a, "guard-auto-dry-run", "maybe", &why), -EINVAL);
	assert_int_equal(rx_guard_auto__set(&a, "guard-autox", "1", &why), -ENOENT);
	assert_int_equal(a.per_min, 10);
	assert_int_equal(a.ttl_s, 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(off_by_default),
		cmocka_unit_test(only_enabled_firing_with_a_source),
		cmocka_unit_test(capped_in_count_and_rate),
		cmocka_unit_test(bad_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The join of transactions with their request records (src/reqjoin.c):
 * pure logic, so a host test. Pairs by (client, server, ports, seq) only;
 * a record is used once; an overwritten or absent one is counted missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/reqjoin.h"

static void mk(struct rx_reqinfo *ri, struct rx_txn *t, __u8 client, __u16 cport, __u32 seq,
	       const char *path)
{
	memset(ri, 0, sizeof(*ri));
	memset(t, 0, sizeof(*t));
	ri->client[15] = t->client[15] = client;
	ri->server[15] = t->server[15] = 200;
	ri->cport = t->cport = cport;
	ri->sport = t->sport = 8080;
	ri->seq = t->seq = seq;
	ri->path_len = (__u8)strlen(path);
	memcpy(ri->path, path, ri->path_len);
}

static void joins_by_key(void **state)
{
	struct rx_reqjoin j;
	struct rx_reqinfo a, b;
	struct rx_txn ta, tb;
	const struct rx_reqinfo *r;

	(void)state;
	assert_int_equal(rx_reqjoin__init(&j), 0);
	mk(&a, &ta, 1, 40000, 1000, "/a");
	mk(&b, &tb, 1, 40000, 1050, "/b"); /* pipelined on the same connection */
	rx_reqjoin__put(&j, &a);
	rx_reqjoin__put(&j, &b);
	r = rx_reqjoin__take(&j, &ta);
	assert_non_null(r);
	assert_memory_equal(r->path, "/a", 2);
	r = rx_reqjoin__take(&j, &tb);
	assert_non_null(r);
	assert_memory_equal(r->path, "/b", 2);
	/* each record joins once */
	assert_null(rx_reqjoin__take(&j, &ta));
	assert_int_equal(j.joined, 2);
	assert_int_equal(j.missing, 1);
	rx_reqjoin__free(&j);
}

static void other_side_does_not_join(void **state)
{
	struct rx_reqjoin j;
	struct rx_reqinfo a;
	struct rx_txn ta;

	(void)state;
	assert_int_equal(rx_reqjoin__init(&j), 0);
	mk(&a, &ta, 1, 40000, 7, "/a");
	rx_reqjoin__put(&j, &a);
	ta.client[15] = 2;
	assert_null(rx_reqjoin__take(&j, &ta));
	ta.client[15] = 1;
	ta.cport = 40001;
	assert_null(rx_reqjoin__take(&j, &ta));
	ta.cport = 40000;
	ta.seq = 8;
	assert_null(rx_reqjoin__take(&j, &ta));
	ta.seq = 7;
	assert_non_null(rx_reqjoin__take(&j, &ta));
	assert_int_equal(j.missing, 3);
	rx_reqjoin__free(&j);
}

/* More requests in flight than slots: the table stays bounded, losses counted. */
static void bounded(void **state)
{
	struct rx_reqjoin j;
	struct rx_reqinfo a;
	struct rx_txn t;
	__u32 i, n = 4 * RX_REQJOIN_SLOTS, found = 0;

	(void)state;
	assert_int_equal(rx_reqjoin__init(&j), 0);
	for (i = 0; i < n; i++) {
		mk(&a, &t, 1, 40000, i * 100, "/x");
		rx_reqjoin__put(&j, &a);
	}
	for (i = 0; i < n; i++) {
		mk(&a, &t, 1, 40000, i * 100, "/x");
		if (rx_reqjoin__take(&j, &t))
			found++;
	}
	assert_true(found <= RX_REQJOIN_SLOTS);
	assert_int_equal(j.joined, found);
	assert_int_equal(j.missing, n - found);
	assert_int_equal(j.replaced, n - found);
	rx_reqjoin__free(&j);
}

/* Hundreds in flight at once (many connections): a set's collisions do not evict. */
static void in_flight(void **state)
{
	struct rx_reqjoin j;
	struct rx_reqinfo a;
	struct rx_txn t;
	__u32 i, n = 512;

	(void)state;
	assert_int_equal(rx_reqjoin__init(&j), 0);
	for (i = 0; i < n; i++) {
		mk(&a, &t, (__u8)(i & 7), (__u16)(40000 + i), 1000 + i * 7, "/x");
		rx_reqjoin__put(&j, &a);
	}
	for (i = 0; i < n; i++) {
		mk(&a, &t, (__u8)(i & 7), (__u16)(40000 + i), 1000 + i * 7, "/x");
		assert_non_null(rx_reqjoin__take(&j, &t));
	}
	assert_int_equal(j.replaced, 0);
	assert_int_equal(j.missing, 0);
	rx_reqjoin__free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joins_by_key),
		cmocka_unit_test(other_side_does_not_join),
		cmocka_unit_test(bounded),
		cmocka_unit_test(in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * top's model (src/topmodel.c) and the snapshot arithmetic under it
 * (src/snapshot.c): rates are the difference of two snapshots over the
 * time between their reads; endpoint rows fold over their statuses; a
 * window subtracts its base. Pure logic on hand-made snapshots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/topmodel.h"

#define NS 1000000000ll
#define SLOT RX_COUNTER_IDX(RX_VERDICT_PASS, RX_REASON_OK, RX_PROTO_IPV4)

static void talker(struct rx_keyed *k, __u8 last, __u64 packets, __u64 bytes)
{
	memset(k, 0, sizeof(*k));
	k->key[15] = last;
	k->c.packets = packets;
	k->c.bytes = bytes;
}

static void endpoint(struct rx_endpoint_row *e, __u16 port, __u8 method, const char *route,
		     __u16 status, __u64 count)
{
	memset(e, 0, sizeof(*e));
	e->k.port = port;
	e->k.method = method;
	e->k.status = status;
	snprintf(e->route, sizeof(e->route), "%s", route);
	e->v.count = count;
	e->v.dur[0] = count;
	e->v.dur_min_ns = 1000;
	e->v.dur_max_ns = 2000 * count;
}

/* A snapshot read at last_s seconds: packets and bytes in one slot, two talkers, endpoints. */
static void snap(struct rx_snapshot *s, __s64 last_s, __u64 packets, __u64 bytes,
		 __u64 t1, __u64 t2, __u64 get_ok, __u64 get_err, __u64 post)
{
	memset(s, 0, sizeof(*s));
	s->counters[SLOT].packets = packets;
	s->counters[SLOT].bytes = bytes;
	s->stats[RX_STAT_CAPTURE_LOST] = packets / 10;
	s->last_ns = (__u64)(last_s * NS);
	s->talkers = calloc(2, sizeof(*s->talkers));
	talker(&s->talkers[s->n_talkers++], 2, t2, t2 * 100);
	if (t1)
		talker(&s->talkers[s->n_talkers++], 1, t1, t1 * 100);
	s->services = calloc(1, sizeof(*s->services));
	/* rows in no order: the fold sorts them */
	s->endpoints = calloc(3, sizeof(*s->endpoints));
	endpoint(&s->endpoints[s->n_endpoints++], 80, RX_HTTP_M_GET, "/a", 500, get_err);
	endpoint(&s->endpoints[s->n_endpoints++], 80, RX_HTTP_M_POST, "/b", 200, post);
	endpoint(&s->endpoints[s->n_endpoints++], 80, RX_HTTP_M_GET, "/a", 200, get_ok);
}

static const struct top_row *row(const struct top_frame *f, __u8 last)
{
	size_t i;

	for (i = 0; i < f->n_talkers; i++)
		if (f->talkers[i].k.key[15] == last)
			return &f->talkers[i];
	return NULL;
}

static void rates_are_differences_over_dt(void **state)
{
	struct top_model m = { .start_ns = 5 * NS };
	struct top_frame f;
	struct rx_snapshot s;

	(void)state;
	snap(&s, 100, 1000, 64000, 0, 50, 5, 1, 10);
	assert_int_equal(top_model__step(&m, &s, 6 * NS, TOP_SORT_PACKETS, &f), 1);
	/* the first read: totals, no rates yet */
	assert_false(f.rated);
	assert_true(f.pps < 0 && f.bps < 0);
	assert_int_equal(f.tot.packets, 1000);
	assert_true(f.talkers[0].pps < 0);
	assert_true(f.ep[0].rate < 0);
	assert_int_equal(f.hist_n, 0);
	assert_true(f.uptime == 1.0);
	top_frame__free(&f);

	/* two seconds later (by the reads' own clock, not the step's) */
	snap(&s, 102, 1600, 104000, 30, 70, 9, 3, 10);
	assert_int_equal(top_model__step(&m, &s, 9 * NS, TOP_SORT_PACKETS, &f), 1);
	assert_true(f.rated);
	assert_true(f.dt == 2.0);
	assert_true(f.pps == 300.0);
	assert_true(f.bps == 8 * 20000.0);
	assert_true(f.proto_ps[RX_PROTO_IPV4] == 300.0);
	assert_true(f.reason_ps[RX_REASON_OK] == 300.0);
	assert_true(f.stats_ps[RX_STAT_CAPTURE_LOST] == 30.0);
	assert_int_equal(f.hist_n, 1);
	assert_true(f.hist_pps[0] == 300.0);
	/* talker 2 grew by 20 packets; talker 1 is new: from zero */
	assert_true(row(&f, 2)->pps == 10.0);
	assert_true(row(&f, 2)->bps == 1000.0);
	assert_true(row(&f, 1)->pps == 15.0);
	/* sorted by packets: talker 2 (70) before talker 1 (30) */
	assert_int_equal(f.talkers[0].k.key[15], 2);
	top_frame__free(&f);

	/* the same read again (a shared read handed out twice): no frame */
	snap(&s, 102, 1600, 104000, 30, 70, 9, 3, 10);
	assert_int_equal(top_model__step(&m, &s, 10 * NS, TOP_SORT_PACKETS, &f), 0);
	assert_null(f.talkers);

	/* a talker evicted and made again counts from 0 */
	snap(&s, 103, 1600, 104000, 4, 70, 9, 3, 10);
	assert_int_equal(top_model__step(&m, &s, 11 * NS, TOP_SORT_RATE, &f), 1);
	assert_true(f.dt == 1.0);
	assert_true(row(&f, 1)->pps == 4.0);
	assert_true(row(&f, 2)->pps == 0.0);
	assert_true(f.pps == 0.0);
	/* by rate: talker 1 (4/s) before talker 2 (0/s) */
	assert_int_equal(f.talkers[0].k.key[15], 1);
	top_frame__free(&f);
	top_model__free(&m);
}

static void endpoints_fold_over_statuses(void **state)
{
	struct top_model m = { 0 };
	struct top_frame f;
	struct rx_snapshot s;

	(void)state;
	snap(&s, 1, 10, 1000, 0, 1, 5, 1, 10);
	top_model__step(&m, &s, NS, TOP_SORT_PACKETS, &f);
	top_frame__free(&f);
	snap(&s, 3, 10, 1000, 0, 1, 9, 5, 11);
	top_model__step(&m, &s, 3 * NS, TOP_SORT_PACKETS, &f);
	/* one item per (port, method, route), busiest first */
	assert_int_equal(f.n_ep, 2);
	assert_string_equal(f.ep[0].name, "GET /a");
	assert_int_equal(f.ep[0].total, 14);
	assert_true(f.ep[0].rate == 4.0); /* (14 - 6) / 2 s */
	assert_true(f.ep[0].warn);        /* it answered 5xx */
	assert_string_equal(f.ep[1].name, "POST /b");
	assert_int_equal(f.ep[1].total, 11);
	assert_true(f.ep[1].rate == 0.5);
	assert_false(f.ep[1].warn);
	top_frame__free(&f);
	top_model__free(&m);
}

/* A route longer than an endpoint's name has room for ends in "...": the cut shows. */
static void endpoint_cut_route_marked(void **state)
{
	static const char route[] = "/abcdefghij/abcdefghij/abcdefghij/abcdefghij";
	struct top_model m = { 0 };
	struct top_frame f;
	struct rx_snapshot s;

	(void)state;
	snap(&s, 1, 10, 1000, 0, 1, 5, 1, 10);
	snprintf(s.endpoints[1].route, sizeof(s.endpoints[1].route), "%s", route); /* POST, the busiest */
	top_model__step(&m, &s, NS, TOP_SORT_PACKETS, &f);
	assert_int_equal(f.n_ep, 2);
	assert_int_equal(strlen(f.ep[0].name), TOP_ROUTE_NAME - 1);
	assert_memory_equal(f.ep[0].name, "POST /abcdefghij", 16);
	assert_string_equal(f.ep[0].name + TOP_ROUTE_NAME - 4, "...");
	top_frame__free(&f);
	top_model__free(&m);
}

static void fold_groups_rows(void **state)
{
	struct rx_snapshot s;
	struct rx_endpoint_group g;
	size_t next;

	(void)state;
	snap(&s, 1, 0, 0, 0, 0, 5, 2, 7);
	s.endpoints[0].bounds = 1; /* GET /a 500 */
	rx_snapshot__sort_endpoints(&s);
	next = rx_snapshot__fold_endpoint(&s, 0, &g);
	assert_int_equal(next, 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.row->k.method, RX_HTTP_M_GET);
	assert_int_equal(g.row[0].k.status, 200);
	assert_int_equal(g.row[1].k.status, 500);
	assert_int_equal(g.sum.count, 7);
	assert_int_equal(g.sum.dur[0], 7);
	assert_int_equal(g.sum.dur_max_ns, 10000);
	assert_int_equal(g.sum.dur_min_ns, 1000);
	assert_int_equal(g.errors, 2);
	assert_true(g.bounds);
	next = rx_snapshot__fold_endpoint(&s, next, &g);
	assert_int_equal(next, 3);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.sum.count, 7);
	assert_int_equal(g.errors, 0);
	assert_false(g.bounds);
	rx_snapshot__free(&s);
}

static void subtract_is_a_window(void **state)
{
	struct rx_snapshot now, base;

	(void)state;
	snap(&base, 10, 100, 6400, 3, 5, 4, 1, 10);
	snap(&now, 20, 250, 16000, 3, 9, 6, 1, 10);
	rx_snapshot__subtract(&now, &base);
	assert_int_equal(now.counters[SLOT].packets, 150);
	assert_int_equal(now.counters[SLOT].bytes, 9600);
	assert_int_equal(now.first_ns, 10 * NS);
	/* talkers and endpoints that did not grow are dropped */
	assert_int_equal(now.n_talkers, 1);
	assert_int_equal(now.talkers[0].key[15], 2);
	assert_int_equal(now.talkers[0].c.packets, 4);
	assert_int_equal(now.n_endpoints, 1);
	assert_int_equal(now.endpoints[0].k.status, 200);
	assert_int_equal(now.endpoints[0].v.count, 2);
	rx_snapshot__free(&now);
	rx_snapshot__free(&base);
	assert_int_equal(rx_counter_since(10, 4), 6);
	assert_int_equal(rx_counter_since(4, 10), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_are_differences_over_dt),
		cmocka_unit_test(endpoints_fold_over_statuses),
		cmocka_unit_test(endpoint_cut_route_marked),
		cmocka_unit_test(fold_groups_rows),
		cmocka_unit_test(subtract_is_a_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TLS rows in user space (datapath/tlsconn.h, docs/tls.md): the SNI and
 * ALPN texts, a window's subtraction (src/snapshot.c), top's TLS items
 * (src/topmodel.c), and the agent's wire form (src/snapshot_json.c) there
 * and back, with the keys' hex. Pure logic on hand-made snapshots.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/picture.h"
#include "../../src/snapshot_json.h"
#include "../../src/topmodel.h"

#define NS 1000000000ll

static void row(struct rx_tls_row *r, __u16 port, const char *sni, const char *alpn, __u32 alen,
		__u64 conns, __u64 xchg)
{
	memset(r, 0, sizeof(*r));
	r->k.port = port;
	r->k.sni_len = (__u8)strlen(sni);
	memcpy(r->k.sni, sni, strlen(sni));
	r->k.alpn_len = (__u8)alen;
	memcpy(r->k.alpn, alpn, alen);
	r->v.conns = conns;
	r->v.hs_done = conns;
	r->v.xchg.n = xchg;
	r->v.xchg.count[2] = xchg;
	r->v.xchg.min_ns = 20000000;
	r->v.xchg.max_ns = 21000000;
	r->v.xchg.sum_ns = xchg * 20500000;
}

static void test_texts(void **state)
{
	struct rx_tls_row r;
	char b[RX_TLS_TEXT];

	(void)state;
	row(&r, 443, "api.example", "\x02h2\x08http/1.1", 12, 1, 0);
	rx_tls_sni_text(b, &r.k);
	assert_string_equal(b, "api.example");
	rx_tls_alpn_text(b, &r.k);
	assert_string_equal(b, "h2,http/1.1");
	/* a name cut by the key's 16 bytes, a byte that is not printable */
	row(&r, 443, "a\x01" "b", "\x02h2\x08http/1.1\x05spdy3", 16, 1, 0);
	rx_tls_sni_text(b, &r.k);
	assert_string_equal(b, "a\\x01b");
	rx_tls_alpn_text(b, &r.k);
	assert_string_equal(b, "h2,http/1.1,spd...");
}

static void test_window(void **state)
{
	struct rx_snapshot s = { 0 }, base = { 0 };

	(void)state;
	s.tls = calloc(2, sizeof(*s.tls));
	base.tls = calloc(2, sizeof(*base.tls));
	assert_non_null(s.tls);
	assert_non_null(base.tls);
	row(&s.tls[0], 443, "a.example", "", 0, 5, 40);
	row(&s.tls[1], 443, "b.example", "", 0, 2, 10);
	s.n_tls = 2;
	row(&base.tls[0], 443, "b.example", "", 0, 2, 10); /* b did not grow */
	row(&base.tls[1], 443, "a.example", "", 0, 3, 30);
	base.n_tls = 2;
	rx_snapshot__subtract(&s, &base);
	assert_int_equal(s.n_tls, 1);
	assert_int_equal(s.tls[0].k.sni[0], 'a');
	assert_int_equal(s.tls[0].v.conns, 2);
	assert_int_equal(s.tls[0].v.xchg.n, 10);
	assert_int_equal(s.tls[0].v.xchg.count[2], 10);
	rx_snapshot__free(&s);
	rx_snapshot__free(&base);
}

static void test_top(void **state)
{
	struct rx_snapshot a = { 0 }, b = { 0 };
	struct top_model m = { 0 };
	struct top_frame f = { 0 };

	(void)state;
	a.tls = calloc(1, sizeof(*a.tls));
	b.tls = calloc(1, sizeof(*b.tls));
	assert_non_null(a.tls);
	assert_non_null(b.tls);
	row(&a.tls[0], 8443, "d20.example", "", 0, 1, 10);
	a.n_tls = 1;
	a.last_ns = 1 * NS;
	row(&b.tls[0], 8443, "d20.example", "", 0, 1, 30);
	b.tls[0].v.hs_failed = 1;
	b.n_tls = 1;
	b.last_ns = 2 * NS;
	assert_int_equal(top_model__step(&m, &a, 1 * NS, TOP_SORT_PACKETS, &f), 1);
	top_frame__free(&f);
	memset(&f, 0, sizeof(f));
	assert_int_equal(top_model__step(&m, &b, 2 * NS, TOP_SORT_PACKETS, &f), 1);
	assert_int_equal(f.n_ep, 1);
	assert_string_equal(f.ep[0].name, "TLS :8443 d20.example hs 1/1");
	assert_int_equal(f.ep[0].total, 30);
	assert_true(f.ep[0].rate > 19.9 && f.ep[0].rate < 20.1);
	assert_true(f.ep[0].warn);
	top_frame__free(&f);
	top_model__free(&m);
}

/* One item per (port, SNI, ALPN): the ALPN and the counts in the name; a long SNI is cut, not the counts. */
static void test_top_names(void **state)
{
	struct rx_snapshot a = { 0 };
	struct top_model m = { 0 };
	struct top_frame f = { 0 };
	int i, h2 = 0, h1 = 0, cut = 0;

	(void)state;
	a.tls = calloc(3, sizeof(*a.tls));
	assert_non_null(a.tls);
	row(&a.tls[0], 443, "api.example", "\x02h2", 3, 4, 10);
	row(&a.tls[1], 443, "api.example", "\x08http/1.1", 9, 2, 5);
	row(&a.tls[2], 443, "a-very-long-name-of-a-service.internal.example", "\x02h2", 3, 12, 1);
	a.tls[2].v.hs_done = 11;
	a.n_tls = 3;
	a.last_ns = 1 * NS;
	assert_int_equal(top_model__step(&m, &a, 1 * NS, TOP_SORT_PACKETS, &f), 1);
	assert_int_equal(f.n_ep, 3);
	for (i = 0; i < f.n_ep; i++) {
		h2 += !strcmp(f.ep[i].name, "TLS api.example h2 hs 4/4");
		h1 += !strcmp(f.ep[i].name, "TLS api.example http/1.1 hs 2/2");
		cut += !strcmp(f.ep[i].name, "TLS a-very-long-name-of-a-servic... h2 hs 11/12");
	}
	assert_int_equal(h2 + h1 + cut, 3);
	top_frame__free(&f);
	top_model__free(&m);
}

/* s to the agent's wire and back into back: the JSON, for the caller to alter and free. */
static json_t *there_and_back(const struct rx_snapshot *s, struct rx_snapshot *back)
{
	json_t *j = rx_snapshot__to_json(s);

	assert_non_null(j);
	assert_int_equal(rx_snapshot__from_json(back, j), 0);
	return j;
}

static void test_wire(void **state)
{
	struct rx_snapshot s = { 0 }, back;
	json_t *j, *key;
	char *text;

	(void)state;
	s.tls = calloc(1, sizeof(*s.tls));
	assert_non_null(s.tls);
	row(&s.tls[0], 443, "api.example", "\x08http/1.1", 9, 3, 7);
	s.tls[0].v.hs_failed = 1;
	s.tls[0].v.hs[RX_TLS_PH_SERVER_HELLO].n = 3;
	s.tls[0].bounds = 1;
	s.n_tls = 1;
	j = there_and_back(&s, &back);
	assert_int_equal(back.n_tls, 1);
	assert_memory_equal(&back.tls[0], &s.tls[0], sizeof(s.tls[0]));
	rx_snapshot__free(&back);
	/* a key's byte that is not hex: the answer is refused, not read as a zero */
	key = json_object_get(json_array_get(json_object_get(j, "tls"), 0), "key");
	text = strdup(json_string_value(key));
	assert_non_null(text);
	text[5] = '@';
	json_string_set(key, text);
	free(text);
	assert_int_equal(rx_snapshot__from_json(&back, j), -EPROTO);
	json_decref(j);
	rx_snapshot__free(&back);
	rx_snapshot__free(&s);
}

/* The talkers' keys on the wire: 32 hex digits there and back; anything else refused. */
static void test_wire_keys(void **state)
{
	struct rx_snapshot s = { 0 }, back;
	json_t *j, *key;
	int b;

	(void)state;
	s.talkers = calloc(1, sizeof(*s.talkers));
	assert_non_null(s.talkers);
	for (b = 0; b < 16; b++)
		s.talkers[0].key[b] = (__u8)(b * 17 ^ 0xa5); /* every nibble value */
	s.talkers[0].c.packets = 5;
	s.talkers[0].c.bytes = 300;
	s.n_talkers = 1;
	j = there_and_back(&s, &back);
	assert_int_equal(back.n_talkers, 1);
	assert_memory_equal(&back.talkers[0], &s.talkers[0], sizeof(s.talkers[0]));
	rx_snapshot__free(&back);

	key = json_array_get(json_array_get(json_object_get(j, "talkers"), 0), 0);
	assert_string_equal(json_string_value(key), "a5b48796e1f0c3d22d3c0f1e69784b5a");
	json_string_set(key, "A5B48796E1F0C3D22D3C0F1E69784B5A"); /* upper case reads the same */
	assert_int_equal(rx_snapshot__from_json(&back, j), 0);
	assert_memory_equal(back.talkers[0].key, s.talkers[0].key, 16);
	rx_snapshot__free(&back);
	json_string_set(key, "a5b48796e1f0c3d22d3c0f1e69784b5g"); /* not hex */
	assert_int_equal(rx_snapshot__from_json(&back, j), -EPROTO);
	json_string_set(key, "a5b48796e1f0c3d22d3c0f1e69784b5"); /* short */
	assert_int_equal(rx_snapshot__from_json(&back, j), -EPROTO);
	json_decref(j);
	rx_snapshot__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_top_names),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_wire_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

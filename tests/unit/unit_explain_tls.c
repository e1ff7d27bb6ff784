// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * explain's TLS story (src/explain_tls.c): the datapath's TLS entry of a
 * connection, read before each of its packets, told back as the handshake's
 * times and the exchange a packet is part of. Pure logic on hand-made
 * entries, as datapath/tlsconn.h leaves them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/explain_tls.h"

static struct rx_tls_conn entry(__u8 phase, __u8 flags, __u64 turn_ns)
{
	struct rx_tls_conn c;

	memset(&c, 0, sizeof(c));
	c.ch_ns = 1000;
	c.phase = phase;
	c.flags = flags;
	c.turn_ns = turn_ns;
	c.ep.port = 443;
	c.ep.sni_len = 9;
	memcpy(c.ep.sni, "a.example", 9);
	c.ep.alpn_len = 3;
	memcpy(c.ep.alpn, "\x02h2", 3);
	return c;
}

static double num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A TLS 1.3 connection: the Finished's turn is no exchange; the request's is exchange 1. */
static void test_tls13_request(void **state)
{
	struct rx_xtls x;
	struct rx_tls_conn c;
	json_t *o;

	(void)state;
	memset(&x, 0, sizeof(x));
	rx_xtls_read(&x, NULL, 1000);                        /* the ClientHello */
	c = entry(RX_TLS_P_HELLO, 0, 0);
	rx_xtls_read(&x, &c, 2000);                          /* the ServerHello */
	c = entry(RX_TLS_P_SERVER, RX_TLSC_TLS13, 0);
	rx_xtls_read(&x, &c, 3000);                          /* the client's Finished */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3000);
	rx_xtls_read(&x, &c, 4000);                          /* the tickets */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13, 3000);
	rx_xtls_read(&x, &c, 5000);                          /* the request: explained */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN, 5000);
	rx_xtls_read(&x, &c, 25000);                         /* the response */
	rx_xtls_target(&x);
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13, 5000);
	rx_xtls_read(&x, &c, 0);                             /* the end */
	o = rx_xtls_json(&x, 1);
	assert_non_null(o);
	assert_string_equal(str(o, "sni"), "a.example");
	assert_string_equal(str(o, "alpn"), "h2");
	assert_string_equal(str(o, "phase"), "established");
	assert_string_equal(str(o, "part"), "request");
	assert_int_equal(json_integer_value(json_object_get(o, "exchange")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "exchanges")), 1);
	assert_true(num(o, "exchange_s") > 1.99e-5 && num(o, "exchange_s") < 2.01e-5);
	assert_true(num(o, "handshake_server_hello_s") > 0.99e-6 && num(o, "handshake_server_hello_s") < 1.01e-6);
	assert_true(num(o, "handshake_app_data_s") > 1.99e-6 && num(o, "handshake_app_data_s") < 2.01e-6);
	json_decref(o);
}

/*
 * explain's story of the packet after whose read entry c[target] was read:
 * a ClientHello at 1000, then the entries c[i] (as each packet left the
 * connection's) with ts[i] the next packet's time.
 */
static json_t *story(const struct rx_tls_conn *c, const __u64 *ts, int n, int target)
{
	struct rx_xtls x;
	json_t *o;
	int i;

	memset(&x, 0, sizeof(x));
	rx_xtls_read(&x, NULL, 1000);
	for (i = 0; i < n; i++) {
		rx_xtls_read(&x, &c[i], ts[i]);
		if (i == target)
			rx_xtls_target(&x);
	}
	o = rx_xtls_json(&x, 1);
	assert_non_null(o);
	return o;
}

/* The entries of a TLS 1.3 connection whose first request went with the Finished, after each packet. */
static void early_entries(struct rx_tls_conn c[5])
{
	c[0] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3000); /* the Finished */
	c[0].fin_bytes = 80;
	c[1] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3200); /* the request */
	c[1].fin_bytes = 183;
	c[2] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_EARLY, 3200); /* ticket 1 */
	c[2].fin_bytes = 183;
	c[2].ticket_len = 287;
	c[3] = c[2]; /* ticket 2: taken for it */
	c[3].ticket_len = 0;
	c[4] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13, 3200); /* the response */
	c[4].fin_bytes = 183;
}

/*
 * TLS 1.3, the first request sent with the Finished, before the tickets
 * (datapath/tlsconn.h, RX_TLSC_EARLY): the request is exchange 1, from its
 * own packet to the response; the tickets are the Finished's.
 */
static void test_tls13_request_before_tickets(void **state)
{
	static const __u64 ts[] = { 3200, 3300, 3400, 5400, 0 }; /* each entry's next packet */
	struct rx_tls_conn c[5];
	json_t *o;
	int target;

	(void)state;
	early_entries(c);
	for (target = 1; target <= 3; target++) { /* the request, ticket 1, ticket 2 */
		o = story(c, ts, 5, target);
		if (target == 1) {
			assert_string_equal(str(o, "part"), "request");
			assert_int_equal(json_integer_value(json_object_get(o, "exchange")), 1);
			assert_true(num(o, "exchange_s") > 2.19e-6 && num(o, "exchange_s") < 2.21e-6);
		} else {
			assert_string_equal(str(o, "part"), "tls13_finished");
			assert_null(json_object_get(o, "exchange"));
		}
		assert_int_equal(json_integer_value(json_object_get(o, "exchanges")), 1);
		json_decref(o);
	}
}

/*
 * TLS 1.3, a server that sends no tickets after the Finished: the first
 * request's response is taken for them, the second request starts the turn
 * again (RX_TLSC_EARLY cleared): the first request has no exchange, the
 * second is exchange 1, from its own packet.
 */
static void test_tls13_no_tickets(void **state)
{
	static const __u64 ts[] = { 3200, 3300, 9000, 9500, 0 }; /* each entry's next packet */
	struct rx_tls_conn c[5];
	json_t *o;
	int target;

	(void)state;
	c[0] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3000); /* the Finished */
	c[0].fin_bytes = 80;
	c[1] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3200); /* request 1 */
	c[1].fin_bytes = 183;
	c[2] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_EARLY, 3200); /* response 1 */
	c[2].fin_bytes = 183;
	c[2].ticket_len = 189;
	c[3] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN, 9000); /* request 2: started again */
	c[3].fin_bytes = 183;
	c[3].ticket_len = 189;
	c[4] = entry(RX_TLS_P_DONE, RX_TLSC_TLS13, 9000); /* response 2 */
	c[4].fin_bytes = 183;
	for (target = 1; target <= 3; target += 2) {
		o = story(c, ts, 5, target);
		assert_string_equal(str(o, "part"), "request");
		if (target == 1) {
			assert_null(json_object_get(o, "exchange"));
			assert_null(json_object_get(o, "exchange_s"));
		} else {
			assert_int_equal(json_integer_value(json_object_get(o, "exchange")), 1);
			assert_true(num(o, "exchange_s") > 0.49e-6 && num(o, "exchange_s") < 0.51e-6);
		}
		assert_int_equal(json_integer_value(json_object_get(o, "exchanges")), 1);
		json_decref(o);
	}
}

/* The Finished's own turn, a packet of the handshake, and a new connection on the same ports. */
static void test_parts_and_restart(void **state)
{
	struct rx_xtls x;
	struct rx_tls_conn c;
	json_t *o;

	(void)state;
	memset(&x, 0, sizeof(x));
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13, 0);
	rx_xtls_read(&x, &c, 3000);
	c = entry(RX_TLS_P_DONE, RX_TLSC_TLS13 | RX_TLSC_TURN | RX_TLSC_SKIP, 3000);
	rx_xtls_read(&x, &c, 4000);
	rx_xtls_target(&x);
	o = rx_xtls_json(&x, 1);
	assert_string_equal(str(o, "part"), "tls13_finished");
	assert_null(json_object_get(o, "exchange"));
	json_decref(o);

	memset(&x, 0, sizeof(x));
	c = entry(RX_TLS_P_HELLO, 0, 0);
	rx_xtls_read(&x, &c, 2000);
	rx_xtls_target(&x);
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 2500);
	rx_xtls_read(&x, &c, 3000);
	c = entry(RX_TLS_P_DONE, 0, 2500);
	rx_xtls_read(&x, &c, 4000);
	assert_int_equal(x.closed, 1);
	c = entry(RX_TLS_P_HELLO, 0, 0);
	c.ch_ns = 9000; /* a new connection: the explained one is over */
	rx_xtls_read(&x, &c, 9000);
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 9500);
	rx_xtls_read(&x, &c, 9900);
	assert_int_equal(x.closed, 1);
	assert_int_equal(x.ended, 1);
	o = rx_xtls_json(&x, 1);
	assert_string_equal(str(o, "part"), "handshake");
	assert_string_equal(str(o, "phase"), "client_hello");
	json_decref(o);
	/* live (offline 0): the row and the hellos only */
	o = rx_xtls_json(&x, 0);
	assert_null(json_object_get(o, "part"));
	assert_null(json_object_get(o, "handshake_app_data_s"));
	json_decref(o);
}

/*
 * Live: a request's turn read in the entry until it closes (the read that
 * finds it closed times it); an entry that has not run the packet yet waits;
 * a turn opened after the packet is not its; a server segment, the Finished.
 */
static void test_live(void **state)
{
	struct rx_xtls x;
	struct rx_tls_conn c;
	json_t *o;

	(void)state;
	memset(&x, 0, sizeof(x));
	c = entry(RX_TLS_P_DONE, 0, 500);                        /* TC has not run it yet */
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000100, 1), 0);
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 10000050);        /* its turn opened */
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000200, 1), 0);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 20000000, 1), 0);
	c = entry(RX_TLS_P_DONE, 0, 10000050);                   /* answered */
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 30000050, 1), 1);
	rx_xtls_read(&x, &c, 0);
	o = rx_xtls_json(&x, 0);
	assert_string_equal(str(o, "part"), "request");
	assert_string_equal(str(o, "exchange_status"), "closed");
	assert_true(num(o, "exchange_s") > 0.019999 && num(o, "exchange_s") < 0.020001);
	assert_string_equal(str(o, "exchange_from"), "reads");
	assert_null(json_object_get(o, "exchange"));
	assert_null(json_object_get(o, "exchanges"));
	json_decref(o);

	memset(&x, 0, sizeof(x));      /* the row counted one exchange between: the datapath's time */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 10000050);
	rx_xtls_live_row(&x, 7, 5000, 1);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000200, 1), 0);
	rx_xtls_live_row(&x, 8, 99, 1);                          /* read after the close */
	c = entry(RX_TLS_P_DONE, 0, 10000050);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 35000000, 1), 1);
	rx_xtls_live_row(&x, 8, 5000 + 20100000, 0);
	rx_xtls_read(&x, &c, 0);
	o = rx_xtls_json(&x, 0);
	assert_true(num(o, "exchange_s") > 0.0200999 && num(o, "exchange_s") < 0.0201001);
	assert_string_equal(str(o, "exchange_from"), "row");
	json_decref(o);
	memset(&x, 0, sizeof(x));      /* two (another connection's too): the reads' time */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 10000050);
	rx_xtls_live_row(&x, 7, 5000, 1);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000200, 1), 0);
	c = entry(RX_TLS_P_DONE, 0, 10000050);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 30000050, 1), 1);
	rx_xtls_live_row(&x, 9, 5000 + 40000000, 0);
	assert_true(x.watch_ns == 20000000 && !x.exact);

	memset(&x, 0, sizeof(x));                                /* still open: no time */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 10000050);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000200, 1), 0);
	rx_xtls_read(&x, &c, 0);
	o = rx_xtls_json(&x, 0);
	assert_string_equal(str(o, "exchange_status"), "open");
	assert_null(json_object_get(o, "exchange_s"));
	json_decref(o);

	memset(&x, 0, sizeof(x));                                /* a later turn: not its */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN, 90000000);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 90000100, 1), 1);
	assert_int_equal(x.status, RX_XTLS_NONE);
	memset(&x, 0, sizeof(x));                                /* the server's: a response */
	c = entry(RX_TLS_P_DONE, 0, 500);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000100, 0), 1);
	memset(&x, 0, sizeof(x));                                /* TLS 1.3's Finished */
	c = entry(RX_TLS_P_DONE, RX_TLSC_TURN | RX_TLSC_SKIP, 10000000);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000100, 1), 1);
	rx_xtls_read(&x, &c, 0);
	o = rx_xtls_json(&x, 0);
	assert_string_equal(str(o, "part"), "tls13_finished");
	assert_null(json_object_get(o, "exchange_status"));
	json_decref(o);
	memset(&x, 0, sizeof(x));                                /* the handshake */
	c = entry(RX_TLS_P_SERVER, 0, 0);
	assert_int_equal(rx_xtls_live(&x, &c, 10000000, 10000100, 1), 1);
	rx_xtls_read(&x, &c, 0);
	o = rx_xtls_json(&x, 0);
	assert_string_equal(str(o, "part"), "handshake");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_request),
		cmocka_unit_test(test_tls13_request_before_tickets),
		cmocka_unit_test(test_tls13_no_tickets),
		cmocka_unit_test(test_parts_and_restart),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

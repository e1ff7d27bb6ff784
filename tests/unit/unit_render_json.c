// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rx_render_json (the direct writer, src/jsonw.c) against the jansson
 * renderer it replaced (render_json_jansson.c): the same bytes for random
 * records of every layer combination, for interface names that need
 * escaping or are not UTF-8, and for every IPv6 zero-run shape; and so is
 * rx_render_txn_json (requests --json) for random transactions. Real records
 * from pcaps are compared by tests/pcap/test_json_writer.sh (json_oracle).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <jansson.h>
#include <cmocka.h>
#include "../../src/jsonw.h"
#include "render_json_jansson.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	/* xorshift64*: fixed seed, the same records every run */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

struct both {
	char *a, *b;
	size_t na, nb;
	FILE *fa, *fb;
};

static void both_open(struct both *t)
{
	memset(t, 0, sizeof(*t));
	t->fa = open_memstream(&t->a, &t->na);
	t->fb = open_memstream(&t->b, &t->nb);
	assert_non_null(t->fa);
	assert_non_null(t->fb);
}

/* Renders rec with both; fails on the first record whose text differs. */
static void both_render(struct both *t, const struct rx_capture *rec, __u64 frame,
			const char *ifname, unsigned long idx)
{
	long oa, ob;
	int ra, rb;

	oa = ftell(t->fa);
	ob = ftell(t->fb);
	ra = rx_render_json(t->fa, rec, frame, ifname);
	rb = rx_render_json_jansson(t->fb, rec, frame, ifname);
	fflush(t->fa);
	fflush(t->fb);
	if (ra != rb || t->na - (size_t)oa != t->nb - (size_t)ob ||
	    memcmp(t->a + oa, t->b + ob, t->na - (size_t)oa)) {
		fprintf(stderr, "record %lu differs (returns %d and %d)\n  new: %.*s  old: %.*s", idx,
			ra, rb, (int)(t->na - (size_t)oa), t->a + oa, (int)(t->nb - (size_t)ob),
			t->b + ob);
		fail();
	}
}

static void oa_ob_render(struct both *t, const struct rx_txn *txn, const char *route,
			 const char *path, const char *ua, const char *host, unsigned long idx)
{
	long oa = ftell(t->fa), ob = ftell(t->fb);
	int ra, rb;

	ra = rx_render_txn_json(t->fa, txn, route, path, ua, host);
	rb = rx_render_txn_json_jansson(t->fb, txn, route, path, ua, host);
	fflush(t->fa);
	fflush(t->fb);
	if (ra != rb || t->na - (size_t)oa != t->nb - (size_t)ob ||
	    memcmp(t->a + oa, t->b + ob, t->na - (size_t)oa)) {
		fprintf(stderr, "transaction %lu differs (returns %d and %d)\n  new: %.*s  old: %.*s",
			idx, ra, rb, (int)(t->na - (size_t)oa), t->a + oa,
			(int)(t->nb - (size_t)ob), t->b + ob);
		fail();
	}
}

static void both_close(struct both *t)
{
	fclose(t->fa);
	fclose(t->fb);
	free(t->a);
	free(t->b);
}

/* An IPv6 address with each 16-bit word zero half of the time. */
static void rand_ip6(__u8 *a)
{
	int i;

	for (i = 0; i < 8; i++) {
		__u16 v = (next() & 1) ? 0 : (__u16)next();

		if ((next() & 15) == 0)
			v = 0xffff;
		a[2 * i] = (__u8)(v >> 8);
		a[2 * i + 1] = (__u8)v;
	}
}

static void rand_record(struct rx_capture *rec)
{
	struct rx_pkt *pkt = &rec->pkt;
	size_t i;

	for (i = 0; i < offsetof(struct rx_capture, data); i += 8) {
		uint64_t v = next();

		memcpy((char *)rec + i, &v, sizeof(v) < offsetof(struct rx_capture, data) - i
						     ? sizeof(v)
						     : offsetof(struct rx_capture, data) - i);
	}
	/* fewer layers, list entries and set bits at times, so short records come too */
	if (next() & 1)
		pkt->layers &= (__u32)next();
	if (next() & 1)
		pkt->tcp_optmask &= (__u32)next();
	if (next() & 3) {
		pkt->vlan_n %= RX_VLAN_MAX + 2;
		pkt->ipopt_n %= 4;
		pkt->ip6ext_n %= RX_IP6EXT_MAX + 2;
		pkt->sack_n %= RX_SACK_MAX + 2;
	}
	if (next() & 1) {
		pkt->hook %= 4;
		pkt->verdict %= 4;
		pkt->reason %= 16;
		pkt->proto %= 8;
	}
	if (next() & 1)
		pkt->ts_ns %= 4000000000000000000ull;
	if (next() & 1)
		pkt->eth_type = (__u16)(pkt->eth_type % 0x0c00);
	rand_ip6(pkt->ip6_src);
	rand_ip6(pkt->ip6_dst);
	/* the datapath's bounds on the HTTP text (the old renderer relies on them) */
	rec->http.uri_len %= RX_HTTP_URI_MAX + 1;
	rec->http.host_len %= RX_HTTP_HOST_MAX + 1;
	rec->http.kind %= 4;
	if (next() & 1)
		rec->http.minor %= 3;
	if (next() & 1)
		rec->http.method %= 12;
	/* the TLS keys came after the old renderer: none here (tests/pcap/test_tshark.py checks them) */
	memset(&rec->tls, 0, sizeof(rec->tls));
}

static const char *const ifnames[] = {
	"eth0", "veth-rx0", "a\"b", "back\\slash", "tab\there", "nl\n", "\x01\x1f\x7f",
	"\b\f\r", "é", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	/* not UTF-8: jansson refused these, so the key is left out */
	"\xff", "\xc0\x80", "\xc1\xbf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
	"ok\x80", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf5\x80\x80\x80", "",
};

static void random_records(void **state)
{
	struct rx_capture *rec = calloc(1, sizeof(*rec));
	struct both t;
	unsigned long i;

	(void)state;
	assert_non_null(rec);
	both_open(&t);
	for (i = 0; i < 200000; i++) {
		const char *ifname = NULL;

		rand_record(rec);
		if (next() & 1)
			ifname = ifnames[next() % (sizeof(ifnames) / sizeof(ifnames[0]))];
		/* frame numbers as a file has them, and any below 2^63 (jansson's json_int_t) */
		both_render(&t, rec, (next() & 1) ? i + 1 : next() >> 1, ifname, i);
	}
	assert_true(t.na > 100 * 200000ul); /* something was printed */
	both_close(&t);
	free(rec);
}

/* Text as requests makes it (printable ASCII, '%XX'), or at times any bytes. */
static void rand_text(char *buf, size_t max)
{
	size_t n = next() % max, i;
	int any = (next() & 7) == 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)next();

		buf[i] = any ? (char)(c ? c : 'x') : (char)(0x20 + c % 0x5f);
	}
	buf[n] = 0;
}

/* Host headers: the forms RFC 9110 allows, and ones it does not. */
static const char *const hosts[] = {
	"example.com", "example.com:8080", "Example.COM:80", "198.51.100.7:81", "[2001:db8::1]",
	"[2001:db8::1]:8080", "[::1]:0", "[::1]x", "[::1", "[::1]:", "[]", "[]:80", ":80", "",
	"2001:db8::1", "a:b", "host:", "host:0", "host:65535", "host:65536", "host:99999",
	"host:123456", "host:+1", "host: 1", "host:0080", "x]:1", "h\"q:2",
};

/* a host from the list, or text of the bytes that matter to the split */
static void rand_host(char *buf, size_t max)
{
	static const char alpha[] = "[]:0123456789ab.";
	size_t n, i;

	switch (next() % 3) {
	case 0:
		snprintf(buf, max, "%s", hosts[next() % (sizeof(hosts) / sizeof(hosts[0]))]);
		break;
	case 1:
		n = next() % 12;
		for (i = 0; i < n && i + 1 < max; i++)
			buf[i] = alpha[next() % (sizeof(alpha) - 1)];
		buf[i] = 0;
		break;
	default:
		rand_text(buf, max);
	}
}

static void random_transactions(void **state)
{
	char route[200], path[400], ua[400], host[200];
	struct rx_txn t;
	struct both b;
	unsigned long i;
	size_t k;

	(void)state;
	both_open(&b);
	for (i = 0; i < 100000; i++) {
		for (k = 0; k < sizeof(t); k += 8) {
			uint64_t v = next();

			memcpy((char *)&t + k, &v, 8);
		}
		if (next() & 1) {
			memset(t.client, 0, 10);
			t.client[10] = t.client[11] = 0xff;
		}
		if (next() & 1)
			rand_ip6(t.server);
		switch (next() % 4) {
		case 0: t.dur_ns %= 1000; break;
		case 1: t.dur_ns %= 1000000000ull; break;
		case 2: t.dur_ns %= 100000000000ull; break;
		}
		t.minor %= 3;
		t.method %= 12;
		rand_text(route, sizeof(route));
		rand_text(path, sizeof(path));
		rand_text(ua, sizeof(ua));
		rand_host(host, sizeof(host));
		if (next() & 1)
			t.status = (__u16)(100 + next() % 500);
		oa_ob_render(&b, &t, route, (next() & 3) ? path : NULL, (next() & 1) ? ua : NULL,
			     (next() & 3) ? host : NULL, i);
	}
	both_close(&b);
}

/* Doubles as json_real dumps them: digits, ".0", exponents. */
static void reals(void **state)
{
	static const double vals[] = { 0.0, 1.0, 1e-9, 0.5, 1e16, 1e17, 1.5e21, 123456789.0,
				       1e-300, 5e-324, 1.7976931348623157e308, 0.1, 1e22, 2.0 / 3 };
	char buf[64], *want;
	struct jsonw w;
	json_t *j;
	unsigned long i;
	double v;

	(void)state;
	for (i = 0; i < 200000 + sizeof(vals) / sizeof(vals[0]); i++) {
		if (i < sizeof(vals) / sizeof(vals[0])) {
			v = vals[i];
		} else {
			uint64_t bits = next();

			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v) || (i & 1))
				v = (double)(next() >> (next() % 64)) / 1e9;
		}
		j = json_real(v);
		want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		json_decref(j);
		assert_non_null(want);
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_real(&w, v);
		if (jsonw_done(&w) != (long)strlen(want) || memcmp(buf, want, strlen(want))) {
			fprintf(stderr, "%.17g: new %.*s old %s\n", v, (int)(w.p - buf), buf, want);
			fail();
		}
		free(want);
	}
	jsonw_init(&w, buf, sizeof(buf));
	jsonw_real(&w, NAN);
	assert_int_equal(jsonw_done(&w), -1);
}

/*
 * Durations (requests --json): the fewest digits that read back, as
 * json_real dumps them at that precision; for n nanoseconds under 10^15,
 * exactly the digits of n without its trailing zeros.
 */
static void short_reals(void **state)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} known[] = {
		{ 1162492000ull, "1.162492" }, { 1000000ull, "0.001" }, { 0, "0.0" },
		{ 2000000000ull, "2.0" }, { 123456789ull, "0.123456789" }, { 52000ull, "5.2e-5" },
		{ 1ull, "1e-9" }, { 999999999999999ull, "999999.999999999" },
	};
	char buf[64], digits[24], *want;
	struct jsonw w;
	unsigned long i;
	json_t *j;
	double v;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_real_short(&w, (double)known[i].ns / 1e9);
		assert_int_equal(jsonw_done(&w), (long)strlen(known[i].text));
		assert_memory_equal(buf, known[i].text, strlen(known[i].text));
	}
	for (i = 0; i < 200000; i++) {
		uint64_t ns = next() >> (next() % 64);
		int n, p;

		v = (i & 1) ? (double)ns / 1e9 : (double)(ns % 1000000000000000ull) / 1e9;
		p = jsonw_real_digits(v);
		j = json_real(v);
		want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(p));
		json_decref(j);
		assert_non_null(want);
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_real_short(&w, v);
		if (jsonw_done(&w) != (long)strlen(want) || memcmp(buf, want, strlen(want))) {
			fprintf(stderr, "%.17g: new %.*s old %s\n", v, (int)(w.p - buf), buf, want);
			fail();
		}
		assert_true(strtod(want, NULL) == v);
		free(want);
		if (i & 1)
			continue;
		/* the digits of ns % 10^15 without trailing zeros: that many, no fewer */
		n = snprintf(digits, sizeof(digits), "%" PRIu64, (uint64_t)(ns % 1000000000000000ull));
		while (n > 1 && digits[n - 1] == '0')
			n--;
		assert_int_equal(p, n);
	}
}

/* Every interface name with every byte value, alone and next to text. */
static void interface_names(void **state)
{
	struct rx_capture *rec = calloc(1, sizeof(*rec));
	struct both t;
	char name[8];
	unsigned int c;
	size_t i;

	(void)state;
	assert_non_null(rec);
	rec->pkt.hook = 1;
	both_open(&t);
	for (i = 0; i < sizeof(ifnames) / sizeof(ifnames[0]); i++)
		both_render(&t, rec, i + 1, ifnames[i], i);
	for (c = 1; c < 256; c++) {
		snprintf(name, sizeof(name), "x%cy", c);
		both_render(&t, rec, c, name, c);
		snprintf(name, sizeof(name), "%c", c);
		both_render(&t, rec, c, name, c);
	}
	/* the new writer's own answer: escaped, and the key gone when not UTF-8 */
	assert_non_null(strstr(t.a, "\"ifname\":\"a\\\"b\""));
	assert_non_null(strstr(t.a, "\"ifname\":\"\\u0001\\u001F\x7f\""));
	both_close(&t);
	free(rec);
}

/*
 * A SYN-ACK with ECE and every option, in tshark's names: frame.number,
 * frame.time_epoch with 9 decimals, tcp.flags (a number) beside its
 * children tcp.flags.*, tcp.flags.str as tshark prints it (U+00B7 for a
 * clear bit), tcp.options.mss_val, .wscale.shift, .timestamp.tsval/tsecr.
 */
static void tshark_names(void **state)
{
	struct rx_capture *rec = calloc(1, sizeof(*rec));
	struct both t;

	(void)state;
	assert_non_null(rec);
	rec->pkt.ts_ns = 1700000000000000042ull;
	rec->pkt.layers = RX_L_TCP;
	rec->pkt.tcp_flags = RX_TH_SYN | RX_TH_ACK | RX_TH_ECE | 0x100;
	rec->pkt.tcp_optmask = RX_TCPOPT_MSS | RX_TCPOPT_WSCALE | RX_TCPOPT_SACK_PERM | RX_TCPOPT_TS;
	rec->pkt.tcp_mss = 1460;
	rec->pkt.tcp_wscale = 7;
	rec->pkt.tcp_tsval = 11;
	rec->pkt.tcp_tsecr = 12;
	both_open(&t);
	both_render(&t, rec, 123456789012ull, NULL, 0);
	fflush(t.fa);
	assert_non_null(strstr(t.a, "{\"frame\":{\"time_epoch\":1700000000.000000042,"
				    "\"number\":123456789012,\"len\":0,\"cap_len\":0}"));
	assert_non_null(strstr(t.a, "\"flags\":338,\"flags.fin\":0,\"flags.syn\":1,"
				    "\"flags.reset\":0,\"flags.push\":0,\"flags.ack\":1,"
				    "\"flags.urg\":0,\"flags.ece\":1,\"flags.cwr\":0,"
				    "\"flags.str\":\"\u00b7\u00b7\u00b7A\u00b7E\u00b7A\u00b7\u00b7S\u00b7\","));
	assert_non_null(strstr(t.a, "\"options\":{\"mss_val\":1460,\"wscale\":{\"shift\":7},"
				    "\"sack_perm\":1,\"timestamp\":{\"tsval\":11,\"tsecr\":12}}"));
	both_close(&t);
	free(rec);
}

/* Every pattern of zero words, with the rest 1, ffff or mixed: glibc's text. */
static void ipv6_text(void **state)
{
	static const __u16 fills[] = { 1, 0xffff, 0x0abc, 0x1000 };
	char want[INET6_ADDRSTRLEN + 2], buf[64];
	struct jsonw w;
	unsigned int mask, f, i;
	__u8 a[16];

	(void)state;
	for (f = 0; f < sizeof(fills) / sizeof(fills[0]) * 2; f++) {
		for (mask = 0; mask < 256; mask++) {
			for (i = 0; i < 8; i++) {
				__u16 v = (mask >> i) & 1 ? 0 : (__u16)(fills[f % 4] + (f >= 4 ? i : 0));

				if (f >= 4 && i == 5 && !(mask & (1u << 5)))
					v = 0xffff; /* ::ffff:a.b.c.d when words 0-4 are zero */
				a[2 * i] = (__u8)(v >> 8);
				a[2 * i + 1] = (__u8)v;
			}
			want[0] = '"';
			assert_non_null(inet_ntop(AF_INET6, a, want + 1, INET6_ADDRSTRLEN));
			strcat(want, "\"");
			jsonw_init(&w, buf, sizeof(buf));
			jsonw_ipv6(&w, a);
			assert_int_equal(jsonw_done(&w), (long)strlen(want));
			assert_memory_equal(buf, want, strlen(want));
		}
	}
}

static void integers_and_room(void **state)
{
	static const uint64_t vals[] = { 0, 9, 10, 99, 100, 101, 999, 1000, 65535, 4294967295ull,
					 10000000000000000000ull, UINT64_MAX };
	char want[32], buf[32];
	struct jsonw w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[i]);
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_u64(&w, vals[i]);
		assert_int_equal(jsonw_done(&w), (long)strlen(want));
		assert_memory_equal(buf, want, strlen(want));
	}
	/* what does not fit is not written, and the record is refused */
	jsonw_init(&w, buf, 4);
	jsonw_lit(&w, "abc");
	jsonw_u64(&w, 12345);
	assert_int_equal(w.p - buf, 3);
	assert_int_equal(jsonw_done(&w), -1);
	jsonw_init(&w, buf, 8);
	jsonw_str(&w, "a", 1); /* needs 6 * 1 + 2 */
	assert_int_equal(jsonw_done(&w), 3);
	jsonw_str(&w, "a", 1);
	assert_int_equal(jsonw_done(&w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_records),
		cmocka_unit_test(interface_names),
		cmocka_unit_test(tshark_names),
		cmocka_unit_test(random_transactions),
		cmocka_unit_test(reals),
		cmocka_unit_test(short_reals),
		cmocka_unit_test(ipv6_text),
		cmocka_unit_test(integers_and_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

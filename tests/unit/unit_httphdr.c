// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host unit tests of the HTTP head decoder (datapath/http.h, native build):
 * the header walk's word steps (a name compared 8 bytes at a time, a line
 * skipped 8 bytes a step, a value copied 8 bytes a step and ended with its
 * line, the Content-Length digits and the blank line in one step) give
 * exactly what its byte steps alone give. This file builds http.h with
 * RX_PARSE_WALK_ONLY (no word steps) as the reference; httphdr_fast.c
 * builds it as the datapath does. Heads of every shape the walk meets
 * (names in any case, blanks, bare LF and lone CR, values past what is
 * kept, digits past what a length holds, runs of bytes from a small dense
 * alphabet, heads cut anywhere, a window of RX_HTTP_PEEK bytes) are
 * decoded both ways, from work areas filled alike with a byte that a
 * read past the head would see, and compared byte for byte; a few are
 * checked against their expected fields too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../../native/datapath.h"
#define RX_PARSE_WALK_ONLY
#include "../../datapath/http.h"
#include "httphdr.h"

static struct rx_env env_fast, env_ref;
static struct rx_work wk_fast, wk_ref;

static void ref_decode(const __u8 *p, __u32 n)
{
	env_ref.frame = p;
	env_ref.frame_len = n;
	rx_http_decode(&env_ref, RX_HOOK_NONE, &wk_ref, 0, n);
}

/*
 * Both ways, from work areas filled alike; the decoded fields must be the
 * same bytes. Except RX_HTTPF_TE: only a name's word step knows
 * Transfer-Encoding, and it needs the name's 18 bytes in view, which a line
 * start that the datapath takes byte by byte never has (under 16).
 */
static void same_both_ways(const char *head, __u32 n, int txns)
{
	/* what lies past the head: a step that reads there must show it */
	static const __u8 fills[] = { 0, '\n', '\r', ' ', '1', 0xff };
	static __u32 turn;
	__u8 fill = fills[turn++ % sizeof(fills)];

	memset(&wk_fast, fill, sizeof(wk_fast));
	memset(&wk_ref, fill, sizeof(wk_ref));
	env_fast.cfg_rt.txns = env_ref.cfg_rt.txns = (__u32)txns;
	httphdr_fast(&env_fast, &wk_fast, (const __u8 *)head, n);
	ref_decode((const __u8 *)head, n);
	wk_ref.http.flags |= wk_fast.http.flags & RX_HTTPF_TE;
	if (memcmp(&wk_fast.http, &wk_ref.http, sizeof(wk_fast.http)) ||
	    memcmp(&wk_fast.info, &wk_ref.info, sizeof(wk_fast.info))) {
		fprintf(stderr, "differ (txns %d, %u bytes): \"", txns, n);
		for (__u32 i = 0; i < n; i++)
			fprintf(stderr, head[i] >= 32 && head[i] < 127 ? "%c" : "\\x%02x",
				(unsigned char)head[i]);
		fprintf(stderr, "\"\n  hdr_end %u/%u clen %u/%u flags %#x/%#x host %u/%u ua %u/%u\n",
			wk_fast.http.hdr_end, wk_ref.http.hdr_end, wk_fast.http.content_length,
			wk_ref.http.content_length, wk_fast.http.flags, wk_ref.http.flags,
			wk_fast.http.host_len, wk_ref.http.host_len, wk_fast.info.ua_len,
			wk_ref.info.ua_len);
		fail();
	}
}

static __u64 rng = 0x9e3779b97f4a7c15ull;

static __u32 rnd(__u32 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (__u32)(rng >> 11) % n;
}

static const char *pick(const char *const *v, __u32 n)
{
	return v[rnd(n)];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

/* A name in any case: the walk lowers letters only. */
static size_t put_name(char *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++)
		o[i] = (char)(name[i] >= 'a' && name[i] <= 'z' && rnd(2) ? name[i] - 32 : name[i]);
	return n;
}

/*
 * n characters of a value: letters, digits, blanks, a colon now and then;
 * one value in eight from a dense alphabet of line ends, blanks, digits,
 * NUL and high bytes, where every step meets every neighbour.
 */
static size_t put_value(char *o, size_t n)
{
	static const char set[] = "abcxyz.-:/0123456789 \t ABC";
	static const char dense[] = "\r\n \t1:a\0\x80\xff";
	size_t i;
	int d = rnd(8) == 0;

	for (i = 0; i < n; i++)
		o[i] = d ? dense[rnd(sizeof(dense) - 1)] : set[rnd(sizeof(set) - 1)];
	return n;
}

static size_t put_str(char *o, const char *str)
{
	size_t n = strlen(str);

	memcpy(o, str, n);
	return n;
}

/* One random head (request or response) into o, at most cap bytes; its length. */
static size_t random_head(char *o, size_t cap)
{
	static const char *const names[] = {
		"host", "content-length", "user-agent", "accept", "x-request-id", "transfer-encoding",
		"hostx", "content-lengthx", "user-agen", "hos", "content-lengt", "cookie",
		"host ", " host", "",
	};
	static const char *const blanks[] = { "", " ", " ", " ", "  ", "\t", " \t", "\t " };
	static const char *const ends[] = { "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n", " \r\n",
					    "\r\n ", "\n\r" };
	static const char *const digits[] = { "17", "0", "5", "123456", "1234567", "12345678",
					      "999999999", "1234567890", "0017", "17x", "", "1 7" };
	static const char *const lasts[] = { "\r\n", "\r\n", "\r\n", "\n", "", "\r", "\r\r\n" };
	char tmp[2048];
	size_t n = 0, k, i;

	if (rnd(2))
		n += (size_t)snprintf(tmp, sizeof(tmp), "%s /api/v1/users/%u HTTP/1.1\r\n",
				      rnd(2) ? "GET" : "POST", rnd(1000));
	else
		n += (size_t)snprintf(tmp, sizeof(tmp), "HTTP/1.%u %u OK\r\n", rnd(2),
				      rnd(2) ? 200 : 404);
	k = rnd(8);
	for (i = 0; i < k && n < 1500; i++) {
		const char *name = PICK(names);

		n += put_name(tmp + n, name);
		tmp[n++] = ':';
		n += put_str(tmp + n, PICK(blanks));
		if (!strcmp(name, "content-length"))
			n += put_str(tmp + n, PICK(digits));
		else
			n += put_value(tmp + n, rnd(4) ? rnd(24) : rnd(300));
		if (rnd(4) == 0)
			n += put_str(tmp + n, PICK(blanks));
		n += put_str(tmp + n, PICK(ends));
	}
	n += put_str(tmp + n, PICK(lasts));
	n += put_value(tmp + n, rnd(3) ? 0 : rnd(40));
	if (rnd(3) == 0) /* cut anywhere */
		n = 1 + rnd((__u32)n);
	if (n > cap)
		n = cap;
	memcpy(o, tmp, n);
	return n;
}

static void test_random_heads(void **state)
{
	static char head[2048];
	__u32 i;
	size_t n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		n = random_head(head, sizeof(head));
		same_both_ways(head, (__u32)n, (int)(i & 1));
	}
}

/* Every length of a few real heads: each window end inside each header. */
static void test_every_cut(void **state)
{
	static const char *const heads[] = {
		"GET /api/v1/users/12345/orders?limit=20 HTTP/1.1\r\nHost: api.example.com\r\n"
		"User-Agent: wrk/4.1.0\r\nAccept: application/json\r\n"
		"X-Request-Id: 7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 16:00:00 GMT\r\n"
		"Content-Type: application/json\r\nContent-Length: 17\r\nConnection: keep-alive\r\n"
		"\r\n{\"items\":[1,2,3]}",
		"POST /x HTTP/1.0\nhost:\t h.example:8080 \t\ncontent-length:1234567\nuser-agent:  "
		"curl/7.88.1  \n\nbody",
	};
	size_t h, n;

	(void)state;
	for (h = 0; h < sizeof(heads) / sizeof(heads[0]); h++)
		for (n = 1; n <= strlen(heads[h]); n++) {
			same_both_ways(heads[h], (__u32)n, 0);
			same_both_ways(heads[h], (__u32)n, 1);
		}
}

/* The fields themselves, for heads whose answer is known. */
static void test_fields(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a.example \r\nContent-Length:\t17\r\n"
				  "User-Agent: ua/1 \r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\nContent-Length: 1234567890\nHost: b\n\n";
	static const char chunked[] = "POST /u HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\n\r\n";

	(void)state;
	same_both_ways(req, sizeof(req) - 1, 1);
	assert_int_equal(wk_fast.http.kind, RX_HTTP_REQUEST);
	assert_int_equal(wk_fast.http.host_len, 9);
	assert_memory_equal(wk_fast.http.host, "a.example", 9);
	assert_int_equal(wk_fast.http.content_length, 17);
	assert_true(wk_fast.http.flags & RX_HTTPF_CLEN);
	assert_int_equal(wk_fast.info.ua_len, 4);
	assert_memory_equal(wk_fast.info.ua, "ua/1", 4);
	assert_int_equal(wk_fast.http.hdr_end, sizeof(req) - 1);

	/* ten digits: more than a length holds, so no length */
	same_both_ways(resp, sizeof(resp) - 1, 0);
	assert_int_equal(wk_fast.http.status, 200);
	assert_false(wk_fast.http.flags & RX_HTTPF_CLEN);
	assert_int_equal(wk_fast.http.content_length, 0);
	assert_int_equal(wk_fast.http.hdr_end, sizeof(resp) - 1);

	/* a body of unknown length */
	same_both_ways(chunked, sizeof(chunked) - 1, 0);
	assert_true(wk_fast.http.flags & RX_HTTPF_TE);
	assert_false(wk_fast.http.flags & RX_HTTPF_CLEN);
	assert_int_equal(wk_fast.http.hdr_end, sizeof(chunked) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_random_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

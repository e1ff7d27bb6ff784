// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * JA3 and JA4 from a decoded hello (src/tlsview.c), against published
 * values: a Chrome ClientHello as browserleaks.com reports it (JA4 and its
 * raw form ja4_r, ja3_text), GREASE values added as Chrome sends them.
 * The fields of real captures are checked against tshark and an
 * independent JA4 in tests/e2e/test_tls.sh; this pins the arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "../../src/tlsview.h"

static const __u16 chrome_ciphers[] = { 0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
					0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
					0x002f, 0x0035 };
/* ja3_text's extension order (45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27), GREASEd */
static const __u16 chrome_exts[] = { 0x1a1a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd,
				     0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012,
				     0x0005, 0x000d, 0x001b, 0x2a2a };
static const __u16 chrome_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
static const __u16 chrome_groups[] = { 0x4a4a, 4588, 29, 23, 24 };

static void chrome(struct rx_tls *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = RX_TLS_CLIENT_HELLO;
	t->rec_version = 0x0301;
	t->hs_version = 0x0303;
	t->flags = RX_TLSF_SNI | RX_TLSF_ALPN | RX_TLSF_VERSIONS | RX_TLSF_SIGALGS;
	memcpy(t->ciphers, chrome_ciphers, sizeof(chrome_ciphers));
	t->n_ciphers = sizeof(chrome_ciphers) / 2;
	memcpy(t->exts, chrome_exts, sizeof(chrome_exts));
	t->n_exts = sizeof(chrome_exts) / 2;
	memcpy(t->sigalgs, chrome_sigalgs, sizeof(chrome_sigalgs));
	t->n_sigalgs = sizeof(chrome_sigalgs) / 2;
	memcpy(t->groups, chrome_groups, sizeof(chrome_groups));
	t->n_groups = sizeof(chrome_groups) / 2;
	t->versions[0] = 0x5a5a;
	t->versions[1] = 0x0304;
	t->versions[2] = 0x0303;
	t->n_versions = 3;
	t->n_ecpf = 1;
	memcpy(t->sni, "tls.browserleaks.com", 20);
	t->sni_len = 20;
	memcpy(t->alpn, "\x02h2\x08http/1.1", 12);
	t->alpn_len = 12;
}

static void ja4_published(void **state)
{
	struct rx_tls t;
	char out[RX_JA4_LEN + 1];

	(void)state;
	chrome(&t);
	assert_int_equal(rx_tls_ja4(&t, out), 0);
	assert_string_equal(out, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
}

static void ja3_published(void **state)
{
	struct rx_tls t;
	char out[1024];

	(void)state;
	chrome(&t);
	assert_int_equal(rx_tls_ja3_full(&t, out, sizeof(out)), 0);
	assert_string_equal(out, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
				 "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
}

static void ja4_edges(void **state)
{
	struct rx_tls t;
	char out[RX_JA4_LEN + 1];

	(void)state;
	chrome(&t);
	/* no SNI extension, no ALPN: "i" and "00" */
	memmove(t.exts + 7, t.exts + 8, (size_t)(t.n_exts - 8) * 2);
	t.n_exts--;
	t.flags &= (__u16)~(RX_TLSF_SNI | RX_TLSF_ALPN);
	assert_int_equal(rx_tls_ja4(&t, out), 0);
	assert_memory_equal(out, "t13i151500_8daaf6152771_", 24);
	/* an ALPN protocol that is not alphanumeric at its ends: hex digits */
	chrome(&t);
	memcpy(t.alpn, "\x03\x01x-", 4);
	t.alpn_len = 4;
	assert_int_equal(rx_tls_ja4(&t, out), 0);
	assert_memory_equal(out + 8, "0d", 2);
	/* a hello not whole: no fingerprint */
	chrome(&t);
	t.flags |= RX_TLSF_PARTIAL;
	assert_int_equal(rx_tls_ja4(&t, out), -1);
	assert_int_equal(rx_tls_ja3_full(&t, out, sizeof(out)), -1);
	/* a first protocol cut by the kept list: no fingerprint either */
	chrome(&t);
	t.alpn_len = 2;
	assert_int_equal(rx_tls_ja4(&t, out), -1);
	/* no cipher suites: the hash is zeros */
	chrome(&t);
	t.n_ciphers = 1; /* GREASE only */
	assert_int_equal(rx_tls_ja4(&t, out), 0);
	assert_memory_equal(out, "t13d0016h2_000000000000_", 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ja4_published),
		cmocka_unit_test(ja3_published),
		cmocka_unit_test(ja4_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

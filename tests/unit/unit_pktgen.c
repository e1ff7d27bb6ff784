// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host unit tests of tests/lib/pktgen.h, the packet builder the other C
 * tests and the benchmarks stand on: lengths and checksums right, VLAN tags
 * in the right place, and nothing written past the caller's buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../lib/pktgen.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t ip4_a[4] = { 192, 0, 2, 1 }, ip4_b[4] = { 192, 0, 2, 2 };

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* IPv4 with options, TCP with options and payload: lengths, offsets, checksums. */
static void test_ipv4_tcp(void **state)
{
	static const uint8_t ipopts[4] = { 1, 1, 1, 0 }, opts[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t f[128];
	struct pktgen g;
	uint32_t sum;

	(void)state;
	pktgen__init(&g, f, sizeof(f));
	pktgen__eth(&g, mac_b, mac_a, 0x0800);
	pktgen__ipv4(&g, ip4_a, ip4_b, IPPROTO_TCP, PKTGEN_DF, ipopts, sizeof(ipopts));
	pktgen__tcp(&g, 40000, 8080, 0x11223344, 0x55667788, PKTGEN_TH_PSH | PKTGEN_TH_ACK, 502,
		    opts, sizeof(opts));
	pktgen__put(&g, "hello", 5);
	assert_int_equal(pktgen__done(&g), 14 + 24 + 24 + 5);
	pktgen__tcp_csum(&g);
	assert_int_equal(g.err, 0);
	assert_int_equal(g.l3, 14);
	assert_int_equal(g.l4, 38);
	assert_int_equal(g.pl, 62);
	assert_memory_equal(f, mac_b, 6);
	assert_int_equal(f[14], 0x46);
	assert_int_equal(get16(f + 16), 24 + 24 + 5);
	assert_int_equal(get16(f + 20), 0x4000);
	assert_int_equal(f[23], IPPROTO_TCP);
	/* a header with its checksum sums to 0xffff (RFC 1071) */
	assert_int_equal(pktgen__fold(pktgen__sum(f + 14, 24, 0)), 0);
	assert_int_equal(get16(f + 38), 40000);
	assert_int_equal(get16(f + 40), 8080);
	assert_int_equal(f[50], 6 << 4);
	assert_int_equal(f[51], 0x18);
	assert_int_equal(get16(f + 52), 502);
	sum = pktgen__sum(f + 14 + 12, 8, 0) + IPPROTO_TCP + 24 + 5;
	assert_int_equal(pktgen__fold(pktgen__sum(f + 38, 24 + 5, sum)), 0);
	assert_memory_equal(f + 62, "hello", 5);
}

/* Tags go between the addresses and the EtherType, outermost first. */
static void test_vlan(void **state)
{
	static const uint8_t want[] = { 0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x20, 0x65, 0x86, 0xdd };
	uint8_t f[64];
	struct pktgen g;

	(void)state;
	pktgen__init(&g, f, sizeof(f));
	pktgen__eth(&g, mac_b, mac_a, 0x86dd);
	pktgen__vlan(&g, 0x88a8, 100);
	pktgen__vlan(&g, 0x8100, 0x2000 | 101);
	assert_int_equal(pktgen__done(&g), 22);
	assert_memory_equal(f + 12, want, sizeof(want));
}

/* IPv6, two extension headers, UDP: payload length and UDP length. */
static void test_ipv6_udp(void **state)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const uint8_t hbh[8] = { 60, 0, 1, 4 }, dst[8] = { IPPROTO_UDP, 0, 1, 4 };
	uint8_t f[128];
	struct pktgen g;

	(void)state;
	pktgen__init(&g, f, sizeof(f));
	pktgen__eth(&g, mac_b, mac_a, 0x86dd);
	pktgen__ipv6(&g, a, b, 0);
	pktgen__ip6ext(&g, hbh, sizeof(hbh));
	pktgen__ip6ext(&g, dst, sizeof(dst));
	pktgen__udp(&g, 5353, 53);
	pktgen__put(&g, NULL, 10);
	assert_int_equal(pktgen__done(&g), 14 + 40 + 16 + 8 + 10);
	assert_int_equal(f[14], 0x60);
	assert_int_equal(get16(f + 18), 16 + 8 + 10);
	assert_int_equal(f[20], 0);
	assert_int_equal(f[21], 64);
	assert_memory_equal(f + 22, a, 16);
	assert_int_equal(g.l4, 14 + 40 + 16);
	assert_int_equal(get16(f + g.l4 + 4), 8 + 10);
}

/* What does not fit is not written, and the error sticks. */
static void test_bounds(void **state)
{
	uint8_t f[40 + 1];
	struct pktgen g;

	(void)state;
	memset(f, 0xa5, sizeof(f));
	pktgen__init(&g, f, sizeof(f) - 1);
	pktgen__eth(&g, mac_b, mac_a, 0x0800);
	pktgen__ipv4(&g, ip4_a, ip4_b, IPPROTO_UDP, 0, NULL, 0);
	assert_int_equal(g.err, 0);
	pktgen__udp(&g, 1, 2); /* 34 + 8 > 40 */
	assert_int_equal(g.err, -ENOSPC);
	pktgen__put(&g, "x", 1); /* would fit, but the frame is already broken */
	assert_int_equal(pktgen__done(&g), -ENOSPC);
	assert_int_equal(f[sizeof(f) - 1], 0xa5);
	/* option lengths the headers cannot carry */
	pktgen__init(&g, f, sizeof(f));
	pktgen__ipv4(&g, ip4_a, ip4_b, IPPROTO_TCP, 0, f, 3);
	assert_int_equal(pktgen__done(&g), -EINVAL);
	/* a tag needs an Ethernet header before it */
	pktgen__init(&g, f, sizeof(f));
	pktgen__vlan(&g, 0x8100, 1);
	assert_int_equal(pktgen__done(&g), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ipv4_tcp),
	cmocka_unit_test(test_vlan),
	cmocka_unit_test(test_ipv6_udp),
	cmocka_unit_test(test_bounds),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}

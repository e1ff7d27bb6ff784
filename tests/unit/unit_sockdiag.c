// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sock_diag parsing (src/sockdiag.c): inet_diag messages as the kernel
 * sends them for a dump, built here, into sockets; a dump's end, an error,
 * a truncated message, sockets without an inode, a full table. Pure logic,
 * a host test; tests/e2e/test_sock_kernel.sh holds the whole against the
 * kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "../../src/sockdiag.h"

static __u32 buf[4096];
static size_t used; /* bytes of buf */

static void reset(void)
{
	memset(buf, 0, sizeof(buf));
	used = 0;
}

static struct nlmsghdr *put_hdr(__u16 type, size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)buf + used);

	h->nlmsg_len = NLMSG_LENGTH(payload);
	h->nlmsg_type = type;
	used += NLMSG_ALIGN(h->nlmsg_len);
	return h;
}

static void put_sock(__u16 port, __u8 state, __u32 inode, __u64 cookie)
{
	struct inet_diag_msg *m = NLMSG_DATA(put_hdr(SOCK_DIAG_BY_FAMILY, sizeof(*m)));

	m->idiag_family = AF_INET;
	m->idiag_state = state;
	m->id.idiag_sport = htons(port);
	m->id.idiag_cookie[0] = (__u32)cookie;
	m->id.idiag_cookie[1] = (__u32)(cookie >> 32);
	m->idiag_inode = inode;
}

static void parses_a_dump(void **state)
{
	struct rx_sockdiag_ent e[8];
	struct rx_sockdiag_tab t = { .ent = e, .cap = 8 };

	(void)state;
	reset();
	put_sock(8080, 10, 1001, 0x100000002ull); /* a listener */
	put_sock(8080, 1, 1002, 7);               /* one of its connections */
	put_sock(8081, 6, 0, 9);                  /* time-wait: no inode, skipped */
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_TCP, &t), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(e[0].port, 8080);
	assert_int_equal(e[0].inode, 1001);
	assert_true(e[0].cookie == 0x100000002ull);
	assert_int_equal(e[0].proto, IPPROTO_TCP);
	assert_int_equal(e[0].listen, 1);
	assert_int_equal(e[1].listen, 0);
	assert_int_equal(e[1].cookie, 7);

	/* the next buffer: a UDP socket (always "listening"), then the dump's end */
	reset();
	put_sock(9999, 7, 2001, 0);
	put_hdr(NLMSG_DONE, sizeof(int));
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_UDP, &t), 1);
	assert_int_equal(t.n, 3);
	assert_int_equal(e[2].port, 9999);
	assert_int_equal(e[2].listen, 1);
	assert_int_equal(e[2].proto, IPPROTO_UDP);
}

static void refuses_bad_input(void **state)
{
	struct rx_sockdiag_ent e[1];
	struct rx_sockdiag_tab t = { .ent = e, .cap = 1 };
	struct nlmsghdr *h;

	(void)state;
	reset();
	put_hdr(NLMSG_ERROR, sizeof(struct nlmsgerr));
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_TCP, &t), -1);

	/* a message too short for its inet_diag_msg */
	reset();
	put_hdr(SOCK_DIAG_BY_FAMILY, 8);
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_TCP, &t), -1);

	/* a length past the buffer: no whole message */
	reset();
	h = put_hdr(SOCK_DIAG_BY_FAMILY, sizeof(struct inet_diag_msg));
	h->nlmsg_len = 4000;
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_TCP, &t), -1);
	/* a buffer cut inside a header */
	assert_int_equal(rx_sockdiag__parse(buf, 6, IPPROTO_TCP, &t), -1);
	assert_int_equal(rx_sockdiag__parse(buf, 0, IPPROTO_TCP, &t), 0);
	assert_int_equal(t.n, 0);

	/* a last message whose length is no multiple of 4, the buffer ending
	 * with it: taken, and nothing read past its end (its aligned length
	 * is more than what is left) */
	reset();
	put_sock(8443, 10, 3001, 0);
	h = (struct nlmsghdr *)buf;
	h->nlmsg_len += 1;
	memset((char *)buf + h->nlmsg_len, 0xff, 64); /* what a read past the end would see */
	assert_int_equal(rx_sockdiag__parse(buf, h->nlmsg_len, IPPROTO_TCP, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(e[0].inode, 3001);
}

static void counts_what_does_not_fit(void **state)
{
	struct rx_sockdiag_ent e[1];
	struct rx_sockdiag_tab t = { .ent = e, .cap = 1 };

	(void)state;
	reset();
	put_sock(1, 10, 11, 0);
	put_sock(2, 10, 12, 0);
	put_sock(3, 10, 13, 0);
	assert_int_equal(rx_sockdiag__parse(buf, used, IPPROTO_TCP, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.dropped, 2);
	assert_int_equal(e[0].inode, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_dump),
		cmocka_unit_test(refuses_bad_input),
		cmocka_unit_test(counts_what_does_not_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

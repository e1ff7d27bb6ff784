// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * NETLINK_SOCK_DIAG dumps of the namespace's TCP and UDP sockets (sockdiag.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "sockdiag.h"

#define RX_TCP_LISTEN 10

int rx_sockdiag__parse(const void *buf, size_t len, __u8 proto, struct rx_sockdiag_tab *t)
{
	const struct nlmsghdr *h = buf;
	const struct inet_diag_msg *m;
	/* signed: NLMSG_NEXT takes a message's aligned length, which a short
	 * last message (not from the kernel) makes more than what is left */
	int rem = len > INT_MAX ? INT_MAX : (int)len;

	for (; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -1;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			return -1;
		m = NLMSG_DATA(h);
		if (!m->idiag_inode)
			continue; /* a request or time-wait socket: no file, no process */
		if (t->n >= t->cap) {
			t->dropped++;
			continue;
		}
		t->ent[t->n++] = (struct rx_sockdiag_ent){
			.inode = m->idiag_inode,
			.cookie = (__u64)m->id.idiag_cookie[0] | (__u64)m->id.idiag_cookie[1] << 32,
			.port = ntohs(m->id.idiag_sport),
			.proto = proto,
			.listen = proto != IPPROTO_TCP || m->idiag_state == RX_TCP_LISTEN,
		};
	}
	return rem > 0 ? -1 : 0; /* bytes left that are no whole message */
}

/* One dump (family, proto) on fd: 0, or -1. */
static int dump_one(int fd, __u8 family, __u8 proto, __u32 states, struct rx_sockdiag_tab *t)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = family, .sdiag_protocol = proto, .idiag_states = states },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static __u32 buf[8192]; /* 32 KiB, aligned for the headers */
	ssize_t n;
	int r = 0;

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	while (r == 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r = rx_sockdiag__parse(buf, (size_t)n, proto, t);
	}
	return r < 0 ? -1 : 0;
}

int rx_sockdiag__dump(struct rx_sockdiag_tab *t)
{
	/* What names a service first (listeners, UDP sockets), connections
	 * last: a table that fills up loses connections, not services. */
	static const struct {
		__u8 proto;
		__u32 states;
	} pass[] = { { IPPROTO_TCP, 1u << RX_TCP_LISTEN },
		     { IPPROTO_UDP, ~0u },
		     { IPPROTO_TCP, ~(1u << RX_TCP_LISTEN) } };
	static const __u8 fam[] = { AF_INET, AF_INET6 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	size_t i, j;
	int err = 0;

	t->n = 0;
	t->dropped = 0;
	if (fd < 0)
		return -1;
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]) && !err; i++)
		for (j = 0; j < 2 && !err; j++)
			err = dump_one(fd, fam[j], pass[i].proto, pass[i].states, t);
	close(fd);
	return err;
}

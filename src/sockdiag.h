/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The local sockets of rxray's network namespace from the kernel, over
 * NETLINK_SOCK_DIAG (inet_diag dumps of TCP and UDP, IPv4 and IPv6): each
 * socket's local port, inode, cookie and whether it listens. procmap.c
 * maps the inodes to processes; the receiving socket that the datapath
 * found at TC ingress (datapath/sock.h) is one of them, by inode.
 *
 * The parser is pure (tests/unit/unit_sockdiag.c); the dump is its caller.
 */
#ifndef RX_SOCKDIAG_H
#define RX_SOCKDIAG_H

#include <stddef.h>
#include <linux/types.h>

struct rx_sockdiag_ent {
	__u64 inode;
	__u64 cookie;
	__u16 port;   /* local, host order */
	__u8 proto;   /* 6 TCP, 17 UDP */
	__u8 listen;  /* TCP: a listener (else a connection); UDP: 1 */
};

struct rx_sockdiag_tab {
	struct rx_sockdiag_ent *ent;
	size_t n, cap; /* entries past cap are counted in dropped, not kept */
	size_t dropped;
};

/*
 * One buffer that recv() returned for a dump of proto: its inet_diag_msg
 * messages (those with an inode) appended to t. Returns 1 at the dump's
 * NLMSG_DONE, 0 when more buffers follow, -1 on NLMSG_ERROR or a malformed
 * message.
 */
int rx_sockdiag__parse(const void *buf, size_t len, __u8 proto, struct rx_sockdiag_tab *t);
/* Every TCP and UDP socket of this namespace into t (n reset): 0, or -1 (netlink refused). */
int rx_sockdiag__dump(struct rx_sockdiag_tab *t);

#endif

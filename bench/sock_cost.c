// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sock_cost: what the receiving socket's lookup at TC ingress
 * (datapath/sock.h, bpf/sock.h) costs per packet: each packet through
 * tc_ingress with lookups on (rx_cfg.nosock = 0) and off (1), loaded in
 * this process and run by the kernel with BPF_PROG_TEST_RUN (the test run's
 * skb belongs to this process's network namespace: the lookups find the
 * sockets this process opens), interleaved over rounds, the median
 * reported. "on - off" is the lookup's cost with everything it brings
 * (a UDP datagram is decoded at TC ingress only for it).
 *
 * The packets (127.0.0.2 -> 127.0.0.1):
 *   udp bound     a 32-byte UDP datagram to a bound socket of this process:
 *                 bpf_sk_lookup_udp finds it, its cookie read, which is the
 *                 port's socket's: its inode known (the sockets of this
 *                 process have cookies, as sock_diag makes them for serve);
 *   udp no cookie the same to a socket without a cookie yet: its inode read
 *                 (socket, file, inode: four probe reads);
 *   udp closed    the same to a port no socket has: counted as nosocket;
 *   syn           a SYN to a listener of this process: the lookup finds
 *                 the listener, its cookie, inode and accept queue read;
 *   ack untracked an ACK to the listener's port that no tracked connection
 *                 has (one open before rxray): looked up, finds the listener;
 *   ack tracked   an ACK of a connection whose SYN rxray saw: no lookup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "bench_lib.h"
#include "../tests/lib/pktgen.h"

enum { SC_UDP_BOUND, SC_UDP_NOCOOKIE, SC_UDP_CLOSED, SC_SYN, SC_ACK_UNTRACKED, SC_ACK_TRACKED,
       SC_KINDS };
static const char *const sc_kind_name[SC_KINDS] = {
	"udp bound", "udp no cookie", "udp closed", "syn", "ack untracked", "ack tracked",
};
static const char *const sc_kind_key[SC_KINDS] = {
	"udp_bound", "udp_nocookie", "udp_closed", "syn", "ack_untracked", "ack_tracked",
};

static const __u8 sc_mac1[6] = { 2, 0, 0, 0, 0, 1 }, sc_mac2[6] = { 2, 0, 0, 0, 0, 2 };
static const __u8 sc_src[4] = { 127, 0, 0, 2 }, sc_dst[4] = { 127, 0, 0, 1 };

/* One IPv4 frame to 127.0.0.1:dport: UDP (flags 0) or TCP with flags. */
static int sc_frame(struct bench_pkt *p, __u16 sport, __u16 dport, __u8 flags)
{
	static const __u8 pl[32];
	struct pktgen g;
	int len;

	pktgen__init(&g, p->b, sizeof(p->b));
	pktgen__eth(&g, sc_mac2, sc_mac1, 0x0800);
	pktgen__ipv4(&g, sc_src, sc_dst, flags ? IPPROTO_TCP : IPPROTO_UDP, PKTGEN_DF, NULL, 0);
	if (flags)
		pktgen__tcp(&g, sport, dport, 1000, flags & PKTGEN_TH_ACK ? 2000 : 0, flags, 0xfaf0,
			    NULL, 0);
	else
		pktgen__udp(&g, sport, dport);
	if (!flags)
		pktgen__put(&g, pl, sizeof(pl));
	len = pktgen__done(&g);
	if (len < 0)
		return len;
	p->len = (__u32)len;
	return 0;
}

/* A socket of type bound to 127.0.0.1 (listening for TCP): its fd, port and inode. */
static int sc_socket(int type, __u16 *port, __u64 *inode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct stat st;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || (type == SOCK_STREAM && listen(fd, 16)) ||
	    getsockname(fd, (struct sockaddr *)&a, &al) || fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	*port = ntohs(a.sin_port);
	*inode = st.st_ino;
	return fd;
}

/* The kernel makes a socket's cookie when first asked (as sock_diag does, src/sockdiag.c). */
static int sc_cookie(int fd)
{
	__u64 c;
	socklen_t cl = sizeof(c);

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &cl) ? -errno : 0;
}

struct sc_ctx {
	struct rxray_bpf *rx;
	int fd, ncpus;
	int udp, tcp, udp2;   /* this process's sockets (udp2: no cookie) */
	__u16 udp_port, tcp_port, udp2_port;
	__u64 udp_ino, tcp_ino, udp2_ino;
	struct bench_pkt pkt[SC_KINDS];
};

static int sc_setup(void *ctx)
{
	struct sc_ctx *x = ctx;
	__u16 closed;
	__u64 ino;
	int fd, err;

	err = bench__load(&x->rx);
	if (err)
		return err;
	x->fd = bpf_program__fd(x->rx->progs.tc_ingress);
	x->ncpus = libbpf_num_possible_cpus();
	x->udp = sc_socket(SOCK_DGRAM, &x->udp_port, &x->udp_ino);
	x->tcp = sc_socket(SOCK_STREAM, &x->tcp_port, &x->tcp_ino);
	x->udp2 = sc_socket(SOCK_DGRAM, &x->udp2_port, &x->udp2_ino);
	if (x->udp < 0 || x->tcp < 0 || x->udp2 < 0)
		return x->udp < 0 ? x->udp : x->tcp < 0 ? x->tcp : x->udp2;
	err = sc_cookie(x->udp) ?: sc_cookie(x->tcp);
	if (err)
		return err;
	/* a closed port: one that was bound a moment ago */
	fd = sc_socket(SOCK_DGRAM, &closed, &ino);
	if (fd < 0)
		return fd;
	close(fd);
	err = sc_frame(&x->pkt[SC_UDP_BOUND], 40000, x->udp_port, 0) ?:
	      sc_frame(&x->pkt[SC_UDP_NOCOOKIE], 40000, x->udp2_port, 0) ?:
	      sc_frame(&x->pkt[SC_UDP_CLOSED], 40000, closed, 0) ?:
	      sc_frame(&x->pkt[SC_SYN], 40001, x->tcp_port, PKTGEN_TH_SYN) ?:
	      sc_frame(&x->pkt[SC_ACK_UNTRACKED], 40002, x->tcp_port, PKTGEN_TH_ACK) ?:
	      sc_frame(&x->pkt[SC_ACK_TRACKED], 40001, x->tcp_port, PKTGEN_TH_ACK);
	return err;
}

/* One round: every kind, lookups off then on; ns[k * 2 + on]. */
static int sc_round(void *ctx, __u32 runs, double *ns)
{
	struct sc_ctx *x = ctx;
	int k, on;
	long d;

	for (k = 0; k < SC_KINDS; k++)
		for (on = 0; on < 2; on++) {
			x->rx->bss->rx_cfg.nosock = !on;
			if (k == SC_ACK_TRACKED) /* its SYN first: the connection is tracked */
				bench__run(x->fd, &x->pkt[SC_SYN], 1, (__u32)TC_ACT_UNSPEC);
			d = bench__run(x->fd, &x->pkt[k], runs, (__u32)TC_ACT_UNSPEC);
			if (d < 0)
				return (int)d;
			ns[k * 2 + on] = (double)d;
		}
	return 0;
}

/* That the lookups did what is timed: sockets found by inode, the closed port counted. */
static int sc_check(struct sc_ctx *x)
{
	struct rx_sock_port *v = calloc((size_t)x->ncpus, sizeof(*v));
	__u32 key;
	__u64 nosock = 0;
	int i, udp = 0, tcp = 0, err;

	if (!v)
		return -ENOMEM;
	key = RX_SOCK_KEY(IPPROTO_UDP, x->udp_port);
	if (!bpf_map__lookup_elem(x->rx->maps.rx_sock_ports, &key, sizeof(key), v,
				  sizeof(*v) * x->ncpus, 0))
		for (i = 0; i < x->ncpus; i++)
			udp |= v[i].inode == x->udp_ino;
	key = RX_SOCK_KEY(IPPROTO_UDP, x->udp2_port);
	if (!bpf_map__lookup_elem(x->rx->maps.rx_sock_ports, &key, sizeof(key), v,
				  sizeof(*v) * x->ncpus, 0))
		for (i = 0; i < x->ncpus; i++)
			udp &= v[i].inode == x->udp2_ino || !v[i].proto;
	key = RX_SOCK_KEY(IPPROTO_TCP, x->tcp_port);
	if (!bpf_map__lookup_elem(x->rx->maps.rx_sock_ports, &key, sizeof(key), v,
				  sizeof(*v) * x->ncpus, 0))
		for (i = 0; i < x->ncpus; i++)
			tcp |= v[i].inode == x->tcp_ino && (v[i].flags & RX_SOCKF_LISTEN);
	free(v);
	err = bench__stat(x->rx, x->ncpus, RX_STAT_NOSOCK_UDP, &nosock);
	printf("check: udp socket found by inode %s, tcp listener %s, nosocket_udp %llu\n",
	       udp ? "yes" : "NO", tcp ? "yes" : "NO", (unsigned long long)nosock);
	return err ? err : udp && tcp && nosock ? 0 : -EPROTO;
}

static void sc_usage(FILE *f)
{
	fprintf(f,
		"usage: sock_cost [-p RUNS] [-r ROUNDS] [-C CPU]\n"
		"  -p RUNS    test-run repeats of each packet per round (default 20000)\n"
		"  -r ROUNDS  interleaved rounds, odd is best (default 7, max %d)\n"
		"  -C CPU     CPU to pin to (default: the one this starts on)\n",
		BENCH_ROUNDS_MAX);
}

int main(int argc, char **argv)
{
	struct sc_ctx x = { .udp = -1, .tcp = -1, .udp2 = -1 };
	struct bench_rounds b = {
		.who = "sock_cost", .unit = "repeats", .nvals = SC_KINDS * 2,
		.ctx = &x, .setup = sc_setup, .round = sc_round,
	};
	double med[SC_KINDS][2];
	int err, k;

	if (bench__rounds_opts(argc, argv, &b, sc_usage))
		return 2;
	err = bench__rounds_run(&b, &med[0][0]);
	if (err)
		goto cleanup;
	for (k = 0; k < SC_KINDS; k++)
		printf("  %-14s lookups off %7.1f ns  on %7.1f ns  lookup %+6.1f ns\n", sc_kind_name[k],
		       med[k][0], med[k][1], med[k][1] - med[k][0]);
	err = sc_check(&x);
	printf("RESULT sock_cost");
	for (k = 0; k < SC_KINDS; k++)
		printf(" %s_off_ns=%.1f %s_on_ns=%.1f", sc_kind_key[k], med[k][0], sc_kind_key[k],
		       med[k][1]);
	printf("\n");
cleanup:
	if (x.udp >= 0)
		close(x.udp);
	if (x.tcp >= 0)
		close(x.tcp);
	if (x.udp2 >= 0)
		close(x.udp2);
	rxray_bpf__destroy(x.rx);
	return err ? 1 : 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tls_conn_cost: what the TLS stage (datapath/tlsconn.h, tc_*_tls) costs per
 * ClientHello and per application-data record, next to a non-TLS segment
 * through the same programs and the cheapest TC program that counts
 * (bench/trivial_tc.bpf.c), all loaded in this process and run by the
 * kernel with BPF_PROG_TEST_RUN, one test run per packet (repeat = 1: each
 * packet is a new event, not a retransmission), interleaved over rounds,
 * the median reported.
 *
 * The packets (client 192.0.2.1 -> server 192.0.2.2:443, through
 * tc_ingress; rxray tells sides by content, not by hook):
 *   hello    a 243-byte ClientHello (SNI api.example.test, ALPN http/1.1)
 *            opening a new connection each run (the client port changes):
 *            the decoder's walk, a connection made, its row counted;
 *   record   a 100-byte application-data record, alternately the client's
 *            and the server's on one established TLS 1.2 connection,
 *            sequence numbers advancing: every client record opens a turn,
 *            every server record closes it, one exchange per pair;
 *   plain    a 100-byte segment of a connection that is neither TLS nor
 *            HTTP (first byte 0x00), sequence numbers advancing: the TLS
 *            stage's lookup that finds nothing, then the HTTP stage's check;
 *   trivial  the trivial program on the record packet.
 * With rx_cfg.http = 0 the TLS and HTTP stages do not run: "plain, http
 * off" is the TCP entry alone, so "plain - plain, http off" is the
 * stages' cost on a segment they leave alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "bench/trivial_tc.skel.h"
#include "bench_lib.h"
#include "../tests/lib/pktgen.h"

enum { TC_TRIV, TC_PLAIN_OFF, TC_PLAIN, TC_HELLO, TC_RECORD, TC_KINDS };
static const char *const tc_kind_name[TC_KINDS] = {
	"trivial (record packet)", "plain segment, http off", "plain segment", "ClientHello",
	"application record",
};

static const __u8 tc_cmac[6] = { 2, 0, 0, 0, 0, 1 }, tc_smac[6] = { 2, 0, 0, 0, 0, 2 };
static const __u8 tc_caddr[4] = { 192, 0, 2, 1 }, tc_saddr[4] = { 192, 0, 2, 2 };

/* One IPv4 TCP frame: client to server (server 0) or back, payload n bytes of pl. */
static int tc_frame(struct bench_pkt *p, int server, __u16 cport, __u32 seq, __u32 ack,
		    const __u8 *pl, __u32 n)
{
	struct pktgen g;
	int len;

	pktgen__init(&g, p->b, sizeof(p->b));
	pktgen__eth(&g, server ? tc_cmac : tc_smac, server ? tc_smac : tc_cmac, 0x0800);
	pktgen__ipv4(&g, server ? tc_saddr : tc_caddr, server ? tc_caddr : tc_saddr, IPPROTO_TCP,
		     PKTGEN_DF, NULL, 0);
	pktgen__tcp(&g, server ? 443 : cport, server ? cport : 443, seq, ack,
		    PKTGEN_TH_ACK | (n ? PKTGEN_TH_PSH : 0), 0xfaf0, NULL, 0);
	pktgen__put(&g, pl, n);
	len = pktgen__done(&g);
	if (len < 0)
		return len;
	p->len = (__u32)len;
	p->l3 = g.l3;
	p->l4 = g.l4;
	p->pl = g.pl;
	return 0;
}

/* A record header (RFC 8446 section 5.1) and n - 5 bytes of body. */
static __u32 tc_record(__u8 *b, __u8 type, __u32 n)
{
	b[0] = type;
	b[1] = 3;
	b[2] = 3;
	b[3] = (__u8)((n - 5) >> 8);
	b[4] = (__u8)(n - 5);
	memset(b + 5, 0x5a, n - 5);
	return n;
}

/* The ClientHello: TLS 1.2 record, TLS 1.3 offered, SNI and ALPN. */
static __u32 tc_client_hello(__u8 *b)
{
	static const char sni[] = "api.example.test";
	__u8 e[128], *q = e, h[256], *r = h;
	__u32 n = sizeof(sni) - 1, el, hl;

	*q++ = 0, *q++ = 0, *q++ = 0, *q++ = (__u8)(n + 5), *q++ = 0, *q++ = (__u8)(n + 3);
	*q++ = 0, *q++ = 0, *q++ = (__u8)n;
	memcpy(q, sni, n), q += n;
	*q++ = 0, *q++ = 16, *q++ = 0, *q++ = 11, *q++ = 0, *q++ = 9, *q++ = 8;
	memcpy(q, "http/1.1", 8), q += 8;
	*q++ = 0, *q++ = 43, *q++ = 0, *q++ = 5, *q++ = 4, *q++ = 3, *q++ = 4, *q++ = 3, *q++ = 3;
	*q++ = 0, *q++ = 10, *q++ = 0, *q++ = 4, *q++ = 0, *q++ = 2, *q++ = 0, *q++ = 29;
	el = (__u32)(q - e);
	*r++ = 3, *r++ = 3;
	memset(r, 0x11, 32), r += 32;
	*r++ = 32;
	memset(r, 0x22, 32), r += 32;
	*r++ = 0, *r++ = 6, *r++ = 0x13, *r++ = 1, *r++ = 0x13, *r++ = 2, *r++ = 0xc0, *r++ = 0x2f;
	*r++ = 1, *r++ = 0;
	*r++ = (__u8)(el >> 8), *r++ = (__u8)el;
	memcpy(r, e, el), r += el;
	hl = (__u32)(r - h);
	b[0] = 22, b[1] = 3, b[2] = 1, b[3] = (__u8)((hl + 4) >> 8), b[4] = (__u8)(hl + 4);
	b[5] = 1, b[6] = 0, b[7] = (__u8)(hl >> 8), b[8] = (__u8)hl;
	memcpy(b + 9, h, hl);
	return 9 + hl;
}

/* A ServerHello (TLS 1.2: no supported_versions). */
static __u32 tc_server_hello(__u8 *b)
{
	__u8 *r = b + 9;

	*r++ = 3, *r++ = 3;
	memset(r, 0x33, 32), r += 32;
	*r++ = 0, *r++ = 0xc0, *r++ = 0x2f, *r++ = 0, *r++ = 0, *r++ = 0;
	b[0] = 22, b[1] = 3, b[2] = 3, b[3] = 0, b[4] = (__u8)(r - b - 5);
	b[5] = 2, b[6] = 0, b[7] = 0, b[8] = (__u8)(r - b - 9);
	return (__u32)(r - b);
}

struct tc_ctx {
	struct rxray_bpf *rx;
	struct trivial_tc_bpf *triv;
	int fd, fd_triv;
	__u16 port;
	__u64 want_conns, want_xchg; /* what rx_tls_eps must show after the runs */
};

static int tc_run(int fd, const struct bench_pkt *p, __u64 *ns)
{
	long d = bench__run(fd, p, 1, (__u32)TC_ACT_UNSPEC);

	if (d < 0)
		return (int)d;
	*ns += (__u64)d;
	return 0;
}

/* n ClientHellos, each a new connection: ns added to *ns. */
static int tc_hellos(struct tc_ctx *x, __u32 n, __u64 *ns)
{
	__u8 pl[512];
	__u32 len = tc_client_hello(pl), i;
	struct bench_pkt p;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		err = tc_frame(&p, 0, x->port++, 1000, 5000, pl, len);
		if (!err)
			err = tc_run(x->fd, &p, ns);
		x->want_conns++;
		if (x->port < 10000)
			x->port = 10000;
	}
	return err;
}

/*
 * 2n records on one connection made TLS (hello, ServerHello, the client's
 * first record): client, server, client, ... through fd; ns added to *ns.
 * plain: the records' first byte is 0x00 (not TLS, not HTTP), no hello.
 */
static int tc_records(struct tc_ctx *x, int fd, int plain, __u32 n, __u64 *ns)
{
	__u8 pl[512];
	__u32 cseq = 1000, sseq = 5000, len, i;
	__u16 port = x->port++;
	struct bench_pkt p;
	__u64 setup = 0;
	int err = 0;

	if (!plain) {
		len = tc_client_hello(pl);
		err = err ?: tc_frame(&p, 0, port, cseq, sseq, pl, len) ?: tc_run(x->fd, &p, &setup);
		cseq += len;
		len = tc_server_hello(pl);
		err = err ?: tc_frame(&p, 1, port, sseq, cseq, pl, len) ?: tc_run(x->fd, &p, &setup);
		sseq += len;
		x->want_conns++; /* (made through rxray's program for the trivial run too) */
		if (fd == x->fd)
			x->want_xchg += n;
	}
	len = tc_record(pl, 23, 100);
	if (plain)
		pl[0] = 0;
	for (i = 0; i < 2 * n && !err; i++) {
		int server = (int)(i & 1);

		err = tc_frame(&p, server, port, server ? sseq : cseq, server ? cseq : sseq, pl, len);
		if (!err)
			err = tc_run(fd, &p, ns);
		if (server)
			sseq += len;
		else
			cseq += len;
	}
	return err;
}

/* One round: ns per packet of each kind, interleaved. */
static int tc_round(void *ctx, __u32 n, double *out)
{
	struct tc_ctx *x = ctx;
	volatile struct rx_config_rt *cfg = &x->rx->bss->rx_cfg;
	__u64 ns[TC_KINDS] = { 0 };
	int err;

	cfg->http = 1;
	err = tc_records(x, x->fd_triv, 0, n, &ns[TC_TRIV]);
	err = err ?: tc_records(x, x->fd, 1, n, &ns[TC_PLAIN]);
	err = err ?: tc_hellos(x, n, &ns[TC_HELLO]);
	err = err ?: tc_records(x, x->fd, 0, n, &ns[TC_RECORD]);
	cfg->http = 0;
	err = err ?: tc_records(x, x->fd, 1, n, &ns[TC_PLAIN_OFF]);
	cfg->http = 1;
	if (err)
		return err;
	out[TC_TRIV] = (double)ns[TC_TRIV] / (2.0 * n);
	out[TC_PLAIN_OFF] = (double)ns[TC_PLAIN_OFF] / (2.0 * n);
	out[TC_PLAIN] = (double)ns[TC_PLAIN] / (2.0 * n);
	out[TC_HELLO] = (double)ns[TC_HELLO] / n;
	out[TC_RECORD] = (double)ns[TC_RECORD] / (2.0 * n);
	return 0;
}

/*
 * That the packets took the paths they are timed for: rx_tls_eps holds a
 * connection per hello and an exchange per record pair (the TLS rows,
 * summed over CPUs). 0, or -EPROTO (said on stderr).
 */
static int tc_check(struct tc_ctx *x)
{
	int fd = bpf_map__fd(x->rx->maps.rx_tls_eps), ncpu = libbpf_num_possible_cpus(), c;
	struct rx_tls_ep_key k, *prev = NULL;
	__u64 conns = 0, xchg = 0;
	struct rx_tls_ep *v;

	if (ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (c = 0; c < ncpu; c++) {
			conns += v[c].conns;
			xchg += v[c].xchg.n;
		}
	}
	free(v);
	printf("  checked: rx_tls_eps holds %llu connections and %llu exchanges (made %llu, %llu)\n",
	       (unsigned long long)conns, (unsigned long long)xchg,
	       (unsigned long long)x->want_conns, (unsigned long long)x->want_xchg);
	if (conns == x->want_conns && xchg == x->want_xchg)
		return 0;
	fprintf(stderr, "tls_conn_cost: the packets did not take the TLS stage's paths\n");
	return -EPROTO;
}

static void tc_usage(FILE *f)
{
	fprintf(f, "Usage: tls_conn_cost [-p RUNS] [-r ROUNDS] [-C CPU]\n"
		   "\n"
		   "Per-packet cost of rxray's TLS stage (ClientHello, application record) against a\n"
		   "non-TLS segment and a trivial TC program, by BPF_PROG_TEST_RUN, median of ROUNDS.\n"
		   "\n"
		   "  -p RUNS    packets of each kind per round (default 20000)\n"
		   "  -r ROUNDS  interleaved rounds, odd is best (default 7, max %d)\n"
		   "  -C CPU     CPU to pin to (default: the one this starts on)\n",
		BENCH_ROUNDS_MAX);
}

static int tc_load(void *ctx)
{
	struct tc_ctx *x = ctx;
	int err;

	x->triv = trivial_tc_bpf__open_and_load();
	if (!x->triv)
		return -errno;
	err = bench__load(&x->rx);
	if (err)
		return err;
	x->fd = bpf_program__fd(x->rx->progs.tc_ingress);
	x->fd_triv = bpf_program__fd(x->triv->progs.tc_trivial);
	return 0;
}

int main(int argc, char **argv)
{
	struct tc_ctx x = { .port = 10000 };
	struct bench_rounds b = {
		.who = "tls_conn_cost", .unit = "packets", .nvals = TC_KINDS,
		.ctx = &x, .setup = tc_load, .round = tc_round,
	};
	double med[TC_KINDS];
	int err, k;

	if (bench__rounds_opts(argc, argv, &b, tc_usage))
		return 2;
	err = bench__rounds_run(&b, med);
	if (err)
		goto cleanup;
	for (k = 0; k < TC_KINDS; k++)
		printf("  %-28s %8.1f ns  %5.2fx trivial  %5.2fx plain segment\n", tc_kind_name[k],
		       med[k], med[k] / med[TC_TRIV], med[k] / med[TC_PLAIN]);
	printf("  the TLS and HTTP stages on a segment they leave alone: %+.1f ns\n",
	       med[TC_PLAIN] - med[TC_PLAIN_OFF]);
	err = tc_check(&x);
	printf("RESULT tls_conn_cost trivial_ns=%.1f plain_off_ns=%.1f plain_ns=%.1f hello_ns=%.1f "
	       "record_ns=%.1f hello_ratio_plain=%.2f record_ratio_plain=%.2f\n",
	       med[TC_TRIV], med[TC_PLAIN_OFF], med[TC_PLAIN], med[TC_HELLO], med[TC_RECORD],
	       med[TC_HELLO] / med[TC_PLAIN], med[TC_RECORD] / med[TC_PLAIN]);
cleanup:
	rxray_bpf__destroy(x.rx);
	trivial_tc_bpf__destroy(x.triv);
	return err ? 1 : 0;
}

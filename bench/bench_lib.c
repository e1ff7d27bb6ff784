// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The packets bench/xdp_cost and bench/tc_http_cost time, and the running
 * of them and of the other TEST_RUN benchmarks' rounds (bench_lib.h).
 * tests/bpf/bench_check.c links this too, to check that the packets take
 * the paths they are timed for.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "bench_lib.h"
#include "../tests/lib/pktgen.h"
#include "../src/stages.h"

/* the client (192.0.2.1 here) and the server */
static const __u8 bench_mac_c[6] = { 0x02, 0, 0, 0, 0, 0x01 }, bench_mac_s[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const __u8 bench_ip_c[4] = { 192, 0, 2, 1 };

/* An established segment's options: NOP, NOP, timestamps. */
static const __u8 bench_ts_opts[12] = { 1, 1, 8, 10, 0x00, 0x12, 0x34, 0x99, 0x00, 0xab, 0xcd, 0xef };

static void bench_pkt__from(struct bench_pkt *p, const struct pktgen *g)
{
	p->len = g->len;
	p->l3 = g->l3;
	p->l4 = g->l4;
	p->pl = g->pl;
}

/* pktgen over a frame already built, to change it */
static void bench_pkt__gen(struct bench_pkt *p, struct pktgen *g)
{
	pktgen__init(g, p->b, sizeof(p->b));
	g->len = p->len;
	g->l3 = p->l3;
	g->l4 = p->l4;
	g->pl = p->pl;
	g->ipv = 4;
	g->l4proto = IPPROTO_TCP;
}

/* ---- the XDP shapes ------------------------------------------------------------ */

/* Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const __u8 xc_syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x00, 0x12, 0x34, 0x56,
				      0, 0, 0, 0, 1, 3, 3, 7 };

static const char xc_http_get[] =
	"GET /api/v1/users/12345/orders?limit=20&offset=40 HTTP/1.1\r\n"
	"Host: api.example.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: application/json\r\n"
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abcdefghijklmnop\r\n"
	"X-Request-Id: 7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r\n"
	"\r\n";

/* DNS (RFC 1035) query: id 0x1a2b, RD, one question www.example.com A IN. */
static const __u8 xc_dns_query[] = { 0x1a, 0x2b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				     3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				     3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };

struct xc_shape xc_shapes[XC_SHAPES] = {
	[XC_SYN] = { "tcp_syn_opts", "IPv4 TCP SYN, options MSS SACK-perm TS NOP WS" },
	[XC_HTTP] = { "http_get", "IPv4 TCP PSH|ACK (NOP NOP TS) + HTTP GET" },
	[XC_DNS] = { "udp_dns", "IPv4 UDP DNS query" },
	[XC_IP6EXT] = { "ipv6_ext3_tcp", "IPv6 + hop-by-hop, routing, dest-opts + TCP ACK (TS)" },
	[XC_QINQ] = { "qinq_tcp", "802.1ad + 802.1Q + IPv4 TCP ACK (TS)" },
	[XC_FRAG] = { "ipv4_frag", "IPv4 non-first fragment (offset 1480) of UDP" },
	[XC_TCP_BARE] = { "tcp_bare", "IPv4 TCP ACK, no options (reference: no option walk)" },
};

/* Ethernet II, ntags 802.1ad/802.1Q tags (VID 100, 101), IPv4 192.0.2.1 -> 198.51.100.7. */
static void xc_ipv4(struct pktgen *g, struct bench_pkt *p, int ntags, __u8 proto, __u16 frag)
{
	static const __u8 daddr[4] = { 198, 51, 100, 7 };

	pktgen__init(g, p->b, sizeof(p->b));
	pktgen__eth(g, bench_mac_s, bench_mac_c, ETH_P_IP);
	if (ntags > 0)
		pktgen__vlan(g, ETH_P_8021AD, 100);
	if (ntags > 1)
		pktgen__vlan(g, ETH_P_8021Q, 101);
	pktgen__ipv4(g, bench_ip_c, daddr, proto, frag, NULL, 0);
}

/* TCP 50000 -> 80 with opts; an ACK acknowledges 0x55667788. */
static void xc_tcp(struct pktgen *g, __u8 flags, const __u8 *opts, __u32 optlen)
{
	pktgen__tcp(g, 50000, 80, 0x11223344, flags & PKTGEN_TH_ACK ? 0x55667788 : 0, flags, 0xfaf0,
		    opts, optlen);
}

/*
 * IPv6 2001:db8::1 -> 2001:db8::7, then hop-by-hop and destination options
 * with one PadN (8 bytes each) around a type 2 routing header (RFC 6275,
 * one address, segments left 1: 24 bytes).
 */
static void xc_ipv6_ext3(struct pktgen *g, struct bench_pkt *p)
{
	static const __u8 saddr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const __u8 daddr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x07 };
	static const __u8 hbh[8] = { 43, 0, 1, 4 }, dst[8] = { IPPROTO_TCP, 0, 1, 4 };
	static const __u8 rt2[24] = { 60, 2, 2, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, [23] = 0x99 };

	pktgen__init(g, p->b, sizeof(p->b));
	pktgen__eth(g, bench_mac_s, bench_mac_c, ETH_P_IPV6);
	pktgen__ipv6(g, saddr, daddr, 0);
	pktgen__ip6ext(g, hbh, sizeof(hbh));
	pktgen__ip6ext(g, rt2, sizeof(rt2));
	pktgen__ip6ext(g, dst, sizeof(dst));
}

static void xc_done(struct pktgen *g, int shape, struct xc_expect exp)
{
	pktgen__done(g);
	bench_pkt__from(&xc_shapes[shape].pkt, g);
	xc_shapes[shape].exp = exp;
}

void xc_build_shapes(void)
{
	static const __u8 frag_payload[120];
	__u8 ts_all = RX_TCPOPT_TS;
	struct pktgen g;

	xc_ipv4(&g, &xc_shapes[XC_SYN].pkt, 0, IPPROTO_TCP, PKTGEN_DF);
	xc_tcp(&g, PKTGEN_TH_SYN, xc_syn_opts, sizeof(xc_syn_opts));
	xc_done(&g, XC_SYN, (struct xc_expect){
		RX_REASON_OK, RX_PROTO_TCP, 0, 0,
		RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_TS | RX_TCPOPT_WSCALE });

	xc_ipv4(&g, &xc_shapes[XC_HTTP].pkt, 0, IPPROTO_TCP, PKTGEN_DF);
	xc_tcp(&g, PKTGEN_TH_PSH | PKTGEN_TH_ACK, bench_ts_opts, sizeof(bench_ts_opts));
	pktgen__put(&g, xc_http_get, sizeof(xc_http_get) - 1);
	xc_done(&g, XC_HTTP, (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 0, ts_all });

	xc_ipv4(&g, &xc_shapes[XC_DNS].pkt, 0, IPPROTO_UDP, 0);
	pktgen__udp(&g, 53124, 53);
	pktgen__put(&g, xc_dns_query, sizeof(xc_dns_query));
	xc_done(&g, XC_DNS, (struct xc_expect){ RX_REASON_OK, RX_PROTO_UDP, 0, 0, 0 });

	xc_ipv6_ext3(&g, &xc_shapes[XC_IP6EXT].pkt);
	xc_tcp(&g, PKTGEN_TH_ACK, bench_ts_opts, sizeof(bench_ts_opts));
	xc_done(&g, XC_IP6EXT, (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 3, ts_all });

	xc_ipv4(&g, &xc_shapes[XC_QINQ].pkt, 2, IPPROTO_TCP, PKTGEN_DF);
	xc_tcp(&g, PKTGEN_TH_ACK, bench_ts_opts, sizeof(bench_ts_opts));
	xc_done(&g, XC_QINQ, (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 2, 0, ts_all });

	/* offset 185 x 8 bytes, MF clear: the last fragment */
	xc_ipv4(&g, &xc_shapes[XC_FRAG].pkt, 0, IPPROTO_UDP, 1480 / 8);
	pktgen__put(&g, frag_payload, sizeof(frag_payload));
	xc_done(&g, XC_FRAG, (struct xc_expect){ RX_REASON_IP_FRAGMENT, RX_PROTO_IPV4, 0, 0, 0 });

	xc_ipv4(&g, &xc_shapes[XC_TCP_BARE].pkt, 0, IPPROTO_TCP, PKTGEN_DF);
	xc_tcp(&g, PKTGEN_TH_ACK, NULL, 0);
	xc_done(&g, XC_TCP_BARE, (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 0, 0 });
}

/* ---- the HTTP conversation ------------------------------------------------------ */

const char *const hc_pkt_name[HC_PKTS] = { "request", "response", "ack" };
const char *const hc_mode_name[HC_MODES] = {
	"trivial TC", "rxray tcp (http=0)", "rxray http=1", "rxray http=1 + txn records",
};

/* What wrk sends, plus the two headers an API client adds. */
static const char hc_request_base[] =
	"GET /api/v1/users/12345/orders?limit=20 HTTP/1.1\r\n"
	"Host: api.example.com\r\n"
	"User-Agent: wrk/4.1.0\r\n"
	"Accept: application/json\r\n"
	"X-Request-Id: 7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r\n"
	"\r\n";

/* What nginx 1.22 answers with `return 200 '{"items":[1,2,3]}';`. */
static const char hc_response_base[] =
	"HTTP/1.1 200 OK\r\n"
	"Server: nginx/1.22.1\r\n"
	"Date: Thu, 26 Nov 2026 16:00:00 GMT\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 17\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"{\"items\":[1,2,3]}";

/*
 * The messages timed: the two above, or with pad an extra header
 * "X-Pad: aaa...\r\n" of pad bytes right after the start line of each (to
 * see what a header byte costs).
 */
static char hc_request[BENCH_PKT_MAX / 2], hc_response[BENCH_PKT_MAX / 2];

int hc_messages(__u32 pad)
{
	const char *b[2] = { hc_request_base, hc_response_base };
	char *out[2] = { hc_request, hc_response };
	char padline[BENCH_PKT_MAX / 2];
	int i;

	if (pad && (pad < 9 || pad > 500))
		return -EINVAL;
	padline[0] = 0;
	if (pad) {
		memcpy(padline, "X-Pad: ", 7);
		memset(padline + 7, 'a', pad - 9);
		memcpy(padline + pad - 2, "\r\n", 3);
	}
	for (i = 0; i < 2; i++) {
		const char *eol = strstr(b[i], "\r\n") + 2;

		snprintf(out[i], sizeof(hc_request), "%.*s%s%s", (int)(eol - b[i]), b[i], padline, eol);
	}
	return 0;
}

/*
 * Ethernet II, IPv4 (RFC 791, DF, no options) and TCP (RFC 9293) with NOP
 * NOP TS, window 502, client port cport and server port 8080; sequence and
 * acknowledgement numbers and the TCP checksum set by hc_seq().
 */
static void hc_build(struct bench_pkt *p, int from_client, __u16 cport, __u8 flags, const char *payload)
{
	static const __u8 saddr[4] = { 192, 0, 2, 2 };
	struct pktgen g;

	memset(p, 0, sizeof(*p));
	pktgen__init(&g, p->b, sizeof(p->b));
	pktgen__eth(&g, from_client ? bench_mac_s : bench_mac_c, from_client ? bench_mac_c : bench_mac_s,
		    ETH_P_IP);
	pktgen__ipv4(&g, from_client ? bench_ip_c : saddr, from_client ? saddr : bench_ip_c,
		     IPPROTO_TCP, PKTGEN_DF, NULL, 0);
	pktgen__tcp(&g, from_client ? cport : HC_SERVER_PORT, from_client ? HC_SERVER_PORT : cport,
		    0, 0, flags, 502, bench_ts_opts, sizeof(bench_ts_opts));
	if (payload)
		pktgen__put(&g, payload, (__u32)strlen(payload));
	pktgen__done(&g);
	bench_pkt__from(p, &g);
}

static void hc_seq(struct bench_pkt *p, __u32 seq, __u32 ack)
{
	struct pktgen g;

	bench_pkt__gen(p, &g);
	pktgen__set32(&g, p->l4 + 4, seq);
	pktgen__set32(&g, p->l4 + 8, ack);
	pktgen__tcp_csum(&g);
}

/* The three packets of connection cport. */
void hc_packets(struct bench_pkt pk[HC_PKTS], __u16 cport)
{
	hc_build(&pk[HC_REQ], 1, cport, PKTGEN_TH_PSH | PKTGEN_TH_ACK, hc_request);
	hc_build(&pk[HC_RESP], 0, cport, PKTGEN_TH_PSH | PKTGEN_TH_ACK, hc_response);
	hc_build(&pk[HC_ACK], 1, cport, PKTGEN_TH_ACK, NULL);
}

/* ... as of transaction i of it. */
void hc_advance(struct bench_pkt pk[HC_PKTS], __u32 i)
{
	__u32 rq = (__u32)strlen(hc_request), rs = (__u32)strlen(hc_response);

	hc_seq(&pk[HC_REQ], HC_ISN_C + i * rq, HC_ISN_S + i * rs);
	hc_seq(&pk[HC_RESP], HC_ISN_S + i * rs, HC_ISN_C + (i + 1) * rq);
	hc_seq(&pk[HC_ACK], HC_ISN_C + (i + 1) * rq, HC_ISN_S + (i + 1) * rs);
}

void hc_mode(struct hc_ctx *x, int mode)
{
	volatile struct rx_config_rt *cfg = &x->rx->bss->rx_cfg;

	/* (traffic = 0, payload = 0, tcp = 1: fixed at load, hc_open) */
	cfg->capture = 0;
	cfg->http = mode >= HC_HTTP;
	cfg->txns = mode == HC_TXN;
}

int hc_ring_record(void *ctx, void *data, size_t size)
{
	struct hc_ctx *x = ctx;

	/* the request records (path, User-Agent) travel in the same ring */
	if (size == sizeof(struct rx_txn))
		x->ring_records++;
	return 0;
}

#define HC_DRAIN_EVERY 1000 /* pairs between txn ring drains: 1,000 x ~400 bytes < 1 MiB */

/*
 * n request/response pairs of mode on a fresh connection, one test run each;
 * adds the kernel's ns to ns[HC_REQ] and ns[HC_RESP].
 */
int hc_pairs(struct hc_ctx *x, int mode, __u32 n, __u64 ns[2])
{
	struct bench_pkt pk[HC_PKTS];
	__u32 i;
	long a, b;

	hc_packets(pk, x->next_port++);
	hc_mode(x, mode);
	for (i = 0; i < n; i++) {
		hc_advance(pk, i);
		a = bench__run(x->fd_in[mode], &pk[HC_REQ], 1, (__u32)TC_ACT_UNSPEC);
		b = a < 0 ? a : bench__run(x->fd_out[mode], &pk[HC_RESP], 1, (__u32)TC_ACT_UNSPEC);
		if (b < 0) {
			fprintf(stderr, "tc_http_cost: test run (%s): %s\n", hc_mode_name[mode],
				strerror((int)-b));
			return (int)b;
		}
		ns[HC_REQ] += (__u64)a;
		ns[HC_RESP] += (__u64)b;
		if (x->ring && (i + 1) % HC_DRAIN_EVERY == 0 && ring_buffer__consume(x->ring) < 0)
			return -EIO;
	}
	if (x->ring && ring_buffer__consume(x->ring) < 0)
		return -EIO;
	return 0;
}

/*
 * One packet kind k of mode, repeat runs in one test-run call, on a fresh
 * connection: requests alone (one queued, then retransmissions), responses
 * alone (one unmatched, then retransmissions), ACKs alone. The kernel's ns
 * per run, or -errno.
 */
long hc_repeated(struct hc_ctx *x, int mode, int k, __u32 repeat)
{
	struct bench_pkt pk[HC_PKTS];
	long d;

	hc_mode(x, mode);
	hc_packets(pk, x->next_port++);
	hc_advance(pk, 0);
	d = bench__run(k == HC_RESP ? x->fd_out[mode] : x->fd_in[mode], &pk[k], repeat,
		       (__u32)TC_ACT_UNSPEC);
	if (d < 0)
		fprintf(stderr, "tc_http_cost: test run (%s, %s): %s\n", hc_mode_name[mode],
			hc_pkt_name[k], strerror((int)-d));
	return d;
}

/* rxray's programs loaded and their txn ring opened; who names the caller in errors. */
int hc_open(struct hc_ctx *x, const char *who)
{
	int err;

	err = bench__load(&x->rx); /* hc_mode() switches http, txns */
	if (err) {
		fprintf(stderr, "%s: load rxray.bpf.o: %s\n", who, strerror(-err));
		return err;
	}
	x->ring = ring_buffer__new(bpf_map__fd(x->rx->maps.rx_txn_ring), hc_ring_record, x, NULL);
	if (!x->ring) {
		err = -errno;
		fprintf(stderr, "%s: ring buffer: %s\n", who, strerror(-err));
		return err;
	}
	return 0;
}

void hc_close(struct hc_ctx *x)
{
	ring_buffer__free(x->ring);
	rxray_bpf__destroy(x->rx);
}

/* ---- running -------------------------------------------------------------------- */

/*
 * rxray's programs loaded, their stage table filled; fixed at load (rodata):
 * TCP health on, the rest off. 0 or -errno.
 */
int bench__load(struct rxray_bpf **rx)
{
	*rx = rxray_bpf__open();
	if (!*rx)
		return -errno;
	memset((void *)&(*rx)->rodata->rx_ro, 0, sizeof((*rx)->rodata->rx_ro));
	(*rx)->rodata->rx_ro.tcp = 1;
	if (rxray_bpf__load(*rx) || rx_stages__fill((*rx)->obj))
		return -errno;
	return 0;
}

/* One BPF_PROG_TEST_RUN of repeat runs; the kernel's ns per run, or -errno. */
long bench__run(int fd, const struct bench_pkt *p, __u32 repeat, __u32 retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &opts);

	if (err)
		return err;
	if (opts.retval != retval)
		return -EPROTO;
	return (long)opts.duration;
}

/*
 * getopt over a table of options, each stored in the place it names; -h
 * prints usage to stdout and exits. Returns 0, or -EINVAL after usage to
 * stderr.
 */
int bench__parse_opts(int argc, char **argv, const struct bench_opt *opts, void (*usage)(FILE *))
{
	char optstring[64] = "h";
	const struct bench_opt *o;
	size_t n = 1;
	int c;

	for (o = opts; o->c && n + 2 < sizeof(optstring); o++) {
		optstring[n++] = o->c;
		optstring[n++] = ':';
	}
	optstring[n] = 0;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		for (o = opts; o->c && o->c != c; o++)
			;
		if (!o->c) {
			usage(stderr);
			return -EINVAL;
		}
		if (o->kind == 'u')
			*(__u32 *)o->dst = strtoul(optarg, NULL, 0);
		else if (o->kind == 'i')
			*(int *)o->dst = atoi(optarg);
		else
			*(const char **)o->dst = optarg;
	}
	return 0;
}

/* The options into b (its defaults first); 0, or -EINVAL after usage to stderr. */
int bench__rounds_opts(int argc, char **argv, struct bench_rounds *b, void (*usage)(FILE *))
{
	const struct bench_opt opts[] = {
		{ 'p', 'u', &b->runs }, { 'r', 'u', &b->rounds }, { 'C', 'i', &b->cpu }, { 0 },
	};

	b->runs = 20000;
	b->rounds = 7;
	b->cpu = -1;
	if (bench__parse_opts(argc, argv, opts, usage) || !b->runs || !b->rounds ||
	    b->rounds > BENCH_ROUNDS_MAX) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/*
 * Pin, set up, warm up and run the rounds; med[nvals] their medians, and a
 * heading that says how they were measured. 0 or -errno (said).
 */
int bench__rounds_run(struct bench_rounds *b, double *med)
{
	double *v, *r;
	__u32 i;
	int err, k;

	err = bench__pin(b->cpu, &b->cpu);
	if (!err)
		err = b->setup(b->ctx);
	if (err) {
		fprintf(stderr, "%s: %s\n", b->who, strerror(-err));
		return err;
	}
	v = calloc((size_t)b->nvals * (BENCH_ROUNDS_MAX + 1), sizeof(*v));
	if (!v) {
		fprintf(stderr, "%s: %s\n", b->who, strerror(ENOMEM));
		return -ENOMEM;
	}
	r = v + (size_t)b->nvals * BENCH_ROUNDS_MAX;
	err = b->round(b->ctx, 1000, r); /* warm-up */
	for (i = 0; i < b->rounds && !err; i++) {
		err = b->round(b->ctx, b->runs, r);
		for (k = 0; k < b->nvals; k++)
			v[k * BENCH_ROUNDS_MAX + i] = r[k];
	}
	if (err)
		fprintf(stderr, "%s: test run: %s\n", b->who, strerror(-err));
	for (k = 0; k < b->nvals && !err; k++)
		med[k] = bench__median(v + k * BENCH_ROUNDS_MAX, (int)b->rounds);
	free(v);
	if (!err)
		printf("%s: BPF_PROG_TEST_RUN (SCHED_CLS, tc_ingress) on CPU %d, kernel-reported ns "
		       "per packet, median of %u interleaved rounds of %u %s each\n",
		       b->who, b->cpu, b->rounds, b->runs, b->unit);
	return err;
}

static int bench__cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

/* The median of v[0..n-1] (sorted in place); of two middle values, their mean. */
double bench__median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench__cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Pin this process to cpu (-1: the one it runs on); the CPU in *pinned. */
int bench__pin(int cpu, int *pinned)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0)
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	*pinned = cpu;
	return 0;
}

/* One of rxray's stats, summed over every CPU and both hooks' entries of rx_percpu. */
int bench__stat(struct rxray_bpf *rx, int ncpus, __u32 stat, __u64 *sum)
{
	struct rx_percpu *v = calloc(ncpus, sizeof(*v));
	__u32 slot;
	int err = 0, i;

	*sum = 0;
	if (!v)
		return -ENOMEM;
	for (slot = 0; !err && slot < 2 && stat < RX_STAT_MAX; slot++) {
		err = bpf_map__lookup_elem(rx->maps.rx_percpu, &slot, sizeof(slot), v,
					   sizeof(*v) * ncpus, 0);
		for (i = 0; !err && i < ncpus; i++)
			*sum += v[i].tally.stats[stat];
	}
	free(v);
	return err;
}

/*
 * The packets as a classic pcap (microsecond, DLT_EN10MB), for tshark to
 * confirm; packet i at 1700000000 + i * sec_step s and i * usec_step us.
 */
int bench__write_pcap(const char *path, const struct bench_pkt *const *pkts, int n,
		      __u32 sec_step, __u32 usec_step)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s32 zone;
		__u32 sigfigs, snaplen, linktype;
	} fh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	FILE *f = fopen(path, "wb");
	int i, err = 0;

	if (!f)
		return -errno;
	if (fwrite(&fh, sizeof(fh), 1, f) != 1)
		err = -EIO;
	for (i = 0; i < n && !err; i++) {
		const struct bench_pkt *p = pkts[i];
		__u32 rh[4] = { 1700000000u + i * sec_step, i * usec_step, p->len, p->len };

		if (fwrite(rh, sizeof(rh), 1, f) != 1 || fwrite(p->b, p->len, 1, f) != 1)
			err = -EIO;
	}
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

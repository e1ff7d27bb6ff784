// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_cost: what rxray's XDP program costs per packet, next to the cheapest
 * XDP program that counts (bench/trivial.bpf.c), both loaded in this process
 * and run by the kernel on the same packets with BPF_PROG_TEST_RUN.
 *
 * The number reported per run is the kernel's own `duration` (ns per
 * repetition, averaged by the kernel over `repeat` runs); the test-run loop's
 * overhead is in both programs' numbers, so rxray - trivial is the price of
 * decoding and rxray / trivial is the ratio the goal is stated in.
 *
 * Runs are interleaved (trivial, rxray, trivial, rxray, ...) over several
 * rounds on one pinned CPU and the median per shape is reported, so a slow
 * phase of the machine hits both programs alike.
 *
 * Every packet shape is built here and checked after a run: the decoded
 * packet left in rxray's per-CPU scratch must show the layers the shape is
 * meant to exercise, so the benchmark cannot silently time an early exit.
 *
 * Two modes:
 *   decode   rx_cfg.capture = 0: decode and count (the always-on path)
 *   capture  rx_cfg.capture = 1, snaplen 2048: every packet also goes to the
 *            ring buffer; runs are cut into batches that fit the ring and
 *            the ring is drained between batches (outside the timed part),
 *            so no reservation fails and the cost is that of a record really
 *            produced. Lost records are counted and reported.
 *
 * The ring is enlarged before load (-R, default 256 MiB) rather than the
 * batches made small: with repeat > 1 every XDP test run swaps the program
 * into the XDP dispatcher and back, an RCU grace period each way (~16 ms of
 * wall time per call here, outside the reported duration), so thousands of
 * small batches would take minutes and measure nothing more.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "../src/stages.h"
#include "bench/trivial.skel.h"

#define XC_PKT_MAX 1600
#define XC_ROUNDS_MAX 101
/* bytes one capture record takes in the ring: the record and the ring's 8-byte header */
#define XC_RING_REC ((sizeof(struct rx_capture) + 8 + 7) & ~7ul)

/* ---- packet shapes --------------------------------------------------------- */

struct xc_pkt {
	__u8 b[XC_PKT_MAX];
	__u32 len;
	__u32 l3;     /* offset of the IP header */
	__u32 l4;     /* offset of the L4 header */
};

static void xc_put(struct xc_pkt *p, const void *src, __u32 n)
{
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void xc_put16(struct xc_pkt *p, __u16 v)
{
	__u8 b[2] = { v >> 8, v & 0xff };

	xc_put(p, b, 2);
}

static void xc_set16(struct xc_pkt *p, __u32 off, __u16 v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

/* Ethernet II (IEEE 802.3), then ntags 802.1ad/802.1Q tags. */
static void xc_eth(struct xc_pkt *p, __u16 type, int ntags)
{
	static const __u8 macs[12] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
				       0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const __u16 tpid[2] = { ETH_P_8021AD, ETH_P_8021Q };
	int i;

	xc_put(p, macs, sizeof(macs));
	for (i = 0; i < ntags; i++) {
		xc_put16(p, tpid[i]);
		xc_put16(p, (__u16)(100 + i)); /* PCP 0, DEI 0, VID 100/101 */
	}
	xc_put16(p, type);
}

/* IPv4 (RFC 791), no options; total length and checksum set by xc_ipv4_done(). */
static void xc_ipv4(struct xc_pkt *p, __u8 proto, __u16 frag)
{
	__u8 h[20] = { 0x45, 0, 0, 0, 0x12, 0x34, frag >> 8, frag & 0xff, 64, proto, 0, 0,
		       192, 0, 2, 1, 198, 51, 100, 7 };

	p->l3 = p->len;
	xc_put(p, h, sizeof(h));
	p->l4 = p->len;
}

static void xc_ipv4_done(struct xc_pkt *p)
{
	__u32 sum = 0, i;

	xc_set16(p, p->l3 + 2, (__u16)(p->len - p->l3));
	xc_set16(p, p->l3 + 10, 0);
	for (i = 0; i < 20; i += 2)
		sum += (__u32)p->b[p->l3 + i] << 8 | p->b[p->l3 + i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	xc_set16(p, p->l3 + 10, (__u16)~sum);
}

/* IPv6 (RFC 8200) fixed header; payload length set by xc_ipv6_done(). */
static void xc_ipv6(struct xc_pkt *p, __u8 nxt)
{
	__u8 h[40] = { 0x60, 0x00, 0x00, 0x00, 0, 0, nxt, 64 };

	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = 0x01;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[39] = 0x07;
	p->l3 = p->len;
	xc_put(p, h, sizeof(h));
}

static void xc_ipv6_done(struct xc_pkt *p)
{
	xc_set16(p, p->l3 + 4, (__u16)(p->len - p->l3 - 40));
}

/*
 * An IPv6 extension header (RFC 8200 section 4): hop-by-hop or destination
 * options with one PadN (8 bytes), or a type 2 routing header (RFC 6275,
 * one address, segments left 1: 24 bytes).
 */
static void xc_ip6ext(struct xc_pkt *p, __u8 type, __u8 nxt)
{
	__u8 h[24] = { nxt, 0, 1, 4 };
	__u32 n = 8;

	if (type == 43) {
		h[1] = 2;
		h[2] = 2;
		h[3] = 1;
		h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = 0x99;
		n = 24;
	}
	xc_put(p, h, n);
}

/* TCP (RFC 9293) header with opts (a multiple of 4 bytes). */
static void xc_tcp(struct xc_pkt *p, __u8 flags, const __u8 *opts, __u32 optlen)
{
	__u8 h[20] = { 0xc3, 0x50, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
		       (__u8)((20 + optlen) / 4) << 4, flags, 0xfa, 0xf0 };

	if (flags & 0x10) /* ACK */
		h[8] = 0x55, h[9] = 0x66, h[10] = 0x77, h[11] = 0x88;
	p->l4 = p->len;
	xc_put(p, h, sizeof(h));
	if (optlen)
		xc_put(p, opts, optlen);
}

static void xc_udp(struct xc_pkt *p, __u16 sport, __u16 dport, const void *pl, __u32 n)
{
	p->l4 = p->len;
	xc_put16(p, sport);
	xc_put16(p, dport);
	xc_put16(p, (__u16)(8 + n));
	xc_put16(p, 0);
	xc_put(p, pl, n);
}

/* Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const __u8 xc_syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x00, 0x12, 0x34, 0x56,
				      0, 0, 0, 0, 1, 3, 3, 7 };
/* An established segment's options: NOP, NOP, timestamps. */
static const __u8 xc_ts_opts[12] = { 1, 1, 8, 10, 0x00, 0x12, 0x34, 0x99, 0x00, 0xab, 0xcd, 0xef };

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

/* What the decoded packet must show for a shape to count as exercised. */
struct xc_expect {
	__u8 reason;
	__u8 proto;
	__u8 vlan_n;
	__u8 ip6ext_n;
	__u8 tcp_optmask;
};

struct xc_shape {
	const char *name;
	const char *what;
	struct xc_pkt pkt;
	struct xc_expect exp;
};

enum { XC_SYN, XC_HTTP, XC_DNS, XC_IP6EXT, XC_QINQ, XC_FRAG, XC_TCP_BARE, XC_SHAPES };

static struct xc_shape xc_shapes[XC_SHAPES] = {
	[XC_SYN] = { "tcp_syn_opts", "IPv4 TCP SYN, options MSS SACK-perm TS NOP WS" },
	[XC_HTTP] = { "http_get", "IPv4 TCP PSH|ACK (NOP NOP TS) + HTTP GET" },
	[XC_DNS] = { "udp_dns", "IPv4 UDP DNS query" },
	[XC_IP6EXT] = { "ipv6_ext3_tcp", "IPv6 + hop-by-hop, routing, dest-opts + TCP ACK (TS)" },
	[XC_QINQ] = { "qinq_tcp", "802.1ad + 802.1Q + IPv4 TCP ACK (TS)" },
	[XC_FRAG] = { "ipv4_frag", "IPv4 non-first fragment (offset 1480) of UDP" },
	[XC_TCP_BARE] = { "tcp_bare", "IPv4 TCP ACK, no options (reference: no option walk)" },
};

static void xc_build_shapes(void)
{
	static const __u8 frag_payload[120];
	struct xc_pkt *p;
	__u8 ts_all = RX_TCPOPT_TS;

	p = &xc_shapes[XC_SYN].pkt;
	xc_eth(p, ETH_P_IP, 0);
	xc_ipv4(p, IPPROTO_TCP, 0x4000);
	xc_tcp(p, 0x02, xc_syn_opts, sizeof(xc_syn_opts));
	xc_ipv4_done(p);
	xc_shapes[XC_SYN].exp = (struct xc_expect){
		RX_REASON_OK, RX_PROTO_TCP, 0, 0,
		RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_TS | RX_TCPOPT_WSCALE
	};

	p = &xc_shapes[XC_HTTP].pkt;
	xc_eth(p, ETH_P_IP, 0);
	xc_ipv4(p, IPPROTO_TCP, 0x4000);
	xc_tcp(p, 0x18, xc_ts_opts, sizeof(xc_ts_opts));
	xc_put(p, xc_http_get, sizeof(xc_http_get) - 1);
	xc_ipv4_done(p);
	xc_shapes[XC_HTTP].exp = (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 0, ts_all };

	p = &xc_shapes[XC_DNS].pkt;
	xc_eth(p, ETH_P_IP, 0);
	xc_ipv4(p, IPPROTO_UDP, 0);
	xc_udp(p, 53124, 53, xc_dns_query, sizeof(xc_dns_query));
	xc_ipv4_done(p);
	xc_shapes[XC_DNS].exp = (struct xc_expect){ RX_REASON_OK, RX_PROTO_UDP, 0, 0, 0 };

	p = &xc_shapes[XC_IP6EXT].pkt;
	xc_eth(p, ETH_P_IPV6, 0);
	xc_ipv6(p, 0);
	xc_ip6ext(p, 0, 43);
	xc_ip6ext(p, 43, 60);
	xc_ip6ext(p, 60, IPPROTO_TCP);
	xc_tcp(p, 0x10, xc_ts_opts, sizeof(xc_ts_opts));
	xc_ipv6_done(p);
	xc_shapes[XC_IP6EXT].exp = (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 3, ts_all };

	p = &xc_shapes[XC_QINQ].pkt;
	xc_eth(p, ETH_P_IP, 2);
	xc_ipv4(p, IPPROTO_TCP, 0x4000);
	xc_tcp(p, 0x10, xc_ts_opts, sizeof(xc_ts_opts));
	xc_ipv4_done(p);
	xc_shapes[XC_QINQ].exp = (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 2, 0, ts_all };

	p = &xc_shapes[XC_FRAG].pkt;
	xc_eth(p, ETH_P_IP, 0);
	xc_ipv4(p, IPPROTO_UDP, 1480 / 8); /* offset 185 x 8 bytes, MF clear: the last fragment */
	xc_put(p, frag_payload, sizeof(frag_payload));
	xc_ipv4_done(p);
	xc_shapes[XC_FRAG].exp = (struct xc_expect){ RX_REASON_IP_FRAGMENT, RX_PROTO_IPV4, 0, 0, 0 };

	p = &xc_shapes[XC_TCP_BARE].pkt;
	xc_eth(p, ETH_P_IP, 0);
	xc_ipv4(p, IPPROTO_TCP, 0x4000);
	xc_tcp(p, 0x10, NULL, 0);
	xc_ipv4_done(p);
	xc_shapes[XC_TCP_BARE].exp = (struct xc_expect){ RX_REASON_OK, RX_PROTO_TCP, 0, 0, 0 };
}

/* The shapes as a classic pcap (microsecond, DLT_EN10MB), for tshark to confirm. */
static int xc_write_pcap(const char *path)
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
	for (i = 0; i < XC_SHAPES && !err; i++) {
		const struct xc_pkt *p = &xc_shapes[i].pkt;
		__u32 rh[4] = { 1700000000u + i, 0, p->len, p->len };

		if (fwrite(rh, sizeof(rh), 1, f) != 1 || fwrite(p->b, p->len, 1, f) != 1)
			err = -EIO;
	}
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* ---- running ---------------------------------------------------------------- */

struct xc_ctx {
	struct rxray_bpf *rx;
	struct trivial_bpf *triv;
	struct ring_buffer *ring;
	int fd_rx, fd_triv;
	int cpu, ncpus;
	__u64 ring_records, ring_bytes;
};

/* One BPF_PROG_TEST_RUN of repeat runs; returns the kernel's ns per run, or -errno. */
static long xc_run(int prog_fd, const struct xc_pkt *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return err;
	if (opts.retval != XDP_PASS)
		return -EPROTO;
	return (long)opts.duration;
}

static int xc_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long xc_median(long *v, int n)
{
	qsort(v, n, sizeof(*v), xc_cmp_long);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* rxray's decoded packet for this CPU, as the last run left it in rx_scratch. */
static int xc_check_decode(struct xc_ctx *x, const struct xc_shape *s)
{
	struct rx_work *w = calloc(x->ncpus, sizeof(*w));
	const struct xc_expect *e = &s->exp;
	const struct rx_pkt *pk;
	__u32 zero = 0;
	int err;

	if (!w)
		return -ENOMEM;
	err = bpf_map__lookup_elem(x->rx->maps.rx_scratch, &zero, sizeof(zero), w,
				   sizeof(*w) * x->ncpus, 0);
	if (err)
		goto out;
	pk = &w[x->cpu].pkt;
	if (pk->reason != e->reason || pk->proto != e->proto || pk->vlan_n != e->vlan_n ||
	    pk->ip6ext_n != e->ip6ext_n || pk->tcp_optmask != e->tcp_optmask ||
	    pk->cap_len != s->pkt.len) {
		fprintf(stderr,
			"xdp_cost: %s decoded as reason %u proto %u vlans %u ip6ext %u tcpopt %#x "
			"len %u; expected %u %u %u %u %#x %u\n",
			s->name, pk->reason, pk->proto, pk->vlan_n, pk->ip6ext_n, pk->tcp_optmask,
			pk->cap_len, e->reason, e->proto, e->vlan_n, e->ip6ext_n, e->tcp_optmask,
			s->pkt.len);
		err = -EPROTO;
	}
out:
	free(w);
	return err;
}

static int xc_stat(struct xc_ctx *x, __u32 stat, __u64 *sum)
{
	__u64 *v = calloc(x->ncpus, sizeof(*v));
	int err, i;

	if (!v)
		return -ENOMEM;
	err = bpf_map__lookup_elem(x->rx->maps.rx_stats, &stat, sizeof(stat), v,
				   sizeof(*v) * x->ncpus, 0);
	*sum = 0;
	for (i = 0; !err && i < x->ncpus; i++)
		*sum += v[i];
	free(v);
	return err;
}

static int xc_ring_record(void *ctx, void *data, size_t size)
{
	struct xc_ctx *x = ctx;
	const struct rx_capture *rec = data;

	x->ring_records++;
	x->ring_bytes += rec->data_len;
	return 0;
}

static __u64 xc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * repeat runs cut into batches of at most batch, the ring drained after each
 * (untimed by the kernel, timed here for the consumer's cost). Returns the
 * kernel's ns per run over all batches, or -errno.
 */
static long xc_run_batched(struct xc_ctx *x, int prog_fd, const struct xc_pkt *p,
			   __u32 repeat, __u32 batch, __u64 *drain_ns)
{
	__u64 total = 0, t0;
	__u32 done = 0, n;
	long d;

	while (done < repeat) {
		n = repeat - done < batch ? repeat - done : batch;
		d = xc_run(prog_fd, p, n);
		if (d < 0)
			return d;
		total += (__u64)d * n;
		done += n;
		if (x->ring) {
			t0 = xc_now_ns();
			if (ring_buffer__consume(x->ring) < 0)
				return -EIO;
			*drain_ns += xc_now_ns() - t0;
		}
	}
	return (long)(total / repeat);
}

struct xc_opts {
	__u32 repeat;
	__u32 rounds;
	__u32 cap_repeat;
	__u32 cap_batch;
	__u32 ring_mib;
	int cpu;
	const char *only;
	const char *pcap_out;
};

static void xc_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp_cost [-n REPEAT] [-r ROUNDS] [-N CAP_REPEAT] [-b CAP_BATCH]\n"
		"                [-R RING_MIB] [-C CPU] [-s SHAPE] [-w SHAPES.pcap]\n"
		"\n"
		"Per-packet cost of rxray's xdp_ingress against a trivial counting XDP\n"
		"program, by BPF_PROG_TEST_RUN, interleaved, median of ROUNDS.\n"
		"\n"
		"  -n REPEAT      runs per test-run call, decode mode (default 1000000)\n"
		"  -r ROUNDS      interleaved rounds, odd is best (default 7, max %d)\n"
		"  -N CAP_REPEAT  runs per shape and round, capture mode (default 200000)\n"
		"  -b CAP_BATCH   runs per test-run call between ring drains (default 100000)\n"
		"  -R RING_MIB    rx_ring size, a power of two (default 256)\n"
		"  -C CPU         CPU to pin to (default: the one this starts on)\n"
		"  -s SHAPE       time only SHAPE, decode mode only (for perf record)\n"
		"  -w FILE        write the packet shapes to FILE (pcap) and exit\n",
		XC_ROUNDS_MAX);
}

static int xc_parse_opts(int argc, char **argv, struct xc_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "n:r:N:b:R:C:s:w:h")) != -1) {
		switch (c) {
		case 'n':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->rounds = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			o->cap_repeat = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			o->cap_batch = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			o->ring_mib = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o->cpu = atoi(optarg);
			break;
		case 's':
			o->only = optarg;
			break;
		case 'w':
			o->pcap_out = optarg;
			break;
		case 'h':
			xc_usage(stdout);
			exit(0);
		default:
			xc_usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->repeat || !o->rounds || o->rounds > XC_ROUNDS_MAX || !o->cap_repeat ||
	    !o->cap_batch || !o->ring_mib || o->ring_mib > 1024 ||
	    (o->ring_mib & (o->ring_mib - 1))) {
		xc_usage(stderr);
		return -EINVAL;
	}
	if ((__u64)o->cap_batch * XC_RING_REC > (__u64)o->ring_mib << 20) {
		fprintf(stderr, "xdp_cost: -b %u records of %lu bytes do not fit a %u MiB ring\n",
			o->cap_batch, XC_RING_REC, o->ring_mib);
		return -EINVAL;
	}
	return 0;
}

static int xc_pin(struct xc_ctx *x, int cpu)
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
	x->cpu = cpu;
	return 0;
}

/* Median ns per run of both programs, interleaved, for one mode. */
static int xc_measure(struct xc_ctx *x, const struct xc_opts *o, int capture,
		      long med[XC_SHAPES][2], __u64 *drain_ns)
{
	long v[XC_SHAPES][2][XC_ROUNDS_MAX];
	__u32 r, i, k;
	long d;

	for (r = 0; r < o->rounds; r++) {
		for (i = 0; i < XC_SHAPES; i++) {
			for (k = 0; k < 2; k++) {
				int fd = k ? x->fd_rx : x->fd_triv;
				const struct xc_pkt *p = &xc_shapes[i].pkt;

				if (o->only && strcmp(o->only, xc_shapes[i].name)) {
					v[i][k][r] = 0;
					continue;
				}
				if (capture)
					d = xc_run_batched(x, fd, p, o->cap_repeat, o->cap_batch,
							   drain_ns);
				else
					d = xc_run(fd, p, o->repeat);
				if (d < 0) {
					fprintf(stderr, "xdp_cost: test run of %s: %s\n",
						xc_shapes[i].name, strerror((int)-d));
					return (int)d;
				}
				v[i][k][r] = d;
			}
		}
	}
	for (i = 0; i < XC_SHAPES; i++)
		for (k = 0; k < 2; k++)
			med[i][k] = xc_median(v[i][k], (int)o->rounds);
	return 0;
}

/* One mode's table: median ns per run of each program, their difference and ratio. */
static void xc_print(const char *tag, long med[XC_SHAPES][2], double goal, const char *only)
{
	double worst = 0, ratio;
	int i;

	printf("  %-14s %5s %10s %10s %10s %7s\n", "shape", "bytes", "trivial", "rxray",
	       "rxray-triv", "ratio");
	for (i = 0; i < XC_SHAPES; i++) {
		if (only && strcmp(only, xc_shapes[i].name))
			continue;
		ratio = med[i][0] ? (double)med[i][1] / (double)med[i][0] : 0;
		if (ratio > worst)
			worst = ratio;
		printf("  %-14s %5u %7ld ns %7ld ns %7ld ns %6.2fx\n", xc_shapes[i].name,
		       xc_shapes[i].pkt.len, med[i][0], med[i][1], med[i][1] - med[i][0], ratio);
	}
	if (goal > 0)
		printf("  %s: worst ratio %.2fx, goal <= %.2fx: %s\n", tag, worst, goal,
		       worst <= goal ? "MET" : "MISSED");
	else
		printf("  %s: worst ratio %.2fx\n", tag, worst);
}

int main(int argc, char **argv)
{
	struct xc_opts o = { .repeat = 1000000, .rounds = 7, .cap_repeat = 200000,
			     .cap_batch = 100000, .ring_mib = 256, .cpu = -1 };
	struct xc_ctx x = { 0 };
	long dec[XC_SHAPES][2], cap[XC_SHAPES][2];
	__u64 produced0, produced1, lost0, lost1, drain_ns = 0;
	int err, i;

	err = xc_parse_opts(argc, argv, &o);
	if (err)
		return 2;
	xc_build_shapes();
	if (o.pcap_out) {
		err = xc_write_pcap(o.pcap_out);
		if (err)
			fprintf(stderr, "xdp_cost: %s: %s\n", o.pcap_out, strerror(-err));
		return err ? 1 : 0;
	}

	err = xc_pin(&x, o.cpu);
	if (err) {
		fprintf(stderr, "xdp_cost: pin to CPU: %s\n", strerror(-err));
		goto cleanup;
	}
	x.ncpus = libbpf_num_possible_cpus();
	if (x.ncpus <= 0) {
		err = x.ncpus ? x.ncpus : -EINVAL;
		goto cleanup;
	}
	x.triv = trivial_bpf__open_and_load();
	if (!x.triv) {
		err = -errno;
		fprintf(stderr, "xdp_cost: load trivial.bpf.o: %s\n", strerror(-err));
		goto cleanup;
	}
	x.rx = rxray_bpf__open();
	if (!x.rx) {
		err = -errno;
		fprintf(stderr, "xdp_cost: open rxray.bpf.o: %s\n", strerror(-err));
		goto cleanup;
	}
	err = bpf_map__set_max_entries(x.rx->maps.rx_ring, o.ring_mib << 20);
	if (err) {
		fprintf(stderr, "xdp_cost: resize rx_ring: %s\n", strerror(-err));
		goto cleanup;
	}
	err = rxray_bpf__load(x.rx);
	if (!err)
		err = rx_stages__fill(x.rx->obj);
	if (err) {
		fprintf(stderr, "xdp_cost: load rxray.bpf.o: %s\n", strerror(-err));
		goto cleanup;
	}
	x.fd_triv = bpf_program__fd(x.triv->progs.xdp_trivial);
	x.fd_rx = bpf_program__fd(x.rx->progs.xdp_ingress);
	/* every run-time option off but the one measured: the zero config is the default */
	memset((void *)&x.rx->bss->rx_cfg, 0, sizeof(x.rx->bss->rx_cfg));
	x.rx->bss->rx_cfg.snaplen = RX_SNAP_MAX;

	for (i = 0; o.only && i < XC_SHAPES; i++)
		if (!strcmp(o.only, xc_shapes[i].name))
			break;
	if (i == XC_SHAPES) {
		fprintf(stderr, "xdp_cost: no shape named %s\n", o.only);
		err = -EINVAL;
		goto cleanup;
	}

	/* warm up both programs and prove each shape decodes as intended */
	for (i = 0; i < XC_SHAPES; i++) {
		const struct xc_shape *s = &xc_shapes[i];
		long a = xc_run(x.fd_triv, &s->pkt, 1000), b = xc_run(x.fd_rx, &s->pkt, 1000);

		if (a < 0 || b < 0) {
			err = a < 0 ? (int)a : (int)b;
			fprintf(stderr, "xdp_cost: warm-up of %s: %s\n", s->name, strerror(-err));
			goto cleanup;
		}
		err = xc_check_decode(&x, s);
		if (err)
			goto cleanup;
	}

	printf("xdp_cost: BPF_PROG_TEST_RUN on CPU %d, kernel-reported ns per run, "
	       "median of %u interleaved rounds\n", x.cpu, o.rounds);
	for (i = 0; i < XC_SHAPES; i++)
		printf("  %-14s %s\n", xc_shapes[i].name, xc_shapes[i].what);

	err = xc_measure(&x, &o, 0, dec, NULL);
	if (err)
		goto cleanup;
	printf("\ndecode + count, capture off (rx_cfg.capture = 0)\n"
	       "  (%u runs per test-run call)\n", o.repeat);
	xc_print("decode", dec, 1.5, o.only);
	if (o.only)
		goto cleanup;

	x.ring = ring_buffer__new(bpf_map__fd(x.rx->maps.rx_ring), xc_ring_record, &x, NULL);
	if (!x.ring) {
		err = -errno;
		fprintf(stderr, "xdp_cost: ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	err = xc_stat(&x, RX_STAT_CAPTURE_PRODUCED, &produced0) ?:
	      xc_stat(&x, RX_STAT_CAPTURE_LOST, &lost0);
	if (err)
		goto cleanup;
	x.rx->bss->rx_cfg.capture = 1;
	x.rx->bss->rx_cfg.snaplen = RX_SNAP_MAX;
	err = xc_measure(&x, &o, 1, cap, &drain_ns);
	x.rx->bss->rx_cfg.capture = 0;
	if (err)
		goto cleanup;
	if (ring_buffer__consume(x.ring) < 0) {
		err = -EIO;
		goto cleanup;
	}
	err = xc_stat(&x, RX_STAT_CAPTURE_PRODUCED, &produced1) ?:
	      xc_stat(&x, RX_STAT_CAPTURE_LOST, &lost1);
	if (err)
		goto cleanup;
	printf("\ndecode + count + capture (rx_cfg.capture = 1, snaplen 2048)\n"
	       "  (%u runs per shape and round, in test-run calls of %u, %u MiB ring drained\n"
	       "   after each call)\n", o.cap_repeat, o.cap_batch, o.ring_mib);
	xc_print("capture", cap, 0, NULL);
	printf("  capture: records produced %llu, lost (reserve failed) %llu, consumed %llu, "
	       "drain %.1f ns/record in user space\n",
	       (unsigned long long)(produced1 - produced0), (unsigned long long)(lost1 - lost0),
	       (unsigned long long)x.ring_records,
	       x.ring_records ? (double)drain_ns / (double)x.ring_records : 0.0);
	if (lost1 != lost0 || x.ring_records != produced1 - produced0) {
		fprintf(stderr, "xdp_cost: capture records were lost: the ring is too small "
				"for -b %u\n", o.cap_batch);
		err = -ENOSPC;
	}

	/* machine-readable lines for bench/run.sh */
	for (i = 0; i < XC_SHAPES; i++)
		printf("RESULT xdp %s trivial_ns=%ld rxray_ns=%ld capture_trivial_ns=%ld "
		       "capture_rxray_ns=%ld\n", xc_shapes[i].name, dec[i][0], dec[i][1],
		       cap[i][0], cap[i][1]);
cleanup:
	ring_buffer__free(x.ring);
	rxray_bpf__destroy(x.rx);
	trivial_bpf__destroy(x.triv);
	return err ? 1 : 0;
}

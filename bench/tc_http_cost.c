// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tc_http_cost: what rxray's TC programs cost per HTTP request and response
 * packet, next to the cheapest TC program that counts
 * (bench/trivial_tc.bpf.c), all loaded in this process and run by the
 * kernel with BPF_PROG_TEST_RUN (BPF_PROG_TYPE_SCHED_CLS: the kernel builds
 * an skb around data_in, a whole Ethernet frame).
 *
 * The packets: an HTTP/1.1 GET (client 192.0.2.1 -> server 192.0.2.2:8080,
 * 203 bytes of request head, a path that templates to /api/v1/users/{id}/orders)
 * and nginx's 200 answer to it (the same 5-tuple reversed, 17-byte JSON
 * body), plus a bare ACK as a reference. As on a server's interface, requests
 * go through tc_ingress and responses through tc_egress (the same code: the
 * HTTP tracker tells them apart by content, not by hook).
 *
 * Three configurations of rxray's programs (rx_cfg, written in .bss):
 *   tcp    rx_cfg.tcp = 1, http = 0: TCP health only (flow table, handshake,
 *          retransmit and RST accounting), the HTTP tracker off;
 *   http   tcp = 1, http = 1: requests queued, responses paired, the RED
 *          metrics of the endpoint updated (what `rxray serve` runs);
 *   txn    http, and txns = 1: a record per transaction in the ring buffer
 *          (what `rxray requests` runs); the ring is drained between calls.
 *
 * Two ways of running them:
 *
 *   paired    request, response, request, response ... on one keep-alive
 *             connection, each packet one test run (repeat = 1), sequence
 *             and acknowledgement numbers advancing as on the wire. Every
 *             request is queued and every response completes a transaction:
 *             the path a real request and response take. With repeat = 1 the
 *             kernel's duration also holds one clock read of the test-run
 *             loop (for the trivial program too, so rxray - trivial is the
 *             programs' own cost). The run checks afterwards, from rxray's
 *             own counters, that every pair was one transaction (endpoints'
 *             count) and nothing was unmatched, expired or pipe_full.
 *   repeated  one packet, repeat = N (the usual way to time a program). It
 *             is NOT a transaction: the same segment again and again is a
 *             retransmission, so after the first run (a queued request, or
 *             an unmatched response) each run is the decode (start line and
 *             header walk) and the connection lookup that finds it already
 *             seen. Shown as the cost of the decoding alone.
 *
 * Runs are interleaved (trivial, tcp, http, txn per round) over several
 * rounds on one pinned CPU, the median per mode reported.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "../src/stages.h"
#include "bench/trivial_tc.skel.h"

#define HC_PKT_MAX 1600
#define HC_ROUNDS_MAX 101
#define HC_SERVER_PORT 8080
#define HC_DRAIN_EVERY 1000 /* pairs between txn ring drains: 1,000 x ~400 bytes < 1 MiB */

/* ---- packets ---------------------------------------------------------------- */

struct hc_pkt {
	__u8 b[HC_PKT_MAX];
	__u32 len;
	__u32 l3, l4, pl; /* offsets: IP header, TCP header, payload */
};

static void hc_put(struct hc_pkt *p, const void *src, __u32 n)
{
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void hc_set16(struct hc_pkt *p, __u32 off, __u16 v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

static void hc_set32(struct hc_pkt *p, __u32 off, __u32 v)
{
	hc_set16(p, off, v >> 16);
	hc_set16(p, off + 2, v & 0xffff);
}

static __u32 hc_sum(const __u8 *b, __u32 n, __u32 sum)
{
	__u32 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (__u32)b[n - 1] << 8;
	return sum;
}

static __u16 hc_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Ethernet II, IPv4 (RFC 791, DF, no options) and TCP (RFC 9293) with NOP NOP TS. */
static void hc_build(struct hc_pkt *p, int from_client, __u16 cport, __u8 flags, const char *payload)
{
	static const __u8 cmac[6] = { 0x02, 0, 0, 0, 0, 0x01 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 caddr[4] = { 192, 0, 2, 1 }, saddr[4] = { 192, 0, 2, 2 };
	__u8 ip[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, IPPROTO_TCP };
	__u8 tcp[32] = { 0 };
	static const __u8 ts[12] = { 1, 1, 8, 10, 0x00, 0x12, 0x34, 0x99, 0x00, 0xab, 0xcd, 0xef };
	__u16 type = ETH_P_IP;

	memset(p, 0, sizeof(*p));
	hc_put(p, from_client ? smac : cmac, 6);
	hc_put(p, from_client ? cmac : smac, 6);
	hc_set16(p, p->len, type);
	p->len += 2;
	p->l3 = p->len;
	memcpy(ip + 12, from_client ? caddr : saddr, 4);
	memcpy(ip + 16, from_client ? saddr : caddr, 4);
	hc_put(p, ip, sizeof(ip));
	p->l4 = p->len;
	tcp[12] = (32 / 4) << 4;
	tcp[13] = flags;
	tcp[14] = 0x01, tcp[15] = 0xf6; /* window 502 */
	memcpy(tcp + 20, ts, sizeof(ts));
	hc_put(p, tcp, sizeof(tcp));
	hc_set16(p, p->l4 + (from_client ? 0 : 2), cport);
	hc_set16(p, p->l4 + (from_client ? 2 : 0), HC_SERVER_PORT);
	p->pl = p->len;
	if (payload)
		hc_put(p, payload, (__u32)strlen(payload));
	hc_set16(p, p->l3 + 2, (__u16)(p->len - p->l3));
	hc_set16(p, p->l3 + 10, hc_fold(hc_sum(p->b + p->l3, 20, 0)));
}

/* Sequence and acknowledgement numbers, then the TCP checksum (pseudo-header, RFC 9293 3.1). */
static void hc_seq(struct hc_pkt *p, __u32 seq, __u32 ack)
{
	__u32 tl = p->len - p->l4, sum;

	hc_set32(p, p->l4 + 4, seq);
	hc_set32(p, p->l4 + 8, ack);
	hc_set16(p, p->l4 + 16, 0);
	sum = hc_sum(p->b + p->l3 + 12, 8, 0) + IPPROTO_TCP + tl;
	hc_set16(p, p->l4 + 16, hc_fold(hc_sum(p->b + p->l4, tl, sum)));
}

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
 * The messages timed: the two above, or with -P N an extra header
 * "X-Pad: aaa...\r\n" of N bytes right after the start line of each (to
 * see what a header byte costs).
 */
static char hc_request[HC_PKT_MAX / 2], hc_response[HC_PKT_MAX / 2];

static int hc_messages(__u32 pad)
{
	const char *b[2] = { hc_request_base, hc_response_base };
	char *out[2] = { hc_request, hc_response };
	char padline[HC_PKT_MAX / 2];
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

#define HC_ISN_C 0x10000000u
#define HC_ISN_S 0x70000000u

enum { HC_REQ, HC_RESP, HC_ACK, HC_PKTS };
static const char *const hc_pkt_name[HC_PKTS] = { "request", "response", "ack" };

/* The three packets of connection cport, as of transaction i of it. */
static void hc_packets(struct hc_pkt pk[HC_PKTS], __u16 cport)
{
	hc_build(&pk[HC_REQ], 1, cport, 0x18, hc_request);
	hc_build(&pk[HC_RESP], 0, cport, 0x18, hc_response);
	hc_build(&pk[HC_ACK], 1, cport, 0x10, NULL);
}

static void hc_advance(struct hc_pkt pk[HC_PKTS], __u32 i)
{
	__u32 rq = (__u32)strlen(hc_request), rs = (__u32)strlen(hc_response);

	hc_seq(&pk[HC_REQ], HC_ISN_C + i * rq, HC_ISN_S + i * rs);
	hc_seq(&pk[HC_RESP], HC_ISN_S + i * rs, HC_ISN_C + (i + 1) * rq);
	hc_seq(&pk[HC_ACK], HC_ISN_C + (i + 1) * rq, HC_ISN_S + (i + 1) * rs);
}

static int hc_write_pcap(const char *path)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s32 zone;
		__u32 sigfigs, snaplen, linktype;
	} fh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	struct hc_pkt pk[HC_PKTS];
	FILE *f = fopen(path, "wb");
	int i, err = 0;

	if (!f)
		return -errno;
	hc_packets(pk, 40000);
	hc_advance(pk, 0);
	if (fwrite(&fh, sizeof(fh), 1, f) != 1)
		err = -EIO;
	for (i = 0; i < HC_PKTS && !err; i++) {
		__u32 rh[4] = { 1700000000u, (__u32)i * 100, pk[i].len, pk[i].len };

		if (fwrite(rh, sizeof(rh), 1, f) != 1 || fwrite(pk[i].b, pk[i].len, 1, f) != 1)
			err = -EIO;
	}
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* ---- running ---------------------------------------------------------------- */

enum { HC_TRIV, HC_TCP, HC_HTTP, HC_TXN, HC_MODES };
static const char *const hc_mode_name[HC_MODES] = {
	"trivial TC", "rxray tcp (http=0)", "rxray http=1", "rxray http=1 + txn records",
};

struct hc_ctx {
	struct rxray_bpf *rx;
	struct trivial_tc_bpf *triv;
	struct ring_buffer *ring;
	int fd_in[HC_MODES], fd_out[HC_MODES];
	int cpu, ncpus;
	__u64 ring_records;
	__u16 next_port;
};

static void hc_mode(struct hc_ctx *x, int mode)
{
	volatile struct rx_config *cfg = &x->rx->bss->rx_cfg;

	cfg->capture = 0;
	cfg->traffic = 0;
	cfg->payload = 0;
	cfg->tcp = 1;
	cfg->http = mode >= HC_HTTP;
	cfg->txns = mode == HC_TXN;
}

/* One BPF_PROG_TEST_RUN; the kernel's ns per run, or -errno. */
static long hc_run(int fd, const struct hc_pkt *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &opts);

	if (err)
		return err;
	if (opts.retval != (__u32)TC_ACT_UNSPEC)
		return -EPROTO;
	return (long)opts.duration;
}

static int hc_stat(struct hc_ctx *x, __u32 stat, __u64 *sum)
{
	__u64 *v = calloc(x->ncpus, sizeof(*v));
	int err, i;

	*sum = 0;
	if (!v)
		return -ENOMEM;
	err = bpf_map__lookup_elem(x->rx->maps.rx_stats, &stat, sizeof(stat), v,
				   sizeof(*v) * x->ncpus, 0);
	for (i = 0; !err && i < x->ncpus; i++)
		*sum += v[i];
	free(v);
	return err;
}

/* Transactions counted in the RED metrics: every endpoint's count, every CPU. */
static int hc_endpoint_count(struct hc_ctx *x, __u64 *sum)
{
	struct bpf_map *m = x->rx->maps.rx_endpoints;
	size_t vsz = (bpf_map__value_size(m) + 7) & ~7ul;
	struct rx_endpoint_key k, next;
	void *v = calloc(x->ncpus, vsz);
	int err, i, first = 1;

	*sum = 0;
	if (!v)
		return -ENOMEM;
	while (!bpf_map__get_next_key(m, first ? NULL : &k, &next, sizeof(next))) {
		first = 0;
		k = next;
		err = bpf_map__lookup_elem(m, &k, sizeof(k), v, vsz * x->ncpus, 0);
		if (err)
			goto out;
		for (i = 0; i < x->ncpus; i++)
			*sum += ((struct rx_endpoint *)((char *)v + i * vsz))->count;
	}
	err = 0;
out:
	free(v);
	return err;
}

struct hc_snap {
	__u64 requests, unmatched, expired, pipe_full, txn_produced, txn_lost, scratch_miss, txns;
};

static int hc_snapshot(struct hc_ctx *x, struct hc_snap *s)
{
	return hc_stat(x, RX_STAT_HTTP_REQUESTS, &s->requests) ?:
	       hc_stat(x, RX_STAT_HTTP_UNMATCHED, &s->unmatched) ?:
	       hc_stat(x, RX_STAT_HTTP_EXPIRED, &s->expired) ?:
	       hc_stat(x, RX_STAT_HTTP_PIPE_FULL, &s->pipe_full) ?:
	       hc_stat(x, RX_STAT_TXN_PRODUCED, &s->txn_produced) ?:
	       hc_stat(x, RX_STAT_TXN_LOST, &s->txn_lost) ?:
	       hc_stat(x, RX_STAT_SCRATCH_MISS, &s->scratch_miss) ?:
	       hc_endpoint_count(x, &s->txns);
}

static int hc_ring_record(void *ctx, void *data, size_t size)
{
	struct hc_ctx *x = ctx;

	/* the request records (path, User-Agent) travel in the same ring */
	if (size == sizeof(struct rx_txn))
		x->ring_records++;
	return 0;
}

/*
 * n request/response pairs of mode on a fresh connection, one test run each;
 * adds the kernel's ns to ns[HC_REQ] and ns[HC_RESP].
 */
static int hc_pairs(struct hc_ctx *x, int mode, __u32 n, __u64 ns[2])
{
	struct hc_pkt pk[HC_PKTS];
	__u32 i;
	long a, b;

	hc_packets(pk, x->next_port++);
	hc_mode(x, mode);
	for (i = 0; i < n; i++) {
		hc_advance(pk, i);
		a = hc_run(x->fd_in[mode], &pk[HC_REQ], 1);
		b = a < 0 ? a : hc_run(x->fd_out[mode], &pk[HC_RESP], 1);
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

static int hc_cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

static double hc_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), hc_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct hc_opts {
	__u32 pairs, repeat, rounds, pad;
	int cpu;
	const char *pcap_out;
};

static void hc_usage(FILE *f)
{
	fprintf(f,
		"Usage: tc_http_cost [-p PAIRS] [-n REPEAT] [-r ROUNDS] [-C CPU] [-P PAD]\n"
		"                    [-w FILE.pcap]\n"
		"\n"
		"Per-packet cost of rxray's TC programs on an HTTP request and its response,\n"
		"against a trivial counting TC program, by BPF_PROG_TEST_RUN, interleaved,\n"
		"median of ROUNDS.\n"
		"\n"
		"  -p PAIRS   request/response pairs per mode and round, one run each (default 20000)\n"
		"  -n REPEAT  runs per test-run call in the repeated mode (default 1000000)\n"
		"  -r ROUNDS  interleaved rounds, odd is best (default 7, max %d)\n"
		"  -C CPU     CPU to pin to (default: the one this starts on)\n"
		"  -P PAD     add a header line of PAD bytes (9..500) to request and response\n"
		"  -w FILE    write the three packets to FILE (pcap) and exit\n",
		HC_ROUNDS_MAX);
}

static int hc_parse_opts(int argc, char **argv, struct hc_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "p:n:r:C:P:w:h")) != -1) {
		switch (c) {
		case 'p':
			o->pairs = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->rounds = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o->cpu = atoi(optarg);
			break;
		case 'P':
			o->pad = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o->pcap_out = optarg;
			break;
		case 'h':
			hc_usage(stdout);
			exit(0);
		default:
			hc_usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->pairs || !o->repeat || !o->rounds || o->rounds > HC_ROUNDS_MAX ||
	    hc_messages(o->pad)) {
		hc_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int hc_pin(struct hc_ctx *x, int cpu)
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

/* The paired runs: median ns per request and per response, per mode; checked. */
static int hc_measure_pairs(struct hc_ctx *x, const struct hc_opts *o, double med[HC_MODES][2])
{
	static double v[HC_MODES][2][HC_ROUNDS_MAX];
	struct hc_snap s0, s1;
	__u64 ns[2], want;
	__u32 r, m, k;
	int err;

	err = hc_snapshot(x, &s0);
	if (err)
		return err;
	x->ring_records = 0;
	for (r = 0; r < o->rounds; r++) {
		for (m = 0; m < HC_MODES; m++) {
			ns[0] = ns[1] = 0;
			err = hc_pairs(x, m, o->pairs, ns);
			if (err)
				return err;
			for (k = 0; k < 2; k++)
				v[m][k][r] = (double)ns[k] / o->pairs;
		}
	}
	for (m = 0; m < HC_MODES; m++)
		for (k = 0; k < 2; k++)
			med[m][k] = hc_median(v[m][k], (int)o->rounds);
	err = hc_snapshot(x, &s1);
	if (err)
		return err;

	/* the http and txn modes: every pair one transaction, nothing lost */
	want = 2ull * o->pairs * o->rounds;
	printf("  checked (rxray's counters over the http and txn runs): requests %llu, "
	       "transactions %llu (endpoints' count), txn records %llu produced / %llu consumed / "
	       "%llu lost, unmatched %llu, expired %llu, pipe_full %llu, scratch_miss %llu; "
	       "requests sent %llu\n",
	       (unsigned long long)(s1.requests - s0.requests),
	       (unsigned long long)(s1.txns - s0.txns),
	       (unsigned long long)(s1.txn_produced - s0.txn_produced),
	       (unsigned long long)x->ring_records, (unsigned long long)(s1.txn_lost - s0.txn_lost),
	       (unsigned long long)(s1.unmatched - s0.unmatched),
	       (unsigned long long)(s1.expired - s0.expired),
	       (unsigned long long)(s1.pipe_full - s0.pipe_full),
	       (unsigned long long)(s1.scratch_miss - s0.scratch_miss), (unsigned long long)want);
	if (s1.requests - s0.requests != want || s1.txns - s0.txns != want ||
	    s1.unmatched != s0.unmatched || s1.expired != s0.expired ||
	    s1.pipe_full != s0.pipe_full || s1.scratch_miss != s0.scratch_miss ||
	    s1.txn_produced - s0.txn_produced != want / 2 || x->ring_records != want / 2 ||
	    s1.txn_lost != s0.txn_lost) {
		fprintf(stderr, "tc_http_cost: the pairs were not all transactions: "
				"the numbers above would not time what they claim\n");
		return -EPROTO;
	}
	return 0;
}

/* The repeated runs: median ns per run of each packet, per mode (no txn mode). */
static int hc_measure_repeat(struct hc_ctx *x, const struct hc_opts *o, double med[HC_MODES][HC_PKTS])
{
	static double v[HC_MODES][HC_PKTS][HC_ROUNDS_MAX];
	struct hc_pkt pk[HC_PKTS];
	struct hc_snap s0, s1;
	__u32 r, m, k;
	long d;
	int err;

	err = hc_snapshot(x, &s0);
	if (err)
		return err;
	for (r = 0; r < o->rounds; r++) {
		for (m = 0; m < HC_TXN; m++) {
			hc_mode(x, m);
			for (k = 0; k < HC_PKTS; k++) {
				/*
				 * a connection per packet kind: requests alone (one
				 * queued, then retransmissions), responses alone (one
				 * unmatched, then retransmissions), ACKs alone
				 */
				hc_packets(pk, x->next_port++);
				hc_advance(pk, 0);
				d = hc_run(k == HC_RESP ? x->fd_out[m] : x->fd_in[m], &pk[k], o->repeat);
				if (d < 0) {
					fprintf(stderr, "tc_http_cost: test run (%s, %s): %s\n",
						hc_mode_name[m], hc_pkt_name[k], strerror((int)-d));
					return (int)d;
				}
				v[m][k][r] = (double)d;
			}
		}
	}
	for (m = 0; m < HC_TXN; m++)
		for (k = 0; k < HC_PKTS; k++)
			med[m][k] = hc_median(v[m][k], (int)o->rounds);
	err = hc_snapshot(x, &s1);
	if (err)
		return err;
	printf("  checked (the http mode's runs): requests %llu and unmatched %llu (expected %u "
	       "each: the first run of each call; the rest are retransmissions), pipe_full %llu, "
	       "transactions %llu\n",
	       (unsigned long long)(s1.requests - s0.requests),
	       (unsigned long long)(s1.unmatched - s0.unmatched), o->rounds,
	       (unsigned long long)(s1.pipe_full - s0.pipe_full),
	       (unsigned long long)(s1.txns - s0.txns));
	if (s1.requests - s0.requests != (__u64)o->rounds ||
	    s1.unmatched - s0.unmatched != (__u64)o->rounds || s1.pipe_full != s0.pipe_full ||
	    s1.txns != s0.txns) {
		fprintf(stderr, "tc_http_cost: the repeated runs did not take the paths described\n");
		return -EPROTO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hc_opts o = { .pairs = 20000, .repeat = 1000000, .rounds = 7, .cpu = -1 };
	struct hc_ctx x = { .next_port = 40000 };
	double pr[HC_MODES][2], rp[HC_MODES][HC_PKTS];
	struct hc_pkt pk[HC_PKTS];
	__u64 warm[2] = { 0, 0 };
	int err, m, k;

	err = hc_parse_opts(argc, argv, &o);
	if (err)
		return 2;
	if (o.pcap_out) {
		err = hc_write_pcap(o.pcap_out);
		if (err)
			fprintf(stderr, "tc_http_cost: %s: %s\n", o.pcap_out, strerror(-err));
		return err ? 1 : 0;
	}
	if (o.repeat <= RX_HTTP_PIPE) {
		fprintf(stderr, "tc_http_cost: -n must be above %d\n", RX_HTTP_PIPE);
		return 2;
	}

	err = hc_pin(&x, o.cpu);
	if (err) {
		fprintf(stderr, "tc_http_cost: pin to CPU: %s\n", strerror(-err));
		goto cleanup;
	}
	x.ncpus = libbpf_num_possible_cpus();
	if (x.ncpus <= 0) {
		err = x.ncpus ? x.ncpus : -EINVAL;
		goto cleanup;
	}
	x.triv = trivial_tc_bpf__open_and_load();
	if (!x.triv) {
		err = -errno;
		fprintf(stderr, "tc_http_cost: load trivial_tc.bpf.o: %s\n", strerror(-err));
		goto cleanup;
	}
	x.rx = rxray_bpf__open_and_load();
	if (!x.rx || rx_stages__fill(x.rx->obj)) {
		err = -errno;
		fprintf(stderr, "tc_http_cost: load rxray.bpf.o: %s\n", strerror(-err));
		goto cleanup;
	}
	x.ring = ring_buffer__new(bpf_map__fd(x.rx->maps.rx_txn_ring), hc_ring_record, &x, NULL);
	if (!x.ring) {
		err = -errno;
		fprintf(stderr, "tc_http_cost: ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	for (m = 0; m < HC_MODES; m++) {
		x.fd_in[m] = bpf_program__fd(m == HC_TRIV ? x.triv->progs.tc_trivial
							  : x.rx->progs.tc_ingress);
		x.fd_out[m] = bpf_program__fd(m == HC_TRIV ? x.triv->progs.tc_trivial
							   : x.rx->progs.tc_egress);
	}

	printf("tc_http_cost: BPF_PROG_TEST_RUN (SCHED_CLS) on CPU %d, kernel-reported ns per run, "
	       "median of %u interleaved rounds\n", x.cpu, o.rounds);
	hc_packets(pk, 40000);
	for (k = 0; k < HC_PKTS; k++)
		printf("  %-8s %4u bytes, TCP payload %4u bytes\n", hc_pkt_name[k], pk[k].len,
		       pk[k].len - pk[k].pl);
	printf("  requests through tc_ingress, responses through tc_egress (server side); "
	       "modes: rx_cfg.tcp = 1 and http = 0 / 1 / 1 + txns\n");

	/* warm-up: every mode, a few pairs (counted like the rest, checked below) */
	for (m = 0; m < HC_MODES; m++) {
		err = hc_pairs(&x, m, 1000, warm);
		if (err)
			goto cleanup;
	}

	printf("\npaired: request, response, request, ... on one keep-alive connection per "
	       "mode and round,\n  one test run per packet (repeat = 1), %u pairs per round\n",
	       o.pairs);
	err = hc_measure_pairs(&x, &o, pr);
	if (err)
		goto cleanup;
	printf("  %-28s %10s %10s %12s\n", "mode", "request", "response", "transaction");
	for (m = 0; m < HC_MODES; m++)
		printf("  %-28s %7.1f ns %7.1f ns %9.1f ns\n", hc_mode_name[m], pr[m][0], pr[m][1],
		       pr[m][0] + pr[m][1]);
	for (m = HC_TCP; m < HC_MODES; m++)
		printf("  %-28s  - trivial: request %+6.1f ns, response %+6.1f ns, transaction "
		       "%+6.1f ns; ratio %.2fx / %.2fx\n",
		       hc_mode_name[m], pr[m][0] - pr[HC_TRIV][0], pr[m][1] - pr[HC_TRIV][1],
		       pr[m][0] + pr[m][1] - pr[HC_TRIV][0] - pr[HC_TRIV][1],
		       pr[m][0] / pr[HC_TRIV][0], pr[m][1] / pr[HC_TRIV][1]);
	printf("  the HTTP tracker's own cost (http=1 - http=0): request %+.1f ns, response "
	       "%+.1f ns, transaction %+.1f ns (txn records: %+.1f ns more)\n",
	       pr[HC_HTTP][0] - pr[HC_TCP][0], pr[HC_HTTP][1] - pr[HC_TCP][1],
	       pr[HC_HTTP][0] + pr[HC_HTTP][1] - pr[HC_TCP][0] - pr[HC_TCP][1],
	       pr[HC_TXN][0] + pr[HC_TXN][1] - pr[HC_HTTP][0] - pr[HC_HTTP][1]);

	printf("\nrepeated: one packet, repeat = %u per test-run call, a fresh connection each call\n"
	       "  (request, response: after the first run, every run a decode that finds a\n"
	       "   retransmission; ack: no payload)\n",
	       o.repeat);
	err = hc_measure_repeat(&x, &o, rp);
	if (err)
		goto cleanup;
	printf("  %-28s %10s %10s %10s\n", "mode", "request", "response", "ack");
	for (m = 0; m < HC_TXN; m++)
		printf("  %-28s %7.1f ns %7.1f ns %7.1f ns\n", hc_mode_name[m], rp[m][HC_REQ],
		       rp[m][HC_RESP], rp[m][HC_ACK]);

	/* machine-readable lines for bench/run.sh */
	for (m = 0; m < HC_MODES; m++)
		printf("RESULT tc_http paired mode=%d request_ns=%.1f response_ns=%.1f\n", m,
		       pr[m][0], pr[m][1]);
	for (m = 0; m < HC_TXN; m++)
		printf("RESULT tc_http repeated mode=%d request_ns=%.1f response_ns=%.1f ack_ns=%.1f\n",
		       m, rp[m][HC_REQ], rp[m][HC_RESP], rp[m][HC_ACK]);
	printf("RESULT tc_http per_transaction http_minus_trivial_ns=%.1f http_minus_tcp_ns=%.1f "
	       "ratio=%.2f\n",
	       pr[HC_HTTP][0] + pr[HC_HTTP][1] - pr[HC_TRIV][0] - pr[HC_TRIV][1],
	       pr[HC_HTTP][0] + pr[HC_HTTP][1] - pr[HC_TCP][0] - pr[HC_TCP][1],
	       (pr[HC_HTTP][0] + pr[HC_HTTP][1]) / (pr[HC_TRIV][0] + pr[HC_TRIV][1]));
cleanup:
	ring_buffer__free(x.ring);
	rxray_bpf__destroy(x.rx);
	trivial_tc_bpf__destroy(x.triv);
	return err ? 1 : 0;
}

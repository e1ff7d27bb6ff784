/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the two BPF_PROG_TEST_RUN benchmarks (bench/xdp_cost,
 * bench/tc_http_cost) share with the test that checks them
 * (tests/bpf/bench_check.c): the packets they time, built with
 * tests/lib/pktgen.h, and the running of them. The benchmarks only
 * measure; that each packet takes the path it is timed for (the XDP shapes'
 * decode, the HTTP pairs' transactions) is checked by the test.
 */
#ifndef RX_BENCH_LIB_H
#define RX_BENCH_LIB_H

#include <stdio.h>
#include <linux/types.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"

#define BENCH_PKT_MAX 1600
#define BENCH_ROUNDS_MAX 101

struct bench_pkt {
	__u8 b[BENCH_PKT_MAX];
	__u32 len;
	__u32 l3, l4, pl; /* offsets: IP header, L4 header, L4 payload */
};

/* ---- the XDP shapes (bench/xdp_cost) ----------------------------------------- */

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
	struct bench_pkt pkt;
	struct xc_expect exp;
};

enum { XC_SYN, XC_HTTP, XC_DNS, XC_IP6EXT, XC_QINQ, XC_FRAG, XC_TCP_BARE, XC_SHAPES };

extern struct xc_shape xc_shapes[XC_SHAPES];

void xc_build_shapes(void);

/* ---- the HTTP conversation (bench/tc_http_cost) ------------------------------ */

#define HC_SERVER_PORT 8080
#define HC_ISN_C 0x10000000u
#define HC_ISN_S 0x70000000u

enum { HC_REQ, HC_RESP, HC_ACK, HC_PKTS };
extern const char *const hc_pkt_name[HC_PKTS];

/* rxray's TC configurations, and the trivial TC program as the first "mode" */
enum { HC_TRIV, HC_TCP, HC_HTTP, HC_TXN, HC_MODES };
extern const char *const hc_mode_name[HC_MODES];

int hc_messages(__u32 pad);
void hc_packets(struct bench_pkt pk[HC_PKTS], __u16 cport);
void hc_advance(struct bench_pkt pk[HC_PKTS], __u32 i);

struct hc_ctx {
	struct rxray_bpf *rx;
	struct ring_buffer *ring; /* rx_txn_ring, drained between pairs */
	int fd_in[HC_MODES], fd_out[HC_MODES];
	int cpu, ncpus;
	__u64 ring_records;
	__u16 next_port;
};

void hc_mode(struct hc_ctx *x, int mode);
int hc_ring_record(void *ctx, void *data, size_t size);
int hc_pairs(struct hc_ctx *x, int mode, __u32 n, __u64 ns[2]);
long hc_repeated(struct hc_ctx *x, int mode, int k, __u32 repeat);
int hc_open(struct hc_ctx *x, const char *who);
void hc_close(struct hc_ctx *x);

/* ---- running ------------------------------------------------------------------ */

/* an option of bench__parse_opts(): -c ARG into *dst, a __u32 ('u'), int ('i') or string ('s') */
struct bench_opt {
	char c;
	char kind;
	void *dst;
};

int bench__parse_opts(int argc, char **argv, const struct bench_opt *opts, void (*usage)(FILE *));

/*
 * The rounds of bench/sock_cost and bench/tls_conn_cost: options -p RUNS,
 * -r ROUNDS, -C CPU; pinned, set up, one warm-up round of 1,000, then ROUNDS
 * rounds of RUNS, each giving nvals values (ns per packet of tc_ingress, by
 * BPF_PROG_TEST_RUN), and their medians.
 */
struct bench_rounds {
	__u32 runs, rounds; /* -p (20000), -r (7, at most BENCH_ROUNDS_MAX) */
	int cpu; /* -C (-1: the one this starts on), then the CPU pinned to */
	const char *who; /* the benchmark, in its heading and errors */
	const char *unit; /* what RUNS counts, in the heading */
	int nvals; /* the values of one round */
	void *ctx;
	int (*setup)(void *ctx);
	int (*round)(void *ctx, __u32 runs, double *val); /* val[nvals] */
};

int bench__rounds_opts(int argc, char **argv, struct bench_rounds *b, void (*usage)(FILE *));
int bench__rounds_run(struct bench_rounds *b, double *med);
int bench__load(struct rxray_bpf **rx);
long bench__run(int fd, const struct bench_pkt *p, __u32 repeat, __u32 retval);
double bench__median(double *v, int n);
int bench__pin(int cpu, int *pinned);
int bench__stat(struct rxray_bpf *rx, int ncpus, __u32 stat, __u64 *sum);
int bench__write_pcap(const char *path, const struct bench_pkt *const *pkts, int n,
		      __u32 sec_step, __u32 usec_step);

#endif /* RX_BENCH_LIB_H */

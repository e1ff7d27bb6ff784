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
 * Three configurations of one load of rxray's programs: tcp = 1 and the
 * other settings fixed at load off (rx_ro, rodata), then http and txns
 * switched between runs (rx_cfg, written in .bss):
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
 *             programs' own cost). tests/bpf/bench_check.c checks, from
 *             rxray's own counters, that every pair is one transaction
 *             (endpoints' count) and nothing is unmatched, expired or
 *             pipe_full: this program only measures.
 *   repeated  one packet, repeat = N (the usual way to time a program). It
 *             is NOT a transaction: the same segment again and again is a
 *             retransmission, so after the first run (a queued request, or
 *             an unmatched response) each run is the decode (start line and
 *             header walk) and the connection lookup that finds it already
 *             seen (tests/bpf/bench_check.c checks that too). Shown as the
 *             cost of the decoding alone.
 *
 * Runs are interleaved (trivial, tcp, http, txn per round) over several
 * rounds on one pinned CPU, the median per mode reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "../src/stages.h"
#include "bench/trivial_tc.skel.h"
#include "bench_lib.h"

#define HC_ROUNDS_MAX BENCH_ROUNDS_MAX

/* ---- running ---------------------------------------------------------------- */

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
	const struct bench_opt opts[] = {
		{ 'p', 'u', &o->pairs }, { 'n', 'u', &o->repeat }, { 'r', 'u', &o->rounds },
		{ 'C', 'i', &o->cpu },   { 'P', 'u', &o->pad },    { 'w', 's', &o->pcap_out },
		{ 0 },
	};

	if (bench__parse_opts(argc, argv, opts, hc_usage))
		return -EINVAL;
	if (!o->pairs || !o->repeat || !o->rounds || o->rounds > HC_ROUNDS_MAX ||
	    hc_messages(o->pad)) {
		hc_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The paired runs: median ns per request and per response, per mode. */
static int hc_measure_pairs(struct hc_ctx *x, const struct hc_opts *o, double med[HC_MODES][2])
{
	static double v[HC_MODES][2][HC_ROUNDS_MAX];
	__u64 ns[2];
	__u32 r, m, k;
	int err;

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
			med[m][k] = bench__median(v[m][k], (int)o->rounds);
	return 0;
}

/* The repeated runs: median ns per run of each packet, per mode (no txn mode). */
static int hc_measure_repeat(struct hc_ctx *x, const struct hc_opts *o, double med[HC_MODES][HC_PKTS])
{
	static double v[HC_MODES][HC_PKTS][HC_ROUNDS_MAX];
	__u32 r, m, k;
	long d;

	for (r = 0; r < o->rounds; r++) {
		for (m = 0; m < HC_TXN; m++) {
			for (k = 0; k < HC_PKTS; k++) {
				d = hc_repeated(x, m, k, o->repeat);
				if (d < 0)
					return (int)d;
				v[m][k][r] = (double)d;
			}
		}
	}
	for (m = 0; m < HC_TXN; m++)
		for (k = 0; k < HC_PKTS; k++)
			med[m][k] = bench__median(v[m][k], (int)o->rounds);
	return 0;
}

/* Both programs loaded, the txn ring opened, the file descriptors of each mode. */
static int hc_load(struct hc_ctx *x, struct trivial_tc_bpf **triv)
{
	int err, m;

	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0)
		return x->ncpus ? x->ncpus : -EINVAL;
	*triv = trivial_tc_bpf__open_and_load();
	if (!*triv) {
		err = -errno;
		fprintf(stderr, "tc_http_cost: load trivial_tc.bpf.o: %s\n", strerror(-err));
		return err;
	}
	err = hc_open(x, "tc_http_cost");
	if (err)
		return err;
	for (m = 0; m < HC_MODES; m++) {
		x->fd_in[m] = bpf_program__fd(m == HC_TRIV ? (*triv)->progs.tc_trivial
							   : x->rx->progs.tc_ingress);
		x->fd_out[m] = bpf_program__fd(m == HC_TRIV ? (*triv)->progs.tc_trivial
							    : x->rx->progs.tc_egress);
	}
	return 0;
}

static void hc_print_pairs(double pr[HC_MODES][2])
{
	int m;

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
}

/* machine-readable lines for bench/run.sh */
static void hc_print_results(double pr[HC_MODES][2], double rp[HC_MODES][HC_PKTS])
{
	int m;

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
}

static int hc_write_pcap(const char *path)
{
	struct bench_pkt pk[HC_PKTS];
	const struct bench_pkt *pkts[HC_PKTS] = { &pk[0], &pk[1], &pk[2] };
	int err;

	hc_packets(pk, 40000);
	hc_advance(pk, 0);
	err = bench__write_pcap(path, pkts, HC_PKTS, 0, 100);
	if (err)
		fprintf(stderr, "tc_http_cost: %s: %s\n", path, strerror(-err));
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct hc_opts o = { .pairs = 20000, .repeat = 1000000, .rounds = 7, .cpu = -1 };
	struct hc_ctx x = { .next_port = 40000 };
	struct trivial_tc_bpf *triv = NULL;
	double pr[HC_MODES][2], rp[HC_MODES][HC_PKTS];
	struct bench_pkt pk[HC_PKTS];
	__u64 warm[2] = { 0, 0 };
	int err, m, k;

	err = hc_parse_opts(argc, argv, &o);
	if (err)
		return 2;
	if (o.pcap_out)
		return hc_write_pcap(o.pcap_out);
	if (o.repeat <= RX_HTTP_PIPE) {
		fprintf(stderr, "tc_http_cost: -n must be above %d\n", RX_HTTP_PIPE);
		return 2;
	}

	err = bench__pin(o.cpu, &x.cpu);
	if (err) {
		fprintf(stderr, "tc_http_cost: pin to CPU: %s\n", strerror(-err));
		goto cleanup;
	}
	err = hc_load(&x, &triv);
	if (err)
		goto cleanup;

	printf("tc_http_cost: BPF_PROG_TEST_RUN (SCHED_CLS) on CPU %d, kernel-reported ns per run, "
	       "median of %u interleaved rounds\n", x.cpu, o.rounds);
	hc_packets(pk, 40000);
	for (k = 0; k < HC_PKTS; k++)
		printf("  %-8s %4u bytes, TCP payload %4u bytes\n", hc_pkt_name[k], pk[k].len,
		       pk[k].len - pk[k].pl);
	printf("  requests through tc_ingress, responses through tc_egress (server side); "
	       "modes: rx_ro.tcp = 1 and rx_cfg.http = 0 / 1 / 1 + txns\n");

	/* warm-up: every mode, a few pairs */
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
	hc_print_pairs(pr);

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
	hc_print_results(pr, rp);
cleanup:
	hc_close(&x);
	trivial_tc_bpf__destroy(triv);
	return err ? 1 : 0;
}

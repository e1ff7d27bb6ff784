// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_check: the BPF_PROG_TEST_RUN benchmarks time what they claim
 * (tests/bpf/test_bench_check.sh runs it). The benchmarks only measure; the
 * packets they time (bench/bench_lib.c) are checked here, through the same
 * programs and the same runs, fewer of them:
 *
 *   xdp  every shape of bench/xdp_cost, once through xdp_ingress: the
 *        decoded packet left in rxray's per-CPU scratch shows the layers
 *        the shape is meant to exercise (not an early exit);
 *   tc   the request/response pairs of bench/tc_http_cost, in the tcp,
 *        http and txn modes: every pair of the http and txn modes is one
 *        transaction (endpoints' count, txn records produced and consumed)
 *        and nothing is unmatched, expired, pipe_full or lost; the repeated
 *        runs are one queued request (or one unmatched response) per call,
 *        the rest retransmissions, no transaction. With and without -P's
 *        largest pad header.
 *
 * Exits 0 when every check holds, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "../../bench/bench_lib.h"
#include "../../src/stages.h"

#define BC_PAIRS 500
#define BC_ROUNDS 3
#define BC_REPEAT (RX_HTTP_PIPE + 1000)

static int failed;

static void bc_expect(int ok, const char *what)
{
	printf("%s  %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failed = 1;
}

/* ---- xdp ---------------------------------------------------------------------- */

/* rxray's decoded packet for this CPU, as the last run left it in rx_percpu (XDP's entry). */
static int bc_decoded(struct rxray_bpf *rx, int ncpus, int cpu, struct rx_pkt *pk)
{
	struct rx_percpu *w = calloc(ncpus, sizeof(*w));
	__u32 zero = 0;
	int err;

	if (!w)
		return -ENOMEM;
	err = bpf_map__lookup_elem(rx->maps.rx_percpu, &zero, sizeof(zero), w, sizeof(*w) * ncpus, 0);
	if (!err)
		*pk = w[cpu].work.pkt;
	free(w);
	return err;
}

static int bc_xdp_shape(struct rxray_bpf *rx, int ncpus, int cpu, const struct xc_shape *s)
{
	const struct xc_expect *e = &s->exp;
	struct rx_pkt pk;
	char what[256];
	long d;
	int err;

	d = bench__run(bpf_program__fd(rx->progs.xdp_ingress), &s->pkt, 1, XDP_PASS);
	if (d < 0)
		return (int)d;
	err = bc_decoded(rx, ncpus, cpu, &pk);
	if (err)
		return err;
	snprintf(what, sizeof(what),
		 "xdp %-14s reason %u proto %u vlans %u ip6ext %u tcpopt %#x len %u; "
		 "expected %u %u %u %u %#x %u",
		 s->name, pk.reason, pk.proto, pk.vlan_n, pk.ip6ext_n, pk.tcp_optmask, pk.cap_len,
		 e->reason, e->proto, e->vlan_n, e->ip6ext_n, e->tcp_optmask, s->pkt.len);
	bc_expect(pk.reason == e->reason && pk.proto == e->proto && pk.vlan_n == e->vlan_n &&
		  pk.ip6ext_n == e->ip6ext_n && pk.tcp_optmask == e->tcp_optmask &&
		  pk.cap_len == s->pkt.len, what);
	return 0;
}

/* Every XDP shape decodes as intended, with the config xdp_cost times (all off). */
static int bc_xdp(int ncpus, int cpu)
{
	struct rxray_bpf *rx = rxray_bpf__open();
	int err, i;

	if (rx) {
		/* as xdp_cost loads it: fixed at load (rodata) all off but snaplen */
		memset((void *)&rx->rodata->rx_ro, 0, sizeof(rx->rodata->rx_ro));
		rx->rodata->rx_ro.snaplen = RX_SNAP_MAX;
	}
	if (!rx || rxray_bpf__load(rx) || rx_stages__fill(rx->obj)) {
		err = -errno;
		fprintf(stderr, "bench_check: load rxray.bpf.o: %s\n", strerror(-err));
		rxray_bpf__destroy(rx);
		return err;
	}
	memset((void *)&rx->bss->rx_cfg, 0, sizeof(rx->bss->rx_cfg));
	xc_build_shapes();
	for (i = 0, err = 0; i < XC_SHAPES && !err; i++)
		err = bc_xdp_shape(rx, ncpus, cpu, &xc_shapes[i]);
	rxray_bpf__destroy(rx);
	return err;
}

/* ---- tc ----------------------------------------------------------------------- */

/* Transactions counted in the RED metrics: every endpoint's count, every CPU. */
static int bc_endpoint_count(struct hc_ctx *x, __u64 *sum)
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

struct bc_snap {
	__u64 requests, unmatched, expired, pipe_full, txn_produced, txn_lost, scratch_miss, txns;
};

static int bc_snapshot(struct hc_ctx *x, struct bc_snap *s)
{
	return bench__stat(x->rx, x->ncpus, RX_STAT_HTTP_REQUESTS, &s->requests) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_HTTP_UNMATCHED, &s->unmatched) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_HTTP_EXPIRED, &s->expired) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_HTTP_PIPE_FULL, &s->pipe_full) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_TXN_PRODUCED, &s->txn_produced) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_TXN_LOST, &s->txn_lost) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_SCRATCH_MISS, &s->scratch_miss) ?:
	       bc_endpoint_count(x, &s->txns);
}

/* The paired runs of the tcp, http and txn modes: every http and txn pair one transaction. */
static int bc_tc_pairs(struct hc_ctx *x)
{
	struct bc_snap s0, s1;
	__u64 ns[2] = { 0, 0 }, want = 2ull * BC_PAIRS * BC_ROUNDS;
	char what[512];
	int err, r, m;

	err = bc_snapshot(x, &s0);
	x->ring_records = 0;
	for (r = 0; r < BC_ROUNDS && !err; r++)
		for (m = HC_TCP; m < HC_MODES && !err; m++)
			err = hc_pairs(x, m, BC_PAIRS, ns);
	err = err ?: bc_snapshot(x, &s1);
	if (err)
		return err;
	snprintf(what, sizeof(what),
		 "tc paired: requests %llu, transactions %llu (endpoints' count), txn records %llu "
		 "produced / %llu consumed / %llu lost, unmatched %llu, expired %llu, pipe_full %llu, "
		 "scratch_miss %llu; requests sent %llu",
		 (unsigned long long)(s1.requests - s0.requests),
		 (unsigned long long)(s1.txns - s0.txns),
		 (unsigned long long)(s1.txn_produced - s0.txn_produced),
		 (unsigned long long)x->ring_records, (unsigned long long)(s1.txn_lost - s0.txn_lost),
		 (unsigned long long)(s1.unmatched - s0.unmatched),
		 (unsigned long long)(s1.expired - s0.expired),
		 (unsigned long long)(s1.pipe_full - s0.pipe_full),
		 (unsigned long long)(s1.scratch_miss - s0.scratch_miss), (unsigned long long)want);
	bc_expect(s1.requests - s0.requests == want && s1.txns - s0.txns == want &&
		  s1.unmatched == s0.unmatched && s1.expired == s0.expired &&
		  s1.pipe_full == s0.pipe_full && s1.scratch_miss == s0.scratch_miss &&
		  s1.txn_produced - s0.txn_produced == want / 2 && x->ring_records == want / 2 &&
		  s1.txn_lost == s0.txn_lost, what);
	return 0;
}

/* The repeated runs of the tcp and http modes: one request queued per call, no transaction. */
static int bc_tc_repeated(struct hc_ctx *x)
{
	struct bc_snap s0, s1;
	char what[512];
	int err, r, m, k;
	long d = 0;

	err = bc_snapshot(x, &s0);
	for (r = 0; r < BC_ROUNDS && !err && d >= 0; r++)
		for (m = HC_TCP; m < HC_TXN && d >= 0; m++)
			for (k = 0; k < HC_PKTS && d >= 0; k++)
				d = hc_repeated(x, m, k, BC_REPEAT);
	err = err ?: (d < 0 ? (int)d : 0) ?: bc_snapshot(x, &s1);
	if (err)
		return err;
	snprintf(what, sizeof(what),
		 "tc repeated: requests %llu and unmatched %llu (expected %u each: the first run "
		 "of each call; the rest are retransmissions), pipe_full %llu, transactions %llu",
		 (unsigned long long)(s1.requests - s0.requests),
		 (unsigned long long)(s1.unmatched - s0.unmatched), BC_ROUNDS,
		 (unsigned long long)(s1.pipe_full - s0.pipe_full),
		 (unsigned long long)(s1.txns - s0.txns));
	bc_expect(s1.requests - s0.requests == BC_ROUNDS &&
		  s1.unmatched - s0.unmatched == BC_ROUNDS && s1.pipe_full == s0.pipe_full &&
		  s1.txns == s0.txns, what);
	return 0;
}

/* The HTTP conversation with a pad header of pad bytes (0: none), on fresh programs. */
static int bc_tc(int ncpus, __u32 pad)
{
	struct hc_ctx x = { .ncpus = ncpus, .next_port = 40000 };
	int err, m;

	printf("tc, pad header %u bytes\n", pad);
	err = hc_messages(pad) ?: hc_open(&x, "bench_check");
	for (m = 0; !err && m < HC_MODES; m++) {
		x.fd_in[m] = bpf_program__fd(x.rx->progs.tc_ingress);
		x.fd_out[m] = bpf_program__fd(x.rx->progs.tc_egress);
	}
	err = err ?: bc_tc_pairs(&x) ?: bc_tc_repeated(&x);
	hc_close(&x);
	return err;
}

int main(void)
{
	int err, cpu, ncpus = libbpf_num_possible_cpus();

	if (ncpus <= 0)
		return 1;
	/* one CPU: the scratch read back is the one the run wrote */
	err = bench__pin(-1, &cpu) ?: bc_xdp(ncpus, cpu) ?: bc_tc(ncpus, 0) ?: bc_tc(ncpus, 500);
	if (err) {
		fprintf(stderr, "bench_check: %s\n", strerror(-err));
		return 1;
	}
	printf("%s\n", failed ? "bench_check: FAILED" : "bench_check: every check holds");
	return failed;
}

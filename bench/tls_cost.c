// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tls_cost: what the XDP TLS stage (datapath/tls.h) costs per ClientHello,
 * whole in one segment and reassembled from two, next to non-TLS segments
 * of the same payload lengths through the same program in the same
 * invocation, and next to the trivial counting XDP program
 * (bench/trivial.bpf.c).
 *
 * The frames come from bench/gen_tls.py (a pcap, in its order). The TLS
 * stage runs while someone watches (rx_cfg.capture = 1), so every frame
 * here runs xdp_ingress -> xdp_tls -> xdp_capture; the non-TLS frames run
 * the same programs, their TLS stage finding no hello (and no held piece),
 * so a hello's time less its non-TLS twin's is the TLS stage's price.
 *
 * A held piece must be followed by its second piece, so every frame is one
 * BPF_PROG_TEST_RUN of repeat 1 (the kernel's own duration of that run),
 * the shapes interleaved: per iteration every frame once, in pcap order.
 * The ring is drained every 256 iterations, outside the timed runs. A
 * round's figure is the mean over its iterations; the median over rounds
 * is printed. That the pieces took the reassembly path is checked from
 * rxray's counters (tls_held = tls_reassembled = pairs run, tls_partial
 * 0): a failed check fails the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "../datapath/abi.h"
#include "rxray.skel.h"
#include "../src/stages.h"
#include "bench/trivial.skel.h"
#include "bench_lib.h"

enum { TC_HELLO, TC_HELLO_TWIN, TC_FIRST, TC_SECOND, TC_FIRST_TWIN, TC_SECOND_TWIN, TC_SHAPES };
static const char *const tc_name[TC_SHAPES] = {
	"hello_whole", "data_306", "hello_first", "hello_second", "data_1448", "data_352",
};

struct tc_bench {
	struct rxray_bpf *rx;
	struct trivial_bpf *triv;
	struct ring_buffer *ring;
	struct bench_pkt pkt[TC_SHAPES];
	int fd_rx, fd_triv, cpu, ncpus;
};

static int tc_ring_record(void *ctx, void *data, size_t size)
{
	return 0;
}

/*
 * The frames of bench/gen_tls.py, in order, from a classic pcap (scapy's:
 * a 24-byte file header, then a 16-byte header per record, host order).
 * Read by hand: libpcap's header and libbpf's define struct bpf_insn both.
 */
static int tc_read(struct tc_bench *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	__u32 hdr[6], rec[4];
	int n = 0;

	if (!f) {
		fprintf(stderr, "tls_cost: %s: %s\n", path, strerror(errno));
		return -EINVAL;
	}
	if (fread(hdr, sizeof(hdr), 1, f) != 1 || (hdr[0] != 0xa1b2c3d4 && hdr[0] != 0xa1b23c4d))
		n = -1;
	while (n >= 0 && n < TC_SHAPES && fread(rec, sizeof(rec), 1, f) == 1) {
		if (rec[2] > BENCH_PKT_MAX || fread(b->pkt[n].b, 1, rec[2], f) != rec[2])
			break;
		b->pkt[n].len = rec[2];
		n++;
	}
	fclose(f);
	if (n != TC_SHAPES) {
		fprintf(stderr, "tls_cost: %s: want %d frames of bench/gen_tls.py (a classic pcap)\n",
			path, TC_SHAPES);
		return -EINVAL;
	}
	return 0;
}

static int tc_load(struct tc_bench *b)
{
	int err;

	b->ncpus = libbpf_num_possible_cpus();
	b->triv = trivial_bpf__open_and_load();
	b->rx = rxray_bpf__open();
	if (b->ncpus <= 0 || !b->triv || !b->rx)
		return -EINVAL;
	err = bpf_map__set_max_entries(b->rx->maps.rx_ring, 64 << 20);
	if (err)
		return err;
	memset((void *)&b->rx->rodata->rx_ro, 0, sizeof(b->rx->rodata->rx_ro));
	b->rx->rodata->rx_ro.snaplen = RX_SNAP_MAX;
	err = rxray_bpf__load(b->rx) ?: rx_stages__fill(b->rx->obj);
	if (err)
		return err;
	b->fd_triv = bpf_program__fd(b->triv->progs.xdp_trivial);
	b->fd_rx = bpf_program__fd(b->rx->progs.xdp_ingress);
	memset((void *)&b->rx->bss->rx_cfg, 0, sizeof(b->rx->bss->rx_cfg));
	b->rx->bss->rx_cfg.capture = 1;
	b->ring = ring_buffer__new(bpf_map__fd(b->rx->maps.rx_ring), tc_ring_record, b, NULL);
	return b->ring ? 0 : -errno;
}

/* One round: n iterations of every frame through rxray, then through trivial; mean ns per frame. */
static int tc_round(struct tc_bench *b, __u32 n, double rx[TC_SHAPES], double triv[TC_SHAPES])
{
	__u64 sum[TC_SHAPES] = { 0 }, tsum[TC_SHAPES] = { 0 };
	__u32 it, i;
	long d;

	for (it = 0; it < n; it++) {
		for (i = 0; i < TC_SHAPES; i++) {
			d = bench__run(b->fd_rx, &b->pkt[i], 1, XDP_PASS);
			if (d < 0)
				return (int)d;
			sum[i] += (__u64)d;
			d = bench__run(b->fd_triv, &b->pkt[i], 1, XDP_PASS);
			if (d < 0)
				return (int)d;
			tsum[i] += (__u64)d;
		}
		if ((it & 255) == 255 && ring_buffer__consume(b->ring) < 0)
			return -EIO;
	}
	for (i = 0; i < TC_SHAPES; i++) {
		rx[i] = (double)sum[i] / n;
		triv[i] = (double)tsum[i] / n;
	}
	return ring_buffer__consume(b->ring) < 0 ? -EIO : 0;
}

/* The pieces took the reassembly path: every pair held and reassembled, nothing partial. */
static int tc_check(struct tc_bench *b, __u64 pairs)
{
	__u64 held, done, partial;
	int err = bench__stat(b->rx, b->ncpus, RX_STAT_TLS_HELD, &held) ?:
		  bench__stat(b->rx, b->ncpus, RX_STAT_TLS_REASSEMBLED, &done) ?:
		  bench__stat(b->rx, b->ncpus, RX_STAT_TLS_PARTIAL, &partial);

	if (err)
		return err;
	printf("  counters: tls_held %llu, tls_reassembled %llu, tls_partial %llu (pairs run %llu)\n",
	       (unsigned long long)held, (unsigned long long)done, (unsigned long long)partial,
	       (unsigned long long)pairs);
	if (held != pairs || done != pairs || partial) {
		fprintf(stderr, "tls_cost: the pieces did not take the reassembly path\n");
		return -EPROTO;
	}
	return 0;
}

static void tc_print(const struct tc_bench *b, double med[TC_SHAPES], double tmed[TC_SHAPES])
{
	double whole = med[TC_HELLO] - med[TC_HELLO_TWIN];
	double two = med[TC_FIRST] + med[TC_SECOND] - med[TC_FIRST_TWIN] - med[TC_SECOND_TWIN];
	int i;

	printf("  %-13s %5s %10s %10s %7s\n", "frame", "bytes", "trivial", "rxray", "ratio");
	for (i = 0; i < TC_SHAPES; i++)
		printf("  %-13s %5u %7.1f ns %7.1f ns %6.2fx\n", tc_name[i], b->pkt[i].len, tmed[i],
		       med[i], tmed[i] > 0 ? med[i] / tmed[i] : 0);
	printf("  TLS stage per ClientHello, whole (306 B): %.1f ns (hello / its non-TLS twin %.2fx)\n",
	       whole, med[TC_HELLO_TWIN] > 0 ? med[TC_HELLO] / med[TC_HELLO_TWIN] : 0);
	printf("  TLS stage per ClientHello, reassembled (1448 + 352 B): %.1f ns "
	       "(held %.1f + completed %.1f; pieces / their twins %.2fx)\n",
	       two, med[TC_FIRST] - med[TC_FIRST_TWIN], med[TC_SECOND] - med[TC_SECOND_TWIN],
	       (med[TC_FIRST] + med[TC_SECOND]) / (med[TC_FIRST_TWIN] + med[TC_SECOND_TWIN]));
	printf("RESULT tls whole_ns=%.1f reassembled_ns=%.1f", whole, two);
	for (i = 0; i < TC_SHAPES; i++)
		printf(" %s_ns=%.1f", tc_name[i], med[i]);
	printf("\n");
}

static void tc_usage(FILE *f)
{
	fprintf(f, "Usage: tls_cost -p FRAMES.pcap [-n ITERATIONS] [-r ROUNDS] [-C CPU]\n"
		   "\n"
		   "Per-ClientHello cost of rxray's XDP TLS stage, whole and reassembled from\n"
		   "two segments, against non-TLS segments of the same lengths and the trivial\n"
		   "XDP program, by BPF_PROG_TEST_RUN (repeat 1, interleaved), median of ROUNDS.\n"
		   "\n"
		   "  -p FILE        the frames of bench/gen_tls.py\n"
		   "  -n ITERATIONS  every frame this many times per round (default 20000)\n"
		   "  -r ROUNDS      rounds, odd is best (default 5, max %d)\n"
		   "  -C CPU         CPU to pin to (default: the one this starts on)\n",
		BENCH_ROUNDS_MAX);
}

int main(int argc, char **argv)
{
	struct tc_bench b = { 0 };
	__u32 n = 20000, rounds = 5, r, i;
	int cpu = -1, err;
	const char *path = NULL;
	const struct bench_opt opts[] = {
		{ 'p', 's', &path }, { 'n', 'u', &n }, { 'r', 'u', &rounds }, { 'C', 'i', &cpu }, { 0 },
	};
	double rx[TC_SHAPES][BENCH_ROUNDS_MAX], tr[TC_SHAPES][BENCH_ROUNDS_MAX];
	double one[TC_SHAPES], tone[TC_SHAPES], med[TC_SHAPES], tmed[TC_SHAPES];

	if (bench__parse_opts(argc, argv, opts, tc_usage) || !path || !n || !rounds ||
	    rounds > BENCH_ROUNDS_MAX) {
		tc_usage(stderr);
		return 2;
	}
	err = tc_read(&b, path) ?: bench__pin(cpu, &b.cpu) ?: tc_load(&b);
	if (err) {
		fprintf(stderr, "tls_cost: set-up: %s\n", strerror(-err));
		goto cleanup;
	}
	err = tc_round(&b, 1000, one, tone); /* warm-up */
	for (r = 0; !err && r < rounds; r++) {
		err = tc_round(&b, n, one, tone);
		for (i = 0; i < TC_SHAPES; i++) {
			rx[i][r] = one[i];
			tr[i][r] = tone[i];
		}
	}
	if (err) {
		fprintf(stderr, "tls_cost: test run: %s\n", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < TC_SHAPES; i++) {
		med[i] = bench__median(rx[i], (int)rounds);
		tmed[i] = bench__median(tr[i], (int)rounds);
	}
	printf("tls_cost: BPF_PROG_TEST_RUN on CPU %d, xdp_ingress with capture on (TLS stage,\n"
	       "capture stage), kernel-reported ns per run (repeat 1), %u iterations per round,\n"
	       "median of %u rounds\n", b.cpu, n, rounds);
	tc_print(&b, med, tmed);
	err = tc_check(&b, 1000 + (__u64)n * rounds);
cleanup:
	ring_buffer__free(b.ring);
	rxray_bpf__destroy(b.rx);
	trivial_bpf__destroy(b.triv);
	return err ? 1 : 0;
}

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
 * The packet shapes are built in bench/bench_lib.c (with tests/lib/pktgen.h);
 * tests/bpf/bench_check.c checks that each decodes with the layers it is meant
 * to exercise, so the benchmark cannot silently time an early exit. This
 * program only measures.
 *
 * Two modes (three with -S N):
 *   decode   rx_cfg.capture = 0: decode and count (the always-on path)
 *   capture  rx_cfg.capture = 1 (.bss, run time), snaplen 2048 (rodata, fixed
 *            at load, like every other option, all off): every packet also goes to the
 *            ring buffer; runs are cut into batches that fit the ring and
 *            the ring is drained between batches (outside the timed part),
 *            so no reservation fails and the cost is that of a record really
 *            produced. Lost records are counted and reported.
 *   sampled  rx_cfg.capture = 1, rx_cfg.sample = N: one packet in N (at
 *            random) goes to the capture stages and the ring, as serve's
 *            alert evidence takes them (alert-pcap-sample); batched as capture.
 *
 * The ring is enlarged before load (-R, default 256 MiB) rather than the
 * batches made small: with repeat > 1 every XDP test run swaps the program
 * into the XDP dispatcher and back, an RCU grace period each way (~16 ms of
 * wall time per call here, outside the reported duration), so thousands of
 * small batches would take minutes and measure nothing more.
 */
#include <errno.h>
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
#include "bench_lib.h"

#define XC_ROUNDS_MAX BENCH_ROUNDS_MAX
/* bytes one capture record takes in the ring: the record and the ring's 8-byte header */
#define XC_RING_REC ((sizeof(struct rx_capture) + 8 + 7) & ~7ul)

/* ---- running ---------------------------------------------------------------- */

struct xc_ctx {
	struct rxray_bpf *rx;
	struct trivial_bpf *triv;
	struct ring_buffer *ring;
	int fd_rx, fd_triv;
	int cpu, ncpus;
	__u64 ring_records, ring_bytes;
};

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
static long xc_run_batched(struct xc_ctx *x, int prog_fd, const struct bench_pkt *p,
			   __u32 repeat, __u32 batch, __u64 *drain_ns)
{
	__u64 total = 0, t0;
	__u32 done = 0, n;
	long d;

	while (done < repeat) {
		n = repeat - done < batch ? repeat - done : batch;
		d = bench__run(prog_fd, p, n, XDP_PASS);
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
	__u32 sample; /* -S: the sampled mode too, one packet in this many */
};

#define XC_BATCH_DEFAULT 0xffffffffu /* -b not given */

static void xc_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp_cost [-n REPEAT] [-r ROUNDS] [-N CAP_REPEAT] [-b CAP_BATCH]\n"
		"                [-R RING_MIB] [-C CPU] [-s SHAPE] [-w SHAPES.pcap] [-S N]\n"
		"\n"
		"Per-packet cost of rxray's xdp_ingress against a trivial counting XDP\n"
		"program, by BPF_PROG_TEST_RUN, interleaved, median of ROUNDS.\n"
		"\n"
		"  -n REPEAT      runs per test-run call, decode mode (default 1000000)\n"
		"  -r ROUNDS      interleaved rounds, odd is best (default 7, max %d)\n"
		"  -N CAP_REPEAT  runs per shape and round, capture mode (default 200000)\n"
		"  -b CAP_BATCH   runs per test-run call between ring drains (default: as many\n"
		"                 records as the ring holds, at most 100000)\n"
		"  -R RING_MIB    rx_ring size, a power of two (default 256)\n"
		"  -C CPU         CPU to pin to (default: the one this starts on)\n"
		"  -s SHAPE       time only SHAPE, decode mode only (for perf record)\n"
		"  -w FILE        write the packet shapes to FILE (pcap) and exit\n"
		"  -S N           also the sampled mode: capture on, one packet in N taken\n"
		"                 (rx_cfg.sample: serve's alert-pcap-sample), CAP_REPEAT runs\n",
		XC_ROUNDS_MAX);
}

/* Capture records the ring holds. */
static __u64 xc_ring_fit(const struct xc_opts *o)
{
	return ((__u64)o->ring_mib << 20) / XC_RING_REC;
}

static int xc_parse_opts(int argc, char **argv, struct xc_opts *o)
{
	const struct bench_opt opts[] = {
		{ 'n', 'u', &o->repeat },     { 'r', 'u', &o->rounds },   { 'N', 'u', &o->cap_repeat },
		{ 'b', 'u', &o->cap_batch },  { 'R', 'u', &o->ring_mib }, { 'C', 'i', &o->cpu },
		{ 's', 's', &o->only },       { 'w', 's', &o->pcap_out }, { 'S', 'u', &o->sample },
		{ 0 },
	};

	if (bench__parse_opts(argc, argv, opts, xc_usage))
		return -EINVAL;
	if (o->cap_batch == XC_BATCH_DEFAULT) { /* not given: what the ring holds, at most 100,000 */
		__u64 fit = xc_ring_fit(o);

		o->cap_batch = fit < 100000 ? (__u32)fit : 100000;
	}
	if (!o->repeat || !o->rounds || o->rounds > XC_ROUNDS_MAX || !o->cap_repeat ||
	    !o->cap_batch || !o->ring_mib || o->ring_mib > 1024 ||
	    (o->ring_mib & (o->ring_mib - 1))) {
		xc_usage(stderr);
		return -EINVAL;
	}
	if (o->cap_batch > xc_ring_fit(o)) {
		fprintf(stderr, "xdp_cost: -b %u records of %lu bytes do not fit a %u MiB ring\n",
			o->cap_batch, XC_RING_REC, o->ring_mib);
		return -EINVAL;
	}
	return 0;
}

/* Median ns per run of both programs, interleaved, for one mode. */
static int xc_measure(struct xc_ctx *x, const struct xc_opts *o, int capture,
		      long med[XC_SHAPES][2], __u64 *drain_ns)
{
	double v[XC_SHAPES][2][XC_ROUNDS_MAX];
	__u32 r, i, k;
	long d;

	for (r = 0; r < o->rounds; r++) {
		for (i = 0; i < XC_SHAPES; i++) {
			for (k = 0; k < 2; k++) {
				int fd = k ? x->fd_rx : x->fd_triv;
				const struct bench_pkt *p = &xc_shapes[i].pkt;

				if (o->only && strcmp(o->only, xc_shapes[i].name)) {
					v[i][k][r] = 0;
					continue;
				}
				if (capture)
					d = xc_run_batched(x, fd, p, o->cap_repeat, o->cap_batch,
							   drain_ns);
				else
					d = bench__run(fd, p, o->repeat, XDP_PASS);
				if (d < 0) {
					fprintf(stderr, "xdp_cost: test run of %s: %s\n",
						xc_shapes[i].name, strerror((int)-d));
					return (int)d;
				}
				v[i][k][r] = (double)d;
			}
		}
	}
	for (i = 0; i < XC_SHAPES; i++)
		for (k = 0; k < 2; k++)
			med[i][k] = (long)bench__median(v[i][k], (int)o->rounds); /* whole ns: >= 0 */
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

/* Both programs loaded, the ring enlarged to o->ring_mib, rxray's config zeroed. */
static int xc_load(struct xc_ctx *x, const struct xc_opts *o)
{
	int err;

	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0)
		return x->ncpus ? x->ncpus : -EINVAL;
	x->triv = trivial_bpf__open_and_load();
	if (!x->triv) {
		err = -errno;
		fprintf(stderr, "xdp_cost: load trivial.bpf.o: %s\n", strerror(-err));
		return err;
	}
	x->rx = rxray_bpf__open();
	if (!x->rx) {
		err = -errno;
		fprintf(stderr, "xdp_cost: open rxray.bpf.o: %s\n", strerror(-err));
		return err;
	}
	err = bpf_map__set_max_entries(x->rx->maps.rx_ring, o->ring_mib << 20);
	if (err) {
		fprintf(stderr, "xdp_cost: resize rx_ring: %s\n", strerror(-err));
		return err;
	}
	/*
	 * every option off but the one measured: the zero config is the
	 * default. Fixed at load (rodata): all off, snaplen 2048 for the
	 * capture mode; capture itself is .bss, turned on for its runs.
	 */
	memset((void *)&x->rx->rodata->rx_ro, 0, sizeof(x->rx->rodata->rx_ro));
	x->rx->rodata->rx_ro.snaplen = RX_SNAP_MAX;
	err = rxray_bpf__load(x->rx);
	if (!err)
		err = rx_stages__fill(x->rx->obj);
	if (err) {
		fprintf(stderr, "xdp_cost: load rxray.bpf.o: %s\n", strerror(-err));
		return err;
	}
	x->fd_triv = bpf_program__fd(x->triv->progs.xdp_trivial);
	x->fd_rx = bpf_program__fd(x->rx->progs.xdp_ingress);
	memset((void *)&x->rx->bss->rx_cfg, 0, sizeof(x->rx->bss->rx_cfg));
	return 0;
}

/* Warm up both programs on every shape. */
static int xc_warm_up(struct xc_ctx *x)
{
	int i, err;

	for (i = 0; i < XC_SHAPES; i++) {
		const struct xc_shape *s = &xc_shapes[i];
		long a = bench__run(x->fd_triv, &s->pkt, 1000, XDP_PASS);
		long b = bench__run(x->fd_rx, &s->pkt, 1000, XDP_PASS);

		if (a < 0 || b < 0) {
			err = a < 0 ? (int)a : (int)b;
			fprintf(stderr, "xdp_cost: warm-up of %s: %s\n", s->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int xc_capture_stats(struct xc_ctx *x, __u64 *produced, __u64 *lost)
{
	return bench__stat(x->rx, x->ncpus, RX_STAT_CAPTURE_PRODUCED, produced) ?:
	       bench__stat(x->rx, x->ncpus, RX_STAT_CAPTURE_LOST, lost);
}

/* The capture mode: measured and printed, with the ring's records accounted for. */
static int xc_capture(struct xc_ctx *x, const struct xc_opts *o, long cap[XC_SHAPES][2])
{
	__u64 produced0, produced1, lost0, lost1, drain_ns = 0;
	int err;

	x->ring = ring_buffer__new(bpf_map__fd(x->rx->maps.rx_ring), xc_ring_record, x, NULL);
	if (!x->ring) {
		err = -errno;
		fprintf(stderr, "xdp_cost: ring buffer: %s\n", strerror(-err));
		return err;
	}
	x->rx->bss->rx_cfg.capture = 1; /* (snaplen: RX_SNAP_MAX, fixed at load) */
	/*
	 * One untimed pass over the whole ring first: the first records written
	 * into a new ring cost microseconds each (its pages touched for the
	 * first time), which the first shape timed would carry (tcp_syn_opts
	 * measured 2-5.7 us with capture, the others 0.25-0.9 us). Not counted
	 * in the records or the drain time below.
	 */
	if (xc_run_batched(x, x->fd_rx, &xc_shapes[0].pkt,
			   (__u32)xc_ring_fit(o), o->cap_batch,
			   &drain_ns) < 0)
		return -EIO;
	drain_ns = 0;
	x->ring_records = x->ring_bytes = 0;
	err = xc_capture_stats(x, &produced0, &lost0);
	if (err)
		return err;
	err = xc_measure(x, o, 1, cap, &drain_ns);
	x->rx->bss->rx_cfg.capture = 0;
	if (err)
		return err;
	if (ring_buffer__consume(x->ring) < 0)
		return -EIO;
	err = xc_capture_stats(x, &produced1, &lost1);
	if (err)
		return err;
	printf("\ndecode + count + capture (rx_cfg.capture = 1, snaplen 2048)\n"
	       "  (%u runs per shape and round, in test-run calls of %u, %u MiB ring drained\n"
	       "   after each call)\n", o->cap_repeat, o->cap_batch, o->ring_mib);
	xc_print("capture", cap, 0, NULL);
	printf("  capture: records produced %llu, lost (reserve failed) %llu, consumed %llu, "
	       "drain %.1f ns/record in user space\n",
	       (unsigned long long)(produced1 - produced0), (unsigned long long)(lost1 - lost0),
	       (unsigned long long)x->ring_records,
	       x->ring_records ? (double)drain_ns / (double)x->ring_records : 0.0);
	if (lost1 != lost0 || x->ring_records != produced1 - produced0) {
		fprintf(stderr, "xdp_cost: capture records were lost: the ring is too small "
				"for -b %u\n", o->cap_batch);
		return -ENOSPC;
	}
	return 0;
}

/* The sampled mode (-S N): capture on for one packet in N, as serve's alert evidence. */
static int xc_sampled(struct xc_ctx *x, const struct xc_opts *o, long med[XC_SHAPES][2])
{
	__u64 produced0, produced1, lost0, lost1, drain_ns = 0;
	int err;

	err = xc_capture_stats(x, &produced0, &lost0);
	if (err)
		return err;
	x->rx->bss->rx_cfg.sample = o->sample;
	x->rx->bss->rx_cfg.capture = 1;
	err = xc_measure(x, o, 1, med, &drain_ns);
	x->rx->bss->rx_cfg.capture = 0;
	x->rx->bss->rx_cfg.sample = 0;
	if (err)
		return err;
	err = xc_capture_stats(x, &produced1, &lost1);
	if (err)
		return err;
	printf("\ndecode + count + sampled capture (rx_cfg.capture = 1, sample = %u)\n"
	       "  (%u runs per shape and round)\n", o->sample, o->cap_repeat);
	xc_print("sampled", med, 0, NULL);
	printf("  sampled: records produced %llu (one in %.1f), lost %llu\n",
	       (unsigned long long)(produced1 - produced0),
	       produced1 > produced0 ? (double)o->rounds * XC_SHAPES * o->cap_repeat /
					       (double)(produced1 - produced0)
				     : 0.0,
	       (unsigned long long)(lost1 - lost0));
	return 0;
}

static int xc_write_pcap(const char *path)
{
	const struct bench_pkt *pkts[XC_SHAPES];
	int i, err;

	for (i = 0; i < XC_SHAPES; i++)
		pkts[i] = &xc_shapes[i].pkt;
	err = bench__write_pcap(path, pkts, XC_SHAPES, 1, 0);
	if (err)
		fprintf(stderr, "xdp_cost: %s: %s\n", path, strerror(-err));
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct xc_opts o = { .repeat = 1000000, .rounds = 7, .cap_repeat = 200000,
			     .cap_batch = XC_BATCH_DEFAULT, .ring_mib = 256, .cpu = -1 };
	struct xc_ctx x = { 0 };
	long dec[XC_SHAPES][2], cap[XC_SHAPES][2], smp[XC_SHAPES][2];
	int err, i;

	err = xc_parse_opts(argc, argv, &o);
	if (err)
		return 2;
	xc_build_shapes();
	if (o.pcap_out)
		return xc_write_pcap(o.pcap_out);

	for (i = 0; o.only && i < XC_SHAPES; i++)
		if (!strcmp(o.only, xc_shapes[i].name))
			break;
	if (i == XC_SHAPES) {
		fprintf(stderr, "xdp_cost: no shape named %s\n", o.only);
		return 1;
	}
	err = bench__pin(o.cpu, &x.cpu);
	if (err) {
		fprintf(stderr, "xdp_cost: pin to CPU: %s\n", strerror(-err));
		goto cleanup;
	}
	err = xc_load(&x, &o) ?: xc_warm_up(&x);
	if (err)
		goto cleanup;

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

	err = xc_capture(&x, &o, cap);
	if (err && err != -ENOSPC)
		goto cleanup;
	if (o.sample) {
		err = xc_sampled(&x, &o, smp);
		if (err)
			goto cleanup;
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

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The guard's cost (docs/guard.md), through BPF_PROG_TEST_RUN on this
 * kernel, with 100,000 rules (50,000 IPv4 /32s, 50,000 IPv6 /64s) loaded:
 *
 *   allowed  a UDP packet from a source no rule names: xdp_ingress with the
 *            guard off (no rules) against on (the early check: a header
 *            read and the deny list's LPM lookup; lists only, so no guard
 *            stage); goal: <= 10 % more
 *   blocked  a UDP packet from a blocked source: xdp_ingress (dropped by
 *            the early check, before the decode) against a drop-only XDP
 *            program (bench/trivial_drop.bpf.c);
 *            the drop rate as a ratio, trivial_ns / rxray_ns; goal >= 0.9
 *
 * Runs are interleaved, ROUNDS of them, each REPEAT packets; the medians
 * are printed, and one RESULT line.
 *   guard_cost [REPEAT [ROUNDS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../src/stages.h"
#include "../datapath/guard_abi.h"
#include "rxray.skel.h"
#include "bench/trivial_drop.skel.h"

#define ROUNDS_MAX 31

/* An Ethernet + IPv4 + UDP frame from src (network order bytes) to 192.0.2.2:53. */
static void frame(__u8 *f, const __u8 src[4])
{
	static const __u8 head[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,         /* Ethernet */
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 192, 0, 2, 2, /* IPv4 */
		0x10, 0x00, 0x00, 0x35, 0, 12, 0, 0, 'g', 'u', 'a', 'r',      /* UDP */
	};

	memcpy(f, head, sizeof(head));
	memcpy(f + 26, src, 4);
}

/* ns per run of prog on the 46-byte frame f, over repeat runs; -1 on error. */
static double run(int prog, const __u8 *f, __u32 repeat, __u32 want)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = 46, .repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o) || o.retval != want)
		return -1;
	return (double)o.duration;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * 100,000 rules, as the agent writes them, and 198.51.100.0/24 blocked (id
 * 1); the settings as the agent's: both deny tries hold rules, the allow
 * tries none (rx_guard_cfg.lists).
 */
static int rules(struct rxray_bpf *s)
{
	struct rx_guard_key4 k4 = { .prefixlen = 24, .addr = { 198, 51, 100, 0 } };
	struct rx_guard_key6 k6 = { .prefixlen = 64, .addr = { 0x20, 0x01, 0x0d, 0xb8 } };
	struct rx_guard_cfg cfg = { .on = 1, .active = 1,
				    .lists = RX_GUARD_L_DENY4 | RX_GUARD_L_DENY6 };
	struct rx_guard_rule r = { .id = 1 };
	int fd4 = bpf_map__fd(s->maps.rx_guard_deny4), fd6 = bpf_map__fd(s->maps.rx_guard_deny6);
	__u32 i = 0;

	if (bpf_map_update_elem(bpf_map__fd(s->maps.rx_guard_cfg), &i, &cfg, BPF_ANY) ||
	    bpf_map_update_elem(fd4, &k4, &r, BPF_ANY))
		return -1;
	k4.prefixlen = 32;
	k4.addr[0] = 10;
	for (i = 0; i < 50000; i++) {
		r.id = i + 2;
		k4.addr[1] = (__u8)(i >> 16);
		k4.addr[2] = (__u8)(i >> 8);
		k4.addr[3] = (__u8)i;
		k6.addr[4] = 0x80 | (__u8)(i >> 24);
		k6.addr[5] = (__u8)(i >> 16);
		k6.addr[6] = (__u8)(i >> 8);
		k6.addr[7] = (__u8)i;
		if (bpf_map_update_elem(fd4, &k4, &r, BPF_ANY) ||
		    bpf_map_update_elem(fd6, &k6, &r, BPF_ANY))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const __u8 good[4] = { 203, 0, 113, 50 }, bad[4] = { 198, 51, 100, 9 };
	__u32 repeat = argc > 1 ? (__u32)atoi(argv[1]) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7, i, ing, drop;
	double off[ROUNDS_MAX], on[ROUNDS_MAX], blk[ROUNDS_MAX], triv[ROUNDS_MAX];
	struct rx_config cfg = { .traffic = 1, .snaplen = RX_SNAP_MAX };
	struct trivial_drop_bpf *t;
	struct rxray_bpf *s;
	__u8 fg[64], fb[64];

	if (rounds < 1 || rounds > ROUNDS_MAX || !repeat) {
		fprintf(stderr, "usage: guard_cost [REPEAT [ROUNDS (1..%d)]]\n", ROUNDS_MAX);
		return 2;
	}
	s = rxray_bpf__open();
	if (!s)
		return 1;
	s->rodata->rx_ro = rx_config__ro(&cfg);
	t = trivial_drop_bpf__open_and_load();
	if (rxray_bpf__load(s) || rx_stages__fill(s->obj) || !t || rules(s)) {
		fprintf(stderr, "guard_cost: cannot load: %s\n", strerror(errno));
		return 1;
	}
	ing = bpf_program__fd(s->progs.xdp_ingress);
	drop = bpf_program__fd(t->progs.xdp_trivial_drop);
	frame(fg, good);
	frame(fb, bad);
	for (i = 0; i < rounds; i++) {
		s->bss->rx_cfg.guard = 0;
		off[i] = run(ing, fg, repeat, XDP_PASS);
		s->bss->rx_cfg.guard = 1;
		on[i] = run(ing, fg, repeat, XDP_PASS);
		blk[i] = run(ing, fb, repeat, XDP_DROP);
		triv[i] = run(drop, fb, repeat, XDP_DROP);
		if (off[i] < 0 || on[i] < 0 || blk[i] < 0 || triv[i] < 0) {
			fprintf(stderr, "guard_cost: a test run failed or gave another verdict\n");
			return 1;
		}
	}
	qsort(off, (size_t)rounds, sizeof(double), cmp);
	qsort(on, (size_t)rounds, sizeof(double), cmp);
	qsort(blk, (size_t)rounds, sizeof(double), cmp);
	qsort(triv, (size_t)rounds, sizeof(double), cmp);
	i = rounds / 2;
	printf("100,001 rules; medians of %d rounds of %u packets\n", rounds, repeat);
	printf("  allowed packet: guard off %.1f ns, on %.1f ns: +%.1f %% (goal <= 10 %%)\n", off[i],
	       on[i], 100.0 * (on[i] - off[i]) / off[i]);
	printf("  blocked packet: rxray %.1f ns, drop-only XDP %.1f ns: drop rate ratio %.2f "
	       "(goal >= 0.9)\n", blk[i], triv[i], triv[i] / blk[i]);
	printf("RESULT guard off_ns=%.1f on_ns=%.1f blocked_ns=%.1f drop_only_ns=%.1f\n", off[i],
	       on[i], blk[i], triv[i]);
	trivial_drop_bpf__destroy(t);
	rxray_bpf__destroy(s);
	return 0;
}

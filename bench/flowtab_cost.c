// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The cost of the guard's SLO loop's once-a-second read (docs/guard.md,
 * "The SLO loop"): a TCP connections table like rx_flows (an LRU hash of
 * RX_FLOWS_MAX = 65,536 entries, struct rx_flow_key -> struct rx_tcp_flow)
 * filled to the brim, read whole (src/flowtab.c: bpf_map_lookup_batch),
 * then ranked by new connections to one port in the last second
 * (rx_guard_slo__by_syn). The connections: 2,048 sources with 32 each,
 * half of them to the ranked port, half of those with a SYN in the last
 * second. Prints the medians of ROUNDS reads and one RESULT line.
 *   flowtab_cost [ROUNDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "../src/flowtab.h"
#include "../src/guard_slo.h"

#define ROUNDS_MAX 51
#define PORT 18080

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The table, filled: its fd, or -1. */
static int fill(__u64 now_ns)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_flows", sizeof(struct rx_flow_key),
				sizeof(struct rx_tcp_flow), RX_FLOWS_MAX, NULL);
	struct rx_flow_key k;
	struct rx_tcp_flow f;
	__u32 i;

	if (fd < 0)
		return -1;
	for (i = 0; i < RX_FLOWS_MAX; i++) {
		memset(&k, 0, sizeof(k));
		memset(&f, 0, sizeof(f));
		k.a[10] = k.a[11] = 0xff; /* the server, 192.0.2.2: the lower address */
		k.a[12] = 192;
		k.a[14] = 2;
		k.a[15] = 2;
		k.b[0] = 0x20; /* the client, 2001:db8::/32, source i / 32 */
		k.b[1] = 0x01;
		k.b[2] = 0x0d;
		k.b[3] = 0xb8;
		k.b[14] = (__u8)(i >> 13);
		k.b[15] = (__u8)(i >> 5);
		k.pa = (i & 1) ? PORT : 9090;
		k.pb = (__u16)(30000 + i % 32);
		f.client = 1;
		f.state = RX_FLOW_EST;
		f.known = 1;
		f.syn_ns = (i & 2) ? now_ns - 500000000ull : now_ns - 5000000000ull;
		if (bpf_map_update_elem(fd, &k, &f, BPF_ANY))
			return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21, fd, i, r;
	double rd[ROUNDS_MAX], rk[ROUNDS_MAX], t0, t1, t2;
	struct rx_gslo_cand out[RX_GSLO_SOURCES_MAX];
	struct rx_flowtab t = { 0 };
	struct timespec ts;
	__u64 now_ns;
	size_t got = 0;

	if (rounds < 1 || rounds > ROUNDS_MAX)
		rounds = 21;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	fd = fill(now_ns);
	if (fd < 0) {
		fprintf(stderr, "flowtab_cost: the table: %s (root?)\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		t.n = 0;
		t0 = now_ms();
		r = rx_flowtab__read(&t, fd);
		t1 = now_ms();
		got = rx_guard_slo__by_syn(t.keys, t.flows, t.n, PORT, now_ns - 1000000000ull, 3, out);
		t2 = now_ms();
		if (r) {
			fprintf(stderr, "flowtab_cost: read: %s\n", strerror(-r));
			return 1;
		}
		rd[i] = t1 - t0;
		rk[i] = t2 - t1;
	}
	qsort(rd, (size_t)rounds, sizeof(double), cmp);
	qsort(rk, (size_t)rounds, sizeof(double), cmp);
	printf("entries read: %zu of %d; heaviest: %zu sources, the first with %llu new connections "
	       "(share %.4f)\n", t.n, RX_FLOWS_MAX, got, got ? (unsigned long long)out[0].syn : 0ull,
	       got ? out[0].share : 0);
	printf("read: median %.2f ms (min %.2f, max %.2f); rank: median %.2f ms (min %.2f, max %.2f); "
	       "%d rounds\n", rd[rounds / 2], rd[0], rd[rounds - 1], rk[rounds / 2], rk[0],
	       rk[rounds - 1], rounds);
	printf("RESULT flowtab_read_ms=%.2f rank_ms=%.2f per_second_cpu_pct=%.2f\n", rd[rounds / 2],
	       rk[rounds / 2], (rd[rounds / 2] + rk[rounds / 2]) / 10.0);
	rx_flowtab__free(&t);
	return 0;
}

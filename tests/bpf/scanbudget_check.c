// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The port-scan accounting's budget in the BPF build (datapath/scan.h,
 * RX_SCAN_NEW_PER_S new targets a second per CPU): 25,000 UDP probes of
 * distinct ports of one host, from one source, go through xdp_ingress by
 * BPF_PROG_TEST_RUN on one CPU (the one it starts on) within one second of the kernel's clock
 * (bpf_ktime_get_ns is CLOCK_MONOTONIC: the run starts early in a second and
 * is repeated, on a fresh object, if it ended in the next one). The live
 * tables are LRU and never refuse an entry, so scan_overflow counts exactly
 * the probes past the budget: 5,000; the source's (source, host) record
 * holds the 20,000 tracked, and rx_scan_touches as many entries.
 *   scanbudget_check
 * Then the cache of known targets (datapath/scan.h rx_scan_tag, the map
 * rx_scan_seen), on a
 * fresh object: a target probed twice is one touch; with its touch deleted
 * from rx_scan_touches (as the LRU may evict it) its tag still knows it, so
 * a third probe counts nothing; with the cache zeroed as well, a fourth
 * probe is a new touch again (the check can fail both ways).
 * Prints two lines; exits 0 when the counts are exact, 77 (skip) when no
 * run fitted in a second (a very slow or loaded machine).
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
#include "../../datapath/abi.h"
#include "rxray.skel.h"

#define PROBES 25000

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Ethernet, IPv4, UDP from 198.51.100.30:40000 to 192.0.2.1:port, one byte of payload. */
static void frame(__u8 *f, __u16 port)
{
	static const __u8 head[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
				     0x45, 0, 0, 29, 0, 1, 0, 0, 64, 17, 0, 0,
				     198, 51, 100, 30, 192, 0, 2, 1,
				     0x9c, 0x40, 0, 0, 0, 9, 0, 0, 'x' };

	memcpy(f, head, sizeof(head));
	f[36] = (__u8)(port >> 8);
	f[37] = (__u8)port;
}

static __u64 scan_overflow(struct rxray_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct rx_percpu *v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	__u64 n = 0;
	__u32 k;

	for (k = 0; v && k < 2; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.rx_percpu), &k, v))
			break;
		for (i = 0; i < ncpu; i++)
			n += v[i].tally.stats[RX_STAT_SCAN_OVERFLOW];
	}
	free(v);
	return n;
}

static unsigned long map_entries(int fd, size_t ksz)
{
	__u8 key[64], next[64];
	unsigned long n = 0;
	void *prev = NULL;

	while (ksz <= sizeof(key) && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		n++;
	}
	return n;
}

/* One run on a fresh object: 0 and the counts, 1 when it crossed a second, -1 on error. */
static int run(__u64 *over, __u32 *touches, unsigned long *entries)
{
	struct rx_config cfg = { .traffic = 1, .snaplen = RX_SNAP_MAX };
	struct rx_scan_key k = { .scope = RX_SCAN_HOST };
	struct rx_scan_rec rec;
	struct rxray_bpf *skel;
	__u8 f[64];
	__u64 t0, t1;
	__u16 p;
	int ret = -1;

	skel = rxray_bpf__open();
	if (!skel)
		return -1;
	skel->rodata->rx_ro = rx_config__ro(&cfg);
	if (rxray_bpf__load(skel)) {
		fprintf(stderr, "scanbudget_check: cannot load: %s\n", strerror(errno));
		goto out;
	}
	skel->bss->rx_cfg = rx_config__rt(&cfg);
	while (mono_ns() % 1000000000ull > 100000000ull) /* start within a second's first 0.1 s */
		usleep(1000);
	t0 = mono_ns();
	for (p = 1; p <= PROBES; p++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = 43, .repeat = 1);

		frame(f, p);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_ingress), &o)) {
			fprintf(stderr, "scanbudget_check: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
			goto out;
		}
	}
	t1 = mono_ns();
	if (t0 / 1000000000ull != t1 / 1000000000ull) {
		ret = 1;
		goto out;
	}
	*over = scan_overflow(skel);
	k.src[10] = k.src[11] = k.dst[10] = k.dst[11] = 0xff;
	memcpy(&k.src[12], (__u8[]){ 198, 51, 100, 30 }, 4);
	memcpy(&k.dst[12], (__u8[]){ 192, 0, 2, 1 }, 4);
	*touches = bpf_map_lookup_elem(bpf_map__fd(skel->maps.rx_scan_sources), &k, &rec) ? 0
											     : rec.touches;
	*entries = map_entries(bpf_map__fd(skel->maps.rx_scan_touches),
			       sizeof(struct rx_scan_touch_key));
	printf("%d probes in %.1f ms on CPU %d: ", PROBES, (double)(t1 - t0) / 1e6, sched_getcpu());
	ret = 0;
out:
	rxray_bpf__destroy(skel);
	return ret;
}

/* Probe port once through xdp_ingress; the host record's touches after it, or -1. */
static long probe(struct rxray_bpf *skel, __u16 port)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_size_in = 43, .repeat = 1);
	struct rx_scan_key k = { .scope = RX_SCAN_HOST };
	struct rx_scan_rec rec;
	__u8 f[64];

	frame(f, port);
	o.data_in = f;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_ingress), &o))
		return -1;
	k.src[10] = k.src[11] = k.dst[10] = k.dst[11] = 0xff;
	memcpy(&k.src[12], (__u8[]){ 198, 51, 100, 30 }, 4);
	memcpy(&k.dst[12], (__u8[]){ 192, 0, 2, 1 }, 4);
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.rx_scan_sources), &k, &rec) ? 0
											: rec.touches;
}

/* The known-targets cache: 0 when every count is as it should be. */
static int seen(void)
{
	struct rx_config cfg = { .traffic = 1, .snaplen = RX_SNAP_MAX };
	struct rx_scan_touch_key t = { .port = 7, .proto = 17 };
	struct rx_scan_seen *zero = calloc(1, sizeof(*zero));
	struct rxray_bpf *skel = rxray_bpf__open();
	long n[4] = { -1, -1, -1, -1 };
	unsigned long after_del = ~0ul;
	int ok = 0, fd;
	__u32 k0 = 0;

	if (!skel || !zero)
		goto out;
	skel->rodata->rx_ro = rx_config__ro(&cfg);
	if (rxray_bpf__load(skel))
		goto out;
	skel->bss->rx_cfg = rx_config__rt(&cfg);
	t.src[10] = t.src[11] = t.dst[10] = t.dst[11] = 0xff;
	memcpy(&t.src[12], (__u8[]){ 198, 51, 100, 30 }, 4);
	memcpy(&t.dst[12], (__u8[]){ 192, 0, 2, 1 }, 4);
	fd = bpf_map__fd(skel->maps.rx_scan_touches);
	n[0] = probe(skel, 7);
	n[1] = probe(skel, 7);
	if (bpf_map_delete_elem(fd, &t))
		fprintf(stderr, "scanbudget_check: the touch of port 7 is not there\n");
	n[2] = probe(skel, 7);
	after_del = map_entries(fd, sizeof(t));
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.rx_scan_seen), &k0, zero, BPF_ANY))
		goto out;
	n[3] = probe(skel, 7);
	ok = n[0] == 1 && n[1] == 1 && n[2] == 1 && after_del == 0 && n[3] == 2;
out:
	printf("known targets: touches %ld, %ld, %ld with its touch deleted (%lu entries), "
	       "%ld with the cache zeroed (want 1, 1, 1 (0), 2)\n", n[0], n[1], n[2], after_del,
	       n[3]);
	free(zero);
	rxray_bpf__destroy(skel);
	return ok ? 0 : 1;
}

int main(void)
{
	unsigned long entries = 0;
	__u32 touches = 0;
	__u64 over = 0;
	cpu_set_t set;
	int tries, r = 1, cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set); /* one CPU's budget: a CPU this may run on */
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "scanbudget_check: cannot stay on CPU %d: %s\n", cpu, strerror(errno));
		return 1;
	}
	for (tries = 0; tries < 3 && r == 1; tries++)
		r = run(&over, &touches, &entries);
	if (r > 0) {
		printf("every run crossed a second of the clock: too slow a machine to tell\n");
		return 77;
	}
	if (r)
		return 1;
	printf("scan_overflow %llu (want %d), host record %u distinct ports (want %d), "
	       "%lu touches (want %d)\n", (unsigned long long)over, PROBES - RX_SCAN_NEW_PER_S,
	       touches, RX_SCAN_NEW_PER_S, entries, RX_SCAN_NEW_PER_S);
	r = over == PROBES - RX_SCAN_NEW_PER_S && touches == RX_SCAN_NEW_PER_S &&
			    entries == RX_SCAN_NEW_PER_S
		    ? 0
		    : 1;
	return seen() || r;
}

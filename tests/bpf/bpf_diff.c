// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Proof of sameness (ARCHITECTURE.md section 1): every frame of the given
 * pcaps runs through the real XDP program (BPF_PROG_TEST_RUN, on this
 * kernel) and through the native build; the capture records must be
 * identical byte for byte (but for what only the kernel knows: time,
 * ifindex, RX queue, hook), and so must every counter at the end.
 *
 *   bpf_diff FILE.pcap...
 *
 * Frames the kernel cannot test-run (shorter than an Ethernet header,
 * longer than one page of linear data) are listed and skipped, never
 * silently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../native/datapath.h"
#include "rxray.skel.h"
#include "../../src/stages.h"
#include "pcap_each.h"

struct diff {
	struct rxray_bpf *skel;
	struct ring_buffer *ring;
	struct rx_env *native;
	struct rx_capture bpf_rec, nat_rec;
	int bpf_n, nat_n;
	unsigned long frames, compared, skipped, mismatched;
	unsigned long base; /* frames in earlier files: frame numbers are per file */
	const char *file;
};

static int on_bpf(void *ctx, void *data, size_t size)
{
	struct diff *d = ctx;

	if (size >= sizeof(d->bpf_rec))
		memcpy(&d->bpf_rec, data, sizeof(d->bpf_rec));
	d->bpf_n++;
	return 0;
}

static void on_native(void *user, const struct rx_capture *rec)
{
	struct diff *d = user;

	d->nat_rec = *rec;
	d->nat_n++;
}

/* What only the kernel knows, and what the record compare must ignore. */
static void normalise(struct rx_capture *r)
{
	r->pkt.ts_ns = 0;
	r->pkt.ifindex = 0;
	r->pkt.rx_queue = 0;
	r->pkt.hook = 0;
	if (r->data_len < RX_SNAP_MAX)
		memset(r->data + r->data_len, 0, RX_SNAP_MAX - r->data_len);
}

static void report(struct diff *d, const char *what)
{
	const __u8 *a = (const __u8 *)&d->bpf_rec, *b = (const __u8 *)&d->nat_rec;
	size_t i;

	d->mismatched++;
	if (d->mismatched > 10)
		return;
	printf("MISMATCH %s frame %lu: %s\n", d->file, d->frames - d->base, what);
	for (i = 0; i < sizeof(d->bpf_rec); i++)
		if (a[i] != b[i]) {
			printf("  first differing byte at offset %zu: bpf 0x%02x native 0x%02x\n", i,
			       a[i], b[i]);
			break;
		}
}

static int on_frame(void *user, const uint8_t *data, uint32_t caplen, uint32_t len,
		    uint64_t ts_ns)
{
	struct diff *d = user;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = caplen,
		    .repeat = 1);
	int err;

	d->frames++;
	if (caplen < 14 || caplen > 3000) {
		printf("skip %s frame %lu: %u bytes cannot be test-run at XDP\n", d->file, d->frames - d->base,
		       caplen);
		d->skipped++;
		return 0;
	}
	d->bpf_n = d->nat_n = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(d->skel->progs.xdp_ingress), &opts);
	if (err) {
		printf("%s frame %lu: BPF_PROG_TEST_RUN: %s\n", d->file, d->frames - d->base, strerror(-err));
		d->mismatched++;
		return 0;
	}
	ring_buffer__consume(d->ring);
	/* XDP sees exactly the captured bytes: give the native build the same */
	rx_native__run(d->native, data, caplen, caplen, ts_ns);
	d->compared++;
	if (d->bpf_n != 1 || d->nat_n != 1) {
		printf("MISMATCH %s frame %lu: %d BPF records, %d native records\n", d->file,
		       d->frames - d->base, d->bpf_n, d->nat_n);
		d->mismatched++;
		return 0;
	}
	if (opts.retval != XDP_PASS)
		report(d, "XDP verdict is not XDP_PASS");
	normalise(&d->bpf_rec);
	normalise(&d->nat_rec);
	if (memcmp(&d->bpf_rec, &d->nat_rec, sizeof(d->bpf_rec)))
		report(d, "records differ");
	return 0;
}

/* A per-CPU hash map against its native twin: same keys, same sums. */
static int compare_table(const char *name, struct bpf_map *map, const struct rx_nhash *h,
			 int ncpu, struct rx_counter *pc)
{
	__u8 key[16], next[16];
	void *prev = NULL;
	__u32 i, n = 0;
	int bad = 0, cpu, fd = bpf_map__fd(map);

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	if (n != h->n) {
		printf("TABLE %s: bpf has %u keys, native %u\n", name, n, h->n);
		bad++;
	}
	for (i = 0; i < h->slots; i++) {
		struct rx_counter sum = { 0 };

		if (!h->used[i])
			continue;
		if (bpf_map_lookup_elem(fd, rx_nhash__key(h, i), pc)) {
			printf("TABLE %s: a native key is missing in BPF\n", name);
			bad++;
			continue;
		}
		for (cpu = 0; cpu < ncpu; cpu++) {
			sum.packets += pc[cpu].packets;
			sum.bytes += pc[cpu].bytes;
		}
		const struct rx_counter *v = rx_nhash__val(h, i);

		if (sum.packets != v->packets || sum.bytes != v->bytes) {
			printf("TABLE %s: values differ for one key\n", name);
			bad++;
		}
	}
	printf("table %s: %u keys compared, %d differ\n", name, h->n, bad);
	return bad;
}

/* The traffic picture: talkers, services, sizes, TCP kinds. */
static int compare_traffic(struct diff *d, int ncpu, struct rx_counter *pc, __u64 *ps)
{
	int bad = 0, cpu;
	__u32 k;

	bad += compare_table("talkers", d->skel->maps.rx_talkers, &d->native->talkers, ncpu, pc);
	bad += compare_table("services", d->skel->maps.rx_services, &d->native->services, ncpu, pc);
	for (k = 0; k < RX_SIZE_BUCKETS; k++) {
		struct rx_counter sum = { 0 };

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_sizes), &k, pc);
		for (cpu = 0; cpu < ncpu; cpu++) {
			sum.packets += pc[cpu].packets;
			sum.bytes += pc[cpu].bytes;
		}
		if (sum.packets != d->native->sizes[k].packets ||
		    sum.bytes != d->native->sizes[k].bytes) {
			printf("SIZES bucket %u differs\n", k);
			bad++;
		}
	}
	for (k = 0; k < RX_TCPK_MAX; k++) {
		__u64 sum = 0;

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_tcpkinds), &k, ps);
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += ps[cpu];
		if (sum != d->native->tcpkinds[k]) {
			printf("TCPKIND %u: bpf %llu native %llu\n", k, (unsigned long long)sum,
			       (unsigned long long)d->native->tcpkinds[k]);
			bad++;
		}
	}
	return bad;
}

/* Sum the per-CPU counters and compare with the native ones, slot by slot. */
static int compare_counters(struct diff *d)
{
	int ncpu = libbpf_num_possible_cpus(), bad = 0, cpu;
	struct rx_counter *pc = calloc((size_t)ncpu, sizeof(*pc));
	__u64 *ps = calloc((size_t)ncpu, sizeof(*ps)), total = 0;
	__u32 k;

	for (k = 0; pc && k < RX_COUNTER_SLOTS; k++) {
		struct rx_counter sum = { 0 };

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_counters), &k, pc);
		for (cpu = 0; cpu < ncpu; cpu++) {
			sum.packets += pc[cpu].packets;
			sum.bytes += pc[cpu].bytes;
		}
		total += sum.packets;
		if (sum.packets != d->native->counters[k].packets ||
		    sum.bytes != d->native->counters[k].bytes) {
			printf("COUNTER slot %u: bpf %llu/%llu native %llu/%llu\n", k,
			       (unsigned long long)sum.packets, (unsigned long long)sum.bytes,
			       (unsigned long long)d->native->counters[k].packets,
			       (unsigned long long)d->native->counters[k].bytes);
			bad++;
		}
	}
	for (k = 0; ps && k < RX_STAT_MAX; k++) {
		__u64 sum = 0;

		bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.rx_stats), &k, ps);
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += ps[cpu];
		if (sum != d->native->stats[k]) {
			printf("STAT %u: bpf %llu native %llu\n", k, (unsigned long long)sum,
			       (unsigned long long)d->native->stats[k]);
			bad++;
		}
	}
	printf("counters: %llu packets in %d slots compared, %d differ\n",
	       (unsigned long long)total, RX_COUNTER_SLOTS, bad);
	bad += compare_traffic(d, ncpu, pc, ps);
	free(pc);
	free(ps);
	return bad;
}

int main(int argc, char **argv)
{
	struct diff d = { 0 };
	int i, bad, payload = 0;

	if (argc > 1 && !strcmp(argv[1], "--payload")) {
		payload = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bpf_diff [--payload] FILE.pcap...\n");
		return 2;
	}
	d.skel = rxray_bpf__open_and_load();
	if (!d.skel || rx_stages__fill(d.skel->obj)) {
		fprintf(stderr, "cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	d.skel->bss->rx_cfg.capture = 1;
	d.skel->bss->rx_cfg.snaplen = RX_SNAP_MAX;
	d.skel->bss->rx_cfg.traffic = 1;
	d.skel->bss->rx_cfg.payload = payload;
	d.ring = ring_buffer__new(bpf_map__fd(d.skel->maps.rx_ring), on_bpf, &d, NULL);
	d.native = rx_native__new();
	if (!d.ring || !d.native)
		return 1;
	rx_native__set_capture(d.native, on_native, &d, RX_SNAP_MAX);
	rx_native__set_traffic(d.native, 1);
	rx_native__set_payload(d.native, payload);
	for (i = 1; i < argc; i++) {
		unsigned long before = d.frames;

		d.file = argv[i];
		d.base = before;
		if (pcap_each(argv[i], on_frame, &d) < 0)
			return 1;
	}
	bad = compare_counters(&d);
	printf("%lu frames, %lu compared, %lu skipped, %lu mismatched\n", d.frames, d.compared,
	       d.skipped, d.mismatched);
	ring_buffer__free(d.ring);
	rxray_bpf__destroy(d.skel);
	rx_native__free(d.native);
	return (d.mismatched || bad || d.compared == 0) ? 1 : 0;
}

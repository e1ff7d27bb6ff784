// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The guard's early check (datapath/guard_early.h) takes the guard stage's
 * decision: every frame of the captures runs through xdp_ingress by
 * BPF_PROG_TEST_RUN, the guard on, allow and deny lists (IPv4 and IPv6, a
 * dry-run rule) loaded, and the stage's program slot left EMPTY: a packet
 * the early check left to the stage passes (its tail call fails, counted
 * as stage_miss), so every drop is the early check's own. The same frame
 * goes through the native build's decoder and the guard stage's full walk
 * (rx_native__guard_full). Per frame the verdicts must be equal; at the
 * end each rule's hits (dropped, would drop, allowed, bytes), and no frame
 * may have needed the stage (stage_miss 0: with lists only, the early
 * check settles every packet).
 *   gearly_check FILE.pcap...
 * Prints one line per differing frame, then a summary; exits 0 when none differ.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../native/datapath.h"
#include "../../src/stages.h"
#include "rxray.skel.h"
#include "pcap_each.h"

static const struct {
	__u32 list, v6, plen, flags;
	const char *addr;
} rules[] = {
	{ RX_GUARD_DENY, 0, 24, 0, "198.51.100.0" },
	{ RX_GUARD_ALLOW, 0, 32, 0, "198.51.100.7" },
	{ RX_GUARD_DENY, 0, 26, RX_GUARD_F_DRY_RUN, "203.0.113.64" },
	{ RX_GUARD_DENY, 1, 48, 0, "2001:db8:dead::" },
	{ RX_GUARD_ALLOW, 1, 128, 0, "2001:db8:dead::7" },
	{ RX_GUARD_DENY, 1, 64, RX_GUARD_F_DRY_RUN, "2001:db8:beef::" },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

struct check {
	struct rxray_bpf *skel;
	struct rx_env *native;
	const char *file;
	unsigned long frame, compared, skipped, differ, dropped;
};

static int load_rules(struct check *c)
{
	struct rx_guard_cfg cfg = { 0 };
	__u32 i, zero = 0;

	for (i = 0; i < NRULES; i++)
		cfg.lists |= (__u32)RX_GUARD_L_ALLOW4 << (2 * rules[i].v6 + rules[i].list);
	/* the native build's guard stays off: rx_native__run decodes, the test asks the walk */
	if (rx_native__guard_on(c->native, &cfg, 0) ||
	    bpf_map_update_elem(bpf_map__fd(c->skel->maps.rx_guard_cfg), &zero, &cfg, BPF_ANY))
		return -1;
	for (i = 0; i < NRULES; i++) {
		struct rx_guard_rule r = { .id = i + 1, .flags = rules[i].flags };
		struct rx_guard_key6 k = { .prefixlen = rules[i].plen };
		struct bpf_map *m = rules[i].v6 ? (rules[i].list ? c->skel->maps.rx_guard_deny6
								 : c->skel->maps.rx_guard_allow6)
						: (rules[i].list ? c->skel->maps.rx_guard_deny4
								 : c->skel->maps.rx_guard_allow4);

		if (inet_pton(rules[i].v6 ? AF_INET6 : AF_INET, rules[i].addr, k.addr) != 1)
			return -1;
		/* (an IPv4 key is the first 8 bytes of this one) */
		if (bpf_map_update_elem(bpf_map__fd(m), &k, &r, BPF_ANY) ||
		    rx_native__guard_rule(c->native, rules[i].list, (int)rules[i].v6, k.addr,
					  rules[i].plen, &r))
			return -1;
	}
	c->skel->bss->rx_cfg.guard = 1;
	return 0;
}

static int on_frame(void *user, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts)
{
	struct check *c = user;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = caplen, .repeat = 1);
	int want;

	(void)len;
	c->frame++;
	if (caplen < 14 || caplen > 3000) { /* (what XDP test runs take) */
		c->skipped++;
		return 0;
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(c->skel->progs.xdp_ingress), &o)) {
		fprintf(stderr, "%s frame %lu: BPF_PROG_TEST_RUN: %s\n", c->file, c->frame,
			strerror(errno));
		return -1;
	}
	rx_native__run(c->native, data, caplen, caplen, ts);
	want = rx_native__guard_full(c->native) == RX_VERDICT_DROP ? XDP_DROP : XDP_PASS;
	c->compared++;
	c->dropped += o.retval == XDP_DROP;
	if ((int)o.retval != want) {
		printf("DIFFER %s frame %lu (%u bytes): early %s, guard stage %s\n", c->file, c->frame,
		       caplen, o.retval == XDP_DROP ? "drop" : "pass", want == XDP_DROP ? "drop" : "pass");
		c->differ++;
	}
	return 0;
}

/* Each rule's hits, both ways: the number of rules that differ; *unmatched: rules that matched nothing. */
static int hits_compare(struct check *c, int *unmatched)
{
	int ncpu = libbpf_num_possible_cpus(), i, bad = 0;
	struct rx_guard_hits v[ncpu > 0 ? ncpu : 1], b, n;
	__u32 id;

	for (id = 1; id <= NRULES; id++) {
		memset(&b, 0, sizeof(b));
		if (!bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.rx_guard_hits), &id, v))
			for (i = 0; i < ncpu; i++) {
				b.dropped += v[i].dropped;
				b.would_drop += v[i].would_drop;
				b.allowed += v[i].allowed;
				b.bytes += v[i].bytes;
			}
		rx_native__guard_hits(c->native, id, &n);
		printf("rule %u %s/%u: early %llu/%llu/%llu, guard stage %llu/%llu/%llu "
		       "(dropped/would_drop/allowed)\n", id, rules[id - 1].addr, rules[id - 1].plen,
		       (unsigned long long)b.dropped, (unsigned long long)b.would_drop,
		       (unsigned long long)b.allowed, (unsigned long long)n.dropped,
		       (unsigned long long)n.would_drop, (unsigned long long)n.allowed);
		bad += memcmp(&b, &n, sizeof(b)) != 0;
		*unmatched += !(b.dropped + b.would_drop + b.allowed);
	}
	return bad;
}

/* The stage_miss stat over every CPU: the packets the early check left to the (absent) stage. */
static __u64 stage_misses(struct check *c)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct rx_percpu *v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	__u32 zero = 0;
	__u64 n = 0;

	if (!v || bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.rx_percpu), &zero, v)) {
		free(v);
		return ~0ULL;
	}
	for (i = 0; i < ncpu; i++)
		n += v[i].tally.stats[RX_STAT_STAGE_MISS];
	free(v);
	return n;
}

int main(int argc, char **argv)
{
	struct rx_config cfg = { .traffic = 1, .snaplen = RX_SNAP_MAX };
	struct check c = { 0 };
	__u64 misses;
	int i, bad, unmatched = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: gearly_check FILE.pcap...\n");
		return 2;
	}
	c.skel = rxray_bpf__open();
	if (!c.skel)
		return 1;
	c.skel->rodata->rx_ro = rx_config__ro(&cfg);
	/* no rx_stages__fill(): the guard stage's slot stays empty */
	if (rxray_bpf__load(c.skel)) {
		fprintf(stderr, "gearly_check: cannot load: %s\n", strerror(errno));
		return 1;
	}
	c.skel->bss->rx_cfg = rx_config__rt(&cfg);
	c.native = rx_native__new();
	if (!c.native)
		return 1;
	rx_native__configure(c.native, &cfg, NULL);
	if (load_rules(&c)) {
		fprintf(stderr, "gearly_check: cannot load the rules: %s\n", strerror(errno));
		return 1;
	}
	for (i = 1; i < argc; i++) {
		c.file = argv[i];
		c.frame = 0;
		if (pcap_each(argv[i], on_frame, &c))
			return 1;
	}
	bad = hits_compare(&c, &unmatched);
	misses = stage_misses(&c);
	printf("%lu frames compared (%lu skipped), %lu dropped early, %lu differ, %d rules' hits "
	       "differ, %d rules never matched, stage_miss %llu\n", c.compared, c.skipped, c.dropped,
	       c.differ, bad, unmatched, (unsigned long long)misses);
	rx_native__free(c.native);
	rxray_bpf__destroy(c.skel);
	return c.differ || bad || misses || !c.dropped ? 1 : 0;
}

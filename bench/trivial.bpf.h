/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What both trivial baselines (trivial.bpf.c for XDP, trivial_tc.bpf.c for
 * TC) do, the least a program that counts can do: one per-CPU array lookup,
 * one increment, then a fixed verdict. TRIVIAL_PROGRAM(sec, name, ctx, map,
 * verdict) defines the whole program: its count map, SEC(sec) int
 * name(ctx *) and the license.
 */
#ifndef RX_BENCH_TRIVIAL_BPF_H
#define RX_BENCH_TRIVIAL_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TRIVIAL_COUNT_MAP(name)                         \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, 1);                 \
		__type(key, __u32);                     \
		__type(value, __u64);                   \
	} name SEC(".maps")

static __always_inline void trivial__count(void *map)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(map, &zero);

	if (v)
		(*v)++;
}

#define TRIVIAL_PROGRAM(sec, name, ctx_type, map, verdict) \
	TRIVIAL_COUNT_MAP(map);                            \
	SEC(sec) int name(ctx_type *ctx)                   \
	{                                                  \
		trivial__count(&map);                      \
		return verdict;                            \
	}                                                  \
	char LICENSE[] SEC("license") = "Dual BSD/GPL"

#endif /* RX_BENCH_TRIVIAL_BPF_H */

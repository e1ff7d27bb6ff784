// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/xdp_cost: the least an XDP program that counts can
 * do. One per-CPU array lookup, one increment, XDP_PASS. Whatever rxray's
 * xdp_ingress costs above this is the price of decoding.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} trivial_count SEC(".maps");

SEC("xdp")
int xdp_trivial(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&trivial_count, &zero);

	if (v)
		(*v)++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/tc_http_cost: the least a TC program that counts can
 * do (the TC twin of trivial.bpf.c). One per-CPU array lookup, one
 * increment, TC_ACT_UNSPEC (what rxray's TC programs return: the packet goes
 * on). Whatever rxray's tc_ingress/tc_egress cost above this is the price
 * of TCP health and HTTP tracking.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} trivial_tc_count SEC(".maps");

SEC("tc")
int tc_trivial(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&trivial_tc_count, &zero);

	if (v)
		(*v)++;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

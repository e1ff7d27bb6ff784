// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/xdp_cost: the least an XDP program that counts can
 * do. One per-CPU array lookup, one increment, XDP_PASS. Whatever rxray's
 * xdp_ingress costs above this is the price of decoding.
 */
#include "trivial.bpf.h"

TRIVIAL_COUNT_MAP(trivial_count);

SEC("xdp")
int xdp_trivial(struct xdp_md *ctx)
{
	trivial__count(&trivial_count);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

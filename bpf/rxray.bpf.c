// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray's BPF programs. Entry points only: the logic lives in datapath/, shared
 * with the native build.
 */
#include "shim.h"
#include "../datapath/process.h"

/*
 * XDP ingress: every wire frame, before GRO. The verdict and its reason are
 * counted and carried in capture records.
 */
SEC("xdp")
int xdp_ingress(struct xdp_md *ctx)
{
	struct rx_frame f = {
		.data = (const __u8 *)(long)ctx->data,
		.data_end = (const __u8 *)(long)ctx->data_end,
		.wire_len = (__u32)bpf_xdp_get_buff_len(ctx),
		.ifindex = ctx->ingress_ifindex,
		.rx_queue = ctx->rx_queue_index,
		.hook = RX_HOOK_XDP,
	};

	if (rx_datapath((struct rx_env *)ctx, &f) == RX_VERDICT_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

/*
 * TC ingress and egress (tcx, or clsact on older kernels): both directions
 * of each connection, GRO super-packets included, for TCP health. Never
 * changes the packet's fate: TCX_NEXT is TC_ACT_UNSPEC for clsact too.
 */
static __always_inline int rx_tc(struct __sk_buff *skb, __u32 hook)
{
	struct rx_frame f = {
		.data = (const __u8 *)(long)skb->data,
		.data_end = (const __u8 *)(long)skb->data_end,
		.wire_len = skb->len,
		.ifindex = skb->ifindex,
		.rx_queue = skb->queue_mapping,
		.hook = hook,
	};

	rx_tc_datapath((struct rx_env *)skb, &f, skb->gso_segs);
	return -1; /* TCX_NEXT / TC_ACT_UNSPEC */
}

SEC("tcx/ingress")
int tc_ingress(struct __sk_buff *skb)
{
	return rx_tc(skb, RX_HOOK_TC_INGRESS);
}

SEC("tcx/egress")
int tc_egress(struct __sk_buff *skb)
{
	return rx_tc(skb, RX_HOOK_TC_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

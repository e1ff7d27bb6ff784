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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

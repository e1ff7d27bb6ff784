// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray's BPF programs. Entry points only: the logic lives in datapath/, shared
 * with the native build.
 *
 * The TC pipeline is a chain of programs joined by tail calls (how Cilium
 * does it): the entry decodes L2-L4 and tracks TCP health, then the TLS
 * and HTTP stages run as programs of their own. The verifier checks each program on
 * its own, within its own budget (200,000 processed instructions on every
 * kernel of the matrix, docs/architecture.md): a stage added later adds its
 * budget instead of multiplying the states of the others.
 */
#include "shim.h"
#include "../datapath/process.h"

/*
 * XDP ingress: every wire frame, before GRO. The entry decodes, counts and
 * decides the verdict, with its reason; while someone watches (every
 * packet, or one in rx_cfg.sample: serve's alert evidence), the TLS
 * stage decodes a TLS hello, then the capture stage (a program of its own:
 * the HTTP start line and the redaction walk are its budget, not the
 * entry's) writes the record.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, RX_XSTAGE_MAX);
	__uint(key_size, sizeof(__u32)); /* (BTF key types are refused for program arrays) */
	__uint(value_size, sizeof(__u32));
} rx_xdp_stages SEC(".maps");

/*
 * The guard's early check (datapath/guard_early.h): a global function, so
 * the verifier checks it once on its own, not on each of the entry's paths
 * (inlined, it took xdp_ingress past its budget).
 */
__attribute__((noinline)) int rx_xdp_guard_early(struct xdp_md *ctx)
{
	if (!ctx)
		return RX_GE_NONE;
	return rx_guard_early((struct rx_env *)ctx, (const __u8 *)(long)ctx->data,
			      (const __u8 *)(long)ctx->data_end, (__u32)bpf_xdp_get_buff_len(ctx));
}

SEC("xdp")
int xdp_ingress(struct xdp_md *ctx)
{
	__u32 early = RX_GE_NONE;

	/* a blocked source's packet goes at once: no decode, no traffic picture, no capture */
	if (rx_shim_config_rt((struct rx_env *)ctx)->guard) {
		early = (__u32)rx_xdp_guard_early(ctx);
		if (early == RX_GE_DROP)
			return XDP_DROP;
	}
	struct rx_frame f = {
		.data = (const __u8 *)(long)ctx->data,
		.data_end = (const __u8 *)(long)ctx->data_end,
		.wire_len = (__u32)bpf_xdp_get_buff_len(ctx),
		.ifindex = ctx->ingress_ifindex,
		.rx_queue = ctx->rx_queue_index,
		.hook = RX_HOOK_XDP,
		.guard = early,
	};
	int verdict = rx_datapath((struct rx_env *)ctx, &f);

	if (verdict == RX_GUARD_NEXT) {
		bpf_tail_call(ctx, &rx_xdp_stages, RX_XSTAGE_GUARD);
		verdict = rx_guard_missed((struct rx_env *)ctx);
	}
	if (rx_shim_config_rt((struct rx_env *)ctx)->capture &&
	    rx_capture_sampled((struct rx_env *)ctx)) {
		bpf_tail_call(ctx, &rx_xdp_stages, RX_XSTAGE_TLS);
		rx_shim_stat((struct rx_env *)ctx, NULL, RX_STAT_STAGE_MISS);
	}
	return verdict == RX_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

/*
 * The guard stage (datapath/guard.h): the rules' verdict, then the TLS and
 * capture stages while someone watches. A tail-call target only, never attached.
 */
SEC("xdp")
int xdp_guard(struct xdp_md *ctx)
{
	int verdict = rx_guard_stage((struct rx_env *)ctx);

	if (rx_shim_config_rt((struct rx_env *)ctx)->capture &&
	    rx_capture_sampled((struct rx_env *)ctx)) {
		bpf_tail_call(ctx, &rx_xdp_stages, RX_XSTAGE_TLS);
		rx_shim_stat((struct rx_env *)ctx, NULL, RX_STAT_STAGE_MISS);
	}
	return verdict == RX_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

/* The TLS stage: a tail-call target only, never attached; then the capture stage. */
SEC("xdp")
int xdp_tls(struct xdp_md *ctx)
{
	struct rx_work *wk;

	rx_xdp_tls_stage((struct rx_env *)ctx, RX_HOOK_XDP);
	bpf_tail_call(ctx, &rx_xdp_stages, RX_XSTAGE_CAPTURE);
	rx_shim_stat((struct rx_env *)ctx, NULL, RX_STAT_STAGE_MISS);
	wk = rx_shim_scratch((struct rx_env *)ctx, 0);
	return wk && wk->pkt.verdict == RX_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

/* The capture stage: a tail-call target only, never attached. */
SEC("xdp")
int xdp_capture(struct xdp_md *ctx)
{
	if (rx_xdp_capture_stage((struct rx_env *)ctx, RX_HOOK_XDP) == RX_VERDICT_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

/*
 * TC ingress and egress (tcx, or clsact on older kernels): both directions
 * of each connection, GRO super-packets included, for TCP health and HTTP.
 * Never changes the packet's fate: TCX_NEXT is TC_ACT_UNSPEC for clsact too.
 */
#define RX_TC_NEXT -1 /* TCX_NEXT / TC_ACT_UNSPEC */

/*
 * One program array per hook: a stage is declared with its entry's section,
 * so the caller and its tail-call targets have the same program type and
 * expected attach type on every kernel. User space fills the slots after
 * load (src/stages.h), only with the programs it loaded: libbpf 1.4 fails a
 * load whose declared slots name a program left out (watch -i loads no TC).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, RX_STAGE_MAX);
	__uint(key_size, sizeof(__u32)); /* (BTF key types are refused for program arrays) */
	__uint(value_size, sizeof(__u32));
} rx_tc_in_stages SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, RX_STAGE_MAX);
	__uint(key_size, sizeof(__u32)); /* (BTF key types are refused for program arrays) */
	__uint(value_size, sizeof(__u32));
} rx_tc_out_stages SEC(".maps");

/*
 * A tail call whose key is the instruction's own constant (as Cilium's
 * tail_call_static). With bpf_tail_call(), clang merges the calls of a
 * stage that can go on to two stages into one call whose key register
 * holds either value: the verifier then cannot prove the key constant,
 * and the JIT makes an indirect jump (through a retpoline) instead of
 * patching a direct one.
 */
#define RX_TAIL_CALL_STATIC(ctx, map, slot)                                    \
	asm volatile("r1 = %[c]\n\t"                                            \
		     "r2 = %[m]\n\t"                                            \
		     "r3 = %[s]\n\t"                                            \
		     "call 12\n\t" ::[c] "r"(ctx),                               \
		     [m] "r"(map), [s] "i"(slot)                               \
		     : "r0", "r1", "r2", "r3", "r4", "r5")

/*
 * Go on to the next stage. The keys are constants, so the JIT patches a
 * direct jump; a tail call that returns failed (slot empty, or the chain's
 * limit of 33 reached) and is counted: that stage did not run.
 */
RX_INLINE int rx_tc_next(struct __sk_buff *skb, void *stages, int next)
{
	if (next == RX_STAGE_TLS)
		RX_TAIL_CALL_STATIC(skb, stages, RX_STAGE_TLS);
	else if (next == RX_STAGE_HTTP)
		RX_TAIL_CALL_STATIC(skb, stages, RX_STAGE_HTTP);
	else if (next == RX_STAGE_HTTP_SEG)
		RX_TAIL_CALL_STATIC(skb, stages, RX_STAGE_HTTP_SEG);
	else if (next == RX_STAGE_HTTP_MSG)
		RX_TAIL_CALL_STATIC(skb, stages, RX_STAGE_HTTP_MSG);
	else
		return RX_TC_NEXT;
	rx_shim_stat((struct rx_env *)skb, NULL, RX_STAT_STAGE_MISS);
	return RX_TC_NEXT;
}

static __always_inline int rx_tc(struct __sk_buff *skb, __u32 hook, void *stages)
{
	struct rx_frame f = {
		.data = (const __u8 *)(long)skb->data,
		.data_end = (const __u8 *)(long)skb->data_end,
		.wire_len = skb->len,
		.ifindex = skb->ifindex,
		.rx_queue = skb->queue_mapping,
		.hook = hook,
	};

	return rx_tc_next(skb, stages, rx_tc_datapath((struct rx_env *)skb, &f, skb->gso_segs));
}

SEC("tcx/ingress")
int tc_ingress(struct __sk_buff *skb)
{
	return rx_tc(skb, RX_HOOK_TC_INGRESS, &rx_tc_in_stages);
}

SEC("tcx/egress")
int tc_egress(struct __sk_buff *skb)
{
	return rx_tc(skb, RX_HOOK_TC_EGRESS, &rx_tc_out_stages);
}

/* The stages: tail-call targets only, never attached. */
#define RX_TC_STAGE(name, sec, hook, stages, stage)                            \
	SEC(sec)                                                               \
	int name(struct __sk_buff *skb)                                        \
	{                                                                      \
		return rx_tc_next(skb, &stages,                                \
				  rx_tc_stage((struct rx_env *)skb, hook, stage)); \
	}

RX_TC_STAGE(tc_ingress_tls, "tcx/ingress", RX_HOOK_TC_INGRESS, rx_tc_in_stages, RX_STAGE_TLS)
RX_TC_STAGE(tc_egress_tls, "tcx/egress", RX_HOOK_TC_EGRESS, rx_tc_out_stages, RX_STAGE_TLS)
RX_TC_STAGE(tc_ingress_http, "tcx/ingress", RX_HOOK_TC_INGRESS, rx_tc_in_stages, RX_STAGE_HTTP)
RX_TC_STAGE(tc_ingress_http_seg, "tcx/ingress", RX_HOOK_TC_INGRESS, rx_tc_in_stages,
	    RX_STAGE_HTTP_SEG)
RX_TC_STAGE(tc_ingress_http_msg, "tcx/ingress", RX_HOOK_TC_INGRESS, rx_tc_in_stages,
	    RX_STAGE_HTTP_MSG)
RX_TC_STAGE(tc_egress_http, "tcx/egress", RX_HOOK_TC_EGRESS, rx_tc_out_stages, RX_STAGE_HTTP)
RX_TC_STAGE(tc_egress_http_seg, "tcx/egress", RX_HOOK_TC_EGRESS, rx_tc_out_stages,
	    RX_STAGE_HTTP_SEG)
RX_TC_STAGE(tc_egress_http_msg, "tcx/egress", RX_HOOK_TC_EGRESS, rx_tc_out_stages,
	    RX_STAGE_HTTP_MSG)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The tail-call slots of rxray's pipelines (bpf/rxray.bpf.c): which stage
 * program goes in which slot of which program array. Filled by user space
 * after load, with the programs that were loaded; a slot left empty makes
 * its tail call fail, which the datapath counts as stage_miss.
 */
#ifndef RX_STAGES_H
#define RX_STAGES_H

#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../datapath/abi.h"

struct rx_stage_slot {
	const char *map;
	__u32 slot;
	const char *prog;
};

static const struct rx_stage_slot rx_stage_slots[] = {
	{ "rx_xdp_stages", RX_XSTAGE_CAPTURE, "xdp_capture" },
	{ "rx_xdp_stages", RX_XSTAGE_TLS, "xdp_tls" },
	{ "rx_xdp_stages", RX_XSTAGE_GUARD, "xdp_guard" },
	{ "rx_tc_in_stages", RX_STAGE_TLS, "tc_ingress_tls" },
	{ "rx_tc_in_stages", RX_STAGE_HTTP, "tc_ingress_http" },
	{ "rx_tc_in_stages", RX_STAGE_HTTP_SEG, "tc_ingress_http_seg" },
	{ "rx_tc_in_stages", RX_STAGE_HTTP_MSG, "tc_ingress_http_msg" },
	{ "rx_tc_out_stages", RX_STAGE_TLS, "tc_egress_tls" },
	{ "rx_tc_out_stages", RX_STAGE_HTTP, "tc_egress_http" },
	{ "rx_tc_out_stages", RX_STAGE_HTTP_SEG, "tc_egress_http_seg" },
	{ "rx_tc_out_stages", RX_STAGE_HTTP_MSG, "tc_egress_http_msg" },
};

/*
 * Put every loaded stage program in its slot. Returns 0, -ENOENT when the
 * object lacks a map or program of the table (another rxray version), or
 * the -errno of a failed update.
 */
static inline int rx_stages__fill(struct bpf_object *obj)
{
	size_t i;

	for (i = 0; i < sizeof(rx_stage_slots) / sizeof(rx_stage_slots[0]); i++) {
		const struct rx_stage_slot *s = &rx_stage_slots[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, s->map);
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, s->prog);
		int fd;

		if (!map || !prog)
			return -ENOENT;
		fd = bpf_program__fd(prog);
		if (fd < 0 || bpf_map__fd(map) < 0)
			continue; /* not loaded here (watch -i loads no TC program) */
		if (bpf_map_update_elem(bpf_map__fd(map), &s->slot, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

#endif

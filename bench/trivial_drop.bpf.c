// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/guard_cost: a drop-only XDP program that counts,
 * the fastest a blocked packet can go (the goal: rxray's guard drops
 * at >= 0.9 of its rate).
 */
#include "trivial.bpf.h"

/* SEC("xdp") int xdp_trivial_drop(struct xdp_md *ctx), counting in trivial_drop_count */
TRIVIAL_PROGRAM("xdp", xdp_trivial_drop, struct xdp_md, trivial_drop_count, XDP_DROP);

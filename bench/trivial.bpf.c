// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/xdp_cost: the least an XDP program that counts can
 * do. One per-CPU array lookup, one increment, XDP_PASS. Whatever rxray's
 * xdp_ingress costs above this is the price of decoding.
 */
#include "trivial.bpf.h"

/* SEC("xdp") int xdp_trivial(struct xdp_md *ctx), counting in trivial_count */
TRIVIAL_PROGRAM("xdp", xdp_trivial, struct xdp_md, trivial_count, XDP_PASS);

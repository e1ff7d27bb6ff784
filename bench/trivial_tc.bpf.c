// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The baseline of bench/tc_http_cost: the least a TC program that counts can
 * do (the TC twin of trivial.bpf.c). One per-CPU array lookup, one
 * increment, TC_ACT_UNSPEC (what rxray's TC programs return: the packet goes
 * on). Whatever rxray's tc_ingress/tc_egress cost above this is the price
 * of TCP health and HTTP tracking.
 */
#include <linux/pkt_cls.h>
#include "trivial.bpf.h"

/* SEC("tc") int tc_trivial(struct __sk_buff *ctx), counting in trivial_tc_count */
TRIVIAL_PROGRAM("tc", tc_trivial, struct __sk_buff, trivial_tc_count, TC_ACT_UNSPEC);

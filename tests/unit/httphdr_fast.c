// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The HTTP head decoder as the datapath builds it, word steps included
 * (datapath/http.h): the side under test of unit_httphdr.c, whose own
 * build of the same file is the byte-steps-only reference.
 */
#include "../../native/datapath.h"
#include "../../datapath/http.h"
#include "httphdr.h"

void httphdr_fast(struct rx_env *env, struct rx_work *wk, const __u8 *p, __u32 n)
{
	env->frame = p;
	env->frame_len = n;
	rx_http_decode(env, RX_HOOK_NONE, wk, 0, n);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The native build of datapath/process.h; see datapath.h. */
#include <stdlib.h>
#include "datapath.h"
#include "../datapath/process.h"

struct rx_env *rx_native__new(void)
{
	struct rx_env *env = calloc(1, sizeof(*env));

	if (env)
		env->ring_free = ~0u;
	return env;
}

void rx_native__free(struct rx_env *env)
{
	free(env);
}

void rx_native__set_capture(struct rx_env *env, rx_emit_fn emit, void *user, __u32 snaplen)
{
	env->emit = emit;
	env->user = user;
	env->cfg.capture = emit != NULL;
	env->cfg.snaplen = snaplen;
}

int rx_native__run(struct rx_env *env, const __u8 *data, __u32 caplen, __u32 wire_len,
		   __u64 ts_ns)
{
	struct rx_frame f = {
		.data = data,
		.data_end = data + caplen,
		.wire_len = wire_len,
		.hook = RX_HOOK_NONE,
	};

	env->now_ns = ts_ns;
	env->frame = data;
	env->frame_len = caplen;
	return rx_datapath(env, &f);
}

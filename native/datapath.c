// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The native build of datapath/process.h; see datapath.h. */
#include <stdlib.h>
#include <string.h>
#include "datapath.h"
#include "../datapath/process.h"

int rx_nhash__init(struct rx_nhash *h, __u32 key_size, __u32 max)
{
	__u32 slots = 1;

	while (slots < 2 * max)
		slots <<= 1;
	memset(h, 0, sizeof(*h));
	h->key_size = key_size;
	h->max = max;
	h->slots = slots;
	h->keys = calloc(slots, key_size);
	h->used = calloc(slots, 1);
	h->vals = calloc(slots, sizeof(*h->vals));
	return h->keys && h->used && h->vals ? 0 : -1;
}

void rx_nhash__free(struct rx_nhash *h)
{
	free(h->keys);
	free(h->used);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

static __u32 fnv1a(const __u8 *p, __u32 n)
{
	__u32 h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

struct rx_counter *rx_nhash__get(struct rx_nhash *h, const void *key)
{
	__u32 i = fnv1a(key, h->key_size) & (h->slots - 1);

	/* at most half the slots are used: the probe always ends */
	for (;; i = (i + 1) & (h->slots - 1)) {
		__u8 *k = h->keys + (size_t)i * h->key_size;

		if (!h->used[i]) {
			if (h->n >= h->max)
				return NULL;
			memcpy(k, key, h->key_size);
			h->used[i] = 1;
			h->n++;
			return &h->vals[i];
		}
		if (!memcmp(k, key, h->key_size))
			return &h->vals[i];
	}
}

struct rx_env *rx_native__new(void)
{
	struct rx_env *env = calloc(1, sizeof(*env));

	if (!env)
		return NULL;
	env->ring_free = ~0u;
	if (rx_nhash__init(&env->talkers, sizeof(struct rx_addr), RX_TALKERS_MAX) ||
	    rx_nhash__init(&env->services, sizeof(struct rx_service), RX_SERVICES_MAX)) {
		rx_native__free(env);
		return NULL;
	}
	return env;
}

void rx_native__set_traffic(struct rx_env *env, int on)
{
	env->cfg.traffic = on ? 1 : 0;
}

void rx_native__free(struct rx_env *env)
{
	if (!env)
		return;
	rx_nhash__free(&env->talkers);
	rx_nhash__free(&env->services);
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

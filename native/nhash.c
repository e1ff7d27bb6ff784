// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Bounded hash tables for the native build; see nhash.h. */
#include <stdlib.h>
#include <string.h>
#include "nhash.h"

int rx_nhash__init(struct rx_nhash *h, __u32 key_size, __u32 value_size, __u32 max)
{
	__u32 slots = 1;

	while (slots < 2 * max)
		slots <<= 1;
	memset(h, 0, sizeof(*h));
	h->key_size = key_size;
	h->value_size = value_size;
	h->max = max;
	h->slots = slots;
	h->keys = calloc(slots, key_size);
	h->used = calloc(slots, 1);
	h->vals = calloc(slots, value_size);
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

void *rx_nhash__get(struct rx_nhash *h, const void *key)
{
	__u32 i = fnv1a(key, h->key_size) & (h->slots - 1);

	/* at most half the slots are used: the probe always ends */
	for (;; i = (i + 1) & (h->slots - 1)) {
		__u8 *k = rx_nhash__key(h, i);

		if (!h->used[i]) {
			if (h->n >= h->max)
				return NULL;
			memcpy(k, key, h->key_size);
			h->used[i] = 1;
			h->n++;
			return rx_nhash__val(h, i);
		}
		if (!memcmp(k, key, h->key_size))
			return rx_nhash__val(h, i);
	}
}

/* The slot of key, or -1. */
static long slot_of(const struct rx_nhash *h, const void *key)
{
	__u32 i = fnv1a(key, h->key_size) & (h->slots - 1);

	for (;; i = (i + 1) & (h->slots - 1)) {
		if (!h->used[i])
			return -1;
		if (!memcmp(rx_nhash__key(h, i), key, h->key_size))
			return i;
	}
}

void *rx_nhash__find(struct rx_nhash *h, const void *key)
{
	long i = slot_of(h, key);

	return i < 0 ? NULL : rx_nhash__val(h, i);
}

/*
 * Linear probing's deletion without tombstones: the entries after the
 * freed slot, up to the next empty one, move back into it when their home
 * slot does not lie cyclically in (freed, their slot].
 */
void rx_nhash__del(struct rx_nhash *h, const void *key)
{
	long at = slot_of(h, key);
	__u32 i, j, home, m = h->slots - 1;

	if (at < 0)
		return;
	i = (__u32)at;
	h->used[i] = 0;
	h->n--;
	for (j = (i + 1) & m; h->used[j]; j = (j + 1) & m) {
		home = fnv1a(rx_nhash__key(h, j), h->key_size) & m;
		if (((j - home) & m) < ((j - i) & m))
			continue; /* home in (i, j]: stays */
		memcpy(rx_nhash__key(h, i), rx_nhash__key(h, j), h->key_size);
		memcpy(rx_nhash__val(h, i), rx_nhash__val(h, j), h->value_size);
		h->used[i] = 1;
		h->used[j] = 0;
		i = j;
	}
	memset(rx_nhash__val(h, i), 0, h->value_size);
}

int rx_nhash__lookup(const struct rx_nhash *h, const void *key, void *value)
{
	long i = slot_of(h, key);

	if (i < 0)
		return -1;
	memcpy(value, rx_nhash__val(h, i), h->value_size);
	return 0;
}

int rx_nhash__next_key(const struct rx_nhash *h, const void *key, void *next)
{
	long i = key ? slot_of(h, key) : -1;

	for (i++; i < (long)h->slots; i++) {
		if (h->used[i]) {
			memcpy(next, rx_nhash__key(h, i), h->key_size);
			return 0;
		}
	}
	return -1;
}

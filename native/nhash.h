/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The native build's stand-in for a preallocated BPF hash map (native/shim.h
 * backs the datapath's tables with it). A module of its own: the shim's
 * inline helpers call it, and nothing of it calls back.
 */
#ifndef RX_NATIVE_NHASH_H
#define RX_NATIVE_NHASH_H

#include <stddef.h>
#include <linux/types.h>

/*
 * A bounded hash table with the semantics the datapath relies on from a
 * preallocated BPF hash map: at most max entries, an insert into a full
 * table fails. Open addressing over twice as many slots.
 */
struct rx_nhash {
	__u32 key_size;
	__u32 value_size;
	__u32 max;
	__u32 n;
	__u32 slots; /* a power of two >= 2 * max */
	__u8 *keys;
	__u8 *used;
	__u8 *vals;
};

int rx_nhash__init(struct rx_nhash *h, __u32 key_size, __u32 value_size, __u32 max);
void rx_nhash__free(struct rx_nhash *h);
/* The entry for key, inserted as zero if new; NULL when new and full. */
void *rx_nhash__get(struct rx_nhash *h, const void *key);
/* The entry for key, or NULL: never inserts. */
void *rx_nhash__find(struct rx_nhash *h, const void *key);
/* Remove key's entry, if any (as bpf_map_delete_elem). */
void rx_nhash__del(struct rx_nhash *h, const void *key);
/*
 * As a BPF map is read from user space (bpf_map_lookup_elem,
 * bpf_map_get_next_key), so that one reader serves both builds: copy key's
 * value into value; put the key after key (NULL: the first) into next.
 * Both return 0, or -1 when there is none (ENOENT). A key that is not in
 * the table starts the walk over, as a BPF hash map does.
 */
int rx_nhash__lookup(const struct rx_nhash *h, const void *key, void *value);
int rx_nhash__next_key(const struct rx_nhash *h, const void *key, void *next);
/* The key and value of slot i, for iteration over used slots. */
#define rx_nhash__key(h, i) ((h)->keys + (size_t)(i) * (h)->key_size)
#define rx_nhash__val(h, i) ((void *)((h)->vals + (size_t)(i) * (h)->value_size))

#endif

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A copy of a TCP connections table; see flowtab.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flowtab.h"

#define FT_BATCH 4096
#define FT_ENOTSUPP 524 /* the kernel's own "not supported", missing from libc */

/* Room for more entries in t: 0, or -ENOMEM. */
static int grow(struct rx_flowtab *t, size_t more)
{
	size_t cap = t->cap ? t->cap : FT_BATCH;
	void *k, *f;

	if (t->n + more <= t->cap)
		return 0;
	while (cap < t->n + more)
		cap *= 2;
	k = realloc(t->keys, cap * sizeof(*t->keys));
	if (k)
		t->keys = k;
	f = k ? realloc(t->flows, cap * sizeof(*t->flows)) : NULL;
	if (!f)
		return -ENOMEM;
	t->flows = f;
	t->cap = cap;
	return 0;
}

/* Key by key (a kernel without batch lookups on this map type). */
static int read_each(struct rx_flowtab *t, int fd)
{
	struct rx_flow_key k, next;
	const void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (grow(t, 1))
			return -ENOMEM;
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &t->flows[t->n]))
			continue; /* (gone meanwhile) */
		t->keys[t->n++] = k;
	}
	return errno == ENOENT ? 0 : -errno;
}

int rx_flowtab__read(struct rx_flowtab *t, int fd)
{
	struct rx_flow_key in, out;
	void *pin = NULL;
	size_t start = t->n;
	__u32 count;
	int r;

	LIBBPF_OPTS(bpf_map_batch_opts, o);
	for (;;) {
		if (grow(t, FT_BATCH))
			return -ENOMEM;
		count = FT_BATCH;
		r = bpf_map_lookup_batch(fd, pin, &out, t->keys + t->n, t->flows + t->n, &count, &o);
		if (r && errno != ENOENT) {
			if (t->n != start || (errno != EINVAL && errno != FT_ENOTSUPP && errno != EOPNOTSUPP))
				return -errno;
			return read_each(t, fd);
		}
		t->n += count;
		if (r) /* ENOENT: the last batch */
			return 0;
		in = out;
		pin = &in;
	}
}

void rx_flowtab__free(struct rx_flowtab *t)
{
	free(t->keys);
	free(t->flows);
	memset(t, 0, sizeof(*t));
}

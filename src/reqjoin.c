// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "reqjoin.h"

int rx_reqjoin__init(struct rx_reqjoin *j)
{
	memset(j, 0, sizeof(*j));
	j->slot = calloc(RX_REQJOIN_SLOTS, sizeof(*j->slot));
	j->used = calloc(RX_REQJOIN_SLOTS, sizeof(*j->used));
	if (!j->slot || !j->used) {
		rx_reqjoin__free(j);
		return -1;
	}
	return 0;
}

void rx_reqjoin__free(struct rx_reqjoin *j)
{
	free(j->slot);
	free(j->used);
	j->slot = NULL;
	j->used = NULL;
}

static __u32 fnv(__u32 h, const void *p, size_t n)
{
	const __u8 *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static __u32 set_of(const __u8 *client, const __u8 *server, __u16 cport, __u16 sport, __u32 seq)
{
	__u32 h = 2166136261u;

	h = fnv(h, client, 16);
	h = fnv(h, server, 16);
	h = fnv(h, &cport, sizeof(cport));
	h = fnv(h, &sport, sizeof(sport));
	h = fnv(h, &seq, sizeof(seq));
	return (h & (RX_REQJOIN_SLOTS / RX_REQJOIN_WAYS - 1)) * RX_REQJOIN_WAYS;
}

/* Into a free way of its set, or over the set's oldest record (a request never answered). */
void rx_reqjoin__put(struct rx_reqjoin *j, const struct rx_reqinfo *ri)
{
	__u32 set = set_of(ri->client, ri->server, ri->cport, ri->sport, ri->seq), i, w = set;

	for (i = set; i < set + RX_REQJOIN_WAYS; i++) {
		if (!j->used[i]) {
			w = i;
			break;
		}
		if (j->used[i] < j->used[w])
			w = i;
	}
	if (j->used[w])
		j->replaced++;
	j->slot[w] = *ri;
	j->used[w] = ++j->stamp;
}

const struct rx_reqinfo *rx_reqjoin__take(struct rx_reqjoin *j, const struct rx_txn *t)
{
	__u32 set = set_of(t->client, t->server, t->cport, t->sport, t->seq), i;

	for (i = set; i < set + RX_REQJOIN_WAYS; i++) {
		const struct rx_reqinfo *ri = &j->slot[i];

		if (!j->used[i] || ri->seq != t->seq || ri->cport != t->cport ||
		    ri->sport != t->sport || memcmp(ri->client, t->client, 16) ||
		    memcmp(ri->server, t->server, 16))
			continue;
		j->used[i] = 0;
		j->joined++;
		return ri;
	}
	j->missing++;
	return NULL;
}

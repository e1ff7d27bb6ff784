// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "reqjoin.h"

int rx_reqjoin__init(struct rx_reqjoin *j)
{
	memset(j, 0, sizeof(*j));
	j->slot = calloc(RX_REQJOIN_SLOTS, sizeof(*j->slot));
	j->used = calloc(RX_REQJOIN_SLOTS, 1);
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

static __u32 slot_of(const __u8 *client, const __u8 *server, __u16 cport, __u16 sport, __u32 seq)
{
	__u32 h = 2166136261u;

	h = fnv(h, client, 16);
	h = fnv(h, server, 16);
	h = fnv(h, &cport, sizeof(cport));
	h = fnv(h, &sport, sizeof(sport));
	h = fnv(h, &seq, sizeof(seq));
	return h & (RX_REQJOIN_SLOTS - 1);
}

void rx_reqjoin__put(struct rx_reqjoin *j, const struct rx_reqinfo *ri)
{
	__u32 i = slot_of(ri->client, ri->server, ri->cport, ri->sport, ri->seq);

	if (j->used[i])
		j->replaced++;
	j->slot[i] = *ri;
	j->used[i] = 1;
}

const struct rx_reqinfo *rx_reqjoin__take(struct rx_reqjoin *j, const struct rx_txn *t)
{
	__u32 i = slot_of(t->client, t->server, t->cport, t->sport, t->seq);
	const struct rx_reqinfo *ri = &j->slot[i];

	if (!j->used[i] || ri->seq != t->seq || ri->cport != t->cport || ri->sport != t->sport ||
	    memcmp(ri->client, t->client, 16) || memcmp(ri->server, t->server, 16)) {
		j->missing++;
		return NULL;
	}
	j->used[i] = 0;
	j->joined++;
	return ri;
}

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Joins a transaction (struct rx_txn) with what its request said (struct
 * rx_reqinfo: path and User-Agent), which the datapath streams separately
 * when the request is seen, so the kernel keeps neither per request in
 * flight. A fixed table indexed by a hash of (client, server, ports, seq):
 * a request whose response never comes is overwritten later, and a
 * transaction whose request record was lost or overwritten is joined with
 * nothing, counted.
 */
#ifndef RX_REQJOIN_H
#define RX_REQJOIN_H

#include "rxray.h"

#define RX_REQJOIN_SLOTS 16384 /* a power of two */
#define RX_REQJOIN_WAYS 4       /* records per set (a power of two) */

struct rx_reqjoin {
	struct rx_reqinfo *slot; /* RX_REQJOIN_SLOTS */
	__u64 *used;    /* 0: free; else when it was put (stamp) */
	__u64 stamp;
	__u64 joined;   /* transactions that found their request record */
	__u64 missing;  /* ... that did not (lost in the ring, or overwritten) */
	__u64 replaced; /* request records overwritten before their response */
};

int rx_reqjoin__init(struct rx_reqjoin *j);
void rx_reqjoin__free(struct rx_reqjoin *j);
void rx_reqjoin__put(struct rx_reqjoin *j, const struct rx_reqinfo *ri);
/* The request record of t, removed from the table; NULL if there is none. */
const struct rx_reqinfo *rx_reqjoin__take(struct rx_reqjoin *j, const struct rx_txn *t);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A copy of a BPF object's TCP connections table (map rx_flows,
 * datapath/tcp.h: struct rx_flow_key -> struct rx_tcp_flow, an LRU hash of
 * RX_FLOWS_MAX): read in batches (bpf_map_lookup_batch), or key by key
 * where the kernel has no batch lookup. The guard's SLO loop reads it once a
 * second while an SLO burns, to rank sources by new connections
 * (guard_slo.h rx_guard_slo__by_syn); bench/flowtab_read times it.
 */
#ifndef RX_FLOWTAB_H
#define RX_FLOWTAB_H

#include <stddef.h>
#include "rxray.h"

struct rx_flowtab {
	struct rx_flow_key *keys;
	struct rx_tcp_flow *flows;
	size_t n, cap; /* entries read, room */
};

/* Append the entries of the map fd to t: 0, or -errno (t keeps what was read). */
int rx_flowtab__read(struct rx_flowtab *t, int fd);
void rx_flowtab__free(struct rx_flowtab *t);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The connection filter's rebuild (struct rx_conn_filter, datapath/abi.h).
 * The datapath only ever sets a byte, and LRU eviction tells no one of
 * the keys that leave the tables, so without a rebuild a long-running
 * agent's filter fills up and a segment of an unknown connection costs a
 * table lookup again. A thread of the live source's
 * (rx_connfilter__start(), at nice 19: a rebuild reads up to ~100,000
 * keys and must not take the CPU from the server it watches) calls
 * rx_connfilter__tick(): once a second it counts the bytes set in the
 * generation that is read, and when a table's count has grown by
 * RX_CONN_FILTER / 16 since the last rebuild (at most every 2 s) it
 * rebuilds the other generation from the tables' keys and makes it the
 * one read: the bytes of connections that left the tables are gone. The
 * same walk deletes the connections that closed RX_FLOW_KEEP_S to
 * RX_FLOW_KEEP_S + 1 seconds ago (enum rx_flow_closed) from rx_flows, and
 * from rx_http_conns and rx_tls_conns with them, so that a busy server's
 * tables, and with them the filter, hold its open connections rather than
 * its last 65,536 (16,384).
 *
 * RXRAY_CONN_FILTER_REBUILD_MS=N (tests) rebuilds every N ms, whatever
 * the count; RXRAY_FLOW_KEEP_S=N keeps closed connections N s.
 */
#ifndef RX_CONNFILTER_H
#define RX_CONNFILTER_H

#include <pthread.h>
#include <stddef.h>
#include "rxray.h"

struct rx_connfilter {
	struct rx_conn_filter *m; /* the map's one value, mapped shared (NULL: off) */
	size_t len;
	volatile struct rx_config_rt *rt;
	int fd[RX_CT_MAX];        /* rx_flows, rx_http_conns, rx_tls_conns */
	__u32 vsize[RX_CT_MAX];   /* their value sizes */
	__u32 base[RX_CT_MAX];    /* bytes set in the generation read, after the last rebuild */
	__s64 check_ns, rebuilt_ns, every_ns; /* CLOCK_MONOTONIC; every_ns: the tests' period */
	__u64 rebuilds, failed, deleted; /* deleted: closed connections taken out of rx_flows */
	__u16 keep_s;                    /* RX_FLOW_KEEP_S, or RXRAY_FLOW_KEEP_S (tests) */
	struct rx_flow_key *keys; /* a batch of keys, and of values (discarded) */
	void *vals;
	size_t vals_len;
	pthread_t thread;
	pthread_mutex_t lock; /* stop, with wake */
	pthread_cond_t wake;
	int started, stop;
};

/*
 * Every byte of both generations of the filter (map fd filter_fd) set: no
 * key missing, whatever generation is read. For a filter pinned by an
 * earlier agent (--pin), which may have died while it rebuilt a
 * generation: before this agent's programs are attached. 0, or -errno.
 */
int rx_connfilter__fill_all(int filter_fd);
/*
 * Map the filter (map fd filter_fd, BPF_F_MMAPABLE) and keep the tables'
 * fds (enum rx_conn_table order) and the settings rt (cf_gen): 0, or -errno.
 */
int rx_connfilter__open(struct rx_connfilter *cf, int filter_fd, const int fds[RX_CT_MAX],
			volatile struct rx_config_rt *rt);
/*
 * The thread that ticks: 0, or -errno (then nothing is rebuilt). Once this
 * agent's programs are attached: until then an earlier agent's pinned ones
 * may read the generation a rebuild would clear.
 */
int rx_connfilter__start(struct rx_connfilter *cf);
/* What the thread calls, with CLOCK_MONOTONIC's now: a rebuild when one is due. */
void rx_connfilter__tick(struct rx_connfilter *cf, __s64 now_ns);
/* Rebuild the generation not read from the tables and make it the one read: 0, or -errno. */
int rx_connfilter__rebuild(struct rx_connfilter *cf);
/* Bytes set in table (enum rx_conn_table) of generation gen. */
__u32 rx_connfilter__fill(const struct rx_connfilter *cf, int gen, int table);
/* Stop the thread, unmap: the datapath goes on reading the generation it reads. */
void rx_connfilter__close(struct rx_connfilter *cf);

#endif

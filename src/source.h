/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Record sources (docs/architecture.md, "User space"): a live interface (the XDP
 * program, its ring buffer and maps), a pcap file (the native build of
 * the same datapath) or a running agent's counters (serve). Views see
 * records and counter snapshots (snapshot.h) only.
 */
#ifndef RX_SOURCE_H
#define RX_SOURCE_H

#include "source_impl.h" /* the options, the sink, the snapshot */

struct rx_source;

/* 0, or an RX_EXIT_* status after printing the reason. */
int rx_source__open(struct rx_source **out, const struct rx_source_opts *opts);
/* Deliver records to sink (NULL: none) until the end of the file, rx_stop, or its say-so. */
int rx_source__run(struct rx_source *src, const struct rx_sink *sink);
/* The counters now: a read of the maps (live), of the agent, or of the file so far. */
void rx_source__snapshot(struct rx_source *src, struct rx_snapshot *snap);
/*
 * For readers that show rates (top), not the exact counts of a moment: a
 * read made less than RX_SNAPSHOT_RECENT_NS ago and after after_ns (the
 * last_ns of the reader's previous one; 0: any), so every call brings a new
 * read, at most a second old. A live source keeps its last read, whoever
 * asked for it (a /metrics scrape, a top client), and hands out copies;
 * an agent source asks the agent for its kept read. snap->last_ns tells
 * when it was made. Readers of exact counts call rx_source__snapshot().
 */
#define RX_SNAPSHOT_RECENT_NS 1000000000ll
void rx_source__snapshot_recent(struct rx_source *src, struct rx_snapshot *snap, __u64 after_ns);
const char *rx_source__ifname(const struct rx_source *src, __u32 ifindex);
/*
 * The pcap link type (DLT_) the capture records' bytes start with: a
 * file's own (LINUX_SLL2, NULL, RAW...), Ethernet live. Filters compile
 * for it, pcap writers write it.
 */
int rx_source__datalink(const struct rx_source *src);
/*
 * The libpcap handle to compile filters with, NULL for one opened dead
 * for rx_source__datalink(): a file's own, as tcpdump compiles them, for
 * libpcap compiles some expressions by where the capture came from
 * (`ip6` on BSD loopback: a file's three BSD AF_INET6 values, not this
 * host's).
 */
struct pcap;
struct pcap *rx_source__filter_pcap(const struct rx_source *src);
void rx_source__close(struct rx_source *src);
/* Transactions joined with their request record, and those that were not. */
void rx_source__joins(struct rx_source *src, __u64 *joined, __u64 *missing, __u64 *replaced);
/*
 * The datapath's TCP health entry of connection k (live: the BPF map, the
 * kernel's view of both directions): 0 and *f, or -1.
 */
int rx_source__tcp_flow(struct rx_source *src, const struct rx_flow_key *k, struct rx_tcp_flow *f);
/*
 * The datapath's TLS entry of connection k (datapath/tlsconn.h; offline
 * as the packets run so far left it, live the BPF map's): 0 and *c, or -1.
 */
int rx_source__tls_conn(struct rx_source *src, const struct rx_flow_key *k, struct rx_tls_conn *c);
/* Live: the TLS row k's exchanges so far, their count and summed time (all CPUs'): 0, or -1. */
int rx_source__tls_xchg(struct rx_source *src, const struct rx_tls_ep_key *k, __u64 *n,
			__u64 *sum_ns);
/* The source reads a running agent (serve) rather than its own datapath. */
int rx_source__is_agent(const struct rx_source *src);
/*
 * A live source's loaded BPF object and its run-time settings (the guard
 * writes its maps there, src/guard.h); NULL for other sources.
 */
struct bpf_object;
struct bpf_object *rx_source__bpf(struct rx_source *src, volatile struct rx_config_rt **rt);

#endif

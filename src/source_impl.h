/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a source kind and source.c agree on: the options, the sink and the
 * kind's ops. The kinds, one file each: source_file.c (a pcap through the
 * native datapath), source_live.c (the BPF datapath) and source_agent.c (a
 * running agent's counters); source.c tries them in turn through their ops
 * (this header, not source.h, so no kind depends on source.c). The file
 * and live kinds live in separate files because libpcap's <pcap/bpf.h> and
 * the kernel's <linux/bpf.h> both define struct bpf_insn and cannot meet
 * in one translation unit.
 */
#ifndef RX_SOURCE_IMPL_H
#define RX_SOURCE_IMPL_H

#include "rxray.h"
#include "pattern.h"
#include "reqjoin.h"
#include "snapshot.h"

struct rx_source_opts {
	const char *ifname; /* live, or */
	const char *file;   /* offline */
	__u32 snaplen;      /* bytes of each packet in capture records */
	int capture;        /* stream capture records */
	int payload;        /* capture records carry payload bytes, not only headers */
	int traffic;        /* keep the traffic picture (talkers, services, ...) */
	int tcp;            /* track TCP health (live: attaches the TC programs too) */
	int http;           /* track HTTP transactions and RED metrics (needs tcp) */
	int txns;           /* deliver HTTP transactions to the sink's on_txn (requests) */
	const struct rx_patterns *patterns; /* route patterns (NULL: none) */
	const char *filter; /* only packets this pcap-filter expression matches are counted (NULL:
			     * all): offline compiled for the file's link type; live the
			     * capture records go through a native datapath (source_filtered.c) */
	__u32 duration_s;   /* live: stop after this long (0: until told) */
	double speed;       /* offline: replay at this multiple of the capture's pace (0: at once) */
	int shared;         /* offline: snapshots are taken by another thread while it runs (top) */
	int pin;            /* live: keep maps and links under /sys/fs/bpf/rxray/IFACE */
	int use_agent;      /* live: read a running agent's counters instead of attaching */
};

/*
 * Called once per capture record, in order; ts_ns already on the wall clock.
 * frame is the packet's number, from 1 (tshark's frame.number): offline its
 * index in the file, counting every packet read, shown or not; live the
 * record's index since the start, in the order records are delivered.
 * Return non-zero to stop the source.
 */
typedef int (*rx_record_fn)(void *user, const struct rx_capture *rec, __u64 frame);

/* Where a running source delivers its records; NULL members: not wanted. */
struct rx_sink {
	rx_record_fn on_capture; /* capture records (opts.capture) */
	/*
	 * One HTTP transaction (opts.txns); route: its template; ri: the
	 * request's path and User-Agent (NULL if that record was lost: counted
	 * in rx_snapshot.stats[RX_STAT_REQINFO_LOST] or rx_source__joins()).
	 */
	void (*on_txn)(void *user, const struct rx_txn *t, const char *route,
		       const struct rx_reqinfo *ri);
	/*
	 * Offline: called before the first packet of each new second of the
	 * capture's time (ts_ns: that packet's), when the counters hold every
	 * packet before it (rxray alerts -r takes its windows there). Live: never.
	 */
	void (*on_second)(void *user, __u64 ts_ns);
	void *user;
};

struct rx_source_ops {
	/*
	 * 0: opened; > 0: an RX_EXIT_* status after printing the reason; < 0:
	 * not this kind for these options, try the next. *impl is set in every
	 * case (NULL or a partly opened source, for close).
	 */
	int (*open)(void **impl, const struct rx_source_opts *o);
	int (*run)(void *impl, const struct rx_sink *sink);
	/*
	 * Add the counters into snap (zeroed): now, or (after not NULL) a
	 * recent read made after *after, where the kind keeps one (agent).
	 */
	void (*snapshot)(void *impl, struct rx_snapshot *snap, const __u64 *after);
	const char *(*ifname)(const void *impl, __u32 ifindex); /* NULL: never named */
	int (*datalink)(const void *impl); /* the records' pcap DLT_ (NULL: Ethernet) */
	struct pcap *(*filter_pcap)(const void *impl); /* NULL, or returns NULL: a dead handle's */
	/* the join of transactions with their request records (NULL: none) */
	const struct rx_reqjoin *(*reqjoin)(const void *impl);
	/* the datapath's entry for a TCP connection: 0 and *f, or -1 (none; NULL: never) */
	int (*tcp_flow)(void *impl, const struct rx_flow_key *k, struct rx_tcp_flow *f);
	int (*tls_conn)(void *impl, const struct rx_flow_key *k, struct rx_tls_conn *c);
	int (*tls_xchg)(void *impl, const struct rx_tls_ep_key *k, __u64 *n, __u64 *sum_ns);
	void (*close)(void *impl); /* takes NULL */
	int keeps_reads; /* source.c keeps the last read for rx_source__snapshot_recent */
};

extern const struct rx_source_ops rx_agent_source;
extern const struct rx_source_ops rx_file_source;
extern const struct rx_source_ops rx_live_source;
/* The live source's object and its .bss settings (rx_source__bpf). */
struct bpf_object *rx_live__bpf(void *impl, volatile struct rx_config_rt **rt);
extern const struct rx_source_ops rx_filtered_source; /* live, with a FILTER (stats -i) */

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The native build of the datapath: the code of the XDP program, run on
 * frames from a pcap (or a fuzzer, or a test) in user space, no privileges.
 */
#ifndef RX_NATIVE_DATAPATH_H
#define RX_NATIVE_DATAPATH_H

#include "shim.h"

struct rx_env *rx_native__new(void);
void rx_native__free(struct rx_env *env);

/*
 * The configuration (src/dpconfig.h builds it from a source's options, as
 * the live source does for the BPF object) and its route patterns
 * (cfg->patterns of them, src/pattern.c compiles them). Capture records
 * need an emit sink, transaction records a txn sink (rx_native__sinks):
 * without one they are counted as lost, as a full ring would.
 */
void rx_native__configure(struct rx_env *env, const struct rx_config *cfg,
			  const struct rx_pattern *patterns);

/* Where records go: capture records to emit, transaction-stream ones to txn (NULL: none). */
void rx_native__sinks(struct rx_env *env, rx_emit_fn emit, rx_txn_fn txn, void *user);

/*
 * The link layer the frames start with (enum rx_link; a new env starts
 * with RX_LINK_ETH): a capture file's, as src/source_file.c maps its DLT.
 */
void rx_native__link(struct rx_env *env, __u32 link);

/*
 * One frame: caplen bytes at data, wire_len on the wire, at ts_ns (virtual
 * clock). A record claiming fewer bytes on the wire than it holds is taken at
 * its bytes (wire_len raised to caplen).
 */
int rx_native__run(struct rx_env *env, const __u8 *data, __u32 caplen, __u32 wire_len,
		   __u64 ts_ns);

/*
 * The capture's end: what still waits for a segment never will. The TLS
 * ClientHello pieces still held are counted as tls_partial, and let go.
 */
void rx_native__end(struct rx_env *env);

/*
 * The guard (datapath/guard.h), as the agent sets it in the BPF maps: its
 * settings and on/off, a rule of the allow (list 0) or deny list for the
 * prefix addr/plen (4 or 16 bytes, network order), a rate limit (port 0:
 * every port; adds to cfg.limits), and what rule id matched. 0, or -1.
 * cfg.lists is the tables' own: the tries that hold a rule.
 */
int rx_native__guard_on(struct rx_env *env, const struct rx_guard_cfg *cfg, int on);
int rx_native__guard_rule(struct rx_env *env, __u32 list, int v6, const __u8 *addr, __u32 plen,
			  const struct rx_guard_rule *rule);
int rx_native__guard_limit(struct rx_env *env, __u32 port, const struct rx_guard_limit *l);
int rx_native__guard_hits(struct rx_env *env, __u32 id, struct rx_guard_hits *out);
/*
 * The guard stage's own walk (datapath/guard.h rx_guard_decide, from the
 * lists on) over the packet the last rx_native__run() decoded, whether the
 * guard is on or not: enum rx_verdict, its rule's hits counted. The early
 * check's tests compare against it (tests/bpf/gearly_check.c).
 */
int rx_native__guard_full(struct rx_env *env);
/* The SYN guard's input: the SYNs counted so far (what 0), or the completed handshakes (1). */
__u64 rx_native__total(struct rx_env *env, int what);
/* The rule that matched since the last call (0: none), and forget it. */
__u32 rx_native__guard_last(struct rx_env *env);

#endif

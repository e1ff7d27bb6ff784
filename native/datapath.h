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

/* Capture records go to emit() while it is set; snaplen 1..RX_SNAP_MAX. */
void rx_native__set_capture(struct rx_env *env, rx_emit_fn emit, void *user, __u32 snaplen);

/* Keep the traffic picture (talkers, services, sizes, TCP kinds). */
void rx_native__set_traffic(struct rx_env *env, int on);

/* Capture records carry payload bytes too (default: headers only). */
void rx_native__set_payload(struct rx_env *env, int on);

/* Track HTTP transactions; emit (may be NULL) receives each one. */
void rx_native__set_http(struct rx_env *env, int on, rx_txn_fn emit, void *user);

/* Route patterns (src/pattern.c compiles them), tried in order before templating. */
void rx_native__set_patterns(struct rx_env *env, const struct rx_pattern *p, __u32 n);

/* Track TCP health on every frame (the capture holds both directions). */
void rx_native__set_tcp(struct rx_env *env, int on);

/* One frame: caplen bytes at data, wire_len on the wire, at ts_ns (virtual clock). */
int rx_native__run(struct rx_env *env, const __u8 *data, __u32 caplen, __u32 wire_len,
		   __u64 ts_ns);

#endif

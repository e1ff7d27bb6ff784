/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The two source implementations behind source.h. They live in separate
 * files because libpcap's <pcap/bpf.h> and the kernel's <linux/bpf.h> both
 * define struct bpf_insn and cannot meet in one translation unit.
 */
#ifndef RX_SOURCE_IMPL_H
#define RX_SOURCE_IMPL_H

#include "source.h"

struct rx_file;
struct rx_live;

int rx_file__open(struct rx_file **out, const struct rx_source_opts *o);
int rx_file__run(struct rx_file *f, rx_record_fn fn, void *user);
void rx_file__snapshot(struct rx_file *f, struct rx_snapshot *snap);
void rx_file__close(struct rx_file *f);
void rx_file__joins(struct rx_file *f, __u64 *joined, __u64 *missing, __u64 *replaced);

int rx_live__open(struct rx_live **out, const struct rx_source_opts *o);
int rx_live__run(struct rx_live *l, rx_record_fn fn, void *user);
void rx_live__snapshot(struct rx_live *l, struct rx_snapshot *snap);
const char *rx_live__ifname(const struct rx_live *l, __u32 ifindex);
void rx_live__close(struct rx_live *l);
void rx_live__joins(struct rx_live *l, __u64 *joined, __u64 *missing, __u64 *replaced);

#endif

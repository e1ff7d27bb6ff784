/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Read a pcap/pcapng file frame by frame (libpcap), for test programs that
 * also include <linux/bpf.h>, which cannot share a file with <pcap/pcap.h>.
 */
#ifndef RX_PCAP_EACH_H
#define RX_PCAP_EACH_H

#include <stdint.h>

typedef int (*pcap_each_fn)(void *user, const uint8_t *data, uint32_t caplen, uint32_t len,
			    uint64_t ts_ns);

/* 0 at the end of the file, -1 (message on stderr) on error, or fn's non-zero return. */
int pcap_each(const char *path, pcap_each_fn fn, void *user);

#endif

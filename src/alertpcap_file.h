/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An alert's sampled packets as a pcap file (alertpcap.h keeps them). A
 * module of its own: libpcap's headers and libbpf's both define struct
 * bpf_insn.
 */
#ifndef RX_ALERTPCAP_FILE_H
#define RX_ALERTPCAP_FILE_H

#include <stdio.h>
#include <linux/types.h>

#define RX_ALERTPCAP_SNAP 256 /* bytes kept of each packet (headers: more are cut, caplen says) */

/* One sampled packet: the fields its alert is matched on, and its first bytes. */
struct rx_alertpcap_pkt {
	__u64 ts_ns; /* wall clock */
	__u32 wire_len, caplen;
	__u8 src[16], dst[16]; /* IPv4 as ::ffff:a.b.c.d; zero: no IP */
	__u16 dport;
	__u8 has_port, pad[5];
	__u8 data[RX_ALERTPCAP_SNAP];
};

/*
 * Write pk[n - 1], ..., pk[0] (newest first there: oldest first here) to
 * f as a nanosecond pcap and close f: n, or -1 on a write error.
 */
int rx_alertpcap__dump(FILE *f, const struct rx_alertpcap_pkt *pk, int n);

#endif

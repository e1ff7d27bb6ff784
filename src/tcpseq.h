/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tcpdump's relative TCP sequence numbers, for the one-line view: per
 * conversation (both directions one entry), the numbers of the segment
 * that first carried an ACK (or a SYN-ACK, which starts anew) are the
 * base; later segments show seq and ack, and SACK blocks, as offsets from
 * it (tcpdump's print-tcp.c, whose first ACK segment shows absolute
 * numbers too). A segment without ACK is shown as it is.
 *
 * The table is bounded: RX_TCPSEQ_SETS sets of RX_TCPSEQ_WAYS
 * conversations. A new conversation whose set is full takes the place of
 * the one idle longest if that one saw no segment for RX_TCPSEQ_IDLE_NS of
 * packet time; else it is shown with absolute numbers (as -S).
 */
#ifndef RX_TCPSEQ_H
#define RX_TCPSEQ_H

#include "rxray.h"

#define RX_TCPSEQ_SETS 8192
#define RX_TCPSEQ_WAYS 4
#define RX_TCPSEQ_IDLE_NS (300ull * 1000000000ull)

struct rx_tcpseq_ent;

struct rx_tcpseq {
	struct rx_tcpseq_ent *e; /* RX_TCPSEQ_SETS * RX_TCPSEQ_WAYS, allocated on first use */
};

/* What one segment shows. */
struct rx_tcpseq_view {
	__u32 seq, ack;
	__u32 sack_base; /* subtract from SACK blocks (0: none) */
};

/* The numbers pkt (a TCP segment) shows; t NULL: absolute ones (-S). */
void rx_tcpseq__map(struct rx_tcpseq *t, const struct rx_pkt *pkt, struct rx_tcpseq_view *v);
void rx_tcpseq__free(struct rx_tcpseq *t);

#endif

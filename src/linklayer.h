/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The link layer of a capture record that does not start with Ethernet
 * (Linux cooked v1/v2, BSD loopback, raw IP), for the packet views
 * (render.c): what the header said, under tshark's names (sll.*,
 * null.family, raw), never dressed up as Ethernet.
 */
#ifndef RX_LINKLAYER_H
#define RX_LINKLAYER_H

#include <stdio.h>
#include "jsonw.h"
#include "rxray.h"

/* The one-line view's prefix, as tcpdump -i any prints it: "ifindex 3 Out ". */
void rx_link_line(FILE *out, const struct rx_pkt *pkt);
/* The one-line view of a frame that is not IP: 1 if printed ("sll protocol 0x0004"). */
int rx_link_not_ip(FILE *out, const struct rx_pkt *pkt);
/* -v: one line per link header ("  sll: pkttype 4 (outgoing) ..."). */
void rx_link_verbose(FILE *out, const struct rx_pkt *pkt);
/* --json: ,"sll":{...} / ,"null":{"family":2} / ,"raw":{} (nothing for Ethernet). */
void rx_link_json(struct jsonw *w, const struct rx_pkt *pkt);

#endif

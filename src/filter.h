/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * FILTER, the tcpdump (pcap-filter) expression the commands take after
 * their options, compiled once with libpcap for the records' link type
 * (Ethernet live; a capture file's own offline) and matched in user space.
 */
#ifndef RX_FILTER_H
#define RX_FILTER_H

#include "rxray.h"

struct rx_filter;

/*
 * The words of argv joined into one expression (as tcpdump does), or NULL
 * when argc is 0; *expr NULL too. Returns 0, or RX_EXIT_INPUT after one line
 * naming the expression ("invalid filter 'EXPR': why") or RX_EXIT_RUNTIME.
 * *expr (malloc'd) is the expression's text.
 */
int rx_filter__compile(struct rx_filter **out, char **expr, int argc, char **argv);
/* The words of argv joined into one expression (NULL: out of memory). */
char *rx_filter__join(int argc, char **argv);
/* The same for one expression (expr NULL: out of memory, said as such). */
int rx_filter__new(struct rx_filter **out, const char *expr);
/*
 * The same for frames of link type dlt (a DLT_ value: a capture file's own),
 * compiled with compiler (the file's libpcap handle, which knows its link
 * type best) or, when NULL, a handle made for dlt. The error names the link
 * type when it is not Ethernet.
 */
struct pcap;
int rx_filter__new_link(struct rx_filter **out, const char *expr, int dlt, struct pcap *compiler);
/* Does the frame (caplen bytes of wirelen) match? */
int rx_filter__match(const struct rx_filter *f, const void *data, __u32 caplen, __u32 wirelen);
/*
 * Does a transaction match: a TCP segment of its connection, the request's
 * (client to server) or the response's, each as an Ethernet/IP/TCP frame
 * with ACK and PSH set and no payload?
 */
int rx_filter__match_txn(const struct rx_filter *f, const struct rx_txn *t);
/* The compiled program, for pcap_setfilter on a capture file's handle. */
struct bpf_program *rx_filter__prog(struct rx_filter *f);
void rx_filter__free(struct rx_filter *f);

#endif

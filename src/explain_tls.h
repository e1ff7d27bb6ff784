/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The TLS story of one connection for rxray explain: the hellos' facts
 * (from the capture records) and the exchanges, read from the datapath's
 * own TLS entry of the connection (datapath/tlsconn.h) as it changes from
 * one packet of the connection to the next. Nothing is measured twice:
 * the datapath's entry says when a turn opened and closed, this follows
 * which packet did it and numbers the exchanges.
 */
#ifndef RX_EXPLAIN_TLS_H
#define RX_EXPLAIN_TLS_H

#include <jansson.h>
#include "rxray.h"
#include "tlsview.h"

struct rx_xtls {
	struct rx_tls_conn last; /* the datapath's entry as last read (last.phase 0: none) */
	__u64 prev_ns;           /* the connection's previous packet: what the next read shows */
	char ja4[RX_JA4_LEN + 1];
	__u16 offered, chosen, cipher; /* ClientHello's highest version; ServerHello's */
	__u8 client_hello, server_hello;
	__u64 sh_ns, done_ns;    /* ClientHello to ServerHello, to the first application data */
	__u32 opened, closed;    /* exchanges opened and closed so far */
	__u8 open, skip;         /* a client turn is open; it is TLS 1.3's Finished (no exchange) */
	__u8 tickets;            /* the last read's packet was TLS 1.3's session tickets (answering the Finished) */
	__u64 last_ns;           /* the last closed exchange's time */
	__u8 part, phase;        /* the explained packet's part and the phase after it */
	__u8 targeted, ended;    /* the packet is known; its connection ended (a new one began) */
	__u32 watch;             /* the exchange of the explained packet (0: none) */
	__u8 watched;            /* its time is known: watch_ns */
	__u64 watch_ns;
	/* live (rx_xtls_live): the packet's turn, watched in the entry until it closes */
	__u8 live, status;       /* status: RX_XTLS_* */
	__u64 turn_ns, ch_ns;    /* the packet's turn's start; its connection's ClientHello */
	__u8 have_row, exact;    /* row_n/row_sum read before a read that found the turn open */
	__u8 pend_have;          /* pend_*: the row read before the next entry's read */
	__u64 row_n, row_sum, pend_n, pend_sum; /* the row's exchanges: count, summed time */
};

enum { RX_XTLS_NONE, RX_XTLS_OPEN, RX_XTLS_CLOSED };

/* A capture record's hello of the connection (rec->tls): its facts. */
void rx_xtls_hello(struct rx_xtls *x, const struct rx_tls *t);
/*
 * The connection's datapath entry (NULL: none) read before the packet of
 * time ts_ns runs: what changed is the previous packet's doing.
 */
void rx_xtls_read(struct rx_xtls *x, const struct rx_tls_conn *c, __u64 ts_ns);
/* After the explained packet's read: the exchange it is part of is watched until it closes. */
void rx_xtls_target(struct rx_xtls *x);
/*
 * Live: the datapath's entry now (NULL: none) at now_ns, for the explained
 * packet of time pkt_ns sent by the client (client) or not. Capture records
 * are XDP's, before TC's TLS stage, and the server's answer leaves unseen:
 * the exchange is the entry's turn, from its opening to when a read finds
 * it closed. 1: all is known (the turn closed, or nothing to wait for).
 */
int rx_xtls_live(struct rx_xtls *x, const struct rx_tls_conn *c, __u64 pkt_ns, __u64 now_ns,
		 int client);
/*
 * Live: the connection's TLS row's exchanges (count n, summed time), read
 * before each read of the entry above (before: 1) and after the one that
 * found the turn closed (before: 0). When the row counted exactly one
 * exchange between, it is this one: its time is the datapath's, exact.
 */
void rx_xtls_live_row(struct rx_xtls *x, __u64 n, __u64 sum_ns, int before);
/* The story (docs/json.md "explain.tls"); NULL when the connection is not TLS. */
json_t *rx_xtls_json(const struct rx_xtls *x, int offline);
/* Its text lines, "tls: ..." (from the JSON above). */
void rx_xtls_print(FILE *out, const json_t *o);

#endif

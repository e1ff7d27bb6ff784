/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The model of `rxray top`, a view over counter snapshots: each sample
 * step turns a snapshot and the one before it into a frame, what one
 * screen shows. Every rate is the difference of the two over the time
 * between them (their last_ns); every total counts since top attached.
 * No terminal here: cmd_top.c draws frames with ncurses.
 */
#ifndef RX_TOPMODEL_H
#define RX_TOPMODEL_H

#include "snapshot.h"

#define TOP_HISTORY 60    /* samples in the sparklines: a minute */
#define TOP_ENDPOINTS 16  /* rows of the HTTP endpoints panel */
#define TOP_ROUTE_NAME 32 /* an endpoint's "METHOD route", with its NUL */

#define TOP_SHARE_NONE -1.0
#define TOP_SHARE_IDLE -2.0

enum top_sort { TOP_SORT_PACKETS, TOP_SORT_BYTES, TOP_SORT_RATE, TOP_SORT_MAX };

/* One talker or service: its totals and its rates over the last interval. */
struct top_row {
	struct rx_keyed k;
	double pps, bps; /* packets and bytes per second; < 0 before the second read */
};

/* One named number of a small panel (protocols, TCP, endpoints, losses, reasons). */
struct top_item {
	char name[48]; /* TLS rows: "TLS :port sni alpn hs done/conns" */
	double rate;  /* per second; < 0: not known yet */
	double share; /* percent, or TOP_SHARE_NONE (no column) or TOP_SHARE_IDLE ("-") */
	__u64 total;
	int warn;     /* worth the eye: drawn highlighted */
};

/* What one screen shows. */
struct top_frame {
	int rated;       /* two snapshots were read: rates are known */
	double dt;       /* seconds between them */
	double uptime;   /* seconds since top attached */
	struct rx_totals tot;
	double pps, bps; /* bits per second */
	double proto_ps[RX_PROTO_MAX];
	double reason_ps[RX_REASON_MAX];
	__u64 tcpkinds[RX_TCPK_MAX];
	double tcp_ps[RX_TCPK_MAX];
	__u64 health[RX_TCPH_MAX];
	double health_ps[RX_TCPH_MAX];
	double rtt_p50, synack_p50; /* seconds; 0: none seen */
	__u64 stats[RX_STAT_MAX];
	double stats_ps[RX_STAT_MAX];
	struct top_row *talkers, *services;
	size_t n_talkers, n_services;
	double hist_pps[TOP_HISTORY], hist_bps[TOP_HISTORY];
	int hist_n;
	struct top_item ep[TOP_ENDPOINTS]; /* HTTP endpoints, busiest first */
	int n_ep;
};

/* What the steps carry from one to the next. */
struct top_model {
	struct rx_snapshot prev; /* the last read, talkers and services sorted by key */
	struct rx_totals prev_tot;
	__s64 prev_ns;  /* when the last read was made (its last_ns, wall clock) */
	__s64 start_ns; /* CLOCK_MONOTONIC, when top attached */
	int have_prev;
	double hist_pps[TOP_HISTORY], hist_bps[TOP_HISTORY];
	int hist_n;
};

/* The after_ns to ask rx_source__snapshot_recent for: a read newer than the last. */
__u64 top_model__after(const struct top_model *m);
/*
 * One sample step: the snapshot s, read at now (CLOCK_MONOTONIC), becomes
 * frame f (talkers and services in the order how) and the next step's
 * baseline; s is the model's from now on. Returns 0, with nothing in f,
 * when s is the same read as the last (a shared read handed out twice).
 */
int top_model__step(struct top_model *m, struct rx_snapshot *s, __s64 now, enum top_sort how,
		    struct top_frame *f);
void top_model__free(struct top_model *m);

void top_frame__sort(struct top_frame *f, enum top_sort how);
void top_frame__free(struct top_frame *f);

#endif

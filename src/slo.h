/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Service level objectives and their burn rates (slo_burn, docs/alerts.md):
 * an endpoint's objective from the config file, and the counts of its
 * requests kept as running sums over the seconds, so that the share of bad
 * requests over any window (a second to three days) costs O(1).
 *
 * The burn rate of a window is its bad share over the error budget:
 * (bad / requests) / (1 - target). 1 spends the budget exactly over the
 * SLO's period; 14.4 spends 2 % of a 30-day budget in an hour (the Google
 * SRE workbook, "Alerting on SLOs").
 */
#ifndef RX_SLO_H
#define RX_SLO_H

#include <stddef.h>
#include <linux/types.h>

#define RX_SLO_METHOD 16
#define RX_SLO_ROUTE 256

/* One "slo = METHOD ROUTE PORT key=value..." line. */
struct rx_slo_def {
	char method[RX_SLO_METHOD];
	char route[RX_SLO_ROUTE];
	__u16 port;
	double availability;   /* target share of non-5xx answers (0.999), or 0: none */
	double latency_s;      /* threshold, or 0: no latency objective */
	double latency_target; /* share of requests faster than latency_s (0.99) */
};

/*
 * Parse the value of an "slo" line into d: 0, or -EINVAL with a message
 * naming the bad part in err (n bytes).
 */
int rx_slo_def__parse(struct rx_slo_def *d, const char *val, char *err, size_t n);

/* Running sums: requests, bad for availability (5xx), bad for latency (slower). */
struct rx_slo_cum {
	double requests, bad_avail, bad_latency;
};

#define RX_SLO_FINE 3601    /* seconds kept one by one: windows up to an hour are exact */
#define RX_SLO_COARSE 4322  /* minutes kept: longer windows (to 3 days) start on a minute */


struct rx_slo_ring {
	__u64 t;                               /* seconds recorded */
	struct rx_slo_cum now;                 /* the sums since the first */
	struct rx_slo_cum fine[RX_SLO_FINE];   /* the sums at the end of second t, at t % FINE */
	struct rx_slo_cum coarse[RX_SLO_COARSE]; /* and of minute t / 60, at (t / 60) % COARSE */
};

/* One more second of counts. */
void rx_slo_ring__add(struct rx_slo_ring *r, double requests, double bad_avail,
		      double bad_latency);
/*
 * The counts of the last window_s seconds into out; returns the seconds
 * the window actually covers (fewer while the ring is younger, up to a
 * minute more beyond an hour).
 */
double rx_slo_ring__window(const struct rx_slo_ring *r, double window_s, struct rx_slo_cum *out);

/* (bad / requests) / (1 - target); 0 without requests. */
double rx_slo_burn_rate(double bad, double requests, double target);

/*
 * Requests of a duration histogram (counts per bucket, bounds in µs, n
 * buckets, the last +Inf) slower than threshold_s, interpolated linearly
 * within the bucket the threshold falls in.
 */
double rx_slo_slower(const __u64 *counts, const unsigned int *bounds_us, size_t n,
		     double threshold_s);

#endif

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* SLOs: their config lines, running sums and burn rates; see slo.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slo.h"

/* A percentage strictly between 0 and 100, as a share (99.9 -> 0.999). */
static int parse_pct(const char *v, double *out)
{
	char *end;
	double p;

	errno = 0;
	p = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(p) || p <= 0 || p >= 100)
		return -1;
	*out = p / 100;
	return 0;
}

static int slo_kv(struct rx_slo_def *d, char *kv, char *err, size_t n)
{
	char *eq = strchr(kv, '='), *end;
	double v;

	if (!eq) {
		snprintf(err, n, "'%s': expected key=value", kv);
		return -EINVAL;
	}
	*eq = 0;
	if (!strcmp(kv, "availability") || !strcmp(kv, "latency_target")) {
		if (parse_pct(eq + 1, !strcmp(kv, "availability") ? &d->availability
								   : &d->latency_target)) {
			snprintf(err, n, "%s=%s: expected a percentage between 0 and 100 (exclusive)",
				 kv, eq + 1);
			return -EINVAL;
		}
	} else if (!strcmp(kv, "latency_ms")) {
		errno = 0;
		v = strtod(eq + 1, &end);
		if (!eq[1] || *end || errno || !isfinite(v) || v <= 0 || v > 10000) {
			/* the duration histogram's last finite bound is 10 s */
			snprintf(err, n, "latency_ms=%s: expected 0 < ms <= 10000", eq + 1);
			return -EINVAL;
		}
		d->latency_s = v / 1e3;
	} else {
		snprintf(err, n, "%s: unknown key (known: availability, latency_ms, latency_target)", kv);
		return -EINVAL;
	}
	return 0;
}

int rx_slo_def__parse(struct rx_slo_def *d, const char *val, char *err, size_t n)
{
	char buf[512], *tok, *save = NULL, *end;
	unsigned long port;
	int i = 0;

	memset(d, 0, sizeof(*d));
	if (strlen(val) >= sizeof(buf)) {
		snprintf(err, n, "too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), i++) {
		if (i == 0) {
			if (strlen(tok) >= RX_SLO_METHOD || strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(tok)) {
				snprintf(err, n, "'%s': expected an HTTP method (GET, POST, ...) first", tok);
				return -EINVAL;
			}
			snprintf(d->method, sizeof(d->method), "%s", tok);
		} else if (i == 1) {
			if (tok[0] != '/' || strlen(tok) >= RX_SLO_ROUTE) {
				snprintf(err, n, "'%s': expected a route (/users/{id}) after the method", tok);
				return -EINVAL;
			}
			snprintf(d->route, sizeof(d->route), "%s", tok);
		} else if (i == 2) {
			errno = 0;
			port = strtoul(tok, &end, 10);
			if (*end || errno || port < 1 || port > 65535 || tok[0] == '-') {
				snprintf(err, n, "'%s': expected the server port (1..65535) after the route", tok);
				return -EINVAL;
			}
			d->port = (__u16)port;
		} else if (slo_kv(d, tok, err, n)) {
			return -EINVAL;
		}
	}
	if (i < 3) {
		snprintf(err, n, "expected 'METHOD ROUTE PORT availability=PCT latency_ms=MS latency_target=PCT'");
		return -EINVAL;
	}
	if (!d->availability && !d->latency_s && !d->latency_target) {
		snprintf(err, n, "no objective: give availability=PCT or latency_ms=MS with latency_target=PCT");
		return -EINVAL;
	}
	if (!d->latency_s != !d->latency_target) {
		snprintf(err, n, "latency_ms and latency_target go together");
		return -EINVAL;
	}
	return 0;
}

static void cum_sub(struct rx_slo_cum *out, const struct rx_slo_cum *a, const struct rx_slo_cum *b)
{
	out->requests = a->requests - b->requests;
	out->bad_avail = a->bad_avail - b->bad_avail;
	out->bad_latency = a->bad_latency - b->bad_latency;
}

void rx_slo_ring__add(struct rx_slo_ring *r, double requests, double bad_avail,
		      double bad_latency)
{
	r->t++;
	r->now.requests += requests;
	r->now.bad_avail += bad_avail;
	r->now.bad_latency += bad_latency;
	r->fine[r->t % RX_SLO_FINE] = r->now;
	if (r->t % 60 == 0)
		r->coarse[(r->t / 60) % RX_SLO_COARSE] = r->now;
}

double rx_slo_ring__window(const struct rx_slo_ring *r, double window_s, struct rx_slo_cum *out)
{
	__u64 w = window_s < 1 ? 1 : (__u64)window_s, start, m;

	if (w >= r->t) { /* younger than the window: all there is */
		*out = r->now;
		return (double)r->t;
	}
	start = r->t - w; /* the sums at the end of second start are subtracted */
	if (w < RX_SLO_FINE) {
		cum_sub(out, &r->now, &r->fine[start % RX_SLO_FINE]);
		return (double)w;
	}
	m = start / 60; /* the minute boundary at or before start */
	if (!m) {
		*out = r->now;
		return (double)r->t;
	}
	cum_sub(out, &r->now, &r->coarse[m % RX_SLO_COARSE]);
	return (double)(r->t - m * 60);
}

double rx_slo_burn_rate(double bad, double requests, double target)
{
	if (requests <= 0 || target >= 1)
		return 0;
	return bad / requests / (1 - target);
}

double rx_slo_slower(const __u64 *counts, const unsigned int *bounds_us, size_t n,
		     double threshold_s)
{
	double slower = 0, lo = 0, hi;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == n - 1) { /* +Inf: past the last bound, so past any threshold allowed */
			slower += (double)counts[i];
			break;
		}
		hi = bounds_us[i] / 1e6;
		if (lo >= threshold_s)
			slower += (double)counts[i];
		else if (hi > threshold_s)
			slower += (double)counts[i] * (hi - threshold_s) / (hi - lo);
		lo = hi;
	}
	return slower;
}

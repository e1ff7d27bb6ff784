// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Quantiles from bucketed histograms: pure logic, tested on the host (tests/unit/unit_quantile.c). */
#include <math.h>
#include "quantile.h"

/*
 * The q-quantile in seconds of counts[nb] over bounds_us[nb - 1] (then
 * +Inf), interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile() does. When the smallest and largest values are known
 * (min_s <= max_s; pass 0 and INFINITY otherwise), the bucket is first
 * narrowed to them: a route answering in 20-22 ms falls in OpenTelemetry's
 * 10-25 ms bucket, and its p50 is 21 ms, not 17.5. The open bucket answers
 * with its lower bound (or the max). 0 for an empty histogram.
 */
double rx_quantile(const __u64 *counts, const unsigned int *bounds_us, __u32 nb, double q,
		   double min_s, double max_s)
{
	__u64 n = 0, cum = 0;
	double rank, lo = 0;
	__u32 b;

	for (b = 0; b < nb; b++)
		n += counts[b];
	if (!n)
		return 0;
	rank = q * (double)n;
	for (b = 0; b < nb; b++) {
		double hi = b < nb - 1 ? bounds_us[b] / 1e6 : fmax(lo, max_s);
		/*
		 * (the datapath's bucket holds whole microseconds up to its
		 * bound: values up to 1 us past it are in it too)
		 */
		double l = fmax(lo, min_s), h = max_s <= hi + 1e-6 ? max_s : hi;

		if (b == nb - 1 && !isfinite(hi))
			return l;
		if ((double)(cum + counts[b]) >= rank && counts[b]) {
			if (h < l) /* min/max from another moment than the buckets: trust the bucket */
				l = lo, h = hi;
			return l + (h - l) * (rank - (double)cum) / (double)counts[b];
		}
		cum += counts[b];
		lo = hi;
	}
	return lo;
}


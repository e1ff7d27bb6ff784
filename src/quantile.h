/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef RX_QUANTILE_H
#define RX_QUANTILE_H

#include <linux/types.h>

double rx_quantile(const __u64 *counts, const unsigned int *bounds_us, __u32 nb, double q,
		   double min_s, double max_s);

#endif

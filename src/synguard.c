// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The SYN guard's switch: thresholds and hysteresis; see synguard.h. */
#include <string.h>
#include "synguard.h"

void rx_synguard__init(struct rx_synguard *s, double threshold)
{
	memset(s, 0, sizeof(*s));
	s->threshold = threshold;
}

int rx_synguard__step(struct rx_synguard *s, double now, __u64 syn, __u64 done)
{
	double dt = now - s->last_t, half;
	__u64 dsyn, ddone;

	if (!s->primed || syn < s->last_syn || done < s->last_done || dt < 0) {
		s->primed = 1;
		s->last_t = now;
		s->last_syn = syn;
		s->last_done = done;
		return RX_SYNGUARD_SAME;
	}
	if (dt < 0.1)
		return RX_SYNGUARD_SAME;
	dsyn = syn - s->last_syn;
	ddone = done - s->last_done;
	half = dsyn > ddone ? (double)(dsyn - ddone) / dt : 0;
	s->half_open = half;
	s->last_t = now;
	s->last_syn = syn;
	s->last_done = done;
	if (!s->engaged) {
		if (half < s->threshold)
			return RX_SYNGUARD_SAME;
		s->engaged = 1;
		s->engagements++;
		s->calm_since = 0;
		return RX_SYNGUARD_ENGAGE;
	}
	if (half >= s->threshold * RX_SYNGUARD_RELEASE) {
		s->calm_since = 0;
		return RX_SYNGUARD_SAME;
	}
	if (!s->calm_since)
		s->calm_since = now;
	if (now - s->calm_since < RX_SYNGUARD_HOLD_S)
		return RX_SYNGUARD_SAME;
	s->engaged = 0;
	s->calm_since = 0;
	return RX_SYNGUARD_DISENGAGE;
}

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The SYN guard's switch (docs/guard.md, "The SYN guard"): a few times a
 * second the agent gives it the datapath's running totals of SYNs (counted
 * at XDP, before the guard drops any) and completed handshakes (TC); past
 * a threshold of half-open handshakes a second it engages, and the XDP
 * guard then limits the SYNs of sources that never completed a handshake.
 * It lets go with hysteresis: only after the rate stayed under half the
 * threshold for RX_SYNGUARD_HOLD_S. Pure logic here
 * (tests/unit/unit_synguard.c); src/guard.c acts on its answer, live and
 * in guard --replay alike.
 */
#ifndef RX_SYNGUARD_H
#define RX_SYNGUARD_H

#include <linux/types.h>

#define RX_SYNGUARD_STEP_S 0.25   /* how often the agent steps it */
#define RX_SYNGUARD_RELEASE 0.5   /* disengage below this fraction of the threshold ... */
#define RX_SYNGUARD_HOLD_S 3.0    /* ... held this long */

struct rx_synguard {
	double threshold;    /* half-open handshakes/s that engage it */
	int engaged;
	unsigned long engagements;
	double half_open;    /* the last step's rate (per second) */
	/* state */
	int primed;
	double last_t, calm_since;
	__u64 last_syn, last_done;
};

enum {
	RX_SYNGUARD_SAME = 0,
	RX_SYNGUARD_ENGAGE = 1,
	RX_SYNGUARD_DISENGAGE = 2,
};

void rx_synguard__init(struct rx_synguard *s, double threshold);
/*
 * One step at now (seconds) with the totals so far of SYNs and of
 * completed handshakes: RX_SYNGUARD_ENGAGE or _DISENGAGE when it changed
 * state, else RX_SYNGUARD_SAME. A step less than a tenth of a second after
 * the last one waits for more; totals that went down (a reload) start over.
 */
int rx_synguard__step(struct rx_synguard *s, double now, __u64 syn, __u64 done);

#endif

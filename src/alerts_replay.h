/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The detectors (alerts.h) over a capture file's seconds, in the capture's
 * time: each second's window is the source's counters at its end minus
 * those at its start.
 *
 *	r = rx_replay__new(src, &cfg, name);   (cfg.on_change gets the alerts)
 *	sink.on_second = rx_replay__second; sink.user = r;
 *	rx_source__run(src, &sink);
 *	rx_replay__finish(r);                   (the last, partial second)
 *	rx_replay__free(r);
 */
#ifndef RX_ALERTS_REPLAY_H
#define RX_ALERTS_REPLAY_H

#include "alerts.h"
#include "source.h"

struct rx_replay;
struct rx_replay *rx_replay__new(struct rx_source *src, const struct rx_alerts_cfg *cfg,
				 const char *name);
void rx_replay__second(void *user, __u64 ts); /* a struct rx_sink's on_second */
void rx_replay__finish(struct rx_replay *r);
void rx_replay__free(struct rx_replay *r);

#endif

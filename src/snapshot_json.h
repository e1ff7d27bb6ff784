/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A snapshot as JSON, for the agent's control socket (agent_wire.h): every
 * counter by its name (verdict, reason, protocol, stat, TCP kind, health,
 * latency), tables as rows, histograms as arrays whose length is checked.
 * A name this build does not know is skipped, so a reader never counts one
 * thing as another.
 */
#ifndef RX_SNAPSHOT_JSON_H
#define RX_SNAPSHOT_JSON_H

#include <jansson.h>
#include "snapshot.h"

json_t *rx_snapshot__to_json(const struct rx_snapshot *s);
/* 0, or -EPROTO (malformed, or histograms of other buckets): s then holds no tables. */
int rx_snapshot__from_json(struct rx_snapshot *s, const json_t *j);

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's control socket: a 0600 unix socket through which `top` and
 * `stats -i` read the counters of a running `serve` instead of attaching a
 * second datapath. One request per connection: "SNAP IFACE\n" (the counters
 * now: stats -i counts its window exactly) or "RECENT AFTER_NS IFACE\n"
 * (rx_source__snapshot_recent: top shares the agent's last read with the
 * /metrics scrapes and other top clients). The answer is a header and the
 * snapshot in the ABI's own layout (same build only). An older agent does
 * not answer RECENT, and its client hears "another rxray build".
 */
#ifndef RX_AGENT_H
#define RX_AGENT_H

#include "source.h"

#define RX_AGENT_DIR "/run/rxray"
#define RX_AGENT_SOCK RX_AGENT_DIR "/agent.sock"
#define RX_AGENT_SNAP "SNAP"
#define RX_AGENT_RECENT "RECENT"

/* Where clients look: $RXRAY_AGENT, else RX_AGENT_SOCK. */
const char *rx_agent_path(void);

struct rx_agent;

/* Serve snapshots of srcs[i] (named ifnames[i]) on path; 0 or an RX_EXIT_* after the error. */
int rx_agent__start(struct rx_agent **out, const char *path, struct rx_source **srcs,
		    const char **ifnames, int n);
void rx_agent__stop(struct rx_agent *a);

/*
 * Ask the agent on path for ifname's counters: now (after NULL), or a
 * recent read made after *after (rx_source__snapshot_recent). 0, or
 * -ENOENT (no agent), -ESRCH (the agent does not watch ifname), -EPROTO
 * (another rxray build).
 */
int rx_agent_fetch(const char *path, const char *ifname, const __u64 *after,
		   struct rx_snapshot *snap);

/* snap -= base, table entries matched by key; entries that did not grow are dropped. */
void rx_snapshot__subtract(struct rx_snapshot *snap, const struct rx_snapshot *base);

#endif

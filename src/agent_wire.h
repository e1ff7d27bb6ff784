/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's control socket protocol, shared by the server (agent.c) and
 * its client (source_agent.c): a 0600 unix socket through which `top` and
 * `stats -i` read the counters of a running `serve` instead of attaching a
 * second datapath. One request per connection: "SNAP IFACE\n" (the counters
 * now: stats -i counts its window exactly) or "RECENT AFTER_NS IFACE\n"
 * (rx_source__snapshot_recent: top shares the agent's last read with the
 * /metrics scrapes and other top clients). The answer is a header and the
 * snapshot in the ABI's own layout (same build only). An older agent does
 * not answer RECENT, and its client hears "another rxray build".
 */
#ifndef RX_AGENT_WIRE_H
#define RX_AGENT_WIRE_H

#include <stddef.h>
#include "rxray.h"

#define RX_AGENT_DIR "/run/rxray"
#define RX_AGENT_SOCK RX_AGENT_DIR "/agent.sock"
#define RX_AGENT_SNAP "SNAP"
#define RX_AGENT_RECENT "RECENT"
#define RX_AGENT_MAGIC 0x31535852u /* "RXS1" */

/* The answer's header; the snapshot and its tables follow. */
struct rx_agent_hdr {
	__u32 magic;
	__u32 status;     /* 0 ok, 1 unknown interface */
	__u32 fixed_size; /* sizeof(struct rx_snapshot): same build */
	__u32 n_talkers;
	__u32 n_services;
	__u32 n_endpoints;
	__u64 netns;      /* the agent's network namespace (inode): interface names are per netns */
};

/* Where clients look: $RXRAY_AGENT, else RX_AGENT_SOCK. */
const char *rx_agent_path(void);
/* A connected socket to path, or -1 with errno set. */
int rx_agent_connect(const char *path);
/* This process's network namespace, as an inode number (0 if unknown). */
__u64 rx_agent_netns(void);
/* All of len bytes, through EINTR and short counts: 0, or -1. */
int rx_agent_write(int fd, const void *buf, size_t len);
int rx_agent_read(int fd, void *buf, size_t len);

#endif

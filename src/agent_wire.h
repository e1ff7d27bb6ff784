/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's control socket protocol, shared by the server (agent.c) and
 * its client (source_agent.c): a 0600 unix socket through which `top` and
 * `stats -i` read the counters of a running `serve` instead of attaching a
 * second datapath. One request per connection, one JSON line each way
 * (docs/architecture.md, "User space"):
 *
 *   {"rxray.agent":2,"op":"snap","interface":"eth0"}
 *   {"rxray.agent":2,"op":"recent","interface":"eth0","after_ns":N}
 *   {"rxray.agent":2,"status":"ok","netns":N,"snapshot":{...}}
 *   {"rxray.agent":2,"op":"alerts","history":true}
 *   {"rxray.agent":2,"status":"ok","netns":N,"alerts":{"alerts":[...],"delivery":{...}}}
 *   {"rxray.agent":2,"op":"guard","guard":{"cmd":"block","cidr":"192.0.2.0/24",...}}
 *   {"rxray.agent":2,"status":"ok","rule":{...}}   (or "error", with "error" and "exit")
 *
 * "snap" is the counters now (stats -i counts its window exactly);
 * "recent" a read made after after_ns (rx_source__snapshot_recent: top
 * shares the agent's last read with the /metrics scrapes); "alerts" the
 * agent's alerts (`rxray alerts`: firing, and with history the resolved
 * ones kept; an agent of before it closes without an answer). Every message
 * names its protocol version; an agent asked in another one answers with
 * its own and "status":"version", and each end says both in one line.
 * Version 1, before this, sent raw structs (same build only); its answer
 * starts with RX_AGENT_MAGIC, and is recognised by it.
 */
#ifndef RX_AGENT_WIRE_H
#define RX_AGENT_WIRE_H

#include <stddef.h>
#include <jansson.h>
#include "rxray.h"

#define RX_AGENT_DIR "/run/rxray"
#define RX_AGENT_SOCK RX_AGENT_DIR "/agent.sock"
#define RX_AGENT_KEY "rxray.agent"  /* the key of every message's protocol version */
#define RX_AGENT_PROTO 2              /* this build's; raised when a message changes */
#define RX_AGENT_MAGIC 0x31535852u    /* "RXS1": the first bytes of a version-1 answer */

/* Where clients look: $RXRAY_AGENT, else RX_AGENT_SOCK. */
const char *rx_agent_path(void);
/* A connected socket to path, or -1 with errno set. */
int rx_agent_connect(const char *path);
/* This process's network namespace, as an inode number (0 if unknown). */
__u64 rx_agent_netns(void);
/* All of len bytes, through EINTR and short counts: 0, or -1. */
int rx_agent_write(int fd, const void *buf, size_t len);
/* One request line into line (at most size - 1 bytes, no newline), NUL-ended; "" if none. */
void rx_agent_request_read(int fd, char *line, size_t size);

struct rx_snapshot;
/* The request: the counters of ifname now (after NULL) or read after *after. 0, or -1. */
int rx_agent_request_write(int fd, const char *ifname, const __u64 *after);
/*
 * A request line: 0 (ifname, of n bytes, and *has_after and *after_ns set),
 * -EPROTO when it is none, or the version it speaks (> 0) when not ours.
 */
int rx_agent_request_parse(const char *line, char *ifname, size_t n, __u64 *after_ns,
			   int *has_after);
/* The answer: status "ok" (with snap), "unknown interface" or "version". 0, or -1. */
int rx_agent_answer_write(int fd, const char *status, const struct rx_snapshot *snap);
/*
 * Read the answer (until the agent closes): 0 and snap; -ESRCH (the agent
 * does not watch the interface, here); -EPROTONOSUPPORT, *peer_version the
 * agent's protocol (1: raw structs; 0: none said); -EPROTO (garbled).
 */
int rx_agent_answer_read(int fd, struct rx_snapshot *snap, int *peer_version);

/* The "alerts" request (history: the resolved ones too). 0, or -1. */
int rx_agent_alerts_request_write(int fd, int history);
/* A request line is an "alerts" one of our version: 1 (and *history), else 0. */
int rx_agent_request_is_alerts(const char *line, int *history);
/* The "alerts" answer (alerts taken, NULL: status "unavailable"). 0, or -1. */
int rx_agent_alerts_answer_write(int fd, json_t *alerts);
/*
 * Read the "alerts" answer: 0 and *alerts (the caller's); -EPROTONOSUPPORT
 * (another version, *peer_version); -EPROTO (garbled, or an agent that
 * does not know the request: it closed without an answer).
 */
int rx_agent_alerts_answer_read(int fd, json_t **alerts, int *peer_version);
/*
 * The running agent's alerts (`rxray alerts`, `top` over an agent): connect
 * to path, ask (history: the resolved ones too), read. 0 and *alerts (the
 * caller's); 1 when no agent answers at path (errno says why); else as
 * rx_agent_alerts_answer_read.
 */
int rx_agent_alerts(const char *path, int history, json_t **alerts, int *peer_version);

/*
 * The "guard" request (`rxray guard`, docs/guard.md): {"op":"guard",
 * "guard":{"cmd":"block","cidr":...}}; its answer is the guard's object
 * ({"status":"ok"|"error"|"unavailable",...}). An agent of before it
 * closes without an answer.
 */
int rx_agent_guard_request_write(int fd, const json_t *guard);
/* A request line's "guard" object (a new reference) when it is a guard request of ours, else NULL. */
json_t *rx_agent_request_guard(const char *line);
/* The answer (taken; NULL: "unavailable"). 0, or -1. */
int rx_agent_guard_answer_write(int fd, json_t *answer);
/* Read it: 0 and *answer (the caller's); -EPROTONOSUPPORT (*peer_version); -EPROTO. */
int rx_agent_guard_answer_read(int fd, json_t **answer, int *peer_version);

#endif
